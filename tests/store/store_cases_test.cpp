// One table of store cases, run against every backend (store_harness.hpp).

#include <gtest/gtest.h>

#include <filesystem>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "aio_adapters/store/migrations/migrations.hpp"
#include "tests/store/store_harness.hpp"

namespace resonate::aio_adapters::store::test {
namespace {

namespace q = resonate::queues;

// -- helpers -------------------------------------------------------------------------

q::store_transaction tx_of(std::vector<q::store_command> cmds,
                           std::optional<q::fence> fence = std::nullopt) {
  return q::store_transaction{std::move(fence), std::move(cmds)};
}

q::aio_results run_batch(store& s, std::vector<q::store_transaction> txs) {
  q::aio_batch batch;
  uint64_t id = 100;
  for (auto& t : txs) batch.push_back(q::aio_sqe{id++, std::move(t)});
  auto out = s.process(std::move(batch));
  EXPECT_EQ(out.size(), txs.size());
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].id, 100 + i);
  return out;
}

// Runs one submission and expects it to succeed.
q::store_completion run_one(store& s, std::vector<q::store_command> cmds,
                            std::optional<q::fence> fence = std::nullopt) {
  auto out = run_batch(s, {tx_of(std::move(cmds), std::move(fence))});
  if (out.size() != 1) return {};
  EXPECT_FALSE(out[0].error) << *out[0].error;
  return out[0].completion;
}

q::store_result run_cmd(store& s, q::store_command cmd) {
  auto c = run_one(s, {std::move(cmd)});
  EXPECT_EQ(c.results.size(), 1u);
  return c.results.empty() ? q::store_result{} : c.results[0];
}

int64_t rows(const q::store_result& r) {
  auto* a = std::get_if<q::alter_result>(&r);
  EXPECT_NE(a, nullptr) << "expected an alter_result";
  return a ? a->rows_affected : -1;
}

q::query_promises_result query(const q::store_result& r) {
  auto* a = std::get_if<q::query_promises_result>(&r);
  EXPECT_NE(a, nullptr) << "expected a query_promises_result";
  return a ? *a : q::query_promises_result{};
}

q::create_promise_cmd create(std::string id, int64_t timeout = 1000, int64_t created_on = 1) {
  q::create_promise_cmd c;
  c.id = std::move(id);
  c.timeout = timeout;
  c.created_on = created_on;
  return c;
}

q::update_promise_cmd complete(std::string id, q::promise_state st = q::promise_state::resolved,
                               int64_t completed_on = 2) {
  q::update_promise_cmd u;
  u.id = std::move(id);
  u.state = st;
  u.completed_on = completed_on;
  return u;
}

std::optional<q::promise_record> read(store& s, const std::string& id) {
  auto r = query(run_cmd(s, q::read_promise_cmd{id}));
  EXPECT_LE(r.records.size(), 1u);
  EXPECT_FALSE(r.last_sort_id);
  if (r.records.empty()) return std::nullopt;
  EXPECT_EQ(r.records[0].id, id);
  return r.records[0];
}

std::vector<std::string> ids_of(const q::query_promises_result& r) {
  std::vector<std::string> out;
  for (const auto& p : r.records) out.push_back(p.id);
  return out;
}

q::query_promises_result search(store& s, std::string pattern,
                                q::state_mask states = q::all_promise_states, q::tag_map tags = {},
                                int64_t limit = 100, std::optional<int64_t> sort_id = {}) {
  q::search_promises_cmd c;
  c.id = std::move(pattern);
  c.states = states;
  c.tags = std::move(tags);
  c.limit = limit;
  c.sort_id = sort_id;
  return query(run_cmd(s, c));
}

std::string binary_bytes() {
  std::string s("\0a\0b\xff\x01", 6);
  for (int i = 0; i < 256; ++i) s.push_back(static_cast<char>(i));
  return s;
}

// -- fixture -------------------------------------------------------------------------

class store_cases : public ::testing::TestWithParam<backend> {
protected:
  void SetUp() override {
    if (GetParam() == backend::postgres && !postgres_conninfo()) {
      GTEST_SKIP() << "RESONATE_TEST_PG not set (see scripts/pg.sh)";
    }
    h_ = make_harness(GetParam());
  }
  void TearDown() override { h_.reset(); }

  store& s() { return h_->get(); }

  void insert_task(const std::string& id, int state, int64_t counter) {
    h_->exec_sql("INSERT INTO tasks (id, state, counter, root_promise_id, recv, mesg, timeout, "
                 "created_on) VALUES ('" + id + "', " + std::to_string(state) + ", " +
                 std::to_string(counter) + ", 'root', '', '', 0, 0)");
  }

  // Makes any insert of the promise id 'boom' fail inside the database.
  void install_failing_trigger() {
    if (GetParam() == backend::postgres) {
      h_->exec_sql(
        "CREATE FUNCTION reject_boom() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.id = 'boom' THEN RAISE EXCEPTION 'boom is not allowed'; END IF; RETURN NEW; "
        "END $$; CREATE TRIGGER reject_boom BEFORE INSERT ON promises FOR EACH ROW "
        "EXECUTE FUNCTION reject_boom();");
    } else {
      h_->exec_sql(
        "CREATE TRIGGER reject_boom BEFORE INSERT ON promises WHEN NEW.id = 'boom' "
        "BEGIN SELECT RAISE(ABORT, 'boom is not allowed'); END;");
    }
  }

  std::unique_ptr<harness> h_;
};

// -- create / read -------------------------------------------------------------------

TEST_P(store_cases, create_minimal_and_read_back) {
  EXPECT_EQ(rows(run_cmd(s(), create("p1", 500, 7))), 1);
  auto p = read(s(), "p1");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, q::promise_state::pending);
  EXPECT_EQ(p->param, q::value{});
  EXPECT_EQ(p->val, q::value{});
  EXPECT_EQ(p->timeout, 500);
  EXPECT_FALSE(p->idempotency_key_for_create);
  EXPECT_FALSE(p->idempotency_key_for_complete);
  EXPECT_TRUE(p->tags.empty());
  EXPECT_EQ(p->created_on, 7);
  EXPECT_FALSE(p->completed_on);
  EXPECT_GT(p->sort_id, 0);
}

TEST_P(store_cases, create_full_and_read_back_exactly) {
  auto c = create("p/full", 123456789012345, 42);
  c.idempotency_key = "ikey-create";
  c.param.headers = {{"a", "1"}, {"quote\"key", "va\"l\\ue\n"}, {"unicode", "\xc3\xa9\xe2\x9c\x93"}};
  c.param.data = binary_bytes();
  c.tags = {{"resonate:invoke", "http://x"}, {"k.with.dots", "v"}, {"empty", ""}};
  EXPECT_EQ(rows(run_cmd(s(), c)), 1);

  auto p = read(s(), "p/full");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->param.headers, c.param.headers);
  EXPECT_EQ(p->param.data.size(), c.param.data.size());
  EXPECT_EQ(p->param.data, c.param.data);
  EXPECT_EQ(p->idempotency_key_for_create, "ikey-create");
  EXPECT_EQ(p->tags, c.tags);
  EXPECT_EQ(p->timeout, 123456789012345);
  EXPECT_EQ(p->created_on, 42);
}

TEST_P(store_cases, empty_idempotency_key_is_not_null) {
  auto c = create("p-empty-key");
  c.idempotency_key = "";
  run_cmd(s(), c);
  auto p = read(s(), "p-empty-key");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->idempotency_key_for_create, std::optional<std::string>(""));
}

TEST_P(store_cases, unusual_ids_round_trip) {
  for (std::string id : {"a/b/c", "with space", "\xc3\xbcn\xc3\xaf/\xe2\x9c\x93", "50%_off", "x'y"}) {
    EXPECT_EQ(rows(run_cmd(s(), create(id))), 1) << id;
    EXPECT_TRUE(read(s(), id)) << id;
  }
}

TEST_P(store_cases, read_missing_gives_no_record) { EXPECT_FALSE(read(s(), "nope")); }

TEST_P(store_cases, create_twice_affects_zero_rows_and_keeps_the_first) {
  auto first = create("p", 100);
  first.param.data = "first";
  EXPECT_EQ(rows(run_cmd(s(), first)), 1);
  auto second = create("p", 200);
  second.param.data = "second";
  EXPECT_EQ(rows(run_cmd(s(), second)), 0);
  auto p = read(s(), "p");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->param.data, "first");
  EXPECT_EQ(p->timeout, 100);
}

// -- update --------------------------------------------------------------------------

TEST_P(store_cases, update_completes_a_pending_promise) {
  run_cmd(s(), create("p"));
  auto u = complete("p", q::promise_state::resolved, 77);
  u.val.headers = {{"h", "v"}};
  u.val.data = binary_bytes();
  u.idempotency_key = "ikey-complete";
  EXPECT_EQ(rows(run_cmd(s(), u)), 1);

  auto p = read(s(), "p");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, q::promise_state::resolved);
  EXPECT_EQ(p->val, u.val);
  EXPECT_EQ(p->idempotency_key_for_complete, "ikey-complete");
  EXPECT_EQ(p->completed_on, 77);
}

TEST_P(store_cases, update_twice_affects_zero_rows_and_keeps_the_first) {
  run_cmd(s(), create("p"));
  auto first = complete("p", q::promise_state::rejected, 10);
  first.val.data = "first";
  EXPECT_EQ(rows(run_cmd(s(), first)), 1);
  auto second = complete("p", q::promise_state::resolved, 20);
  second.val.data = "second";
  EXPECT_EQ(rows(run_cmd(s(), second)), 0);
  auto p = read(s(), "p");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, q::promise_state::rejected);
  EXPECT_EQ(p->val.data, "first");
  EXPECT_EQ(p->completed_on, 10);
}

TEST_P(store_cases, update_guarded_by_timeout_only_takes_effect_before_it) {
  run_cmd(s(), create("p", 1000));
  auto late = complete("p");
  late.timeout_after = 1000;  // now == timeout: too late
  EXPECT_EQ(rows(run_cmd(s(), late)), 0);
  EXPECT_EQ(read(s(), "p")->state, q::promise_state::pending);
  auto in_time = complete("p");
  in_time.timeout_after = 999;
  EXPECT_EQ(rows(run_cmd(s(), in_time)), 1);
  EXPECT_EQ(read(s(), "p")->state, q::promise_state::resolved);
}

TEST_P(store_cases, a_write_then_a_read_of_the_same_promise_in_one_submission) {
  // The create and complete coroutines send exactly this shape; stores may run
  // it as one statement, with the same results as two.
  auto first = create("p", 1000, 5);
  first.param.data = binary_bytes();
  first.idempotency_key = "k";
  auto c1 = run_one(s(), {first, q::read_promise_cmd{"p"}});
  ASSERT_EQ(c1.results.size(), 2u);
  EXPECT_EQ(rows(c1.results[0]), 1);
  auto r1 = query(c1.results[1]);
  ASSERT_EQ(r1.records.size(), 1u);
  EXPECT_EQ(r1.records[0], *read(s(), "p"));
  EXPECT_EQ(r1.records[0].param.data, binary_bytes());

  auto again = create("p", 2000, 6);  // conflicts: the first row comes back
  auto c2 = run_one(s(), {again, q::read_promise_cmd{"p"}});
  EXPECT_EQ(rows(c2.results[0]), 0);
  EXPECT_EQ(query(c2.results[1]).records.at(0).timeout, 1000);

  auto late = complete("p");
  late.timeout_after = 1000;  // too late: not applied, row as it is
  auto c3 = run_one(s(), {late, q::read_promise_cmd{"p"}});
  EXPECT_EQ(rows(c3.results[0]), 0);
  EXPECT_EQ(query(c3.results[1]).records.at(0).state, q::promise_state::pending);

  auto done = complete("p", q::promise_state::rejected, 9);
  done.val.data = "v";
  auto c4 = run_one(s(), {done, q::read_promise_cmd{"p"}});
  EXPECT_EQ(rows(c4.results[0]), 1);
  auto after = query(c4.results[1]).records.at(0);
  EXPECT_EQ(after.state, q::promise_state::rejected);
  EXPECT_EQ(after.val.data, "v");
  EXPECT_EQ(after.completed_on, 9);
  EXPECT_EQ(after, *read(s(), "p"));

  auto c5 = run_one(s(), {create("other"), q::read_promise_cmd{"p"}});  // different ids
  EXPECT_EQ(rows(c5.results[0]), 1);
  EXPECT_EQ(query(c5.results[1]).records.at(0).id, "p");
}

TEST_P(store_cases, update_before_create_affects_zero_rows) {
  EXPECT_EQ(rows(run_cmd(s(), complete("ghost"))), 0);
  EXPECT_FALSE(read(s(), "ghost"));
}

TEST_P(store_cases, every_terminal_state_is_stored) {
  for (auto st : {q::promise_state::resolved, q::promise_state::rejected,
                  q::promise_state::rejected_canceled, q::promise_state::rejected_timedout}) {
    auto id = "p" + std::to_string(static_cast<int>(st));
    run_cmd(s(), create(id));
    EXPECT_EQ(rows(run_cmd(s(), complete(id, st))), 1);
    auto p = read(s(), id);
    ASSERT_TRUE(p);
    EXPECT_EQ(p->state, st);
    EXPECT_EQ(p->val, q::value{});
    EXPECT_FALSE(p->idempotency_key_for_complete);
  }
}

// -- timeout scan ----------------------------------------------------------------------

TEST_P(store_cases, timedout_scan_orders_by_timeout_and_limits) {
  run_one(s(), {create("t30", 30), create("t10", 10), create("t20", 20), create("t50", 50),
                create("t5done", 5), create("t20b", 20)});
  run_cmd(s(), complete("t5done"));

  auto all = query(run_cmd(s(), q::read_timedout_promises_cmd{30, 100}));
  EXPECT_EQ(ids_of(all), (std::vector<std::string>{"t10", "t20", "t20b", "t30"}));
  ASSERT_TRUE(all.last_sort_id);
  EXPECT_EQ(*all.last_sort_id, all.records.back().sort_id);
  for (const auto& p : all.records) EXPECT_EQ(p.state, q::promise_state::pending);

  auto two = query(run_cmd(s(), q::read_timedout_promises_cmd{30, 2}));
  EXPECT_EQ(ids_of(two), (std::vector<std::string>{"t10", "t20"}));

  auto none = query(run_cmd(s(), q::read_timedout_promises_cmd{9, 100}));
  EXPECT_TRUE(none.records.empty());
  EXPECT_FALSE(none.last_sort_id);
}

// -- search --------------------------------------------------------------------------

TEST_P(store_cases, search_by_id_pattern) {
  run_one(s(), {create("foo"), create("foo/1"), create("bar/foo"), create("Foo/3"),
                create("foo/2"), create("xfooy")});
  using v = std::vector<std::string>;
  EXPECT_EQ(ids_of(search(s(), "foo*")), (v{"foo/2", "foo/1", "foo"}));
  EXPECT_EQ(ids_of(search(s(), "*foo")), (v{"bar/foo", "foo"}));
  EXPECT_EQ(ids_of(search(s(), "foo")), (v{"foo"}));
  EXPECT_EQ(ids_of(search(s(), "Foo*")), (v{"Foo/3"}));
  EXPECT_EQ(ids_of(search(s(), "FOO")), (v{}));
  EXPECT_EQ(ids_of(search(s(), "*foo*")), (v{"xfooy", "foo/2", "bar/foo", "foo/1", "foo"}));
  EXPECT_EQ(search(s(), "*").records.size(), 6u);
}

TEST_P(store_cases, search_pattern_escapes_nothing_but_star) {
  run_one(s(), {create("a\\b"), create("a_c"), create("abc")});
  using v = std::vector<std::string>;
  // '_' stays a LIKE wildcard on both databases; a backslash is a plain character.
  EXPECT_EQ(ids_of(search(s(), "a_c")), (v{"abc", "a_c"}));
  EXPECT_EQ(ids_of(search(s(), "a\\*")), (v{"a\\b"}));
}

TEST_P(store_cases, search_by_state_mask) {
  run_one(s(), {create("pending"), create("resolved"), create("rejected"), create("canceled"),
                create("timedout")});
  run_one(s(), {complete("resolved", q::promise_state::resolved),
                complete("rejected", q::promise_state::rejected),
                complete("canceled", q::promise_state::rejected_canceled),
                complete("timedout", q::promise_state::rejected_timedout)});
  using v = std::vector<std::string>;
  EXPECT_EQ(ids_of(search(s(), "*", q::mask_of(q::promise_state::pending))), (v{"pending"}));
  EXPECT_EQ(ids_of(search(s(), "*", q::mask_of(q::promise_state::resolved))), (v{"resolved"}));
  EXPECT_EQ(ids_of(search(s(), "*", 4 | 8 | 16)), (v{"timedout", "canceled", "rejected"}));
  EXPECT_EQ(ids_of(search(s(), "*", 1 | 2)), (v{"resolved", "pending"}));
  EXPECT_EQ(search(s(), "*", q::all_promise_states).records.size(), 5u);
}

TEST_P(store_cases, search_by_tags) {
  auto a = create("a");
  a.tags = {{"env", "prod"}, {"team", "x"}, {"a.b", "dotted"}};
  auto b = create("b");
  b.tags = {{"env", "prod"}, {"team", "y"}, {"say \"hi\"", "q"}};
  auto c = create("c");
  c.tags = {{"env", "dev"}, {"a", "{\"b\":\"dotted\"}"}};
  auto d = create("d");
  run_one(s(), {a, b, c, d});
  using v = std::vector<std::string>;
  EXPECT_EQ(ids_of(search(s(), "*", 31, {{"env", "prod"}})), (v{"b", "a"}));
  EXPECT_EQ(ids_of(search(s(), "*", 31, {{"env", "prod"}, {"team", "y"}})), (v{"b"}));
  EXPECT_EQ(ids_of(search(s(), "*", 31, {{"env", "dev"}, {"team", "y"}})), (v{}));
  EXPECT_EQ(ids_of(search(s(), "*", 31, {{"a.b", "dotted"}})), (v{"a"}));
  EXPECT_EQ(ids_of(search(s(), "*", 31, {{"say \"hi\"", "q"}})), (v{"b"}));
  EXPECT_EQ(ids_of(search(s(), "*", 31, {{"env", "PROD"}})), (v{}));
  EXPECT_EQ(ids_of(search(s(), "*", 31, {{"missing", ""}})), (v{}));
  EXPECT_EQ(ids_of(search(s(), "a*", 31, {{"env", "prod"}})), (v{"a"}));
}

TEST_P(store_cases, search_pages_by_sort_id) {
  run_one(s(), {create("p1"), create("p2"), create("p3"), create("p4"), create("p5")});
  using v = std::vector<std::string>;
  auto page1 = search(s(), "p*", 31, {}, 2);
  EXPECT_EQ(ids_of(page1), (v{"p5", "p4"}));
  ASSERT_TRUE(page1.last_sort_id);
  EXPECT_EQ(*page1.last_sort_id, page1.records.back().sort_id);
  auto page2 = search(s(), "p*", 31, {}, 2, page1.last_sort_id);
  EXPECT_EQ(ids_of(page2), (v{"p3", "p2"}));
  auto page3 = search(s(), "p*", 31, {}, 2, page2.last_sort_id);
  EXPECT_EQ(ids_of(page3), (v{"p1"}));
  auto page4 = search(s(), "p*", 31, {}, 2, page3.last_sort_id);
  EXPECT_TRUE(page4.records.empty());
  EXPECT_FALSE(page4.last_sort_id);
  // The cursor combines with tags.
  auto tagged = create("p6");
  tagged.tags = {{"k", "v"}};
  run_cmd(s(), tagged);
  EXPECT_EQ(ids_of(search(s(), "p*", 31, {{"k", "v"}}, 2, page1.last_sort_id)), (v{}));
}

// -- fences --------------------------------------------------------------------------

TEST_P(store_cases, fence_of_a_claimed_task_holds) {
  insert_task("task1", 4, 3);
  auto c = run_one(s(), {create("fenced"), q::read_promise_cmd{"fenced"}}, q::fence{"task1", 3});
  EXPECT_TRUE(c.valid);
  ASSERT_EQ(c.results.size(), 2u);
  EXPECT_EQ(rows(c.results[0]), 1);
  EXPECT_EQ(query(c.results[1]).records.size(), 1u);
}

TEST_P(store_cases, fence_that_does_not_hold_skips_the_commands) {
  insert_task("enqueued", 2, 1);
  insert_task("claimed", 4, 2);
  for (const auto& f : {q::fence{"missing", 1}, q::fence{"enqueued", 1}, q::fence{"claimed", 1}}) {
    auto c = run_one(s(), {create("fenced")}, f);
    EXPECT_FALSE(c.valid) << f.task_id;
    EXPECT_TRUE(c.results.empty()) << f.task_id;
  }
  EXPECT_FALSE(read(s(), "fenced"));
}

TEST_P(store_cases, fences_are_checked_per_submission) {
  insert_task("claimed", 4, 1);
  auto out = run_batch(s(), {tx_of({create("a")}, q::fence{"claimed", 1}),
                             tx_of({create("b")}, q::fence{"claimed", 2}),
                             tx_of({create("c")})});
  EXPECT_TRUE(out[0].completion.valid);
  EXPECT_FALSE(out[1].completion.valid);
  EXPECT_TRUE(out[2].completion.valid);
  EXPECT_TRUE(read(s(), "a"));
  EXPECT_FALSE(read(s(), "b"));
  EXPECT_TRUE(read(s(), "c"));
}

// -- batches -------------------------------------------------------------------------

TEST_P(store_cases, empty_batch_gives_no_completions) {
  EXPECT_TRUE(s().process({}).empty());
}

TEST_P(store_cases, ping_answers) { EXPECT_EQ(rows(run_cmd(s(), q::ping_cmd{})), 0); }

TEST_P(store_cases, later_submissions_see_earlier_writes_of_the_batch) {
  auto out = run_batch(s(), {tx_of({create("p")}), tx_of({q::read_promise_cmd{"p"}}),
                             tx_of({complete("p")}), tx_of({q::read_promise_cmd{"p"}})});
  for (const auto& cqe : out) ASSERT_FALSE(cqe.error) << *cqe.error;
  EXPECT_EQ(query(out[1].completion.results.at(0)).records.at(0).state,
            q::promise_state::pending);
  EXPECT_EQ(rows(out[2].completion.results.at(0)), 1);
  EXPECT_EQ(query(out[3].completion.results.at(0)).records.at(0).state,
            q::promise_state::resolved);
}

TEST_P(store_cases, a_failing_submission_fails_alone) {
  install_failing_trigger();
  auto out = run_batch(s(), {tx_of({create("a")}),
                             tx_of({create("x"), complete("a"), create("boom"), create("y")}),
                             tx_of({create("c"), q::read_promise_cmd{"x"}})});
  EXPECT_FALSE(out[0].error);
  ASSERT_TRUE(out[1].error);
  EXPECT_NE(out[1].error->find("boom is not allowed"), std::string::npos) << *out[1].error;
  EXPECT_TRUE(out[1].completion.results.empty());
  EXPECT_FALSE(out[2].error);
  EXPECT_TRUE(query(out[2].completion.results.at(1)).records.empty());

  // The failed submission's earlier commands were rolled back; the others committed.
  auto a = read(s(), "a");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->state, q::promise_state::pending);
  EXPECT_FALSE(read(s(), "x"));
  EXPECT_FALSE(read(s(), "y"));
  EXPECT_FALSE(read(s(), "boom"));
  EXPECT_TRUE(read(s(), "c"));

  // The store keeps working after the failure.
  EXPECT_EQ(rows(run_cmd(s(), create("d"))), 1);
}

TEST_P(store_cases, results_are_durable_across_reopen) {
  if (!h_->persistent()) GTEST_SKIP() << "in-memory database";
  auto c = create("durable");
  c.param.data = binary_bytes();
  c.tags = {{"k", "v"}};
  run_one(s(), {c});
  run_cmd(s(), complete("durable"));
  h_->reopen();
  auto p = read(s(), "durable");
  ASSERT_TRUE(p);
  EXPECT_EQ(p->state, q::promise_state::resolved);
  EXPECT_EQ(p->param.data, c.param.data);
  EXPECT_EQ(p->tags, c.tags);
}

TEST_P(store_cases, migrations_are_idempotent_on_reopen) {
  if (!h_->persistent()) GTEST_SKIP() << "in-memory database";
  run_cmd(s(), create("p"));
  ASSERT_NO_THROW(h_->reopen());
  ASSERT_NO_THROW(h_->reopen());
  EXPECT_TRUE(read(s(), "p"));
  // Version 1 is recorded exactly once: recording it again violates the key.
  EXPECT_ANY_THROW(h_->exec_sql("INSERT INTO migrations (id) VALUES (1)"));
}

TEST_P(store_cases, a_newer_database_is_refused) {
  if (!h_->persistent()) GTEST_SKIP() << "in-memory database";
  h_->exec_sql("INSERT INTO migrations (id) VALUES (999)");
  try {
    h_->reopen();
    FAIL() << "a database at version 999 was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("version 999"), std::string::npos) << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(backends, store_cases,
                         ::testing::Values(backend::sqlite_memory, backend::sqlite_file,
                                           backend::postgres),
                         [](const auto& info) { return std::string(backend_name(info.param)); });

// -- backend-specific ----------------------------------------------------------------

TEST(sqlite_store_only, a_batch_that_cannot_begin_fails_every_submission) {
  auto h = make_harness(backend::sqlite_file);
  run_cmd(h->get(), create("before"));

  // Another connection holds the write lock past the store's busy timeout.
  sqlite3* other = nullptr;
  ASSERT_EQ(sqlite3_open(h->sqlite_path().c_str(), &other), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr), SQLITE_OK);
  auto out = h->get().process({q::aio_sqe{1, tx_of({create("x")})},
                               q::aio_sqe{2, tx_of({q::read_promise_cmd{"before"}})}});
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& cqe : out) {
    ASSERT_TRUE(cqe.error);
    EXPECT_NE(cqe.error->find("locked"), std::string::npos) << *cqe.error;
    EXPECT_TRUE(cqe.completion.results.empty());
  }

  // Once the lock is gone the store works again.
  EXPECT_EQ(rows(run_cmd(h->get(), create("x"))), 1);
  EXPECT_TRUE(read(h->get(), "before"));
}

TEST(sqlite_store_only, the_wal_stays_bounded_under_a_steady_write_load) {
  // Checkpoints run beside the writer; a steady load must not grow the WAL
  // without bound (it must start over once checkpointed).
  auto h = make_harness(backend::sqlite_file);
  std::string big(3000, 'x');  // about one page per promise
  for (int batch = 0; batch < 200; ++batch) {
    q::aio_batch b;
    for (int i = 0; i < 60; ++i) {
      auto c = create("w" + std::to_string(batch) + "-" + std::to_string(i));
      c.param.data = big;
      b.push_back(q::aio_sqe{static_cast<uint64_t>(i), tx_of({c})});
    }
    for (const auto& cqe : h->get().process(std::move(b))) ASSERT_FALSE(cqe.error);
  }
  // 12000 pages were written; the WAL restarts past ~4000 frames (16 MiB).
  auto wal = std::filesystem::file_size(h->sqlite_path() + "-wal");
  EXPECT_LT(wal, 24u << 20) << wal;
  EXPECT_TRUE(read(h->get(), "w199-59"));
  h->reopen();
  EXPECT_TRUE(read(h->get(), "w0-0"));
}

TEST(postgres_store_only, reconnects_after_the_connection_breaks) {
  if (!postgres_conninfo()) GTEST_SKIP() << "RESONATE_TEST_PG not set";
  auto h = make_harness(backend::postgres);
  run_cmd(h->get(), create("before"));
  h->kill_connection();
  auto broken = h->get().process({q::aio_sqe{1, tx_of({create("during")})},
                                  q::aio_sqe{2, tx_of({q::ping_cmd{}})}});
  ASSERT_EQ(broken.size(), 2u);
  EXPECT_TRUE(broken[0].error);
  EXPECT_TRUE(broken[1].error);
  auto again = h->get().process({q::aio_sqe{3, tx_of({create("after")})}});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(again[0].error) << *again[0].error;
  EXPECT_TRUE(read(h->get(), "before"));
  EXPECT_FALSE(read(h->get(), "during"));
  EXPECT_TRUE(read(h->get(), "after"));
}

// -- migration rules -----------------------------------------------------------------

using migrations::migration;

TEST(store_migrations, embedded_sequences_are_gap_free) {
  for (auto d : {migrations::dialect::sqlite, migrations::dialect::postgres}) {
    auto files = migrations::embedded_migrations(d);
    ASSERT_FALSE(files.empty());
    EXPECT_EQ(files[0].file_name, "001_initial_schema.sql");
    EXPECT_NE(files[0].sql.find("CREATE TABLE promises"), std::string_view::npos);
    EXPECT_EQ(migrations::check_sequence(files).size(), files.size());
  }
}

TEST(store_migrations, gaps_and_bad_names_are_rejected) {
  migration gap[] = {{"001_a.sql", ""}, {"003_c.sql", ""}};
  EXPECT_THROW(migrations::check_sequence(gap), std::runtime_error);
  migration zero[] = {{"000_a.sql", ""}};
  EXPECT_THROW(migrations::check_sequence(zero), std::runtime_error);
  migration unnamed[] = {{"initial.sql", ""}};
  EXPECT_THROW(migrations::check_sequence(unnamed), std::runtime_error);
  migration no_ext[] = {{"001_a.txt", ""}};
  EXPECT_THROW(migrations::check_sequence(no_ext), std::runtime_error);
}

TEST(store_migrations, pending_are_those_above_the_current_version) {
  migration files[] = {{"001_a.sql", "A"}, {"002_b.sql", "B"}, {"003_c.sql", "C"}};
  EXPECT_EQ(migrations::pending_migrations(files, 0).size(), 3u);
  auto from1 = migrations::pending_migrations(files, 1);
  ASSERT_EQ(from1.size(), 2u);
  EXPECT_EQ(from1[0].version, 2);
  EXPECT_EQ(from1[0].file.sql, "B");
  EXPECT_TRUE(migrations::pending_migrations(files, 3).empty());
  EXPECT_THROW(migrations::pending_migrations(files, 4), std::runtime_error);
}

}  // namespace
}  // namespace resonate::aio_adapters::store::test
