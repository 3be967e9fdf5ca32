#include "cli/http_client.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <array>
#include <cctype>
#include <charconv>
#include <functional>

namespace resonate::cli {

namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

bool same_name(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

std::string_view strip(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

std::optional<size_t> parse_size(std::string_view s, int base) {
  size_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v, base);
  if (ec != std::errc{} || ptr == s.data()) return std::nullopt;
  return v;
}

// Decodes a complete chunked body at the front of `raw`; nullopt while incomplete.
// Throws unreachable on a malformed chunk size.
std::optional<std::string> dechunk(std::string_view raw, const std::string& where) {
  std::string out;
  size_t pos = 0;
  while (true) {
    const size_t eol = raw.find("\r\n", pos);
    if (eol == std::string_view::npos) return std::nullopt;
    std::string_view size_text = raw.substr(pos, eol - pos);
    size_text = size_text.substr(0, size_text.find(';'));
    auto size = parse_size(strip(size_text), 16);
    if (!size) throw unreachable(where + ": malformed chunked response");
    pos = eol + 2;
    if (*size == 0) return out;  // trailers are not used by the server
    if (raw.size() < pos + *size + 2) return std::nullopt;
    out.append(raw.substr(pos, *size));
    pos += *size + 2;
  }
}

// Parses a complete response out of `raw`; nullopt while more bytes are needed.
// `eof`: the peer closed, so a body without a length ends here.
std::optional<http_reply> parse_reply(const std::string& raw, bool eof, bool head_only,
                                      const std::string& where) {
  const size_t end = raw.find("\r\n\r\n");
  if (end == std::string::npos) {
    if (eof) throw unreachable(where + ": the connection closed before a complete HTTP response");
    return std::nullopt;
  }
  http_reply r;
  std::string_view head(raw.data(), end);
  size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) {
    throw unreachable(where + ": the answer is not HTTP");
  }
  auto code = parse_size(status_line.substr(9, 3), 10);
  if (!code) throw unreachable(where + ": the answer is not HTTP");
  r.status = static_cast<int>(*code);
  if (status_line.size() > 13) r.reason = std::string(status_line.substr(13));
  while (eol != std::string_view::npos) {
    const size_t start = eol + 2;
    eol = head.find("\r\n", start);
    std::string_view line = head.substr(start, eol == std::string_view::npos ? eol : eol - start);
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    r.headers.emplace_back(std::string(strip(line.substr(0, colon))),
                           std::string(strip(line.substr(colon + 1))));
  }
  std::string_view rest(raw.data() + end + 4, raw.size() - end - 4);
  if (head_only || r.status == 204 || r.status == 304 || r.status / 100 == 1) return r;
  if (auto te = r.header("Transfer-Encoding"); te && same_name(strip(*te), "chunked")) {
    auto body = dechunk(rest, where);
    if (!body) {
      if (eof) throw unreachable(where + ": the connection closed in the middle of a response");
      return std::nullopt;
    }
    r.body = std::move(*body);
    return r;
  }
  if (auto cl = r.header("Content-Length")) {
    auto n = parse_size(strip(*cl), 10);
    if (!n) throw unreachable(where + ": bad Content-Length in the response");
    if (rest.size() < *n) {
      if (eof) throw unreachable(where + ": the connection closed in the middle of a response");
      return std::nullopt;
    }
    r.body = std::string(rest.substr(0, *n));
    return r;
  }
  if (!eof) return std::nullopt;
  r.body = std::string(rest);
  return r;
}

}  // namespace

std::optional<std::string> http_reply::header(std::string_view name) const {
  for (const auto& [k, v] : headers) {
    if (same_name(k, name)) return v;
  }
  return std::nullopt;
}

std::optional<server_url> parse_server_url(const std::string& text, std::string& why) {
  server_url u;
  u.text = text;
  std::string_view s = text;
  if (s.rfind("https://", 0) == 0) {
    why = "https is not supported by this CLI; use http://";
    return std::nullopt;
  }
  if (s.rfind("http://", 0) == 0) s.remove_prefix(7);
  // Without a scheme, "localhost:8001" still means http.
  const size_t slash = s.find('/');
  std::string_view authority = s.substr(0, slash);
  if (slash != std::string_view::npos) {
    std::string_view path = s.substr(slash);
    while (!path.empty() && path.back() == '/') path.remove_suffix(1);
    u.prefix = std::string(path);
  }
  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    why = "put credentials in -U/--username and -P/--password, not in the URL";
    return std::nullopt;
  }
  std::string_view port;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      why = "unbalanced '[' in the host";
      return std::nullopt;
    }
    u.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') {
        why = "expected ':' after the IPv6 host";
        return std::nullopt;
      }
      port = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    u.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (u.host.empty()) {
    why = "the URL has no host";
    return std::nullopt;
  }
  if (!port.empty()) {
    auto p = parse_size(port, 10);
    if (!p || *p == 0 || *p > 65535 || std::to_string(*p) != port) {
      why = "bad port '" + std::string(port) + "'";
      return std::nullopt;
    }
    u.port = std::string(port);
  }
  return u;
}

http_client::http_client(server_url url, header_list headers, std::chrono::milliseconds timeout)
    : url_(std::move(url)), headers_(std::move(headers)), timeout_(timeout) {}

http_reply http_client::send(std::string_view method, const std::string& target,
                             std::string_view body, const header_list& extra) const {
  const std::string where = url_.text;
  const bool v6 = url_.host.find(':') != std::string::npos;
  std::string request;
  request.append(method).append(" ").append(url_.prefix).append(target).append(" HTTP/1.1\r\n");
  request.append("Host: ").append(v6 ? "[" + url_.host + "]" : url_.host);
  if (url_.port != "80") request.append(":").append(url_.port);
  request.append("\r\nConnection: close\r\nAccept: application/json\r\n");
  for (const auto* list : {&headers_, &extra}) {
    for (const auto& [k, v] : *list) request.append(k).append(": ").append(v).append("\r\n");
  }
  if (!body.empty() || method == "POST" || method == "PATCH") {
    request.append("Content-Type: application/json\r\nContent-Length: ")
        .append(std::to_string(body.size()))
        .append("\r\n");
  }
  request.append("\r\n").append(body);

  asio::io_context io;
  tcp::resolver resolver(io);
  tcp::socket socket(io);
  std::string raw;
  std::array<char, 16384> chunk{};
  std::optional<http_reply> reply;
  std::string failure;
  const bool head_only = method == "HEAD";

  std::function<void()> read_more = [&] {
    socket.async_read_some(asio::buffer(chunk), [&](error_code ec, size_t n) {
      raw.append(chunk.data(), n);
      const bool eof = ec == asio::error::eof;
      if (ec && !eof) {
        failure = where + ": " + ec.message();
        return;
      }
      try {
        reply = parse_reply(raw, eof, head_only, where);
      } catch (const unreachable& e) {
        failure = e.what();
        return;
      }
      if (!reply) read_more();
    });
  };
  resolver.async_resolve(url_.host, url_.port, [&](error_code ec, tcp::resolver::results_type rs) {
    if (ec) {
      failure = "cannot resolve " + url_.host + " (" + where + "): " + ec.message();
      return;
    }
    asio::async_connect(socket, rs, [&](error_code ec2, const tcp::endpoint&) {
      if (ec2) {
        failure = "cannot connect to " + where + ": " + ec2.message();
        return;
      }
      asio::async_write(socket, asio::buffer(request), [&](error_code ec3, size_t) {
        if (ec3) {
          failure = "cannot send to " + where + ": " + ec3.message();
          return;
        }
        read_more();
      });
    });
  });
  io.run_for(timeout_);
  if (reply) return std::move(*reply);
  if (!failure.empty()) throw unreachable(failure);
  throw unreachable("no answer from " + where + " within " +
                    std::to_string(timeout_.count() / 1000) + " s");
}

std::string percent_encode(std::string_view s, bool keep_slash) {
  static constexpr char hex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

}  // namespace resonate::cli
