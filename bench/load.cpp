// resonate_bench: a closed-loop HTTP/1.1 load generator for the REST v1 API
// and protocol 2026-04-01 (POST / envelopes).
//
// Plain POSIX sockets + epoll, no HTTP library, so that its own CPU cost stays
// small: it shares the machine's cores with the server under test.
//
// Every connection is keep-alive and has exactly one request in flight. For
// --mix create-complete each connection alternates POST /promises (fresh id)
// and PATCH /promises/<that id>, so ops = creates + completes. For
// --mix create-settle-2026 each connection alternates POST / with a
// promise.create envelope (fresh id) and POST / with promise.settle of that
// id: the same figure in protocol 2026-04-01 (ops = creates + settles; the
// HTTP status equals head.status there, so only 200 is a success).
//
// Only responses that arrive after the warm-up and before the end of the
// measured window are counted. Latency = time from the first byte written to
// the last byte of the response read; all samples are kept and sorted, so the
// percentiles are exact.

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;

enum class mix { create_complete, create_settle_2026, ping, create, read };

struct options {
  std::string host = "127.0.0.1";
  int port = 8001;
  int connections = 64;
  double duration_s = 10.0;
  double warmup_s = 2.0;
  mix workload = mix::create_complete;
  std::string mix_name = "create-complete";
  std::string id_prefix;
  int threads = 1;
  double drain_s = 5.0;
};

[[noreturn]] void usage(const char* msg) {
  if (msg) std::fprintf(stderr, "resonate_bench: %s\n", msg);
  std::fprintf(stderr,
               "usage: resonate_bench [--host H] [--port P] [--connections N] [--duration 10s]\n"
               "                      [--warmup 2s]\n"
               "                      [--mix create-complete|create-settle-2026|ping|create|read]\n"
               "                      [--id-prefix STR] [--threads 1|2]\n");
  std::exit(2);
}

// "10s", "500ms", "1.5" (seconds), "2m".
double parse_duration(const std::string& s) {
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str() || v < 0) usage(("bad duration: " + s).c_str());
  std::string unit(end);
  if (unit.empty() || unit == "s") return v;
  if (unit == "ms") return v / 1000.0;
  if (unit == "m") return v * 60.0;
  usage(("bad duration unit: " + s).c_str());
}

int parse_int(const std::string& s, const char* what) {
  int v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc{} || p != s.data() + s.size())
    usage((std::string("bad ") + what + ": " + s).c_str());
  return v;
}

options parse_args(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    std::string v;
    auto eq = a.find('=');
    if (a.rfind("--", 0) == 0 && eq != std::string::npos) {
      v = a.substr(eq + 1);
      a = a.substr(0, eq);
    } else if (a == "-h" || a == "--help") {
      usage(nullptr);
    } else {
      if (i + 1 >= argc) usage(("missing value for " + a).c_str());
      v = argv[++i];
    }
    if (a == "--host")
      o.host = v;
    else if (a == "--port")
      o.port = parse_int(v, "port");
    else if (a == "--connections")
      o.connections = parse_int(v, "connections");
    else if (a == "--duration")
      o.duration_s = parse_duration(v);
    else if (a == "--warmup")
      o.warmup_s = parse_duration(v);
    else if (a == "--id-prefix")
      o.id_prefix = v;
    else if (a == "--threads")
      o.threads = parse_int(v, "threads");
    else if (a == "--mix") {
      o.mix_name = v;
      if (v == "create-complete")
        o.workload = mix::create_complete;
      else if (v == "create-settle-2026")
        o.workload = mix::create_settle_2026;
      else if (v == "ping")
        o.workload = mix::ping;
      else if (v == "create")
        o.workload = mix::create;
      else if (v == "read")
        o.workload = mix::read;
      else
        usage(("unknown mix: " + v).c_str());
    } else
      usage(("unknown option: " + a).c_str());
  }
  if (o.connections < 1) usage("--connections must be >= 1");
  if (o.threads < 1) usage("--threads must be >= 1");
  if (o.threads > o.connections) o.threads = o.connections;
  if (o.duration_s <= 0) usage("--duration must be > 0");
  if (o.id_prefix.empty()) {
    o.id_prefix = "bench-" + std::to_string(::getpid()) + "-" +
                  std::to_string(std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count());
  }
  return o;
}

int64_t now_epoch_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
           std::chrono::system_clock::now().time_since_epoch())
    .count();
}

// ---------------------------------------------------------------------------
// HTTP/1.1 response parser (status line, headers, Content-Length or chunked).

struct http_response {
  int status = 0;
  bool keep_alive = true;
};

enum class parse_result { need_more, done, bad };

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

bool icontains(std::string_view hay, std::string_view needle) {
  if (needle.size() > hay.size()) return false;
  for (size_t i = 0; i + needle.size() <= hay.size(); ++i)
    if (iequals(hay.substr(i, needle.size()), needle)) return true;
  return false;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r'))
    s.remove_suffix(1);
  return s;
}

// Parses one complete response at the start of buf. On done, *consumed is its
// length in bytes. Responses to HEAD are not used here, and 1xx are skipped by
// the caller treating them as a response (the API never sends them).
parse_result parse_response(std::string_view buf, http_response& out, size_t* consumed) {
  auto hdr_end = buf.find("\r\n\r\n");
  if (hdr_end == std::string_view::npos)
    return buf.size() > 64 * 1024 ? parse_result::bad : parse_result::need_more;
  std::string_view head = buf.substr(0, hdr_end);
  auto line_end = head.find("\r\n");
  std::string_view status_line = head.substr(0, line_end);
  // "HTTP/1.1 201 Created"
  if (status_line.size() < 12 || status_line.substr(0, 5) != "HTTP/") return parse_result::bad;
  bool http10 = status_line.substr(5, 3) == "1.0";
  auto sp = status_line.find(' ');
  if (sp == std::string_view::npos || sp + 4 > status_line.size()) return parse_result::bad;
  int status = 0;
  auto [p, ec] = std::from_chars(status_line.data() + sp + 1, status_line.data() + sp + 4, status);
  if (ec != std::errc{} || p != status_line.data() + sp + 4) return parse_result::bad;

  std::optional<size_t> content_length;
  bool chunked = false;
  bool keep_alive = !http10;
  size_t pos = line_end == std::string_view::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    auto e = head.find("\r\n", pos);
    if (e == std::string_view::npos) e = head.size();
    std::string_view line = head.substr(pos, e - pos);
    pos = e + 2;
    auto colon = line.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (iequals(name, "content-length")) {
      size_t n = 0;
      auto [q, ec2] = std::from_chars(value.data(), value.data() + value.size(), n);
      if (ec2 != std::errc{} || q != value.data() + value.size()) return parse_result::bad;
      content_length = n;
    } else if (iequals(name, "transfer-encoding")) {
      if (icontains(value, "chunked")) chunked = true;
    } else if (iequals(name, "connection")) {
      if (icontains(value, "close"))
        keep_alive = false;
      else if (icontains(value, "keep-alive"))
        keep_alive = true;
    }
  }

  size_t body_start = hdr_end + 4;
  size_t total = 0;
  bool no_body = status == 204 || status == 304 || (status >= 100 && status < 200);
  if (no_body) {
    total = body_start;
  } else if (chunked) {
    size_t at = body_start;
    for (;;) {
      auto le = buf.find("\r\n", at);
      if (le == std::string_view::npos) return parse_result::need_more;
      size_t n = 0;
      std::string_view sz = buf.substr(at, le - at);
      auto semi = sz.find(';');
      if (semi != std::string_view::npos) sz = sz.substr(0, semi);
      sz = trim(sz);
      auto [q, ec3] = std::from_chars(sz.data(), sz.data() + sz.size(), n, 16);
      if (ec3 != std::errc{} || sz.empty()) return parse_result::bad;
      at = le + 2;
      if (n == 0) {
        // Trailers (ignored) end with an empty line.
        auto te = buf.find("\r\n", at);
        while (te != std::string_view::npos && te != at) {
          at = te + 2;
          te = buf.find("\r\n", at);
        }
        if (te == std::string_view::npos) return parse_result::need_more;
        total = te + 2;
        break;
      }
      if (buf.size() < at + n + 2) return parse_result::need_more;
      at += n + 2;
    }
  } else if (content_length) {
    if (buf.size() < body_start + *content_length) return parse_result::need_more;
    total = body_start + *content_length;
  } else {
    // Body delimited by close: not supported for keep-alive measurement.
    return parse_result::bad;
  }
  out.status = status;
  out.keep_alive = keep_alive;
  *consumed = total;
  return parse_result::done;
}

// ---------------------------------------------------------------------------
// Per-thread worker: an epoll loop over its share of the connections.

enum class op_kind : uint8_t { create, complete, ping, read, create26, settle26 };

struct stats {
  std::vector<uint32_t> lat_us;  // measured window only
  uint64_t ops = 0;              // 2xx + non-2xx responses in the window
  uint64_t creates = 0, completes = 0, pings = 0, reads = 0;
  uint64_t errors = 0;            // failed responses in the window: non-2xx (2026: non-200)
  uint64_t transport_errors = 0;  // resets, parse errors, unexpected close (any time)
  uint64_t reconnects = 0;
  uint64_t unfinished = 0;                   // requests still in flight when the drain ended
  std::map<int, uint64_t> status_counts;     // in the window
  std::map<int, std::string> error_samples;  // first body prefix per error status
};

struct connection {
  int fd = -1;
  int index = 0;
  bool connecting = false;
  bool in_flight = false;
  bool want_write = false;
  op_kind kind = op_kind::create;
  op_kind next = op_kind::create;
  uint64_t seq = 0;
  std::string id;
  std::string out;
  size_t out_off = 0;
  std::string in;
  time_point sent_at;
  time_point reopen_at;
};

class worker {
public:
  worker(const options& o, sockaddr_storage addr, socklen_t addrlen, int first, int count)
    : opt_(o), addr_(addr), addrlen_(addrlen) {
    conns_.resize(static_cast<size_t>(count));
    for (int i = 0; i < count; ++i) conns_[static_cast<size_t>(i)].index = first + i;
    host_header_ = o.host + ":" + std::to_string(o.port);
  }

  void run(time_point start, time_point measure_from, time_point measure_to) {
    measure_from_ = measure_from;
    measure_to_ = measure_to;
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) throw std::runtime_error(std::string("epoll_create1: ") + std::strerror(errno));
    while (clock_type::now() < start) std::this_thread::sleep_for(std::chrono::microseconds(200));
    for (auto& c : conns_) {
      c.next = first_op();
      open(c);
    }
    stats_.lat_us.reserve(1 << 20);
    const time_point drain_until =
      measure_to + std::chrono::microseconds(static_cast<int64_t>(opt_.drain_s * 1e6));
    std::vector<epoll_event> events(256);
    for (;;) {
      auto now = clock_type::now();
      stopping_ = now >= measure_to;
      if (stopping_) {
        size_t busy = 0;
        for (auto& c : conns_) busy += (c.in_flight || c.connecting) ? 1 : 0;
        if (busy == 0) break;
        if (now >= drain_until) {
          stats_.unfinished += busy;
          break;
        }
      }
      reopen_due();
      int n =
        epoll_wait(ep_, events.data(), static_cast<int>(events.size()), reopen_pending_ ? 1 : 10);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error(std::string("epoll_wait: ") + std::strerror(errno));
      }
      for (int i = 0; i < n; ++i) {
        auto& c = conns_[events[static_cast<size_t>(i)].data.u64];
        uint32_t ev = events[static_cast<size_t>(i)].events;
        if (c.fd < 0) continue;
        if (c.connecting) {
          int err = 0;
          socklen_t len = sizeof err;
          getsockopt(c.fd, SOL_SOCKET, SO_ERROR, &err, &len);
          if (err != 0 || (ev & (EPOLLERR | EPOLLHUP))) {
            if (first_connect_failures_++ < 3)
              std::fprintf(stderr, "resonate_bench: connect: %s\n",
                           std::strerror(err ? err : ECONNREFUSED));
            fail(c, false, std::chrono::milliseconds(10));
            continue;
          }
          c.connecting = false;
          set_events(c, EPOLLIN);
          if (!stopping_) send_next(c);
          continue;
        }
        if (ev & EPOLLOUT) flush(c);
        if (c.fd >= 0 && (ev & (EPOLLIN | EPOLLERR | EPOLLHUP))) read_ready(c);
      }
    }
    for (auto& c : conns_)
      if (c.fd >= 0) ::close(c.fd);
    ::close(ep_);
  }

  stats& result() { return stats_; }

private:
  op_kind first_op() const {
    switch (opt_.workload) {
      case mix::ping:
        return op_kind::ping;
      case mix::read:
        return op_kind::create;  // one create, then reads of that id
      case mix::create_settle_2026:
        return op_kind::create26;
      default:
        return op_kind::create;
    }
  }

  void set_events(connection& c, uint32_t events) {
    epoll_event ev{};
    ev.events = events;
    ev.data.u64 = static_cast<uint64_t>(&c - conns_.data());
    epoll_ctl(ep_, EPOLL_CTL_MOD, c.fd, &ev);
  }

  void open(connection& c) {
    c.in.clear();
    c.out.clear();
    c.out_off = 0;
    c.in_flight = false;
    c.fd = ::socket(addr_.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (c.fd < 0) throw std::runtime_error(std::string("socket: ") + std::strerror(errno));
    int one = 1;
    setsockopt(c.fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    epoll_event ev{};
    ev.data.u64 = static_cast<uint64_t>(&c - conns_.data());
    int r = ::connect(c.fd, reinterpret_cast<sockaddr*>(&addr_), addrlen_);
    if (r == 0) {
      c.connecting = false;
      ev.events = EPOLLIN;
      epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
      send_next(c);
    } else if (errno == EINPROGRESS) {
      c.connecting = true;
      ev.events = EPOLLOUT;
      epoll_ctl(ep_, EPOLL_CTL_ADD, c.fd, &ev);
    } else {
      if (first_connect_failures_++ < 3)
        std::fprintf(stderr, "resonate_bench: connect: %s\n", std::strerror(errno));
      ::close(c.fd);
      c.fd = -1;
      stats_.transport_errors++;
      // Retry later (from the loop) so a dead server does not spin the CPU.
      schedule_reopen(c, std::chrono::milliseconds(10));
    }
  }

  // Transport failure: count it, drop the connection and open a new one.
  void fail(connection& c, bool count_reconnect,
            std::chrono::milliseconds retry_after = std::chrono::milliseconds(1)) {
    stats_.transport_errors++;
    if (c.fd >= 0) {
      epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
      ::close(c.fd);
      c.fd = -1;
    }
    c.connecting = false;
    c.in_flight = false;
    if (count_reconnect) stats_.reconnects++;
    schedule_reopen(c, retry_after);
  }

  void schedule_reopen(connection& c, std::chrono::milliseconds delay) {
    c.fd = -1;
    c.connecting = false;
    c.in_flight = false;
    c.want_write = false;
    c.reopen_at = clock_type::now() + delay;
    reopen_pending_ = true;
  }

  void reopen_due() {
    if (!reopen_pending_ || stopping_) return;
    reopen_pending_ = false;
    auto now = clock_type::now();
    for (auto& c : conns_) {
      if (c.fd >= 0) continue;
      if (now >= c.reopen_at) open(c);
      if (c.fd < 0) reopen_pending_ = true;
    }
  }

  void build_request(connection& c) {
    std::string& o = c.out;
    o.clear();
    c.out_off = 0;
    switch (c.kind) {
      case op_kind::ping:
        o += "GET /ping HTTP/1.1\r\nHost: ";
        o += host_header_;
        o += "\r\n\r\n";
        break;
      case op_kind::read:
        o += "GET /promises/";
        o += c.id;
        o += " HTTP/1.1\r\nHost: ";
        o += host_header_;
        o += "\r\n\r\n";
        break;
      case op_kind::create: {
        // Timeouts are absolute epoch milliseconds: one hour ahead, so none
        // times out during the run.
        append_with_body(o, "POST /promises",
                         "{\"id\":\"" + c.id + "\",\"timeout\":" +
                           std::to_string(now_epoch_ms() + 3600000) + ",\"param\":{},\"tags\":{}}");
        break;
      }
      case op_kind::complete:
        append_with_body(o, "PATCH /promises/" + c.id, "{\"state\":\"RESOLVED\",\"value\":{}}");
        break;
      case op_kind::create26:
        // Protocol 2026-04-01: timeoutAt is absolute epoch milliseconds, one
        // hour ahead too; param and value as the SDK sends them.
        append_with_body(o, "POST /",
                         envelope_2026("promise.create",
                                       "{\"id\":\"" + c.id + "\",\"timeoutAt\":" +
                                         std::to_string(now_epoch_ms() + 3600000) +
                                         ",\"param\":{\"headers\":{},\"data\":\"\"},\"tags\":{}}"));
        break;
      case op_kind::settle26:
        append_with_body(o, "POST /",
                         envelope_2026("promise.settle", "{\"id\":\"" + c.id +
                                                           "\",\"state\":\"resolved\",\"value\":{"
                                                           "\"headers\":{},\"data\":\"\"}}"));
        break;
    }
  }

  // A request with a JSON body: "METHOD /path" HTTP/1.1, Host, Content-Type, Content-Length.
  void append_with_body(std::string& o, const std::string& method_path,
                        const std::string& body) const {
    o += method_path;
    o += " HTTP/1.1\r\nHost: ";
    o += host_header_;
    o += "\r\nContent-Type: application/json\r\nContent-Length: ";
    o += std::to_string(body.size());
    o += "\r\n\r\n";
    o += body;
  }

  // A protocol 2026-04-01 request envelope (spec 1.2), a fresh corrId each.
  std::string envelope_2026(const char* kind, const std::string& data) {
    return std::string("{\"kind\":\"") + kind + "\",\"head\":{\"corrId\":\"" +
           std::to_string(corr_++) + "\",\"version\":\"2026-04-01\"},\"data\":" + data + "}";
  }

  void send_next(connection& c) {
    if (stopping_ || c.fd < 0) return;
    c.kind = c.next;
    if (c.kind == op_kind::create || c.kind == op_kind::create26) {
      c.id = opt_.id_prefix + "-" + std::to_string(c.index) + "-" + std::to_string(c.seq++);
    }
    build_request(c);
    c.in_flight = true;
    c.sent_at = clock_type::now();
    flush(c);
  }

  void flush(connection& c) {
    while (c.out_off < c.out.size()) {
      ssize_t n = ::send(c.fd, c.out.data() + c.out_off, c.out.size() - c.out_off, MSG_NOSIGNAL);
      if (n > 0) {
        c.out_off += static_cast<size_t>(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        if (!c.want_write) {
          c.want_write = true;
          set_events(c, EPOLLIN | EPOLLOUT);
        }
        return;
      }
      fail(c, true);
      return;
    }
    if (c.want_write) {
      c.want_write = false;
      set_events(c, EPOLLIN);
    }
  }

  void read_ready(connection& c) {
    char buf[16384];
    for (;;) {
      ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
      if (n > 0) {
        c.in.append(buf, static_cast<size_t>(n));
        if (static_cast<size_t>(n) < sizeof buf) break;
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
      // EOF or error. If a request was in flight, that is a transport error;
      // an idle keep-alive connection closed by the server is just reopened.
      if (c.in_flight || !c.in.empty()) {
        fail(c, true);
      } else {
        epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        stats_.reconnects++;
        schedule_reopen(c, std::chrono::milliseconds(0));
      }
      return;
    }
    while (c.fd >= 0 && !c.in.empty()) {
      http_response r;
      size_t used = 0;
      auto pr = parse_response(c.in, r, &used);
      if (pr == parse_result::need_more) return;
      if (pr == parse_result::bad || !c.in_flight) {
        if (bad_parse_reports_++ < 3)
          std::fprintf(stderr, "resonate_bench: unparsable or unsolicited response: %.200s\n",
                       c.in.c_str());
        fail(c, true);
        return;
      }
      auto done_at = clock_type::now();
      complete(c, r, std::string_view(c.in).substr(0, used), done_at);
      c.in.erase(0, used);
      if (!r.keep_alive) {
        epoll_ctl(ep_, EPOLL_CTL_DEL, c.fd, nullptr);
        ::close(c.fd);
        stats_.reconnects++;
        schedule_reopen(c, std::chrono::milliseconds(0));
        return;
      }
      send_next(c);
    }
  }

  void complete(connection& c, const http_response& r, std::string_view raw, time_point done_at) {
    c.in_flight = false;
    // Protocol 2026-04-01 answers with the HTTP status equal to head.status:
    // 200 is its only success for these kinds.
    const bool v2026 = c.kind == op_kind::create26 || c.kind == op_kind::settle26;
    bool ok = v2026 ? r.status == 200 : r.status >= 200 && r.status < 300;
    bool counted = c.sent_at >= measure_from_ && done_at <= measure_to_;
    if (counted) {
      stats_.ops++;
      auto us = std::chrono::duration_cast<std::chrono::microseconds>(done_at - c.sent_at).count();
      stats_.lat_us.push_back(static_cast<uint32_t>(std::min<int64_t>(us, UINT32_MAX)));
      stats_.status_counts[r.status]++;
      switch (c.kind) {
        case op_kind::create:
        case op_kind::create26:
          stats_.creates++;
          break;
        case op_kind::complete:
        case op_kind::settle26:
          stats_.completes++;
          break;
        case op_kind::ping:
          stats_.pings++;
          break;
        case op_kind::read:
          stats_.reads++;
          break;
      }
      if (!ok) stats_.errors++;
    }
    if (!ok && !stats_.error_samples.count(r.status)) {
      auto body = raw.find("\r\n\r\n");
      stats_.error_samples[r.status] =
        std::string(raw.substr(0, std::min<size_t>(raw.find("\r\n"), 60))) + " | " +
        std::string(body == std::string_view::npos ? std::string_view{}
                                                   : raw.substr(body + 4, 200));
    }
    // Choose the next operation.
    switch (opt_.workload) {
      case mix::ping:
        c.next = op_kind::ping;
        break;
      case mix::create:
        c.next = op_kind::create;
        break;
      case mix::read:
        // Keep creating until one create succeeded, then read that id forever.
        c.next = (c.kind == op_kind::create && !ok) ? op_kind::create : op_kind::read;
        break;
      case mix::create_complete:
        // A failed create is not followed by a complete of the same id.
        c.next = (c.kind == op_kind::create && ok) ? op_kind::complete : op_kind::create;
        break;
      case mix::create_settle_2026:
        // Likewise: a failed promise.create is not followed by its settle.
        c.next = (c.kind == op_kind::create26 && ok) ? op_kind::settle26 : op_kind::create26;
        break;
    }
  }

  const options& opt_;
  sockaddr_storage addr_;
  socklen_t addrlen_;
  std::string host_header_;
  std::vector<connection> conns_;
  int ep_ = -1;
  bool stopping_ = false;
  bool reopen_pending_ = false;
  time_point measure_from_, measure_to_;
  stats stats_;
  int first_connect_failures_ = 0;
  int bad_parse_reports_ = 0;
  uint64_t corr_ = 0;  // head.corrId of the next envelope
};

double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

double pct_ms(const std::vector<uint32_t>& sorted, double p) {
  if (sorted.empty()) return 0.0;
  size_t idx = static_cast<size_t>(p / 100.0 * static_cast<double>(sorted.size()));
  if (idx >= sorted.size()) idx = sorted.size() - 1;
  return sorted[idx] / 1000.0;
}

}  // namespace

int main(int argc, char** argv) {
  options opt = parse_args(argc, argv);

  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port_s = std::to_string(opt.port);
  if (int rc = getaddrinfo(opt.host.c_str(), port_s.c_str(), &hints, &res); rc != 0 || !res) {
    std::fprintf(stderr, "resonate_bench: cannot resolve %s: %s\n", opt.host.c_str(),
                 gai_strerror(rc));
    return 2;
  }
  sockaddr_storage addr{};
  std::memcpy(&addr, res->ai_addr, res->ai_addrlen);
  socklen_t addrlen = res->ai_addrlen;
  freeaddrinfo(res);

  std::vector<std::unique_ptr<worker>> workers;
  int per = opt.connections / opt.threads, extra = opt.connections % opt.threads, first = 0;
  for (int t = 0; t < opt.threads; ++t) {
    int n = per + (t < extra ? 1 : 0);
    workers.push_back(std::make_unique<worker>(opt, addr, addrlen, first, n));
    first += n;
  }

  auto start = clock_type::now() + std::chrono::milliseconds(20);
  auto from = start + std::chrono::microseconds(static_cast<int64_t>(opt.warmup_s * 1e6));
  auto to = from + std::chrono::microseconds(static_cast<int64_t>(opt.duration_s * 1e6));
  double cpu0 = cpu_seconds();
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  for (auto& w : workers) {
    threads.emplace_back([&, wp = w.get()] {
      try {
        wp->run(start, from, to);
      } catch (const std::exception& e) {
        std::fprintf(stderr, "resonate_bench: %s\n", e.what());
        failed = true;
      }
    });
  }
  for (auto& t : threads) t.join();
  double cpu_used = cpu_seconds() - cpu0;
  if (failed) return 1;

  stats total;
  for (auto& w : workers) {
    auto& s = w->result();
    total.lat_us.insert(total.lat_us.end(), s.lat_us.begin(), s.lat_us.end());
    total.ops += s.ops;
    total.creates += s.creates;
    total.completes += s.completes;
    total.pings += s.pings;
    total.reads += s.reads;
    total.errors += s.errors;
    total.transport_errors += s.transport_errors;
    total.reconnects += s.reconnects;
    total.unfinished += s.unfinished;
    for (auto& [k, v] : s.status_counts) total.status_counts[k] += v;
    for (auto& [k, v] : s.error_samples) total.error_samples.emplace(k, v);
  }
  std::sort(total.lat_us.begin(), total.lat_us.end());
  double secs = opt.duration_s;
  double ops_s = static_cast<double>(total.ops) / secs;
  double ok_s = static_cast<double>(total.ops - total.errors) / secs;
  double p50 = pct_ms(total.lat_us, 50), p90 = pct_ms(total.lat_us, 90),
         p99 = pct_ms(total.lat_us, 99), p999 = pct_ms(total.lat_us, 99.9);
  double mx = total.lat_us.empty() ? 0.0 : total.lat_us.back() / 1000.0;
  double mean = 0;
  for (auto v : total.lat_us) mean += v;
  mean = total.lat_us.empty() ? 0.0 : mean / static_cast<double>(total.lat_us.size()) / 1000.0;

  std::printf("mix=%s conns=%d threads=%d warmup=%.1fs measured=%.1fs target=%s:%d id-prefix=%s\n",
              opt.mix_name.c_str(), opt.connections, opt.threads, opt.warmup_s, secs,
              opt.host.c_str(), opt.port, opt.id_prefix.c_str());
  std::printf("  ops        %llu  (%.0f ops/s; successful %.0f/s)",
              static_cast<unsigned long long>(total.ops), ops_s, ok_s);
  if (opt.workload == mix::create_settle_2026)
    std::printf("  creates=%llu settles=%llu", static_cast<unsigned long long>(total.creates),
                static_cast<unsigned long long>(total.completes));
  else if (opt.workload == mix::create_complete || opt.workload == mix::create ||
           opt.workload == mix::read)
    std::printf("  creates=%llu completes=%llu reads=%llu",
                static_cast<unsigned long long>(total.creates),
                static_cast<unsigned long long>(total.completes),
                static_cast<unsigned long long>(total.reads));
  std::printf("\n  latency ms mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              mean, p50, p90, p99, p999, mx);
  std::printf("  status    ");
  for (auto& [k, v] : total.status_counts)
    std::printf(" %d:%llu", k, static_cast<unsigned long long>(v));
  std::printf(
    "\n  errors     %llu failed (non-2xx; 2026: non-200), %llu transport, %llu reconnects, %llu "
    "unfinished at end\n",
    static_cast<unsigned long long>(total.errors),
    static_cast<unsigned long long>(total.transport_errors),
    static_cast<unsigned long long>(total.reconnects),
    static_cast<unsigned long long>(total.unfinished));
  for (auto& [k, v] : total.error_samples) std::printf("  first %d: %s\n", k, v.c_str());
  std::printf("  client cpu %.2fs over the whole run (%.0f%% of one core)\n", cpu_used,
              100.0 * cpu_used / (opt.warmup_s + secs));
  std::printf(
    "RESULT mix=%s conns=%d duration_s=%.1f ops=%llu ops_per_s=%.0f p50_ms=%.3f p90_ms=%.3f "
    "p99_ms=%.3f "
    "max_ms=%.3f errors=%llu transport_errors=%llu client_cpu_pct=%.0f\n",
    opt.mix_name.c_str(), opt.connections, secs, static_cast<unsigned long long>(total.ops), ops_s,
    p50, p90, p99, mx, static_cast<unsigned long long>(total.errors),
    static_cast<unsigned long long>(total.transport_errors),
    100.0 * cpu_used / (opt.warmup_s + secs));
  std::fflush(stdout);
  return (total.ops == 0 || total.transport_errors > 0 || total.errors > 0) ? 1 : 0;
}
