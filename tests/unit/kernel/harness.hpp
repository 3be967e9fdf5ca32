#pragma once

// Drives a kernel::system against the fake store in virtual time.

#include <optional>
#include <vector>

#include "kernel/system.hpp"
#include "tests/unit/kernel/fake_store.hpp"

namespace resonate::tests {

struct kernel_harness {
  explicit kernel_harness(kernel::system_config cfg = {})
    : sys(cfg, kernel::coroutines::request_table()) {}

  fake_store store;
  kernel::system sys;
  std::vector<std::optional<queues::response>> responses;
  int64_t now = 1'000'000;

  /// Submits a request; its response lands in responses[index] when it completes.
  size_t submit(queues::request_payload payload) {
    size_t index = responses.size();
    responses.emplace_back();
    sys.submit(queues::api_sqe{queues::request{"test", std::move(payload)},
                               [this, index](queues::response r) { responses[index] = std::move(r); }});
    return index;
  }

  /// One tick, then the store answers every submission of that tick.
  size_t step() {
    auto out = sys.tick(now);
    for (auto& cqe : store.process(out)) sys.complete(std::move(cqe));
    return out.size();
  }

  /// Ticks until nothing is left to do.
  void run() {
    for (int i = 0; i < 1000; ++i)
      if (step() == 0 && !sys.has_work()) return;
  }

  queues::response call(queues::request_payload payload) {
    auto i = submit(std::move(payload));
    run();
    return *responses.at(i);
  }
};

inline queues::create_promise_request create_req(std::string id, int64_t timeout,
                                                 std::optional<std::string> ikey = std::nullopt,
                                                 bool strict = false) {
  queues::create_promise_request r;
  r.id = std::move(id);
  r.timeout = timeout;
  r.idempotency_key = std::move(ikey);
  r.strict = strict;
  return r;
}

inline queues::complete_promise_request complete_req(std::string id, queues::promise_state s,
                                                     std::optional<std::string> ikey = std::nullopt,
                                                     bool strict = false) {
  queues::complete_promise_request r;
  r.id = std::move(id);
  r.state = s;
  r.idempotency_key = std::move(ikey);
  r.strict = strict;
  return r;
}

inline const queues::promise_record& promise_of(const queues::response& r) {
  return std::get<queues::promise_response>(r.payload).promise;
}

}  // namespace resonate::tests
