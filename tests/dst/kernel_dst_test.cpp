// Deterministic simulation of the kernel: seeded random requests over a small id
// space, store completions delivered in random order, and injected store
// failures before (nothing applied) and after (applied, caller told it failed)
// processing. After every step the promise invariants are checked against the
// store and against every response delivered so far.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;
using S = q::promise_state;

namespace {

struct scenario {
  uint64_t seed;
  double fail_before;
  double fail_after;
};

struct sent {
  q::request_payload payload;
  int64_t submitted_at;
  std::set<std::string> acked_before;  // promises whose create was acknowledged earlier
};

class kernel_dst : public ::testing::TestWithParam<scenario> {};

std::optional<std::string> pick_key(std::mt19937_64& rng) {
  static const std::vector<std::optional<std::string>> keys{std::nullopt, "k1", "k2", ""};
  return keys[rng() % keys.size()];
}

q::request_payload random_request(std::mt19937_64& rng, int64_t now) {
  auto id = "p" + std::to_string(rng() % 12);
  switch (rng() % 5) {
    case 0:
    case 1: {
      q::create_promise_request r;
      r.id = id;
      r.idempotency_key = pick_key(rng);
      r.strict = rng() % 2;
      r.timeout = now + static_cast<int64_t>(rng() % 400);
      if (rng() % 4 == 0) r.tags = {{"resonate:timeout", "true"}};
      r.param.data = "param-" + id;
      return r;
    }
    case 2: {
      q::complete_promise_request r;
      r.id = id;
      r.idempotency_key = pick_key(rng);
      r.strict = rng() % 2;
      static const S states[] = {S::resolved, S::rejected, S::rejected_canceled};
      r.state = states[rng() % 3];
      r.val.data = "value-" + std::to_string(rng() % 3);
      return r;
    }
    case 3: return q::read_promise_request{id};
    default: {
      q::search_promises_request r;
      r.id = rng() % 2 ? "*" : "p1*";
      r.limit = 1 + static_cast<int64_t>(rng() % 5);
      return r;
    }
  }
}

}  // namespace

TEST_P(kernel_dst, promise_invariants_hold_under_faults_and_reordering) {
  auto sc = GetParam();
  std::mt19937_64 rng{sc.seed};
  kernel_harness h;
  h.store.rng = &rng;
  h.store.fail_before = sc.fail_before;
  h.store.fail_after = sc.fail_after;

  std::vector<sent> requests;
  std::set<std::string> acked_creates;
  std::map<std::string, q::promise_record> settled;  // terminal records seen in the store
  size_t checked = 0;
  std::vector<q::aio_sqe> in_flight;

  for (int tick = 0; tick < 400; ++tick) {
    for (int i = 0, n = 1 + static_cast<int>(rng() % 6); i < n; ++i) {
      auto payload = random_request(rng, h.now);
      requests.push_back(sent{payload, h.now, acked_creates});
      h.submit(std::move(payload));
    }
    auto out = h.sys.tick(h.now);
    for (auto& sqe : out) in_flight.push_back(std::move(sqe));
    // Complete a random subset, in random order: the store answers out of order.
    std::shuffle(in_flight.begin(), in_flight.end(), rng);
    size_t take = in_flight.empty() ? 0 : rng() % (in_flight.size() + 1);
    for (size_t i = 0; i < take; ++i) h.sys.complete(h.store.process_one(in_flight[i]));
    in_flight.erase(in_flight.begin(), in_flight.begin() + static_cast<long>(take));
    h.now += static_cast<int64_t>(rng() % 40);

    // Store invariants: completedOn iff settled; a settled promise never changes.
    for (auto& [id, p] : h.store.promises) {
      ASSERT_EQ(p.state == S::pending, !p.completed_on) << id;
      if (p.state == S::pending) continue;
      auto [it, fresh] = settled.emplace(id, p);
      if (!fresh) {
        ASSERT_EQ(it->second, p) << "settled promise changed: " << id;
      }
      if (p.state == S::rejected_timedout) {
        ASSERT_EQ(p.completed_on, p.timeout) << id;
      }
    }

    // Response invariants, for every response delivered since the last check.
    for (; checked < h.responses.size() && checked < requests.size(); ++checked) {
      if (!h.responses[checked]) break;
      const auto& resp = *h.responses[checked];
      const auto& req = requests[checked];
      auto stored = [&](const std::string& id) -> const q::promise_record* {
        auto it = h.store.promises.find(id);
        return it == h.store.promises.end() ? nullptr : &it->second;
      };
      if (auto* c = std::get_if<q::create_promise_request>(&req.payload)) {
        if (resp.status == q::status::created) {
          ASSERT_NE(stored(c->id), nullptr) << "acknowledged create lost: " << c->id;
          ASSERT_EQ(stored(c->id)->param.data, c->param.data);
          acked_creates.insert(c->id);
        } else if (resp.status == q::status::ok) {
          ASSERT_TRUE(c->idempotency_key) << "dedup without a key";
        } else if (resp.status == q::status::promise_already_exists) {
          ASSERT_NE(stored(c->id), nullptr);
        }
      } else if (auto* c = std::get_if<q::complete_promise_request>(&req.payload)) {
        if (resp.status == q::status::created) {
          auto* p = stored(c->id);
          ASSERT_NE(p, nullptr);
          ASSERT_EQ(p->state, c->state) << c->id;
          ASSERT_EQ(p->val.data, c->val.data) << c->id;
          ASSERT_EQ(p->idempotency_key_for_complete, c->idempotency_key);
        } else if (resp.status == q::status::promise_not_found) {
          ASSERT_FALSE(req.acked_before.count(c->id)) << "acked promise not found: " << c->id;
        }
      } else if (auto* r = std::get_if<q::read_promise_request>(&req.payload)) {
        if (resp.status == q::status::promise_not_found) {
          ASSERT_FALSE(req.acked_before.count(r->id)) << "acked promise not found: " << r->id;
        }
        if (resp.status == q::status::ok) {
          auto& p = std::get<q::promise_response>(resp.payload).promise;
          if (p.state != S::pending) {
            ASSERT_EQ(*stored(p.id), p) << p.id;
          }
        }
      }
      // Whatever the outcome, a failure status must be one the protocol defines.
      ASSERT_TRUE(q::is_success(resp.status) || q::http_code(resp.status) == 403 ||
                  q::http_code(resp.status) == 404 || q::http_code(resp.status) == 409 ||
                  resp.status == q::status::aio_store_error)
        << static_cast<int>(resp.status);
    }
  }

  // Drain without faults: every request gets its answer, no coroutine leaks.
  h.store.fail_before = h.store.fail_after = 0;
  for (auto& sqe : in_flight) h.sys.complete(h.store.process_one(sqe));
  h.run();
  for (size_t i = 0; i < h.responses.size(); ++i) ASSERT_TRUE(h.responses[i]) << i;
  h.sys.shutdown();
  h.run();
  EXPECT_TRUE(h.sys.done());
}

INSTANTIATE_TEST_SUITE_P(seeds, kernel_dst,
                         ::testing::Values(scenario{1, 0, 0}, scenario{2, 0, 0},
                                           scenario{3, 0.1, 0}, scenario{4, 0, 0.1},
                                           scenario{5, 0.1, 0.1}, scenario{6, 0.2, 0.2},
                                           scenario{7, 0.05, 0.05}, scenario{8, 0, 0}));
