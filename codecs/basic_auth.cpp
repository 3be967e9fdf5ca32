#include "codecs/basic_auth.hpp"

#include <openssl/crypto.h>

#include "codecs/base64.hpp"

namespace resonate::codecs {

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

basic_auth::basic_auth(const std::map<std::string, std::string>& users) {
  for (const auto& [user, password] : users) {
    accepted_.push_back("Basic " + base64_encode(user + ":" + password));
  }
}

bool basic_auth::allows(std::string_view authorization) const {
  if (accepted_.empty()) return true;
  bool ok = false;
  for (const auto& want : accepted_) ok |= constant_time_equal(want, authorization);
  return ok;
}

}  // namespace resonate::codecs
