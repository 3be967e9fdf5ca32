// The lock coroutines and TimeoutLocks (REST v1 4.9), driven by tick(now)
// against the fake store, whose lock commands follow the SQL of the real ones.
#include <gtest/gtest.h>

#include <limits>

#include "kernel/domain/lock.hpp"
#include "tests/unit/kernel/harness.hpp"

namespace q = resonate::queues;
using resonate::tests::kernel_harness;

namespace {

resonate::kernel::system_config slow_jobs() {
  resonate::kernel::system_config cfg;
  cfg.signal_timeout_ms = 10'000;  // TimeoutLocks runs at the first tick, then every 10 s
  return cfg;
}

struct kernel_locks : ::testing::Test {
  kernel_harness h{slow_jobs()};

  q::response acquire(std::string resource, std::string execution, std::string process,
                      int64_t ttl) {
    return h.call(
      q::acquire_lock_request{std::move(resource), std::move(execution), std::move(process), ttl});
  }
  q::response release(std::string resource, std::string execution) {
    return h.call(q::release_lock_request{std::move(resource), std::move(execution)});
  }
  int64_t heartbeat(std::string process) {
    auto r = h.call(q::heartbeat_locks_request{std::move(process)});
    EXPECT_EQ(r.status, q::status::ok);
    return std::get<q::count_response>(r.payload).affected;
  }
  static const q::lock_record& lock_of(const q::response& r) {
    return std::get<q::lock_response>(r.payload).lock;
  }
};

}  // namespace

TEST_F(kernel_locks, acquire_writes_the_lock_and_answers_201_with_it) {
  auto r = acquire("res", "e1", "p1", 5000);
  ASSERT_EQ(r.status, q::status::created);
  const q::lock_record want{"res", "e1", "p1", 5000, h.now + 5000};
  EXPECT_EQ(lock_of(r), want);
  EXPECT_EQ(h.store.locks.at("res"), want);
}

TEST_F(kernel_locks, the_same_execution_refreshes_another_is_refused) {
  ASSERT_EQ(acquire("res", "e1", "p1", 5000).status, q::status::created);
  h.now += 1000;
  auto again = acquire("res", "e1", "p2", 7000);
  ASSERT_EQ(again.status, q::status::created);
  const q::lock_record refreshed{"res", "e1", "p2", 7000, h.now + 7000};
  EXPECT_EQ(lock_of(again), refreshed);
  EXPECT_EQ(h.store.locks.at("res"), refreshed);

  auto other = acquire("res", "e2", "p3", 1000);
  EXPECT_EQ(other.status, q::status::lock_already_acquired);
  EXPECT_TRUE(std::holds_alternative<q::empty_response>(other.payload));
  EXPECT_EQ(h.store.locks.at("res"), refreshed);
  // Another resource is another lock.
  EXPECT_EQ(acquire("res2", "e2", "p3", 1000).status, q::status::created);
  EXPECT_EQ(h.store.locks.size(), 2u);
}

TEST_F(kernel_locks, an_expired_lock_blocks_until_timeout_locks_deletes_it) {
  const int64_t t0 = h.now;
  ASSERT_EQ(acquire("res", "e1", "p1", 1000).status, q::status::created);
  h.now = t0 + 2000;  // expired, but TimeoutLocks has not run since t0
  EXPECT_EQ(acquire("res", "e2", "p2", 1000).status, q::status::lock_already_acquired);
  EXPECT_EQ(h.store.locks.at("res").execution_id, "e1");
  h.now = t0 + 10'000;
  h.run();  // TimeoutLocks' period has passed
  EXPECT_FALSE(h.store.locks.count("res"));
  auto b = acquire("res", "e2", "p2", 1000);
  ASSERT_EQ(b.status, q::status::created);
  EXPECT_EQ(lock_of(b).execution_id, "e2");
}

TEST_F(kernel_locks, timeout_locks_deletes_only_what_has_expired) {
  const int64_t t0 = h.now;
  h.run();  // the first background pass at t0
  ASSERT_EQ(acquire("short", "e1", "p1", 10'000).status, q::status::created);  // expires at t0+10s
  ASSERT_EQ(acquire("long", "e1", "p1", 10'001).status, q::status::created);
  h.now = t0 + 10'000;
  h.run();
  EXPECT_FALSE(h.store.locks.count("short"));  // expires_at <= now
  EXPECT_TRUE(h.store.locks.count("long"));
}

TEST_F(kernel_locks, release_needs_the_resource_and_the_execution) {
  ASSERT_EQ(acquire("res", "e1", "p1", 5000).status, q::status::created);
  auto wrong = release("res", "e2");
  EXPECT_EQ(wrong.status, q::status::lock_not_found);
  EXPECT_TRUE(h.store.locks.count("res"));
  EXPECT_EQ(release("nope", "e1").status, q::status::lock_not_found);
  auto ok = release("res", "e1");
  EXPECT_EQ(ok.status, q::status::no_content);
  EXPECT_TRUE(std::holds_alternative<q::empty_response>(ok.payload));
  EXPECT_FALSE(h.store.locks.count("res"));
  EXPECT_EQ(release("res", "e1").status, q::status::lock_not_found);
  // Released, the resource is free for anyone.
  EXPECT_EQ(acquire("res", "e2", "p2", 5000).status, q::status::created);
}

TEST_F(kernel_locks, heartbeat_extends_every_lock_of_the_process_even_expired_ones) {
  const int64_t t0 = h.now;
  ASSERT_EQ(acquire("a", "e1", "p1", 1000).status, q::status::created);
  ASSERT_EQ(acquire("b", "e2", "p1", 3000).status, q::status::created);
  ASSERT_EQ(acquire("c", "e3", "p2", 1000).status, q::status::created);
  h.now = t0 + 2000;  // "a" expired (not yet deleted), "b" not
  EXPECT_EQ(heartbeat("p1"), 2);
  EXPECT_EQ(h.store.locks.at("a").expires_at, h.now + 1000);
  EXPECT_EQ(h.store.locks.at("b").expires_at, h.now + 3000);
  EXPECT_EQ(h.store.locks.at("c").expires_at, t0 + 1000);
  EXPECT_EQ(heartbeat("nobody"), 0);
}

TEST_F(kernel_locks, expiry_is_not_clamped_an_overflow_wraps_as_in_go) {
  constexpr auto max = std::numeric_limits<int64_t>::max();
  const int64_t t0 = h.now;
  auto r = acquire("res", "e1", "p1", max);
  ASSERT_EQ(r.status, q::status::created);
  // t0 + max - 2^64: negative, so the lock is already expired.
  EXPECT_EQ(lock_of(r).expires_at, t0 - 1 + std::numeric_limits<int64_t>::min());
  EXPECT_LT(lock_of(r).expires_at, 0);
  EXPECT_EQ(resonate::kernel::domain::lock_expiry(1, max), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(resonate::kernel::domain::lock_expiry(0, max), max);
  h.now = t0 + 5;
  EXPECT_EQ(heartbeat("p1"), 1);
  EXPECT_EQ(h.store.locks.at("res").expires_at, t0 + 4 + std::numeric_limits<int64_t>::min());
  h.now = t0 + 10'000;
  h.run();
  EXPECT_TRUE(h.store.locks.empty());
}

TEST_F(kernel_locks, a_store_failure_is_500_and_nothing_is_acquired) {
  h.run();
  auto i = h.submit(q::acquire_lock_request{"res", "e1", "p1", 1000});
  auto out = h.sys.tick(h.now);
  ASSERT_EQ(out.size(), 1u);
  h.sys.complete(q::aio_cqe::failure(out[0].id, q::status::aio_store_error, "disk on fire"));
  h.run();
  ASSERT_TRUE(h.responses[i]);
  EXPECT_EQ(h.responses[i]->status, q::status::aio_store_error);
  EXPECT_TRUE(h.store.locks.empty());
}
