// resonate_task_bench: the task round trip of REST v1 against a real server.
//
// Each worker is one thread with two blocking sockets: an SSE stream on the
// poller (`GET /bench/<worker>`) and a keep-alive HTTP connection to the API.
// One round trip:
//   POST /promises with `resonate:invoke: poll://uni@bench/<worker>`   (201)
//   -> the invoke message arrives on the worker's SSE stream
//   POST /tasks/claim (201) -> POST /tasks/complete (201) -> PATCH the promise (201)
//
// Reported: round trips/s in the measured window, and the message latency
// from the create's acknowledgement (the commit) to the SSE event (0 when the
// event came first), plus create-sent -> event, as exact percentiles.
//
// --idle N instead opens N SSE connections, holds them for --hold seconds and
// prints how many are open, so that run.sh can read the server's memory.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/bench_net.hpp"

namespace {

using bench::clock_type;

struct options {
  std::string host = "127.0.0.1";
  int api_port = 8001;
  int poll_port = 8002;
  int workers = 8;
  double duration_s = 10;
  double warmup_s = 2;
  int idle = 0;
  double hold_s = 5;
  std::string run_id = std::to_string(::getpid());
};

using bench::api_conn;
using bench::connect_to;
using bench::die;
using bench::ms_between;
using bench::percentile;
using bench::write_all;

/// An SSE stream on the poller; next_event() returns the JSON of the next `data:` frame.
class sse_conn {
public:
  sse_conn(const std::string& host, int port, const std::string& path)
    : fd_(connect_to(host, port)) {
    if (fd_ < 0) return;
    write_all(fd_, "GET " + path + " HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\n\r\n");
  }
  ~sse_conn() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  /// Whether the response head said 200 (reads it).
  bool accepted() {
    while (buf_.find("\r\n\r\n") == std::string::npos)
      if (!fill()) return false;
    bool ok = buf_.compare(0, 12, "HTTP/1.1 200") == 0;
    buf_.erase(0, buf_.find("\r\n\r\n") + 4);
    return ok;
  }

  std::string next_event() {
    for (;;) {
      auto start = buf_.find("data: ");
      if (start != std::string::npos) {
        auto end = buf_.find("\n\n", start);
        if (end != std::string::npos) {
          auto event = buf_.substr(start + 6, end - start - 6);
          buf_.erase(0, end + 2);
          return event;
        }
      }
      if (!fill()) die("sse stream closed");
    }
  }

private:
  bool fill() {
    char tmp[8192];
    auto n = ::recv(fd_, tmp, sizeof tmp, 0);
    if (n <= 0) return false;
    buf_.append(tmp, static_cast<size_t>(n));
    return true;
  }
  int fd_;
  std::string buf_;
};

struct sample {
  double after_ack_ms;   // create acknowledged -> SSE event (0 if the event came first)
  double after_send_ms;  // create sent -> SSE event
};

int run_roundtrips(const options& o) {
  std::atomic<bool> stop{false};
  std::atomic<int64_t> errors{0};
  std::mutex mu;
  std::vector<sample> samples;
  std::vector<double> trip_ms;
  int64_t trips = 0;
  auto begin = clock_type::now();
  auto measure_from = begin + std::chrono::milliseconds(static_cast<int64_t>(o.warmup_s * 1000));
  auto measure_to =
    measure_from + std::chrono::milliseconds(static_cast<int64_t>(o.duration_s * 1000));

  std::vector<std::thread> threads;
  for (int w = 0; w < o.workers; ++w) {
    threads.emplace_back([&, w] {
      std::string me = "w" + std::to_string(w);
      sse_conn sse(o.host, o.poll_port, "/bench/" + me);
      if (!sse.ok() || !sse.accepted()) die("cannot open the SSE stream of " + me);
      api_conn api(o.host, o.api_port);
      std::vector<sample> mine;
      std::vector<double> my_trips;
      int64_t my_count = 0;
      const std::string far = "32503680000000";
      for (int64_t k = 0; !stop.load(std::memory_order_relaxed); ++k) {
        std::string id = "rt-" + o.run_id + "-" + me + "-" + std::to_string(k);
        std::string task = "__invoke:" + id;
        auto t0 = clock_type::now();
        int s = api.call("POST", "/promises",
                         R"({"id":")" + id + R"(","timeout":)" + far +
                           R"(,"tags":{"resonate:invoke":"poll://uni@bench/)" + me + R"("}})");
        auto t1 = clock_type::now();
        if (s != 201) {
          errors.fetch_add(1);
          continue;
        }
        std::string event;
        do event = sse.next_event();
        while (event.find("\"" + task + "\"") == std::string::npos);
        auto t2 = clock_type::now();
        bool ok = api.call("POST", "/tasks/claim",
                           R"({"id":")" + task + R"(","counter":1,"processId":")" + me +
                             R"(","ttl":60000})") == 201;
        ok = ok && api.call("POST", "/tasks/complete",
                            R"({"id":")" + task + R"(","counter":1})") == 201;
        ok = ok && api.call("PATCH", "/promises/" + id, R"({"state":"RESOLVED"})") == 201;
        auto t3 = clock_type::now();
        if (!ok) {
          errors.fetch_add(1);
          continue;
        }
        if (t0 >= measure_from && t3 <= measure_to) {
          ++my_count;
          mine.push_back({std::max(0.0, ms_between(t1, t2)), ms_between(t0, t2)});
          my_trips.push_back(ms_between(t0, t3));
        }
      }
      std::lock_guard guard{mu};
      trips += my_count;
      samples.insert(samples.end(), mine.begin(), mine.end());
      trip_ms.insert(trip_ms.end(), my_trips.begin(), my_trips.end());
    });
  }
  std::this_thread::sleep_until(measure_to);
  stop = true;
  for (auto& t : threads) t.join();

  std::vector<double> ack, sent;
  for (auto& s : samples) {
    ack.push_back(s.after_ack_ms);
    sent.push_back(s.after_send_ms);
  }
  double rate = static_cast<double>(trips) / o.duration_s;
  std::printf(
    "RESULT workers=%d roundtrips=%lld rate=%.0f errors=%lld trip_p50_ms=%.2f trip_p99_ms=%.2f "
    "msg_after_ack_p50_ms=%.2f msg_after_ack_p99_ms=%.2f msg_after_send_p50_ms=%.2f "
    "msg_after_send_p99_ms=%.2f\n",
    o.workers, static_cast<long long>(trips), rate, static_cast<long long>(errors.load()),
    percentile(trip_ms, 0.5), percentile(trip_ms, 0.99), percentile(ack, 0.5),
    percentile(ack, 0.99), percentile(sent, 0.5), percentile(sent, 0.99));
  return 0;
}

int run_idle(const options& o) {
  rlimit lim{};
  ::getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  std::vector<std::unique_ptr<sse_conn>> conns;
  int open = 0;
  for (int i = 0; i < o.idle; ++i) {
    auto c = std::make_unique<sse_conn>(o.host, o.poll_port, "/idle/c" + std::to_string(i));
    if (c->ok() && c->accepted()) ++open;
    conns.push_back(std::move(c));
  }
  std::printf("OPEN %d\n", open);
  std::fflush(stdout);
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int64_t>(o.hold_s * 1000)));
  std::printf("RESULT idle=%d open=%d\n", o.idle, open);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bench::program = "resonate_task_bench";
  options o;
  bench::parse_options(argc, argv, [&](const std::string& a, const std::string& v) {
    if (a == "--host") o.host = v;
    else if (a == "--port") o.api_port = std::stoi(v);
    else if (a == "--poll-port") o.poll_port = std::stoi(v);
    else if (a == "--workers") o.workers = std::stoi(v);
    else if (a == "--duration") o.duration_s = std::stod(v);
    else if (a == "--warmup") o.warmup_s = std::stod(v);
    else if (a == "--idle") o.idle = std::stoi(v);
    else if (a == "--hold") o.hold_s = std::stod(v);
    else if (a == "--run-id") o.run_id = v;
    else return false;
    return true;
  });
  return o.idle > 0 ? run_idle(o) : run_roundtrips(o);
}
