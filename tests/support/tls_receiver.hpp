#pragma once

// An HTTPS receiver for the https push tests, and self-signed certificates made
// at test time by the `openssl` command line tool (scripts/setup.sh installs it).
// Header-only: the sender's unit tests and the integration tests both use it; link
// OpenSSL::SSL and Boost headers.

#include <stdlib.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <openssl/ssl.h>

namespace resonate::test {

/// A fresh directory under $TMPDIR (or /tmp), removed with everything in it.
class temp_dir {
 public:
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    std::string pattern = std::string(base && *base ? base : "/tmp") + "/resonate-tls-XXXXXX";
    if (!::mkdtemp(pattern.data())) throw std::runtime_error("temp_dir: mkdtemp failed");
    path_ = pattern;
  }
  ~temp_dir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

/// A self-signed certificate (its own CA) and its key, as PEM files in `dir`.
struct test_cert {
  std::string cert;  ///< also the CA file that trusts it
  std::string key;
};

/// `san` is an openssl subjectAltName value, e.g. "IP:127.0.0.1,DNS:localhost".
inline test_cert make_self_signed(const std::string& dir, const std::string& name,
                                  const std::string& cn, const std::string& san) {
  test_cert c{dir + "/" + name + ".pem", dir + "/" + name + ".key"};
  const std::string cmd = "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + cn +
                          " -addext subjectAltName=" + san + " -keyout " + c.key + " -out " +
                          c.cert + " >/dev/null 2>&1";
  if (std::system(cmd.c_str()) != 0) throw std::runtime_error("openssl req failed: " + cmd);
  return c;
}

/// HTTPS on 127.0.0.1:0 with the given certificate: records each complete request
/// (head, body and the SNI name the client sent), answers `status`, and counts
/// handshakes that failed (for example because the client rejected the certificate).
class tls_receiver {
 public:
  struct request {
    std::string head, body, server_name;
  };

  tls_receiver(const test_cert& cert, int status = 200)
      : status_(status), tls_(boost::asio::ssl::context::tls_server), acceptor_(io_) {
    tls_.use_certificate_chain_file(cert.cert);
    tls_.use_private_key_file(cert.key, boost::asio::ssl::context::pem);
    using tcp = boost::asio::ip::tcp;
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.set_option(tcp::acceptor::reuse_address(true));
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    accept();
    thread_ = std::thread([this] { io_.run(); });
  }
  ~tls_receiver() {
    boost::asio::post(io_, [this] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
    });
    io_.stop();
    thread_.join();
  }
  tls_receiver(const tls_receiver&) = delete;
  tls_receiver& operator=(const tls_receiver&) = delete;

  uint16_t port() const { return port_; }
  std::vector<request> requests() {
    std::lock_guard lock(mu_);
    return requests_;
  }
  int failed_handshakes() const { return failed_; }

 private:
  using error_code = boost::system::error_code;
  struct conn {
    conn(boost::asio::ip::tcp::socket s, boost::asio::ssl::context& ctx)
        : stream(std::move(s), ctx), deadline(stream.get_executor()) {}
    boost::asio::ssl::stream<boost::asio::ip::tcp::socket> stream;
    boost::asio::steady_timer deadline;
    std::string buf, reply;
    char chunk[8192];
  };

  void accept() {
    acceptor_.async_accept([this](error_code ec, boost::asio::ip::tcp::socket s) {
      if (ec) return;  // closed
      auto c = std::make_shared<conn>(std::move(s), tls_);
      c->deadline.expires_after(std::chrono::seconds(5));
      c->deadline.async_wait([c](error_code e) {
        error_code ignored;
        if (!e) c->stream.lowest_layer().close(ignored);
      });
      c->stream.async_handshake(boost::asio::ssl::stream_base::server, [this, c](error_code e) {
        if (e) {
          ++failed_;
          c->deadline.cancel();
          return;
        }
        read(c);
      });
      accept();
    });
  }

  void read(const std::shared_ptr<conn>& c) {
    c->stream.async_read_some(boost::asio::buffer(c->chunk), [this, c](error_code e, size_t n) {
      if (e) return;
      c->buf.append(c->chunk, n);
      auto head_end = c->buf.find("\r\n\r\n");
      if (head_end == std::string::npos) return read(c);
      std::string lower;
      for (char ch : c->buf.substr(0, head_end)) {
        lower.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
      }
      auto cl = lower.find("content-length:");
      size_t need = cl == std::string::npos ? 0 : std::stoul(lower.substr(cl + 15));
      if (c->buf.size() < head_end + 4 + need) return read(c);
      const char* sni = SSL_get_servername(c->stream.native_handle(), TLSEXT_NAMETYPE_host_name);
      {
        std::lock_guard lock(mu_);
        requests_.push_back(
          {c->buf.substr(0, head_end), c->buf.substr(head_end + 4, need), sni ? sni : ""});
      }
      c->reply = "HTTP/1.1 " + std::to_string(status_) +
                 " X\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
      boost::asio::async_write(c->stream, boost::asio::buffer(c->reply),
                               [c](error_code, size_t) {
                                 error_code ignored;
                                 c->deadline.cancel();
                                 c->stream.lowest_layer().close(ignored);
                               });
    });
  }

  int status_;
  boost::asio::io_context io_;
  boost::asio::ssl::context tls_;
  boost::asio::ip::tcp::acceptor acceptor_;
  uint16_t port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::vector<request> requests_;
  std::atomic<int> failed_{0};
};

}  // namespace resonate::test
