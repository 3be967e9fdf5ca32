#pragma once
// RSA key pairs generated at test time (never committed) and JWTs signed with libjwt,
// for the auth tests. Header-only: link OpenSSL::Crypto and PkgConfig::JWT.

#include <jwt.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>

namespace resonate::test {

/// A fresh RSA key pair as PEM text: PKIX public key, PKCS#8 private key.
struct rsa_key_pair {
  std::string public_pem;
  std::string private_pem;
};

inline std::string bio_text(BIO* bio) {
  char* data = nullptr;
  long n = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(n));
}

inline rsa_key_pair make_rsa_key_pair(unsigned bits = 2048) {
  EVP_PKEY* key = EVP_RSA_gen(bits);
  if (!key) throw std::runtime_error("EVP_RSA_gen failed");
  rsa_key_pair out;
  BIO* pub = BIO_new(BIO_s_mem());
  BIO* priv = BIO_new(BIO_s_mem());
  bool ok = PEM_write_bio_PUBKEY(pub, key) == 1 &&
            PEM_write_bio_PrivateKey(priv, key, nullptr, nullptr, 0, nullptr, nullptr) == 1;
  if (ok) {
    out.public_pem = bio_text(pub);
    out.private_pem = bio_text(priv);
  }
  BIO_free(pub);
  BIO_free(priv);
  EVP_PKEY_free(key);
  if (!ok) throw std::runtime_error("cannot write the PEM keys");
  return out;
}

/// An EC (P-256) public key: a valid PEM that is not RSA.
inline std::string make_ec_public_pem() {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  if (!key) throw std::runtime_error("EVP_EC_gen failed");
  BIO* pub = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(pub, key);
  std::string out = bio_text(pub);
  BIO_free(pub);
  EVP_PKEY_free(key);
  return out;
}

/// Signs `claims_json` (a JSON object) with `alg` and `key` (a private PEM for RS*, the
/// secret for HS*, empty for none).
inline std::string sign_token(std::string_view claims_json, jwt_alg_t alg, std::string_view key) {
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) throw std::runtime_error("jwt_new failed");
  std::unique_ptr<jwt_t, void (*)(jwt_t*)> j(raw, jwt_free);
  std::string claims(claims_json);
  if (jwt_add_grants_json(j.get(), claims.c_str()) != 0) {
    throw std::runtime_error("bad claims JSON: " + claims);
  }
  const auto* k = key.empty() ? nullptr : reinterpret_cast<const unsigned char*>(key.data());
  if (jwt_set_alg(j.get(), alg, k, static_cast<int>(key.size())) != 0) {
    throw std::runtime_error("jwt_set_alg failed");
  }
  char* text = jwt_encode_str(j.get());
  if (!text) throw std::runtime_error("jwt_encode_str failed");
  std::string out(text);
  free(text);  // libjwt 1.10 has no jwt_free_str
  return out;
}

/// An RS256 token with `claims_json`.
inline std::string rs256(const rsa_key_pair& keys, std::string_view claims_json) {
  return sign_token(claims_json, JWT_ALG_RS256, keys.private_pem);
}

}  // namespace resonate::test
