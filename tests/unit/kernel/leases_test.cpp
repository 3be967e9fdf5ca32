// Several nodes on one database: the background work is the lease holder's
// (kernel/coroutines/leases.cpp), and every store transaction of a background
// job goes fenced by the lease's epoch (scheduler::submit). The fake store
// keeps the lease row on a clock of its own (fake_store::lease_now).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/unit/kernel/harness.hpp"

namespace resonate::tests {
namespace {

namespace q = resonate::queues;

// The lease is renewed every third of `ttl_ms`; the other jobs run every second.
kernel::system_config clustered(std::string node, int64_t ttl_ms = 3000) {
  kernel::system_config cfg;
  cfg.settings.cluster_node = std::move(node);
  cfg.settings.lease_ttl_ms = ttl_ms;
  return cfg;
}

// One tick; the store transactions it hands out are appended to `seen`.
void step(kernel_harness& h, std::vector<q::store_transaction>& seen) {
  auto out = h.sys.tick(h.now);
  for (const auto& sqe : out)
    if (sqe.kind() == q::aio_kind::store) seen.push_back(sqe.tx());
  for (auto& cqe : h.store.process(out)) h.sys.complete(std::move(cqe));
}

// Ticks for `ms` of virtual time, 100 ms apart.
void advance(kernel_harness& h, int64_t ms, std::vector<q::store_transaction>& seen) {
  for (int64_t t = 0; t < ms; t += 100) {
    h.now += 100;
    for (int i = 0; i < 20; ++i) step(h, seen);
  }
}

bool leads_with_check(const q::store_transaction& tx, int64_t epoch) {
  if (tx.commands.empty()) return false;
  const auto* check = std::get_if<q::check_lease_cmd>(&tx.commands.front());
  return check && check->partition == 0 && check->epoch == epoch;
}

bool claims(const q::store_transaction& tx) {
  return tx.commands.size() == 1 && std::holds_alternative<q::claim_lease_cmd>(tx.commands[0]);
}

TEST(kernel_leases, a_node_alone_leases_nothing_and_fences_nothing) {
  kernel_harness h;
  ASSERT_EQ(h.call(create_req("p", h.now + 50)).status, q::status::created);
  std::vector<q::store_transaction> seen;
  advance(h, 2000, seen);
  EXPECT_EQ(h.store.promises.at("p").state, q::promise_state::rejected_timedout);
  ASSERT_FALSE(seen.empty());
  for (const auto& tx : seen) {
    EXPECT_FALSE(claims(tx));
    for (const auto& cmd : tx.commands)
      EXPECT_FALSE(std::holds_alternative<q::check_lease_cmd>(cmd));
  }
  EXPECT_TRUE(h.store.leases.empty());
}

TEST(kernel_leases, the_work_waits_for_the_lease_then_goes_fenced_by_its_epoch) {
  kernel_harness h{clustered("a")};
  h.store.leases[0] = fake_store::lease_row{"b", 7, h.store.lease_now + 10000};
  // Requests are served whoever holds the lease, and go unfenced.
  std::vector<q::store_transaction> seen;
  auto created = h.submit(create_req("p", h.now + 50));
  advance(h, 3000, seen);
  ASSERT_TRUE(h.responses.at(created));
  EXPECT_EQ(h.responses.at(created)->status, q::status::created);
  EXPECT_EQ(h.store.promises.at("p").state, q::promise_state::pending)
    << "a timed out a promise while b held the lease";
  size_t claimed = 0;
  for (const auto& tx : seen) {
    if (claims(tx)) {
      ++claimed;
      continue;
    }
    for (const auto& cmd : tx.commands) {
      EXPECT_FALSE(std::holds_alternative<q::check_lease_cmd>(cmd));
      EXPECT_FALSE(std::holds_alternative<q::read_timedout_promises_cmd>(cmd))
        << "a background job ran without the lease";
    }
  }
  EXPECT_GE(claimed, 2u) << "a kept asking for the lease";

  // b's lease lapses: a takes the work over, at the next epoch, and does it.
  h.store.lease_now += 20000;
  seen.clear();
  advance(h, 1500, seen);
  ASSERT_EQ(h.store.leases.at(0).owner, "a");
  EXPECT_EQ(h.store.leases.at(0).epoch, 8);
  EXPECT_EQ(h.store.promises.at("p").state, q::promise_state::rejected_timedout);
  size_t fenced = 0;
  for (const auto& tx : seen) {
    if (claims(tx)) continue;
    EXPECT_TRUE(leads_with_check(tx, 8)) << "a background transaction went unfenced";
    ++fenced;
  }
  EXPECT_GT(fenced, 0u);
  EXPECT_EQ(h.store.fenced_out, 0);
}

TEST(kernel_leases, a_deposed_owner_writes_nothing_and_stops) {
  // Renewed every 10 s: the jobs of the next seconds still run on the old epoch.
  kernel_harness h{clustered("a", 30000)};
  std::vector<q::store_transaction> seen;
  advance(h, 200, seen);
  ASSERT_EQ(h.store.leases.at(0).owner, "a");
  ASSERT_EQ(h.store.leases.at(0).epoch, 1);
  ASSERT_EQ(h.call(create_req("p", h.now + 50)).status, q::status::created);
  // b takes the lease over behind a's back (a was paused past its lease).
  h.store.leases[0] = fake_store::lease_row{"b", 2, h.store.lease_now + 100000};
  advance(h, 5000, seen);
  EXPECT_GT(h.store.fenced_out, 0) << "a's background writes were not refused";
  EXPECT_EQ(h.store.promises.at("p").state, q::promise_state::pending)
    << "a deposed owner timed a promise out";
  // Its next renewal fails: a starts no more background work.
  advance(h, 10000, seen);
  seen.clear();
  const auto refused = h.store.fenced_out;
  advance(h, 5000, seen);
  EXPECT_EQ(h.store.fenced_out, refused);
  for (const auto& tx : seen) EXPECT_TRUE(claims(tx)) << "a ran background work without the lease";
}

// A node that stops gracefully lets its lease lapse at once: another node
// takes the work over at its next renewal, not a whole lease later.
TEST(kernel_leases, a_node_that_stops_gives_the_lease_up) {
  kernel_harness h{clustered("a", 30000)};
  std::vector<q::store_transaction> seen;
  advance(h, 200, seen);
  ASSERT_EQ(h.store.leases.at(0).owner, "a");
  ASSERT_GT(h.store.leases.at(0).expires_at, h.store.lease_now + 20000);
  h.sys.shutdown();
  for (int i = 0; i < 50 && !h.sys.done(); ++i) step(h, seen);
  ASSERT_TRUE(h.sys.done());
  const auto& row = h.store.leases.at(0);
  EXPECT_EQ(row.epoch, 1) << "the epoch stays: the next owner's is higher";
  EXPECT_LE(row.expires_at, h.store.lease_now) << "the lease did not lapse at the stop";
}

// Every node hears of every SSE stream that connects anywhere
// (actors/cluster_link.cpp), and only the lease holder's outbox drain runs:
// only the holder keeps the stream for its next pass.
TEST(kernel_leases, only_the_lease_holder_keeps_a_stream_that_connected) {
  kernel_harness h{clustered("a")};
  h.store.leases[0] = fake_store::lease_row{"b", 7, h.store.lease_now + 10000};
  std::vector<q::store_transaction> seen;
  advance(h, 500, seen);
  EXPECT_EQ(h.call(q::stream_connected_request{"g", "w1"}).status, q::status::ok);
  // b's lease lapses and a takes the work over: its drain names no stream.
  h.store.lease_now += 20000;
  seen.clear();
  advance(h, 1500, seen);
  ASSERT_EQ(h.store.leases.at(0).owner, "a");
  size_t drains = 0;
  for (const auto& tx : seen) {
    for (const auto& cmd : tx.commands) {
      const auto* take = std::get_if<q::take_outbox_cmd>(&cmd);
      if (!take) continue;
      ++drains;
      EXPECT_TRUE(take->connected.empty()) << "a kept a stream while b held the lease";
    }
  }
  ASSERT_GT(drains, 0u);
  // Holding the lease, a keeps the next one, and its drain takes it.
  seen.clear();
  h.submit(q::stream_connected_request{"g", "w2"});
  advance(h, 1500, seen);
  bool named = false;
  for (const auto& tx : seen)
    for (const auto& cmd : tx.commands)
      if (const auto* take = std::get_if<q::take_outbox_cmd>(&cmd))
        named = named || (take->connected.size() == 1 && take->connected[0].id == "w2");
  EXPECT_TRUE(named) << "the lease holder's drain did not take the stream";
}

// A completion on a node without the lease makes REST v1 tasks that only the
// holder may enqueue. The node hands the kick out as a nudge for the holder
// (the cluster link sends it) rather than keep it; the holder, nudged, runs
// the job at its next tick instead of at the end of its period.
TEST(kernel_leases, a_kick_without_the_lease_goes_out_as_a_nudge_to_the_holder) {
  kernel_harness b{clustered("b")};
  b.store.leases[0] = fake_store::lease_row{"a", 7, b.store.lease_now + 60000};
  std::vector<q::store_transaction> seen;
  advance(b, 300, seen);
  EXPECT_TRUE(b.sys.take_nudges().empty()) << "nothing was kicked yet";
  ASSERT_EQ(b.call(create_req("leaf", b.now + 60000)).status, q::status::created);
  q::create_callback_request cb;
  cb.id = q::resume_callback_id("root", "leaf");
  cb.promise_id = "leaf";
  cb.root_promise_id = "root";
  cb.recv = "\"poll://any@g\"";
  cb.mesg = q::message{q::message_type::resume, {}, "root", "leaf"};
  cb.timeout = b.now + 60000;
  ASSERT_EQ(b.call(cb).status, q::status::created);
  ASSERT_EQ(b.call(complete_req("leaf", q::promise_state::resolved)).status, q::status::created);
  EXPECT_EQ(b.sys.take_nudges(), std::vector<std::string>{"EnqueueTasks"});
  EXPECT_TRUE(b.sys.take_nudges().empty()) << "a nudge goes out once";
  b.sys.kick("EnqueueTasks");  // b does not hold the lease: ignored
  seen.clear();
  step(b, seen);
  for (const auto& tx : seen)
    for (const auto& cmd : tx.commands)
      EXPECT_FALSE(std::holds_alternative<q::read_enqueueable_tasks_cmd>(cmd))
        << "b enqueued without the lease";

  // The holder: nudged mid-period, it enqueues at its next tick.
  kernel_harness a{clustered("a")};
  advance(a, 300, seen);
  ASSERT_EQ(a.store.leases.at(0).owner, "a");
  EXPECT_TRUE(a.sys.take_nudges().empty()) << "the holder runs its own kicks";
  a.now += 1;
  step(a, seen);  // the period's jobs ran at the lease's take-over: none is due
  seen.clear();
  a.sys.kick("EnqueueTasks");
  a.sys.kick("NoSuchJob");
  step(a, seen);
  bool enqueued = false;
  for (const auto& tx : seen)
    for (const auto& cmd : tx.commands)
      enqueued = enqueued || std::holds_alternative<q::read_enqueueable_tasks_cmd>(cmd);
  EXPECT_TRUE(enqueued) << "the nudged holder did not run EnqueueTasks at once";
}

}  // namespace
}  // namespace resonate::tests
