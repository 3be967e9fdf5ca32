// One table of store cases, run against every backend (store_harness.hpp).

#include <gtest/gtest.h>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "aio_adapters/store/batch_runner.hpp"
#include "aio_adapters/store/migrations/migrations.hpp"
#include "aio_adapters/store/postgres/pg_connection.hpp"
#include "aio_adapters/store/postgres/postgres_store.hpp"
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
  EXPECT_FALSE(out[0].error) << out[0].error->message;
  return out[0].store();
}

q::store_result run_cmd(store& s, q::store_command cmd) {
  auto c = run_one(s, {std::move(cmd)});
  EXPECT_EQ(c.results.size(), 1u);
  return c.results.empty() ? q::store_result{} : c.results[0];
}

// rows_affected of an alter_result or a promise_write_result.
int64_t rows(const q::store_result& r) {
  if (auto* w = std::get_if<q::promise_write_result>(&r)) return w->rows_affected;
  auto* a = std::get_if<q::alter_result>(&r);
  EXPECT_NE(a, nullptr) << "expected an alter_result";
  return a ? a->rows_affected : -1;
}

q::promise_write_result written(const q::store_result& r) {
  auto* w = std::get_if<q::promise_write_result>(&r);
  EXPECT_NE(w, nullptr) << "expected a promise_write_result";
  return w ? *w : q::promise_write_result{};
}

q::query_tasks_result tasks(const q::store_result& r) {
  auto* t = std::get_if<q::query_tasks_result>(&r);
  EXPECT_NE(t, nullptr) << "expected a query_tasks_result";
  return t ? *t : q::query_tasks_result{};
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

q::message mesg_of(q::message_type type, std::string root, std::string leaf,
                   q::header_map head = {}) {
  return q::message{type, std::move(head), std::move(root), std::move(leaf)};
}

q::task_record task_row(std::string id, std::string root, q::task_state state = q::task_state::init,
                        int64_t expires_at = 0) {
  q::task_record t;
  t.id = std::move(id);
  t.root_promise_id = root;
  t.state = state;
  t.recv = "\"default\"";
  t.mesg = mesg_of(q::message_type::invoke, root, root);
  t.timeout = 100000;
  t.counter = 1;
  t.expires_at = expires_at;
  t.created_on = 1;
  if (state == q::task_state::claimed) t.process_id = "proc";
  return t;
}

q::create_task_cmd create_task(q::task_record t) {
  return q::create_task_cmd{std::move(t)};
}

q::callback_record callback_row(std::string id, std::string promise, std::string root,
                                q::message_type type = q::message_type::resume) {
  q::callback_record c;
  c.id = std::move(id);
  c.promise_id = promise;
  c.root_promise_id = root;
  c.recv = "{\"type\":\"http\",\"data\":{\"url\":\"http://w/\" }}";
  c.mesg = mesg_of(type, root, type == q::message_type::notify ? "" : promise);
  c.timeout = 7777;
  c.created_on = 3;
  return c;
}

q::create_callback_cmd create_callback(q::callback_record c) {
  return q::create_callback_cmd{std::move(c)};
}

std::optional<q::task_record> read_task(store& s, const std::string& id) {
  auto r = tasks(run_cmd(s, q::read_task_cmd{id}));
  EXPECT_LE(r.records.size(), 1u);
  if (r.records.empty()) return std::nullopt;
  EXPECT_EQ(r.records[0].id, id);
  return r.records[0];
}

std::vector<std::string> task_ids(const q::query_tasks_result& r) {
  std::vector<std::string> out;
  for (const auto& t : r.records) out.push_back(t.id);
  return out;
}

q::update_promise_cmd complete_at(std::string id, int64_t now) {
  auto u = complete(std::move(id), q::promise_state::resolved, now);
  u.now = now;
  return u;
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
    auto t = task_row(id, "root", static_cast<q::task_state>(state));
    t.counter = counter;
    EXPECT_EQ(rows(run_cmd(s(), create_task(t))), 1);
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

  // Rows of `table` matching `where`, counted by the database itself.
  int64_t count(const std::string& table, const std::string& where) {
    return std::stoll(h_->query_value("SELECT COUNT(*) FROM " + table + " WHERE " + where));
  }

  // The stored bytes of a text-like BLOB/BYTEA column of one row.
  std::string stored_text(const std::string& table, const std::string& column,
                          const std::string& id) {
    auto expr = GetParam() == backend::postgres ? "convert_from(" + column + ", 'UTF8')"
                                                : "CAST(" + column + " AS TEXT)";
    return h_->query_value("SELECT " + expr + " FROM " + table + " WHERE id = '" + id + "'");
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
  c.param.headers = {
    {"a", "1"}, {"quote\"key", "va\"l\\ue\n"}, {"unicode", "\xc3\xa9\xe2\x9c\x93"}};
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

// Protocol 2026 echoes `{"headers":{},"data":""}` as sent and an absent value as `{}`:
// an empty part given is '{}' / an empty blob, an absent one NULL.
TEST_P(store_cases, an_empty_part_given_is_kept_apart_from_an_absent_one) {
  for (int mask = 0; mask < 4; ++mask) {
    const std::string id = "p-empty-" + std::to_string(mask);
    auto c = create(id);
    c.param.headers_present = (mask & 1) != 0;
    c.param.data_present = (mask & 2) != 0;
    run_cmd(s(), c);
    auto u = complete(id, q::promise_state::resolved, 9);
    u.val.headers_present = (mask & 2) != 0;
    u.val.data_present = (mask & 1) != 0;
    run_cmd(s(), u);
    auto p = read(s(), id);
    ASSERT_TRUE(p) << id;
    EXPECT_EQ(p->param.has_headers(), c.param.headers_present) << id;
    EXPECT_EQ(p->param.has_data(), c.param.data_present) << id;
    EXPECT_EQ(p->val.has_headers(), u.val.headers_present) << id;
    EXPECT_EQ(p->val.has_data(), u.val.data_present) << id;
  }
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
  for (std::string id :
       {"a/b/c", "with space", "\xc3\xbcn\xc3\xaf/\xe2\x9c\x93", "50%_off", "x'y"}) {
    EXPECT_EQ(rows(run_cmd(s(), create(id))), 1) << id;
    EXPECT_TRUE(read(s(), id)) << id;
  }
}

TEST_P(store_cases, read_missing_gives_no_record) {
  EXPECT_FALSE(read(s(), "nope"));
}

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

TEST_P(store_cases, read_back_gives_the_row_after_the_write) {
  // What the create and complete coroutines ask for; PostgreSQL runs each as
  // one statement.
  auto first = create("p", 1000, 5);
  first.param.data = binary_bytes();
  first.idempotency_key = "k";
  first.read_back = true;
  auto w1 = written(run_cmd(s(), first));
  EXPECT_EQ(w1.rows_affected, 1);
  EXPECT_EQ(w1.tasks_created, 0);
  ASSERT_TRUE(w1.row);
  EXPECT_EQ(*w1.row, *read(s(), "p"));
  EXPECT_EQ(w1.row->param.data, binary_bytes());

  auto again = create("p", 2000, 6);  // conflicts: the first row comes back
  again.read_back = true;
  auto w2 = written(run_cmd(s(), again));
  EXPECT_EQ(w2.rows_affected, 0);
  ASSERT_TRUE(w2.row);
  EXPECT_EQ(w2.row->timeout, 1000);

  auto late = complete("p");
  late.timeout_after = 1000;  // too late: not applied, row as it is
  late.read_back = true;
  auto w3 = written(run_cmd(s(), late));
  EXPECT_EQ(w3.rows_affected, 0);
  ASSERT_TRUE(w3.row);
  EXPECT_EQ(w3.row->state, q::promise_state::pending);

  auto done = complete("p", q::promise_state::rejected, 9);
  done.val.data = "v";
  done.read_back = true;
  auto w4 = written(run_cmd(s(), done));
  EXPECT_EQ(w4.rows_affected, 1);
  ASSERT_TRUE(w4.row);
  EXPECT_EQ(w4.row->state, q::promise_state::rejected);
  EXPECT_EQ(w4.row->val.data, "v");
  EXPECT_EQ(w4.row->completed_on, 9);
  EXPECT_EQ(*w4.row, *read(s(), "p"));

  auto ghost = complete("ghost");
  ghost.read_back = true;
  auto w5 = written(run_cmd(s(), ghost));
  EXPECT_EQ(w5.rows_affected, 0);
  EXPECT_FALSE(w5.row);
}

TEST_P(store_cases, without_read_back_no_row_comes_back) {
  auto w1 = written(run_cmd(s(), create("p")));
  EXPECT_EQ(w1.rows_affected, 1);
  EXPECT_FALSE(w1.row);
  auto w2 = written(run_cmd(s(), create("p")));
  EXPECT_EQ(w2.rows_affected, 0);
  EXPECT_FALSE(w2.row);
  auto w3 = written(run_cmd(s(), complete("p")));
  EXPECT_EQ(w3.rows_affected, 1);
  EXPECT_FALSE(w3.row);
  auto w4 = written(run_cmd(s(), complete("p")));
  EXPECT_EQ(w4.rows_affected, 0);
  EXPECT_FALSE(w4.row);
}

TEST_P(store_cases, a_write_then_a_read_command_of_the_same_promise_in_one_submission) {
  // A separate read after a write still sees the write.
  auto c1 = run_one(s(), {create("p", 1000, 5), q::read_promise_cmd{"p"}});
  ASSERT_EQ(c1.results.size(), 2u);
  EXPECT_EQ(rows(c1.results[0]), 1);
  EXPECT_EQ(query(c1.results[1]).records.at(0).timeout, 1000);
  auto c2 = run_one(s(), {complete("p"), q::read_promise_cmd{"p"}});
  EXPECT_EQ(rows(c2.results[0]), 1);
  EXPECT_EQ(query(c2.results[1]).records.at(0).state, q::promise_state::resolved);
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
  run_one(s(), {create("foo"), create("foo/1"), create("bar/foo"), create("Foo/3"), create("foo/2"),
                create("xfooy")});
  using v = std::vector<std::string>;
  EXPECT_EQ(ids_of(search(s(), "foo*")), (v{"foo/2", "foo/1", "foo"}));
  EXPECT_EQ(ids_of(search(s(), "*foo")), (v{"bar/foo", "foo"}));
  EXPECT_EQ(ids_of(search(s(), "foo")), (v{"foo"}));
  EXPECT_EQ(ids_of(search(s(), "Foo*")), (v{"Foo/3"}));
  EXPECT_EQ(ids_of(search(s(), "FOO")), (v{}));
  EXPECT_EQ(ids_of(search(s(), "*foo*")), (v{"xfooy", "foo/2", "bar/foo", "foo/1", "foo"}));
  EXPECT_EQ(search(s(), "*").records.size(), 6u);
}

// The scans that run at volume read their order from an index instead of
// sorting every match (PostgreSQL migration 003). The plan is what could
// regress, so the plan is asserted; SQLite's indexes carry the rowid (sort_id).
TEST_P(store_cases, due_schedules_and_prefix_search_use_an_index) {
  if (h_->kind() != backend::postgres) GTEST_SKIP() << "a PostgreSQL plan";
  h_->exec_sql("SET enable_seqscan = off");
  auto due = h_->query_value(
    "EXPLAIN (FORMAT JSON) SELECT id FROM schedules WHERE next_run_time <= 5"
    " ORDER BY next_run_time, sort_id LIMIT 10");
  EXPECT_NE(due.find("idx_schedules_due"), std::string::npos) << due;
  EXPECT_EQ(due.find("\"Sort\""), std::string::npos) << due;
  auto prefix =
    h_->query_value("EXPLAIN (FORMAT JSON) SELECT id FROM promises WHERE id LIKE 'foo%' ESCAPE ''");
  EXPECT_NE(prefix.find("Index Cond"), std::string::npos) << prefix;
  h_->exec_sql("RESET enable_seqscan");
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
                             tx_of({create("b")}, q::fence{"claimed", 2}), tx_of({create("c")})});
  EXPECT_TRUE(out[0].store().valid);
  EXPECT_FALSE(out[1].store().valid);
  EXPECT_TRUE(out[2].store().valid);
  EXPECT_TRUE(read(s(), "a"));
  EXPECT_FALSE(read(s(), "b"));
  EXPECT_TRUE(read(s(), "c"));
}

// -- batches -------------------------------------------------------------------------

TEST_P(store_cases, empty_batch_gives_no_completions) {
  EXPECT_TRUE(s().process({}).empty());
}

TEST_P(store_cases, ping_answers) {
  EXPECT_EQ(rows(run_cmd(s(), q::ping_cmd{})), 0);
}

TEST_P(store_cases, later_submissions_see_earlier_writes_of_the_batch) {
  auto out = run_batch(s(), {tx_of({create("p")}), tx_of({q::read_promise_cmd{"p"}}),
                             tx_of({complete("p")}), tx_of({q::read_promise_cmd{"p"}})});
  for (const auto& cqe : out) ASSERT_FALSE(cqe.error) << cqe.error->message;
  EXPECT_EQ(query(out[1].store().results.at(0)).records.at(0).state, q::promise_state::pending);
  EXPECT_EQ(rows(out[2].store().results.at(0)), 1);
  EXPECT_EQ(query(out[3].store().results.at(0)).records.at(0).state, q::promise_state::resolved);
}

TEST_P(store_cases, a_fence_sees_the_writes_of_earlier_submissions_in_the_batch) {
  auto claimed = task_row("t", "r", q::task_state::claimed);
  auto out = run_batch(
    s(), {tx_of({create("before")}), tx_of({create_task(claimed)}),
          tx_of({create("fenced")}, q::fence{"t", 1}), tx_of({create("stale")}, q::fence{"t", 2})});
  for (const auto& cqe : out) ASSERT_FALSE(cqe.error) << cqe.error->message;
  EXPECT_TRUE(out[2].store().valid);
  EXPECT_EQ(rows(out[2].store().results.at(0)), 1);
  EXPECT_FALSE(out[3].store().valid);
  EXPECT_TRUE(read(s(), "fenced"));
  EXPECT_FALSE(read(s(), "stale"));
}

TEST_P(store_cases, a_large_batch_answers_every_submission_in_order) {
  std::vector<q::store_transaction> txs;
  for (int i = 0; i < 300; ++i) {
    auto c = create("big-" + std::to_string(i), 1000 + i);
    c.read_back = true;
    if (i % 3 == 0) {
      txs.push_back(tx_of({c, q::read_promise_cmd{"big-" + std::to_string(i / 2)}}));
    } else {
      txs.push_back(tx_of({c}));
    }
  }
  auto out = run_batch(s(), std::move(txs));
  ASSERT_EQ(out.size(), 300u);
  for (int i = 0; i < 300; ++i) {
    ASSERT_FALSE(out[i].error) << out[i].error->message;
    const auto& results = out[i].store().results;
    ASSERT_EQ(results.size(), i % 3 == 0 ? 2u : 1u) << i;
    auto w = written(results[0]);
    EXPECT_EQ(w.rows_affected, 1) << i;
    ASSERT_TRUE(w.row) << i;
    EXPECT_EQ(w.row->id, "big-" + std::to_string(i));
    EXPECT_EQ(w.row->timeout, 1000 + i);
    if (i % 3 == 0) {
      // big-(i/2) was created by this or an earlier submission of the batch.
      auto r = query(results[1]);
      ASSERT_EQ(r.records.size(), 1u) << i;
      EXPECT_EQ(r.records[0].id, "big-" + std::to_string(i / 2));
    }
  }
}

TEST_P(store_cases, a_failing_submission_fails_alone) {
  install_failing_trigger();
  auto out = run_batch(
    s(), {tx_of({create("a")}), tx_of({create("x"), complete("a"), create("boom"), create("y")}),
          tx_of({create("c"), q::read_promise_cmd{"x"}})});
  EXPECT_FALSE(out[0].error);
  ASSERT_TRUE(out[1].error);
  EXPECT_EQ(out[1].error->code, q::status::aio_store_error);
  EXPECT_NE(out[1].error->message.find("boom is not allowed"), std::string::npos)
    << out[1].error->message;
  EXPECT_TRUE(out[1].store().results.empty());
  EXPECT_FALSE(out[2].error);
  EXPECT_TRUE(query(out[2].store().results.at(1)).records.empty());

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

// -- concurrent writers (PostgreSQL, two connections) ---------------------------------
// A trigger that sleeps holds one writer's transaction open, with its locks,
// while the other writer runs; both writers are the store's own code.

// Runs `f` on a thread and waits `lead` so that it is inside its transaction
// (and sleeping in the trigger) when the caller goes on.
std::thread started(std::function<void()> f, std::chrono::milliseconds lead) {
  std::thread t(std::move(f));
  std::this_thread::sleep_for(lead);
  return t;
}

// A trigger that keeps every transaction writing `table` (`event`: INSERT,
// UPDATE) open for 0.6 s after its write, its locks held.
void install_slow_trigger(harness& h, const std::string& event, const std::string& table) {
  h.exec_sql("CREATE FUNCTION slow_" + table +
             "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.6); RETURN "
             "NULL; END $$; CREATE TRIGGER slow_" +
             table + " AFTER " + event + " ON " + table + " FOR EACH ROW EXECUTE FUNCTION slow_" +
             table + "();");
}

TEST_P(store_cases, a_completion_turns_a_callback_committed_while_it_waited_into_a_task) {
  auto other = h_->another_store();
  if (!other) GTEST_SKIP() << "a single writer";
  EXPECT_EQ(rows(run_cmd(s(), create("awaited", 100000))), 1);
  install_slow_trigger(*h_, "INSERT", "callbacks");
  // The registration has checked that the promise is pending and inserted its
  // row, and commits 0.6 s later; the completion comes in between.
  q::aio_results registered;
  auto registration = started(
    [&] {
      registered = other->process(
        {q::aio_sqe{1, tx_of({create_callback(callback_row("cb", "awaited", "awaited"))})}});
    },
    std::chrono::milliseconds(200));
  auto w = written(run_cmd(s(), complete_at("awaited", 50)));
  registration.join();
  ASSERT_EQ(registered.size(), 1u);
  ASSERT_FALSE(registered[0].error) << registered[0].error->message;
  ASSERT_EQ(rows(registered[0].store().results.at(0)), 1);
  EXPECT_EQ(w.rows_affected, 1);
  EXPECT_EQ(w.tasks_created, 1) << "the completion missed a callback committed while it waited";
  EXPECT_EQ(count("callbacks", "TRUE"), 0);
  EXPECT_TRUE(read_task(s(), "cb"));
}

TEST_P(store_cases, a_registration_waits_for_a_completion_and_finds_the_promise_settled) {
  auto other = h_->another_store();
  if (!other) GTEST_SKIP() << "a single writer";
  EXPECT_EQ(rows(run_cmd(s(), create("awaited", 100000))), 1);
  install_slow_trigger(*h_, "UPDATE", "promises");
  // The completion has updated the promise and commits 0.6 s later.
  q::aio_results completed;
  auto completion = started(
    [&] {
      completed = other->process({q::aio_sqe{1, tx_of({complete_at("awaited", 50)})}});
    },
    std::chrono::milliseconds(200));
  auto c = run_one(s(), {create_callback(callback_row("cb", "awaited", "awaited")),
                         q::read_promise_cmd{"awaited"}});
  completion.join();
  ASSERT_EQ(completed.size(), 1u);
  ASSERT_FALSE(completed[0].error) << completed[0].error->message;
  EXPECT_EQ(written(completed[0].store().results.at(0)).rows_affected, 1);
  ASSERT_EQ(c.results.size(), 2u);
  EXPECT_EQ(rows(c.results[0]), 0) << "a callback was registered on a promise being settled";
  auto p = query(c.results[1]);
  ASSERT_EQ(p.records.size(), 1u);
  EXPECT_EQ(p.records[0].state, q::promise_state::resolved);
  EXPECT_EQ(count("callbacks", "TRUE"), 0);
}

// A PL/pgSQL trigger that fails inserts of promise `id` with a deadlock
// (40P01) the first `times` times (a sequence counts: it does not roll back).
void install_deadlocking_insert(harness& h, const std::string& id, int times) {
  h.exec_sql("CREATE SEQUENCE deadlocks; CREATE FUNCTION deadlock_" + id +
             "() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN IF NEW.id = '" + id +
             "' THEN IF nextval('deadlocks') <= " + std::to_string(times) +
             " THEN RAISE EXCEPTION 'simulated deadlock' USING ERRCODE = '40P01'; END IF; "
             "END IF; RETURN NEW; END $$; CREATE TRIGGER deadlock_" +
             id + " BEFORE INSERT ON promises FOR EACH ROW EXECUTE FUNCTION deadlock_" + id +
             "();");
}

TEST_P(store_cases, a_deadlock_reruns_the_batch) {
  if (GetParam() != backend::postgres) GTEST_SKIP() << "a single writer never deadlocks";
  install_deadlocking_insert(*h_, "shaky", max_conflict_reruns);
  auto out = run_batch(s(), {tx_of({create("a")}), tx_of({create("shaky")}), tx_of({create("c")})});
  for (const auto& cqe : out) EXPECT_FALSE(cqe.error) << cqe.error->message;
  EXPECT_TRUE(read(s(), "a"));
  EXPECT_TRUE(read(s(), "shaky"));
  EXPECT_TRUE(read(s(), "c"));
  EXPECT_EQ(h_->query_value("SELECT last_value FROM deadlocks"),
            std::to_string(max_conflict_reruns + 1));
}

TEST_P(store_cases, a_lasting_deadlock_fails_its_submission_alone_with_503) {
  if (GetParam() != backend::postgres) GTEST_SKIP() << "a single writer never deadlocks";
  install_deadlocking_insert(*h_, "stuck", 1000);
  auto out = run_batch(s(), {tx_of({create("a")}), tx_of({create("stuck")}), tx_of({create("c")})});
  EXPECT_FALSE(out[0].error);
  ASSERT_TRUE(out[1].error);
  EXPECT_EQ(out[1].error->code, q::status::aio_store_conflict);
  EXPECT_EQ(q::http_code(out[1].error->code), 503);
  EXPECT_NE(out[1].error->message.find("simulated deadlock"), std::string::npos)
    << out[1].error->message;
  EXPECT_NE(out[1].error->message.find("given up after"), std::string::npos)
    << out[1].error->message;
  EXPECT_FALSE(out[2].error);
  EXPECT_TRUE(read(s(), "a"));
  EXPECT_FALSE(read(s(), "stuck"));
  EXPECT_TRUE(read(s(), "c"));
  // The first pass, then max_conflict_reruns isolated runs.
  EXPECT_EQ(h_->query_value("SELECT last_value FROM deadlocks"),
            std::to_string(max_conflict_reruns + 1));
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

// -- create with a task ----------------------------------------------------------------

TEST_P(store_cases, create_with_a_task_inserts_both) {
  auto c = create("p", 5000, 10);
  auto t = task_row(q::invoke_task_id("p"), "p", q::task_state::claimed, 1234);
  t.ttl = 1000;
  t.counter = 1;
  t.mesg.head = {{"traceparent", "00-abc-01"}};
  c.task = create_task(t);
  c.read_back = true;
  auto w = written(run_cmd(s(), c));
  EXPECT_EQ(w.rows_affected, 1);
  EXPECT_EQ(w.tasks_created, 1);
  ASSERT_TRUE(w.row);
  EXPECT_EQ(w.row->id, "p");

  auto stored = read_task(s(), t.id);
  ASSERT_TRUE(stored);
  t.sort_id = stored->sort_id;
  EXPECT_GT(stored->sort_id, 0);
  EXPECT_EQ(*stored, t);
}

TEST_P(store_cases, create_with_a_task_on_an_existing_promise_inserts_neither) {
  run_cmd(s(), create("p", 5000));
  auto c = create("p", 9000);
  c.task = create_task(task_row(q::invoke_task_id("p"), "p", q::task_state::claimed));
  c.read_back = true;
  auto w = written(run_cmd(s(), c));
  EXPECT_EQ(w.rows_affected, 0);
  EXPECT_EQ(w.tasks_created, 0);
  ASSERT_TRUE(w.row);
  EXPECT_EQ(w.row->timeout, 5000);  // the existing row
  EXPECT_FALSE(read_task(s(), q::invoke_task_id("p")));

  // Without read_back the answer is the same, without the row.
  c.read_back = false;
  auto w2 = written(run_cmd(s(), c));
  EXPECT_EQ(w2.rows_affected, 0);
  EXPECT_EQ(w2.tasks_created, 0);
  EXPECT_FALSE(w2.row);
  EXPECT_FALSE(read_task(s(), q::invoke_task_id("p")));
}

TEST_P(store_cases, create_with_a_task_whose_id_exists_keeps_the_old_task) {
  auto old = task_row("t", "other", q::task_state::enqueued);
  run_cmd(s(), create_task(old));
  auto c = create("p");
  c.task = create_task(task_row("t", "p", q::task_state::claimed));
  auto w = written(run_cmd(s(), c));
  EXPECT_EQ(w.rows_affected, 1);
  EXPECT_EQ(w.tasks_created, 0);
  auto t = read_task(s(), "t");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->root_promise_id, "other");
  EXPECT_EQ(t->state, q::task_state::enqueued);
}

// A callback may name a root before it exists; once that root is created with
// a task while another task of it is active, the new task waits (2.5).
TEST_P(store_cases, create_with_a_task_for_a_root_with_an_active_task_inserts_it_waiting) {
  for (auto active : {q::task_state::enqueued, q::task_state::claimed}) {
    SCOPED_TRACE(static_cast<int>(active));
    std::string root = "r" + std::to_string(static_cast<int>(active));
    run_cmd(s(), create_task(task_row("__resume:" + root + ":x", root, active, 900)));
    auto c = create(root);
    auto t = task_row(q::invoke_task_id(root), root, q::task_state::claimed, 1234);
    t.ttl = 1000;
    c.task = create_task(t);
    auto w = written(run_cmd(s(), c));
    EXPECT_EQ(w.rows_affected, 1);
    EXPECT_EQ(w.tasks_created, 1);
    EXPECT_TRUE(w.root_busy);
    auto stored = read_task(s(), t.id);
    ASSERT_TRUE(stored);
    EXPECT_EQ(stored->state, q::task_state::init);
    EXPECT_FALSE(stored->process_id);
    EXPECT_EQ(stored->ttl, 0);
    EXPECT_EQ(stored->expires_at, 0);
  }
  // An INIT or settled task of the root does not make it busy; an INIT task
  // goes in as it is.
  run_one(s(), {create_task(task_row("a", "free", q::task_state::init)),
                create_task(task_row("b", "free", q::task_state::completed))});
  auto c = create("free");
  c.task = create_task(task_row(q::invoke_task_id("free"), "free", q::task_state::claimed, 77));
  auto w = written(run_cmd(s(), c));
  EXPECT_FALSE(w.root_busy);
  EXPECT_EQ(read_task(s(), q::invoke_task_id("free"))->state, q::task_state::claimed);
  auto c2 = create("busy-init");
  run_cmd(s(), create_task(task_row("e", "busy-init", q::task_state::enqueued)));
  c2.task =
    create_task(task_row(q::invoke_task_id("busy-init"), "busy-init", q::task_state::init, 55));
  auto w2 = written(run_cmd(s(), c2));
  EXPECT_TRUE(w2.root_busy);
  EXPECT_EQ(read_task(s(), q::invoke_task_id("busy-init"))->expires_at, 55);  // a delay stays
}

// -- the completion transaction ----------------------------------------------------------

TEST_P(store_cases, completing_a_promise_completes_its_tasks_and_turns_callbacks_into_tasks) {
  run_one(s(), {create("root"), create("leaf"), create("other")});
  run_one(s(), {create_task(task_row("t-init", "root", q::task_state::init)),
                create_task(task_row("t-enq", "root", q::task_state::enqueued, 900)),
                create_task(task_row("t-claimed", "root", q::task_state::claimed, 900)),
                create_task(task_row("t-other", "other", q::task_state::claimed, 900))});
  auto done = task_row("t-done", "root", q::task_state::completed);
  done.completed_on = 5;
  run_cmd(s(), create_task(done));
  // Two callbacks on root (given out of id order), one on another promise.
  auto cb_b =
    callback_row(q::notify_callback_id("root", "sub-b"), "root", "root", q::message_type::notify);
  auto cb_a =
    callback_row(q::notify_callback_id("root", "sub-a"), "root", "root", q::message_type::notify);
  cb_a.timeout = 4444;
  cb_a.mesg.head = {{"traceparent", "t"}};
  auto cb_leaf = callback_row(q::resume_callback_id("root", "leaf"), "leaf", "root");
  EXPECT_EQ(rows(run_cmd(s(), create_callback(cb_b))), 1);
  EXPECT_EQ(rows(run_cmd(s(), create_callback(cb_a))), 1);
  EXPECT_EQ(rows(run_cmd(s(), create_callback(cb_leaf))), 1);

  auto u = complete_at("root", 50);
  u.read_back = true;
  auto w = written(run_cmd(s(), u));
  EXPECT_EQ(w.rows_affected, 1);
  EXPECT_EQ(w.tasks_created, 2);
  ASSERT_TRUE(w.row);
  EXPECT_EQ(w.row->state, q::promise_state::resolved);

  // 1. the open tasks of the root are COMPLETED at `now`; nothing else changes.
  for (const char* id : {"t-init", "t-enq", "t-claimed"}) {
    auto t = read_task(s(), id);
    ASSERT_TRUE(t) << id;
    EXPECT_EQ(t->state, q::task_state::completed) << id;
    EXPECT_EQ(t->completed_on, 50) << id;
  }
  EXPECT_EQ(read_task(s(), "t-claimed")->expires_at, 900);
  EXPECT_EQ(read_task(s(), "t-claimed")->process_id, "proc");
  EXPECT_EQ(read_task(s(), "t-done")->completed_on, 5);
  EXPECT_EQ(read_task(s(), "t-other")->state, q::task_state::claimed);

  // 2. each callback on root became an INIT task, created at `now`, in id order,
  // and is not completed although its root is the completed promise.
  auto a = read_task(s(), cb_a.id);
  auto b = read_task(s(), cb_b.id);
  ASSERT_TRUE(a);
  ASSERT_TRUE(b);
  q::task_record expect_a;
  expect_a.id = cb_a.id;
  expect_a.state = q::task_state::init;
  expect_a.root_promise_id = "root";
  expect_a.recv = cb_a.recv;
  expect_a.mesg = cb_a.mesg;
  expect_a.timeout = 4444;
  expect_a.counter = 1;
  expect_a.created_on = 50;
  expect_a.sort_id = a->sort_id;
  EXPECT_EQ(*a, expect_a);
  EXPECT_EQ(b->state, q::task_state::init);
  EXPECT_EQ(b->mesg, cb_b.mesg);
  EXPECT_LT(a->sort_id, b->sort_id);

  // 3. those callbacks are gone; the one on leaf stays.
  EXPECT_EQ(count("callbacks", "promise_id = 'root'"), 0);
  EXPECT_EQ(count("callbacks", "promise_id = 'leaf'"), 1);
  EXPECT_FALSE(read_task(s(), cb_leaf.id));

  // Completing the leaf makes its resume task, with the callback's root.
  auto w2 = written(run_cmd(s(), complete_at("leaf", 60)));
  EXPECT_EQ(w2.tasks_created, 1);
  auto r = read_task(s(), cb_leaf.id);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->root_promise_id, "root");
  EXPECT_EQ(r->state, q::task_state::init);
  EXPECT_EQ(r->recv, cb_leaf.recv);
  EXPECT_EQ(r->mesg, cb_leaf.mesg);
  EXPECT_EQ(r->timeout, 7777);
  EXPECT_EQ(r->created_on, 60);
}

TEST_P(store_cases, a_completion_that_does_not_take_effect_changes_nothing_else) {
  run_cmd(s(), create("late", 1000));
  run_cmd(s(), create("done"));
  run_cmd(s(), complete("done"));
  for (const char* p : {"late", "done", "ghost"}) {
    run_cmd(s(), create_task(task_row(std::string("t-") + p, p, q::task_state::claimed, 900)));
  }
  EXPECT_EQ(rows(run_cmd(s(), create_callback(callback_row("cb-late", "late", "late")))), 1);

  auto too_late = complete_at("late", 70);
  too_late.timeout_after = 1000;
  auto again = complete_at("done", 70);
  auto ghost = complete_at("ghost", 70);
  for (const auto& u : {too_late, again, ghost}) {
    auto w = written(run_cmd(s(), u));
    EXPECT_EQ(w.rows_affected, 0) << u.id;
    EXPECT_EQ(w.tasks_created, 0) << u.id;
    auto t = read_task(s(), "t-" + u.id);
    ASSERT_TRUE(t) << u.id;
    EXPECT_EQ(t->state, q::task_state::claimed) << u.id;
    EXPECT_FALSE(t->completed_on) << u.id;
  }
  EXPECT_EQ(count("callbacks", "id = 'cb-late'"), 1);
  EXPECT_FALSE(read_task(s(), "cb-late"));
}

// -- callbacks -----------------------------------------------------------------------------

TEST_P(store_cases, a_callback_needs_a_pending_promise_and_a_new_id) {
  run_cmd(s(), create("pending"));
  run_cmd(s(), create("settled"));
  run_cmd(s(), complete("settled"));
  EXPECT_EQ(rows(run_cmd(s(), create_callback(callback_row("cb1", "pending", "r")))), 1);
  EXPECT_EQ(rows(run_cmd(s(), create_callback(callback_row("cb1", "pending", "r")))), 0);
  EXPECT_EQ(rows(run_cmd(s(), create_callback(callback_row("cb2", "settled", "r")))), 0);
  EXPECT_EQ(rows(run_cmd(s(), create_callback(callback_row("cb3", "missing", "r")))), 0);
  // An id is taken whatever promise holds it.
  run_cmd(s(), create("pending2"));
  EXPECT_EQ(rows(run_cmd(s(), create_callback(callback_row("cb1", "pending2", "r")))), 0);
  EXPECT_EQ(count("callbacks", "1 = 1"), 1);
  EXPECT_EQ(count("callbacks",
                  "id = 'cb1' AND promise_id = 'pending' AND root_promise_id = 'r'"
                  " AND timeout = 7777 AND created_on = 3"),
            1);
}

TEST_P(store_cases, a_callback_on_a_timed_out_but_pending_promise_is_created) {
  // No lazy timeout in the store: the timeout scan converts it later (4.7).
  run_cmd(s(), create("p", 10));
  EXPECT_EQ(rows(run_cmd(s(), create_callback(callback_row("cb", "p", "r")))), 1);
}

TEST_P(store_cases, mesg_and_recv_round_trip_and_are_stored_as_json) {
  run_cmd(s(), create("p"));
  auto cb = callback_row("cb", "p", "root");
  cb.mesg.head = {{"traceparent", "00-1-2-01"}, {"tracestate", "a=\"b\""}};
  cb.recv = "\"poll://any@group/\xc3\xa9\"";
  run_cmd(s(), create_callback(cb));
  EXPECT_EQ(stored_text("callbacks", "mesg", "cb"),
            "{\"type\":\"resume\",\"head\":{\"traceparent\":\"00-1-2-01\","
            "\"tracestate\":\"a=\\\"b\\\"\"},\"root\":\"root\",\"leaf\":\"p\"}");
  EXPECT_EQ(stored_text("callbacks", "recv", "cb"), cb.recv);
  run_cmd(s(), complete_at("p", 9));
  auto t = read_task(s(), "cb");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->mesg, cb.mesg);
  EXPECT_EQ(t->recv, cb.recv);

  // Head omitted when empty; every type spelled as on the wire.
  auto notify = task_row("n", "root");
  notify.mesg = mesg_of(q::message_type::notify, "root", "");
  notify.recv = "{\"type\":\"http\",\"data\":{\"url\":\"http://x\"}}";
  run_cmd(s(), create_task(notify));
  EXPECT_EQ(stored_text("tasks", "mesg", "n"),
            "{\"type\":\"notify\",\"root\":\"root\",\"leaf\":\"\"}");
  EXPECT_EQ(stored_text("tasks", "recv", "n"), notify.recv);
  auto n = read_task(s(), "n");
  ASSERT_TRUE(n);
  EXPECT_EQ(n->mesg, notify.mesg);
  EXPECT_EQ(n->recv, notify.recv);
  auto invoke = task_row("i", "root");
  run_cmd(s(), create_task(invoke));
  EXPECT_EQ(stored_text("tasks", "mesg", "i"),
            "{\"type\":\"invoke\",\"root\":\"root\",\"leaf\":\"root\"}");
}

// -- tasks ---------------------------------------------------------------------------------

TEST_P(store_cases, create_task_round_trips_and_ignores_a_duplicate) {
  auto t = task_row("t", "r", q::task_state::claimed, 1500);
  t.process_id = "pid";
  t.counter = 3;
  t.attempt = 2;
  t.ttl = 60000;
  t.created_on = 11;
  t.completed_on = 12;
  EXPECT_EQ(rows(run_cmd(s(), create_task(t))), 1);
  auto again = task_row("t", "other");
  EXPECT_EQ(rows(run_cmd(s(), create_task(again))), 0);
  auto stored = read_task(s(), "t");
  ASSERT_TRUE(stored);
  t.sort_id = stored->sort_id;
  EXPECT_EQ(*stored, t);
  EXPECT_FALSE(read_task(s(), "missing"));

  auto bare = task_row("bare", "r");
  bare.created_on.reset();
  run_cmd(s(), create_task(bare));
  auto b = read_task(s(), "bare");
  ASSERT_TRUE(b);
  EXPECT_FALSE(b->process_id);
  EXPECT_FALSE(b->created_on);
  EXPECT_FALSE(b->completed_on);
  EXPECT_GT(b->sort_id, stored->sort_id);
}

TEST_P(store_cases, enqueueable_tasks_one_per_free_root_oldest_first) {
  using st = q::task_state;
  run_one(s(), {// a: two due INIT tasks -> the older one
                create_task(task_row("a1", "a")), create_task(task_row("a2", "a")),
                // b: blocked by a CLAIMED task
                create_task(task_row("b1", "b")), create_task(task_row("b2", "b", st::claimed)),
                // c: blocked by an ENQUEUED task
                create_task(task_row("c1", "c")), create_task(task_row("c2", "c", st::enqueued)),
                // d: not due before 101
                create_task(task_row("d1", "d", st::init, 101)),
                // e: finished tasks do not block; due exactly now
                create_task(task_row("e1", "e", st::completed)),
                create_task(task_row("e2", "e", st::timedout)),
                create_task(task_row("e3", "e", st::init, 100)),
                // f: the older task is not due yet, the newer one is
                create_task(task_row("f1", "f", st::init, 500)),
                create_task(task_row("f2", "f", st::init, 50))});
  using v = std::vector<std::string>;
  auto due = tasks(run_cmd(s(), q::read_enqueueable_tasks_cmd{100, 100}));
  EXPECT_EQ(task_ids(due), (v{"a1", "e3", "f2"}));
  for (const auto& t : due.records) EXPECT_EQ(t.state, st::init);
  EXPECT_EQ(task_ids(tasks(run_cmd(s(), q::read_enqueueable_tasks_cmd{100, 2}))), (v{"a1", "e3"}));
  EXPECT_EQ(task_ids(tasks(run_cmd(s(), q::read_enqueueable_tasks_cmd{101, 100}))),
            (v{"a1", "d1", "e3", "f2"}));
  EXPECT_EQ(task_ids(tasks(run_cmd(s(), q::read_enqueueable_tasks_cmd{1000, 100}))),
            (v{"a1", "d1", "e3", "f1"}));

  // Once a1 is enqueued, root a is blocked too.
  q::update_task_cmd enq;
  enq.id = "a1";
  enq.state = st::enqueued;
  enq.current_states = q::mask_of(st::init);
  enq.current_counter = 1;
  EXPECT_EQ(rows(run_cmd(s(), enq)), 1);
  EXPECT_EQ(task_ids(tasks(run_cmd(s(), q::read_enqueueable_tasks_cmd{100, 100}))),
            (v{"e3", "f2"}));
}

TEST_P(store_cases, expired_tasks_by_deadline_or_timeout_in_root_order) {
  using st = q::task_state;
  auto with_timeout = [](q::task_record t, int64_t timeout) {
    t.timeout = timeout;
    return t;
  };
  run_one(s(), {create_task(task_row("b-enq-due", "b", st::enqueued, 100)),
                create_task(task_row("a-claimed-due", "a", st::claimed, 99)),
                create_task(task_row("a-claimed-later", "a", st::claimed, 101)),
                create_task(task_row("a-no-deadline", "a", st::claimed, 0)),
                create_task(with_timeout(task_row("c-timeout", "c", st::claimed, 0), 100)),
                create_task(with_timeout(task_row("c-enq-timeout", "c", st::enqueued, 500), 50)),
                create_task(task_row("d-init-due", "d", st::init, 10)),
                create_task(with_timeout(task_row("d-init-timeout", "d", st::init), 10)),
                create_task(with_timeout(task_row("d-done", "d", st::completed, 10), 10))});
  using v = std::vector<std::string>;
  auto out = tasks(run_cmd(s(), q::read_expired_tasks_cmd{100, 100}));
  EXPECT_EQ(task_ids(out), (v{"a-claimed-due", "b-enq-due", "c-timeout", "c-enq-timeout"}));
  EXPECT_EQ(task_ids(tasks(run_cmd(s(), q::read_expired_tasks_cmd{100, 3}))),
            (v{"a-claimed-due", "b-enq-due", "c-timeout"}));
  EXPECT_EQ(task_ids(tasks(run_cmd(s(), q::read_expired_tasks_cmd{49, 100}))), (v{}));
}

TEST_P(store_cases, update_task_is_guarded_by_state_mask_and_counter) {
  auto t = task_row("t", "r", q::task_state::enqueued, 500);
  t.counter = 2;
  t.attempt = 1;
  run_cmd(s(), create_task(t));

  q::update_task_cmd claim;
  claim.id = "t";
  claim.process_id = "worker";
  claim.state = q::task_state::claimed;
  claim.counter = 2;
  claim.attempt = 1;
  claim.ttl = 30000;
  claim.expires_at = 31000;
  claim.current_states = q::mask_of(q::task_state::init) | q::mask_of(q::task_state::enqueued);
  claim.current_counter = 1;  // stale
  EXPECT_EQ(rows(run_cmd(s(), claim)), 0);
  claim.current_counter = 2;
  claim.current_states = q::mask_of(q::task_state::claimed);  // wrong state
  EXPECT_EQ(rows(run_cmd(s(), claim)), 0);
  EXPECT_EQ(read_task(s(), "t")->state, q::task_state::enqueued);
  claim.current_states = q::mask_of(q::task_state::init) | q::mask_of(q::task_state::enqueued);
  EXPECT_EQ(rows(run_cmd(s(), claim)), 1);
  EXPECT_EQ(rows(run_cmd(s(), claim)), 0);  // no longer ENQUEUED
  EXPECT_EQ(rows(run_cmd(s(), claim)), 0);

  auto c = read_task(s(), "t");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->process_id, "worker");
  EXPECT_EQ(c->state, q::task_state::claimed);
  EXPECT_EQ(c->ttl, 30000);
  EXPECT_EQ(c->expires_at, 31000);
  EXPECT_FALSE(c->completed_on);

  // Completing sets every mutable column, NULLs included.
  q::update_task_cmd done;
  done.id = "t";
  done.state = q::task_state::completed;
  done.counter = 2;
  done.completed_on = 40000;
  done.current_states = q::mask_of(q::task_state::claimed);
  done.current_counter = 2;
  EXPECT_EQ(rows(run_cmd(s(), done)), 1);
  auto d = read_task(s(), "t");
  ASSERT_TRUE(d);
  EXPECT_FALSE(d->process_id);
  EXPECT_EQ(d->state, q::task_state::completed);
  EXPECT_EQ(d->counter, 2);
  EXPECT_EQ(d->attempt, 0);
  EXPECT_EQ(d->ttl, 0);
  EXPECT_EQ(d->expires_at, 0);
  EXPECT_EQ(d->completed_on, 40000);
  EXPECT_EQ(d->root_promise_id, "r");
  EXPECT_EQ(d->mesg, t.mesg);
}

TEST_P(store_cases, heartbeat_extends_only_the_claimed_tasks_of_its_process) {
  auto mine = [](std::string id, q::task_state st, std::string pid, int64_t ttl) {
    auto t = task_row(std::move(id), "r", st, 5);
    t.process_id = std::move(pid);
    t.ttl = ttl;
    return t;
  };
  run_one(s(), {create_task(mine("c1", q::task_state::claimed, "p1", 1000)),
                create_task(mine("c2", q::task_state::claimed, "p1", 2000)),
                create_task(mine("huge", q::task_state::claimed, "p1",
                                 std::numeric_limits<int64_t>::max() - 10)),
                create_task(mine("other", q::task_state::claimed, "p2", 1000)),
                create_task(mine("enq", q::task_state::enqueued, "p1", 1000))});
  EXPECT_EQ(rows(run_cmd(s(), q::heartbeat_tasks_cmd{"p1", 10000})), 3);
  EXPECT_EQ(read_task(s(), "c1")->expires_at, 11000);
  EXPECT_EQ(read_task(s(), "c2")->expires_at, 12000);
  EXPECT_EQ(read_task(s(), "huge")->expires_at, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(read_task(s(), "other")->expires_at, 5);
  EXPECT_EQ(read_task(s(), "enq")->expires_at, 5);
  EXPECT_EQ(read_task(s(), "c1")->counter, 1);  // whatever the counter, nothing else moves
  EXPECT_EQ(rows(run_cmd(s(), q::heartbeat_tasks_cmd{"nobody", 10000})), 0);
}

// -- locks (REST v1 4.9) -----------------------------------------------------------------

q::lock_record lock_of(std::string resource, std::string execution, std::string process,
                       int64_t ttl, int64_t expires_at) {
  return q::lock_record{std::move(resource), std::move(execution), std::move(process), ttl,
                        expires_at};
}

std::optional<q::lock_record> read_lock(store& s, const std::string& resource) {
  auto r = run_cmd(s, q::read_lock_cmd{resource});
  auto* l = std::get_if<q::query_locks_result>(&r);
  EXPECT_NE(l, nullptr) << "expected a query_locks_result";
  if (!l || l->records.empty()) return std::nullopt;
  EXPECT_EQ(l->records.size(), 1u);
  return l->records[0];
}

TEST_P(store_cases, acquire_inserts_refreshes_for_its_execution_and_refuses_another) {
  const auto first = lock_of("r", "e1", "p1", 1000, 2000);
  EXPECT_EQ(rows(run_cmd(s(), q::acquire_lock_cmd{first})), 1);
  EXPECT_EQ(read_lock(s(), "r"), first);
  EXPECT_FALSE(read_lock(s(), "other"));
  // The same execution refreshes process, ttl and expiry.
  const auto refreshed = lock_of("r", "e1", "p2", 5000, 9000);
  EXPECT_EQ(rows(run_cmd(s(), q::acquire_lock_cmd{refreshed})), 1);
  EXPECT_EQ(read_lock(s(), "r"), refreshed);
  // Another execution: 0 rows, even though the lock expired long ago.
  EXPECT_EQ(rows(run_cmd(s(), q::acquire_lock_cmd{lock_of("r", "e2", "p3", 1, 99999)})), 0);
  EXPECT_EQ(read_lock(s(), "r"), refreshed);
  EXPECT_EQ(count("locks", "1 = 1"), 1);
  // Negative expiries (a wrapped now + ttl) are stored as they are.
  const auto wrapped = lock_of("w", "e", "p", std::numeric_limits<int64_t>::max(),
                               std::numeric_limits<int64_t>::min() + 5);
  EXPECT_EQ(rows(run_cmd(s(), q::acquire_lock_cmd{wrapped})), 1);
  EXPECT_EQ(read_lock(s(), "w"), wrapped);
}

TEST_P(store_cases, release_deletes_only_with_the_resource_and_its_execution) {
  run_one(s(), {q::acquire_lock_cmd{lock_of("r", "e1", "p1", 10, 20)},
                q::acquire_lock_cmd{lock_of("r2", "e1", "p1", 10, 20)}});
  EXPECT_EQ(rows(run_cmd(s(), q::release_lock_cmd{"r", "e2"})), 0);
  EXPECT_EQ(rows(run_cmd(s(), q::release_lock_cmd{"nope", "e1"})), 0);
  EXPECT_TRUE(read_lock(s(), "r"));
  EXPECT_EQ(rows(run_cmd(s(), q::release_lock_cmd{"r", "e1"})), 1);
  EXPECT_FALSE(read_lock(s(), "r"));
  EXPECT_TRUE(read_lock(s(), "r2"));
  EXPECT_EQ(rows(run_cmd(s(), q::release_lock_cmd{"r", "e1"})), 0);
}

TEST_P(store_cases, heartbeat_locks_sets_time_plus_ttl_and_wraps_on_overflow) {
  constexpr auto max = std::numeric_limits<int64_t>::max();
  constexpr auto min = std::numeric_limits<int64_t>::min();
  run_one(s(), {q::acquire_lock_cmd{lock_of("a", "e1", "p1", 1000, 5)},  // expired: still counts
                q::acquire_lock_cmd{lock_of("b", "e2", "p1", 3000, 50000)},
                q::acquire_lock_cmd{lock_of("huge", "e3", "p1", max, 7)},
                q::acquire_lock_cmd{lock_of("edge", "e4", "p1", max - 10000, 7)},
                q::acquire_lock_cmd{lock_of("c", "e5", "p2", 1000, 5)}});
  EXPECT_EQ(rows(run_cmd(s(), q::heartbeat_locks_cmd{"p1", 10000})), 4);
  EXPECT_EQ(read_lock(s(), "a")->expires_at, 11000);
  EXPECT_EQ(read_lock(s(), "b")->expires_at, 13000);
  EXPECT_EQ(read_lock(s(), "huge")->expires_at, min + 9999);  // 10000 + max - 2^64
  EXPECT_EQ(read_lock(s(), "edge")->expires_at, max);         // just fits
  EXPECT_EQ(read_lock(s(), "c")->expires_at, 5);
  EXPECT_EQ(read_lock(s(), "a")->ttl, 1000);
  EXPECT_EQ(rows(run_cmd(s(), q::heartbeat_locks_cmd{"nobody", 10000})), 0);
}

TEST_P(store_cases, timeout_locks_deletes_what_expired_by_the_time) {
  run_one(
    s(),
    {q::acquire_lock_cmd{lock_of("before", "e", "p", 1, 99)},
     q::acquire_lock_cmd{lock_of("at", "e", "p", 1, 100)},
     q::acquire_lock_cmd{lock_of("after", "e", "p", 1, 101)},
     q::acquire_lock_cmd{lock_of("wrapped", "e", "p", 1, std::numeric_limits<int64_t>::min())}});
  EXPECT_EQ(rows(run_cmd(s(), q::timeout_locks_cmd{100})), 3);
  EXPECT_FALSE(read_lock(s(), "before"));
  EXPECT_FALSE(read_lock(s(), "at"));
  EXPECT_FALSE(read_lock(s(), "wrapped"));
  EXPECT_TRUE(read_lock(s(), "after"));
  EXPECT_EQ(rows(run_cmd(s(), q::timeout_locks_cmd{100})), 0);
  // Once deleted, another execution can take the resource.
  EXPECT_EQ(rows(run_cmd(s(), q::acquire_lock_cmd{lock_of("at", "e2", "p2", 1, 200)})), 1);
}

TEST_P(store_cases, lock_commands_of_one_batch_see_each_other) {
  auto out = run_batch(s(), {tx_of({q::acquire_lock_cmd{lock_of("r", "e1", "p1", 10, 20)}}),
                             tx_of({q::acquire_lock_cmd{lock_of("r", "e2", "p2", 10, 20)}}),
                             tx_of({q::release_lock_cmd{"r", "e1"},
                                    q::acquire_lock_cmd{lock_of("r", "e2", "p2", 10, 30)}})});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(rows(out[0].store().results.at(0)), 1);
  EXPECT_EQ(rows(out[1].store().results.at(0)), 0);
  EXPECT_EQ(rows(out[2].store().results.at(0)), 1);
  EXPECT_EQ(rows(out[2].store().results.at(1)), 1);
  EXPECT_EQ(read_lock(s(), "r"), lock_of("r", "e2", "p2", 10, 30));
}

// -- fences and batches with the new commands -------------------------------------------

TEST_P(store_cases, a_fence_guards_callbacks_and_completions_too) {
  insert_task("claimed", 4, 2);
  run_cmd(s(), create("p"));
  auto skipped = run_one(s(), {create_callback(callback_row("cb", "p", "r")), complete_at("p", 5)},
                         q::fence{"claimed", 1});
  EXPECT_FALSE(skipped.valid);
  EXPECT_TRUE(skipped.results.empty());
  EXPECT_EQ(count("callbacks", "1 = 1"), 0);
  EXPECT_EQ(read(s(), "p")->state, q::promise_state::pending);

  auto ran = run_one(s(), {create_callback(callback_row("cb", "p", "r")), complete_at("p", 5)},
                     q::fence{"claimed", 2});
  EXPECT_TRUE(ran.valid);
  ASSERT_EQ(ran.results.size(), 2u);
  EXPECT_EQ(rows(ran.results[0]), 1);
  EXPECT_EQ(written(ran.results[1]).tasks_created, 1);
}

TEST_P(store_cases, a_failing_completion_transaction_fails_alone_and_is_undone) {
  install_failing_trigger();
  run_one(s(), {create("root"), create("p2")});
  run_cmd(s(), create_task(task_row("t-root", "root", q::task_state::claimed, 900)));
  run_cmd(s(), create_callback(callback_row("cb-root", "root", "root")));
  auto out = run_batch(
    s(), {tx_of({create_callback(callback_row("cb-p2", "p2", "p2"))}),
          tx_of({complete_at("root", 9), create("boom")}),
          tx_of({create_task(task_row("t-new", "x"))}), tx_of({q::read_task_cmd{"t-root"}})});
  EXPECT_FALSE(out[0].error);
  ASSERT_TRUE(out[1].error);
  EXPECT_EQ(out[1].error->code, q::status::aio_store_error);
  EXPECT_FALSE(out[2].error);
  EXPECT_FALSE(out[3].error);
  // The later submission saw the rolled-back state, not the failed cascade.
  EXPECT_EQ(tasks(out[3].store().results.at(0)).records.at(0).state, q::task_state::claimed);

  EXPECT_EQ(read(s(), "root")->state, q::promise_state::pending);
  EXPECT_EQ(read_task(s(), "t-root")->state, q::task_state::claimed);
  EXPECT_EQ(count("callbacks", "id = 'cb-root'"), 1);
  EXPECT_FALSE(read_task(s(), "cb-root"));
  EXPECT_EQ(count("callbacks", "id = 'cb-p2'"), 1);
  EXPECT_TRUE(read_task(s(), "t-new"));
}

// -- schedules (REST v1 4.8) -------------------------------------------------------------

q::schedule_record schedule_of(std::string id, int64_t next_run, std::string tag = "t") {
  q::schedule_record r;
  r.id = std::move(id);
  r.description = "d";
  r.cron = "* * * * *";
  r.tags = {{"k", std::move(tag)}, {"dotted.key", "v"}};
  r.promise_id = "p.{{.timestamp}}";
  r.promise_timeout = 500;
  r.promise_param.headers = {{"h", "v"}};
  r.promise_param.data = std::string("bin\0ary", 7);
  r.promise_tags = {{"resonate:invoke", "poll://any@g"}};
  r.next_run_time = next_run;
  r.idempotency_key = "ik";
  r.created_on = 42;
  return r;
}

std::vector<q::schedule_record> schedules_in(const q::store_result& r) {
  auto* s = std::get_if<q::query_schedules_result>(&r);
  EXPECT_NE(s, nullptr) << "expected a query_schedules_result";
  return s ? s->records : std::vector<q::schedule_record>{};
}

// Protocol 2026-04-01's paging (by_id): ascending ids after the cursor, and
// with as_of the states a promise logically has then (a pending promise past
// its timeout is its timed-out state, a timer's resolved), rows as stored.
TEST_P(store_cases, search_by_id_pages_after_the_cursor_with_states_as_of_a_time) {
  auto tagged = [](std::string id, int64_t timeout, q::tag_map tags) {
    auto c = create(std::move(id), timeout);
    c.tags = std::move(tags);
    return c;
  };
  run_one(s(), {create("c", 100), create("a", 100), tagged("e", 10, {{"resonate:timer", "true"}}),
                create("b", 10), create("d", 100)});
  run_cmd(s(), complete("d"));
  auto page = [&](q::state_mask states, std::string after, std::optional<int64_t> as_of,
                  int64_t limit = 100) {
    q::search_promises_cmd c;
    c.id = "*";
    c.states = states;
    c.limit = limit;
    c.by_id = true;
    c.after_id = std::move(after);
    c.as_of = as_of;
    return ids_of(query(run_cmd(s(), c)));
  };
  using v = std::vector<std::string>;
  const auto pending = q::mask_of(q::promise_state::pending);
  const auto resolved = q::mask_of(q::promise_state::resolved);
  const auto timedout = q::mask_of(q::promise_state::rejected_timedout);
  EXPECT_EQ(page(q::all_promise_states, "", std::nullopt), (v{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(page(q::all_promise_states, "", std::nullopt, 2), (v{"a", "b"}));
  EXPECT_EQ(page(q::all_promise_states, "b", std::nullopt, 2), (v{"c", "d"}));
  EXPECT_EQ(page(q::all_promise_states, "e", std::nullopt), (v{}));
  EXPECT_EQ(page(pending, "", std::nullopt), (v{"a", "b", "c", "e"}));
  EXPECT_EQ(page(pending, "", 50), (v{"a", "c"}));
  EXPECT_EQ(page(pending, "", 10), (v{"a", "c"}));  // a timeout is inclusive (2026 spec 2.1)
  EXPECT_EQ(page(pending, "", 9), (v{"a", "b", "c", "e"}));
  EXPECT_EQ(page(resolved, "", 50), (v{"d", "e"}));
  EXPECT_EQ(page(timedout, "", 50), (v{"b"}));
  EXPECT_EQ(page(timedout, "", std::nullopt), (v{}));
  auto b = read(s(), "b");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->state,
            q::promise_state::pending);  // as stored: nothing was written

  q::schedule_record z = schedule_of("z", 5), y = schedule_of("y", 5), x = schedule_of("x", 5);
  y.promise_tags["kind"] = "nightly";
  for (const auto& sc : {z, y, x}) run_cmd(s(), q::create_schedule_cmd{sc});
  q::search_schedules_cmd sc;
  sc.id = "*";
  sc.by_id = true;
  auto found = schedules_in(run_cmd(s(), sc));
  ASSERT_EQ(found.size(), 3u);
  EXPECT_EQ(found[0].id, "x");
  EXPECT_EQ(found[0].promise_param, x.promise_param);  // whole records
  EXPECT_EQ(found[0].promise_tags, x.promise_tags);
  EXPECT_EQ(found[0].promise_timeout, 500);
  sc.after_id = "x";
  sc.limit = 1;
  found = schedules_in(run_cmd(s(), sc));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, "y");
  sc.after_id = "";
  sc.limit = 100;
  sc.tags = {{"kind", "nightly"}};  // matched against the promise tags
  found = schedules_in(run_cmd(s(), sc));
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].id, "y");
  sc.tags = {{"k", "t"}};  // the schedule's own tags do not count here
  EXPECT_TRUE(schedules_in(run_cmd(s(), sc)).empty());
}

TEST_P(store_cases, create_schedule_inserts_once_and_reads_back_the_stored_row) {
  auto first = schedule_of("s", 1000);
  auto w = std::get<q::schedule_write_result>(run_cmd(s(), q::create_schedule_cmd{first}));
  EXPECT_EQ(w.rows_affected, 1);
  ASSERT_TRUE(w.row);
  first.sort_id = w.row->sort_id;
  EXPECT_EQ(*w.row, first);
  auto again = schedule_of("s", 9999, "other");
  auto w2 = std::get<q::schedule_write_result>(run_cmd(s(), q::create_schedule_cmd{again}));
  EXPECT_EQ(w2.rows_affected, 0);
  ASSERT_TRUE(w2.row);
  EXPECT_EQ(*w2.row, first);  // the existing row, unchanged
  auto read = schedules_in(run_cmd(s(), q::read_schedule_cmd{"s"}));
  ASSERT_EQ(read.size(), 1u);
  EXPECT_EQ(read[0], first);
  EXPECT_TRUE(schedules_in(run_cmd(s(), q::read_schedule_cmd{"nope"})).empty());
  // A schedule without key or description reads back with nulls as empty.
  auto bare = schedule_of("bare", 1);
  bare.idempotency_key.reset();
  bare.description.clear();
  auto wb = std::get<q::schedule_write_result>(run_cmd(s(), q::create_schedule_cmd{bare}));
  ASSERT_TRUE(wb.row);
  EXPECT_FALSE(wb.row->idempotency_key);
  EXPECT_EQ(wb.row->description, "");
}

TEST_P(store_cases, search_schedules_matches_pattern_and_tags_newest_first_with_partial_rows) {
  for (auto [id, tag] : {std::pair{"a1", "x"}, {"a2", "y"}, {"b1", "x"}})
    run_cmd(s(), q::create_schedule_cmd{schedule_of(id, 1, tag)});
  auto all = schedules_in(run_cmd(s(), q::search_schedules_cmd{"*", {}, 10, std::nullopt}));
  ASSERT_EQ(all.size(), 3u);
  EXPECT_EQ(all[0].id, "b1");
  EXPECT_EQ(all[2].id, "a1");
  // Partial records (3.3): only id, cron, tags, run times, key, created_on, sort_id.
  EXPECT_EQ(all[0].cron, "* * * * *");
  EXPECT_EQ(all[0].tags.at("k"), "x");
  EXPECT_EQ(all[0].idempotency_key, "ik");
  EXPECT_EQ(all[0].created_on, 42);
  EXPECT_EQ(all[0].promise_id, "");
  EXPECT_EQ(all[0].promise_timeout, 0);
  EXPECT_EQ(all[0].description, "");
  EXPECT_TRUE(all[0].promise_tags.empty());
  EXPECT_TRUE(all[0].promise_param.data.empty());

  auto a = schedules_in(run_cmd(s(), q::search_schedules_cmd{"a*", {}, 10, std::nullopt}));
  EXPECT_EQ(a.size(), 2u);
  auto x = schedules_in(run_cmd(s(), q::search_schedules_cmd{"*", {{"k", "x"}}, 10, std::nullopt}));
  ASSERT_EQ(x.size(), 2u);
  auto dotted = schedules_in(
    run_cmd(s(), q::search_schedules_cmd{"*", {{"dotted.key", "v"}}, 10, std::nullopt}));
  EXPECT_EQ(dotted.size(), 3u);
  auto r = run_cmd(s(), q::search_schedules_cmd{"*", {}, 2, std::nullopt});
  auto page = std::get<q::query_schedules_result>(r);
  ASSERT_EQ(page.records.size(), 2u);
  ASSERT_TRUE(page.last_sort_id);
  auto rest = schedules_in(run_cmd(s(), q::search_schedules_cmd{"*", {}, 2, page.last_sort_id}));
  ASSERT_EQ(rest.size(), 1u);
  EXPECT_EQ(rest[0].id, "a1");
}

TEST_P(store_cases, due_schedules_order_and_the_guarded_update) {
  run_cmd(s(), q::create_schedule_cmd{schedule_of("late", 3000)});
  run_cmd(s(), q::create_schedule_cmd{schedule_of("early", 1000)});
  run_cmd(s(), q::create_schedule_cmd{schedule_of("tie", 1000)});
  run_cmd(s(), q::create_schedule_cmd{schedule_of("future", 9000)});
  auto due = schedules_in(run_cmd(s(), q::read_due_schedules_cmd{3000, 10}));
  ASSERT_EQ(due.size(), 3u);
  EXPECT_EQ(due[0].id, "early");  // next_run_time, then sort_id
  EXPECT_EQ(due[1].id, "tie");
  EXPECT_EQ(due[2].id, "late");
  EXPECT_EQ(due[0].promise_id, "p.{{.timestamp}}");  // full rows
  EXPECT_EQ(schedules_in(run_cmd(s(), q::read_due_schedules_cmd{3000, 1})).size(), 1u);

  EXPECT_EQ(rows(run_cmd(s(), q::update_schedule_cmd{"early", 2000, 1000})), 1);
  auto e = schedules_in(run_cmd(s(), q::read_schedule_cmd{"early"}));
  ASSERT_EQ(e.size(), 1u);
  EXPECT_EQ(e[0].last_run_time, 1000);
  EXPECT_EQ(e[0].next_run_time, 2000);
  // The guard: the same firing again changes nothing.
  EXPECT_EQ(rows(run_cmd(s(), q::update_schedule_cmd{"early", 2000, 1000})), 0);
  EXPECT_EQ(rows(run_cmd(s(), q::update_schedule_cmd{"nope", 2000, 1000})), 0);

  EXPECT_EQ(rows(run_cmd(s(), q::delete_schedule_cmd{"early"})), 1);
  EXPECT_EQ(rows(run_cmd(s(), q::delete_schedule_cmd{"early"})), 0);
  EXPECT_TRUE(schedules_in(run_cmd(s(), q::read_schedule_cmd{"early"})).empty());
}

TEST_P(store_cases, a_firing_commits_the_promise_and_the_advance_together) {
  run_cmd(s(), q::create_schedule_cmd{schedule_of("s", 1000)});
  auto c = run_one(s(), {create("p.1000", 1500), q::update_schedule_cmd{"s", 2000, 1000}});
  ASSERT_EQ(c.results.size(), 2u);
  EXPECT_EQ(rows(c.results[0]), 1);
  EXPECT_EQ(rows(c.results[1]), 1);
  EXPECT_EQ(schedules_in(run_cmd(s(), q::read_schedule_cmd{"s"}))[0].next_run_time, 2000);
}

TEST_P(store_cases, a_submission_of_another_kind_is_answered_with_an_error) {
  q::aio_batch batch;
  batch.push_back(q::aio_sqe{1, tx_of({create("a")})});
  batch.push_back(q::aio_sqe{2, q::route_submission{"a", {}}});
  batch.push_back(q::aio_sqe{3, q::send_submission{}});
  batch.push_back(q::aio_sqe{4, tx_of({q::read_promise_cmd{"a"}})});
  auto out = s().process(std::move(batch));
  ASSERT_EQ(out.size(), 4u);
  for (size_t i = 0; i < out.size(); ++i) EXPECT_EQ(out[i].id, i + 1);
  EXPECT_FALSE(out[0].error);
  for (size_t i : {1u, 2u}) {
    ASSERT_TRUE(out[i].error);
    EXPECT_EQ(out[i].error->code, q::status::aio_store_error);
    EXPECT_NE(out[i].error->message.find(i == 1 ? "router" : "sender"), std::string::npos)
      << out[i].error->message;
  }
  EXPECT_FALSE(out[3].error);
  EXPECT_EQ(query(out[3].store().results.at(0)).records.size(), 1u);

  auto alone = s().process({q::aio_sqe{9, q::route_submission{"b", {}}}});
  ASSERT_EQ(alone.size(), 1u);
  EXPECT_TRUE(alone[0].error);
}

TEST_P(store_cases, a_version_1_database_is_migrated_and_keeps_its_rows) {
  if (!h_->persistent()) GTEST_SKIP() << "in-memory database";
  // Undo 004 (protocol 2026-04-01), 005, 006, the leases and the cluster
  // directory (PostgreSQL's 009): the functions and the tables.
  if (h_->kind() == backend::postgres)
    h_->exec_sql(
      "DROP FUNCTION promise26_created(text); DROP FUNCTION promise26_settled(text, bigint);"
      " DROP TABLE cluster_nodes; DROP TABLE cluster_streams");
  h_->exec_sql(
    "DROP TABLE tasks26; DROP TABLE callbacks26; DROP TABLE listeners26;"
    " DROP TABLE promise_timeouts26; DROP TABLE outbox_execute26;"
    " DROP TABLE outbox_unblock26; DROP TABLE branches26;"
    " DROP TABLE outbox_parked26; DROP TABLE partition_leases");
  // Take the database back to schema version 1 (the indexes of 001 only).
  h_->exec_sql(
    "DROP INDEX idx_callbacks_promise_id; DROP INDEX idx_tasks_root_promise_id_state;"
    " DROP INDEX idx_tasks_state_expires_at; DROP INDEX idx_tasks_active_by_root;"
    " CREATE INDEX idx_tasks_root_promise_id ON tasks (root_promise_id);"
    " CREATE INDEX idx_tasks_expires_at ON tasks (expires_at);"
    " DELETE FROM migrations WHERE id > 1");
  if (h_->kind() == backend::postgres)  // and the indexes of 003
    h_->exec_sql(
      "DROP INDEX idx_schedules_due;"
      " CREATE INDEX idx_schedules_next_run_time ON schedules (next_run_time);"
      " CREATE INDEX IF NOT EXISTS idx_promises_id_pattern ON promises (id text_pattern_ops)");
  run_cmd(s(), create("p"));
  run_cmd(s(), create_task(task_row("t", "p", q::task_state::claimed)));
  run_cmd(s(), create_callback(callback_row("cb", "p", "p")));
  ASSERT_NO_THROW(h_->reopen());
  auto dialect =
    h_->kind() == backend::postgres ? migrations::dialect::postgres : migrations::dialect::sqlite;
  EXPECT_EQ(count("migrations", "1 = 1"),
            static_cast<int64_t>(migrations::embedded_migrations(dialect).size()));
  EXPECT_TRUE(read(s(), "p"));
  EXPECT_TRUE(read_task(s(), "t"));
  EXPECT_EQ(written(run_cmd(s(), complete_at("p", 5))).tasks_created, 1);
  EXPECT_EQ(read_task(s(), "t")->state, q::task_state::completed);
  EXPECT_EQ(read(s(), "p")->state, q::promise_state::resolved);
  // Protocol 2026-04-01's tables are there after 004: the background pass
  // reads them, and a targeted promise gets its task.
  auto due = std::get<q::due26_result>(run_cmd(s(), q::read_due26_cmd{9, 100}));
  EXPECT_TRUE(due.promises.empty());
  EXPECT_TRUE(due.tasks.empty());
  EXPECT_FALSE(due.next_at);
  auto target = create("t", 100000, 10);
  target.tags["resonate:target"] = "poll://any@g";
  ASSERT_EQ(rows(run_cmd(s(), target)), 1);
  EXPECT_EQ(count("tasks26", "id = 't' AND state = 0"), 1);
}

// -- protocol 2026-04-01's typed task commands ----------------------------------------

q::create_promise_cmd targeted(std::string id, std::string branch = "") {
  auto c = create(std::move(id), 100000, 10);
  c.tags["resonate:target"] = "poll://any@workers";
  if (!branch.empty()) c.tags["resonate:branch"] = branch;
  return c;
}

std::optional<q::task26_record> read_task26(store& s, const std::string& id) {
  auto r = run_cmd(s, q::read_task26_cmd{id});
  auto* t = std::get_if<q::query_tasks26_result>(&r);
  EXPECT_NE(t, nullptr) << "expected a query_tasks26_result";
  if (!t || t->records.empty()) return std::nullopt;
  return t->records.front();
}

/// The write that acquires `t` (as read) for pid w1.
q::write_task26_cmd acquire_write(const q::task26_record& t) {
  q::write_task26_cmd w;
  w.current_state = t.state;
  w.current_version = t.version;
  w.task = t;
  w.task.state = q::task26_state::acquired;
  w.task.version = t.version + 1;
  w.task.pid = "w1";
  w.task.ttl = 5000;
  w.task.timer = q::task26_timer::lease;
  w.task.timer_at = 5010;
  return w;
}

/// The write that suspends `t` (as read) on `awaited`.
q::write_task26_cmd suspend_write(const q::task26_record& t, std::vector<std::string> awaited) {
  q::write_task26_cmd w;
  w.current_state = t.state;
  w.current_version = t.version;
  w.task = t;
  w.task.state = q::task26_state::suspended;
  w.task.pid.reset();
  w.task.ttl.reset();
  w.task.timer.reset();
  w.task.timer_at.reset();
  w.awaited = std::move(awaited);
  return w;
}

// A store of the release before migration 006 (its triggers and clock row
// dropped; their work is the store's step after a promise write now): the
// rows of protocol 2026-04-01 survive the migration, and the settlement
// chain works on them.
TEST_P(store_cases, a_version_5_database_keeps_its_protocol_2026_rows) {
  if (!h_->persistent()) GTEST_SKIP() << "in-memory database";
  auto awaited = create("awaited", 9999999999999, 1);
  awaited.tags["resonate:scope"] = "global";
  ASSERT_EQ(rows(run_cmd(s(), awaited)), 1);
  auto root_create = targeted("root");
  root_create.timeout = 9999999999999;
  root_create.created_on = 2;
  ASSERT_EQ(rows(run_cmd(s(), root_create)), 1);
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "root")))), 1);
  auto root = read_task26(s(), "root");
  ASSERT_TRUE(root);
  ASSERT_EQ(rows(run_cmd(s(), suspend_write(*root, {"awaited"}))), 1);
  ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{"awaited", std::nullopt, "poll://uni@g/l"})), 1);
  // Back to version 5: the clock row as that release had it, without 006's functions,
  // the partition leases and the cluster directory.
  if (h_->kind() == backend::postgres)
    h_->exec_sql(
      "DROP FUNCTION promise26_created(text); DROP FUNCTION promise26_settled(text, bigint);"
      " DROP TABLE cluster_nodes; DROP TABLE cluster_streams");
  h_->exec_sql(
    "CREATE TABLE clock26 (one INTEGER PRIMARY KEY CHECK (one = 1), now BIGINT NOT NULL);"
    " INSERT INTO clock26 (one, now) VALUES (1, 4); DROP TABLE partition_leases;"
    " DELETE FROM migrations WHERE id > 5");
  ASSERT_NO_THROW(h_->reopen());
  EXPECT_EQ(count("callbacks26", "awaited = 'awaited'"), 1);
  EXPECT_EQ(count("listeners26", "promise_id = 'awaited'"), 1);
  EXPECT_EQ(count("tasks26", "id = 'root' AND state = 2"), 1);
  EXPECT_THROW(h_->exec_sql("SELECT now FROM clock26"), std::exception) << "the clock row went";
  // REST v1 settles the awaited promise: the chain resumes the suspended task
  // at the completion's time and unblocks the listener.
  EXPECT_EQ(written(run_cmd(s(), complete_at("awaited", 50))).rows_affected, 1);
  EXPECT_EQ(count("tasks26", "id = 'root' AND state = 0 AND resumes = 1 AND timer_at = 30050"), 1);
  EXPECT_EQ(count("outbox_execute26", "id = 'root' AND version = 1"), 1);
  EXPECT_EQ(count("outbox_unblock26", "promise_id = 'awaited' AND address = 'poll://uni@g/l'"), 1);
  EXPECT_EQ(count("callbacks26", "1 = 1") + count("listeners26", "1 = 1"), 0);
}

// -- the protocol 2026-04-01 outbox: messages parked for a stream ------------------------

namespace {

std::vector<q::outbox_message> take(store& s, std::vector<q::stream_address> connected = {},
                                    int64_t parked_before = 0, int64_t limit = 100) {
  return std::get<q::outbox_result>(
           run_cmd(s, q::take_outbox_cmd{limit, std::move(connected), parked_before}))
    .messages;
}

void park(store& s, std::vector<q::outbox_message> messages, int64_t now, int64_t max = 100) {
  run_cmd(s, q::ack_outbox_cmd{{}, std::move(messages), now, max});
}

// A promise targeted at `target` created at 10: the store's step after the
// create makes its task (pending v0) and queues its execute.
q::create_promise_cmd targeted_create(const std::string& id, const std::string& target) {
  auto c = create(id, 32503680000000, 10);
  c.tags["resonate:target"] = target;
  return c;
}

}  // namespace

TEST_P(store_cases,
       a_parked_message_goes_back_to_the_outbox_when_a_stream_that_can_take_it_connects) {
  for (auto [id, target] : {std::pair{"a", "poll://any@g/w1"},
                            {"b", "poll://uni@g/w2"},
                            {"c", "poll://any@g"},
                            {"d", "poll://any@gg"}}) {
    ASSERT_EQ(rows(run_cmd(s(), targeted_create(id, target))), 1);
  }
  auto all = take(s());
  ASSERT_EQ(all.size(), 4u);
  // The executes by task id, each at its task's version and address, with no promise.
  const std::vector<std::pair<std::string, std::string>> want = {{"a", "poll://any@g/w1"},
                                                                 {"b", "poll://uni@g/w2"},
                                                                 {"c", "poll://any@g"},
                                                                 {"d", "poll://any@gg"}};
  for (size_t i = 0; i < all.size(); ++i) {
    EXPECT_EQ(all[i].id, want[i].first);
    EXPECT_EQ(all[i].version, 0);
    EXPECT_EQ(all[i].address, want[i].second);
    EXPECT_FALSE(all[i].promise);
  }
  park(s(), all, 20);
  EXPECT_EQ(count("outbox_execute26", "1 = 1"), 0);
  EXPECT_EQ(count("outbox_parked26", "1 = 1"), 4);
  EXPECT_TRUE(take(s()).empty()) << "a parked message is out of the drain's way";
  EXPECT_TRUE(take(s(), {{"other", "w2"}, {"g0", "w2"}}).empty());

  // w3 of g takes every anycast of g, not g's unicast to w2 nor gg's anycast.
  auto got = take(s(), {{"g", "w3"}});
  std::set<std::string> ids;
  for (const auto& m : got) ids.insert(m.id);
  EXPECT_EQ(ids, (std::set<std::string>{"a", "c"}));
  got = take(s(), {{"g", "w2"}, {"gg", "x"}});
  ids.clear();
  for (const auto& m : got) ids.insert(m.id);
  EXPECT_EQ(ids, (std::set<std::string>{"a", "b", "c", "d"}));
  EXPECT_EQ(count("outbox_parked26", "1 = 1"), 0);
}

TEST_P(store_cases, a_parked_execute_whose_task_moved_on_is_not_sent) {
  ASSERT_EQ(rows(run_cmd(s(), targeted_create("p", "poll://any@g"))), 1);
  park(s(), take(s()), 20);
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "p")))), 1);
  EXPECT_TRUE(take(s(), {{"g", "w"}}).empty());
  EXPECT_EQ(count("outbox_parked26", "1 = 1"), 0);
}

TEST_P(store_cases, parked_messages_are_bounded_in_age_and_count) {
  for (auto id : {"a", "b", "c"}) {
    ASSERT_EQ(rows(run_cmd(s(), targeted_create(id, "poll://any@g"))), 1);
  }
  auto all = take(s());
  ASSERT_EQ(all.size(), 3u);
  park(s(), {all[0]}, 100);
  park(s(), {all[1]}, 200);
  park(s(), {all[2]}, 300, 2);  // at most 2: the oldest (a) goes
  EXPECT_EQ(count("outbox_parked26", "1 = 1"), 2);
  EXPECT_EQ(count("outbox_parked26", "id = 'a'"), 0);
  // Parked again, b keeps its first time; older than 250 goes.
  park(s(), {all[1]}, 400);
  EXPECT_TRUE(take(s(), {}, 250).empty());
  EXPECT_EQ(count("outbox_parked26", "1 = 1"), 1);
  EXPECT_EQ(count("outbox_parked26", "id = 'c'"), 1);
}

TEST_P(store_cases, a_task26_write_takes_effect_only_over_the_row_it_read) {
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  auto t = read_task26(s(), "t");
  ASSERT_TRUE(t);
  EXPECT_EQ(t->state, q::task26_state::pending);
  EXPECT_EQ(t->version, 0);
  EXPECT_EQ(t->address, "poll://any@workers");
  EXPECT_EQ(t->timer, q::task26_timer::retry);
  EXPECT_EQ(count("outbox_execute26", "id = 't'"), 1);
  auto w = acquire_write(*t);
  w.drop_execute = true;  // as task.create does: its caller is the worker
  EXPECT_EQ(rows(run_cmd(s(), w)), 1);
  // The same write again: the row is no longer as it was read.
  EXPECT_EQ(rows(run_cmd(s(), w)), 0);
  auto after = read_task26(s(), "t");
  ASSERT_TRUE(after);
  EXPECT_EQ(*after, w.task);
  EXPECT_EQ(count("outbox_execute26", "id = 't'"), 0);
  EXPECT_FALSE(read_task26(s(), "nope"));
}

TEST_P(store_cases, a_task26_write_sends_its_execute_at_the_version_written) {
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  auto t = *read_task26(s(), "t");
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(t))), 1);
  auto acquired = *read_task26(s(), "t");
  q::write_task26_cmd release;
  release.current_state = acquired.state;
  release.current_version = acquired.version;
  release.task = acquired;
  release.task.state = q::task26_state::pending;
  release.task.pid.reset();
  release.task.ttl.reset();
  release.task.timer = q::task26_timer::retry;
  release.task.timer_at = 40000;
  release.send_execute = true;
  ASSERT_EQ(rows(run_cmd(s(), release)), 1);
  EXPECT_EQ(count("outbox_execute26", "id = 't' AND version = 1"), 1);
  EXPECT_EQ(*read_task26(s(), "t"), release.task);
}

TEST_P(store_cases, a_task26_suspend_registers_only_while_every_awaited_promise_is_pending) {
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("a", 100000))), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("b", 100000))), 1);
  ASSERT_EQ(rows(run_cmd(s(), complete_at("b", 20))), 1);
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "t")))), 1);
  auto suspend = suspend_write(*read_task26(s(), "t"), {"a", "b"});
  EXPECT_EQ(rows(run_cmd(s(), suspend)), 0);
  EXPECT_EQ(count("callbacks26", "awaiter = 't'"), 0);
  EXPECT_EQ(read_task26(s(), "t")->state, q::task26_state::acquired);
  suspend.awaited = {"a"};
  EXPECT_EQ(rows(run_cmd(s(), suspend)), 1);
  EXPECT_EQ(count("callbacks26", "awaiter = 't' AND awaited = 'a'"), 1);
  EXPECT_EQ(read_task26(s(), "t")->state, q::task26_state::suspended);
  // Settling what it awaits resumes it (the store's chain).
  ASSERT_EQ(rows(run_cmd(s(), complete_at("a", 30))), 1);
  auto resumed = *read_task26(s(), "t");
  EXPECT_EQ(resumed.state, q::task26_state::pending);
  EXPECT_EQ(resumed.resumes, 1);
  EXPECT_EQ(count("outbox_execute26", "id = 't' AND version = 1"), 1);
}

TEST_P(store_cases, a_task26_fenced_settle_takes_effect_only_at_the_acquired_version) {
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  auto settle = complete_at("t", 30);
  settle.fence = q::task26_fence{"t", 1};
  EXPECT_EQ(rows(run_cmd(s(), settle)), 0);  // pending, not acquired
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "t")))), 1);
  settle.fence = q::task26_fence{"t", 2};
  EXPECT_EQ(rows(run_cmd(s(), settle)), 0);  // another version
  settle.fence = q::task26_fence{"t", 1, 100000};
  EXPECT_EQ(rows(run_cmd(s(), settle)), 0);  // its promise is due at 100000
  EXPECT_EQ(read(s(), "t")->state, q::promise_state::pending);
  settle.fence = q::task26_fence{"t", 1};
  EXPECT_EQ(rows(run_cmd(s(), settle)), 1);
  EXPECT_EQ(read(s(), "t")->state, q::promise_state::resolved);
  EXPECT_EQ(read_task26(s(), "t")->state, q::task26_state::fulfilled);
}

TEST_P(store_cases, a_task26_fenced_create_takes_effect_only_at_the_acquired_version) {
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  auto child = targeted("t.1", "t");
  child.read_back = true;
  child.fence = q::task26_fence{"t", 1};
  EXPECT_EQ(rows(run_cmd(s(), child)), 0);  // pending, not acquired
  EXPECT_FALSE(read(s(), "t.1"));
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "t")))), 1);
  child.fence = q::task26_fence{"t", 2};
  EXPECT_EQ(rows(run_cmd(s(), child)), 0);  // another version
  EXPECT_FALSE(read(s(), "t.1"));
  child.fence = q::task26_fence{"t", 1, 100000};
  EXPECT_EQ(rows(run_cmd(s(), child)), 0);  // the task's promise is due at 100000
  EXPECT_FALSE(read(s(), "t.1"));
  EXPECT_FALSE(read_task26(s(), "t.1"));
  child.fence = q::task26_fence{"t", 1};
  auto w = written(run_cmd(s(), child));
  EXPECT_EQ(w.rows_affected, 1);
  ASSERT_TRUE(w.row);
  EXPECT_EQ(w.row->id, "t.1");
  // The store's step after a create ran behind the fence too: its task, its
  // execute and its place on the branch.
  EXPECT_EQ(read_task26(s(), "t.1")->state, q::task26_state::pending);
  EXPECT_EQ(count("outbox_execute26", "id = 't.1'"), 1);
  EXPECT_EQ(count("branches26", "id = 't.1'"), 1);
  // Again: it exists, nothing is written, the row comes back as it is.
  auto again = written(run_cmd(s(), child));
  EXPECT_EQ(again.rows_affected, 0);
  ASSERT_TRUE(again.row);
  EXPECT_EQ(again.row->id, "t.1");
}

TEST_P(store_cases, a_task26_registration_is_written_only_while_its_promises_are_pending) {
  ASSERT_EQ(rows(run_cmd(s(), create("a", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  q::register26_cmd callback{"a", std::string("t"), ""};
  q::register26_cmd listener{"a", std::nullopt, "poll://uni@g/p"};
  EXPECT_EQ(rows(run_cmd(s(), callback)), 1);
  EXPECT_EQ(rows(run_cmd(s(), callback)), 0);  // there already
  EXPECT_EQ(rows(run_cmd(s(), listener)), 1);
  EXPECT_EQ(rows(run_cmd(s(), listener)), 0);
  EXPECT_EQ(count("callbacks26", "awaited = 'a' AND awaiter = 't'"), 1);
  EXPECT_EQ(count("listeners26", "promise_id = 'a' AND address = 'poll://uni@g/p'"), 1);
  // No such promise: nothing.
  EXPECT_EQ(rows(run_cmd(s(), q::register26_cmd{"nope", std::string("t"), ""})), 0);
  EXPECT_EQ(rows(run_cmd(s(), q::register26_cmd{"a", std::string("nope"), ""})), 0);
  EXPECT_EQ(rows(run_cmd(s(), q::register26_cmd{"nope", std::nullopt, "poll://uni@g/p"})), 0);
  // Settling runs the chain: the listener is unblocked and both are gone.
  ASSERT_EQ(rows(run_cmd(s(), complete_at("a", 30))), 1);
  EXPECT_EQ(count("callbacks26", "awaited = 'a'"), 0);
  EXPECT_EQ(count("listeners26", "promise_id = 'a'"), 0);
  EXPECT_EQ(count("outbox_unblock26", "promise_id = 'a'"), 1);
  // A settled promise takes no registration.
  EXPECT_EQ(rows(run_cmd(s(), callback)), 0);
  EXPECT_EQ(rows(run_cmd(s(), listener)), 0);
  EXPECT_EQ(count("listeners26", "promise_id = 'a'"), 0);
  // Nor does a settled awaiter.
  ASSERT_EQ(rows(run_cmd(s(), create("b", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), complete_at("t", 30))), 1);
  EXPECT_EQ(rows(run_cmd(s(), q::register26_cmd{"b", std::string("t"), ""})), 0);
}

TEST_P(store_cases, a_task26_branch_read_gives_the_branch_but_one_promise_by_id) {
  for (const char* id : {"r", "r.2", "r.1", "r.3"}) {
    auto c = create(id, 100000);
    c.tags["resonate:branch"] = "r";
    ASSERT_EQ(rows(run_cmd(s(), c)), 1);
  }
  auto other = create("x", 100000);
  other.tags["resonate:branch"] = "x";
  ASSERT_EQ(rows(run_cmd(s(), other)), 1);
  auto got = query(run_cmd(s(), q::read_branch26_cmd{"r", "r.2"}));
  EXPECT_EQ(ids_of(got), (std::vector<std::string>{"r", "r.1", "r.3"}));
  EXPECT_TRUE(query(run_cmd(s(), q::read_branch26_cmd{"none", ""})).records.empty());
  // Without a branch given: the branch of the promise left out, as stored.
  got = query(run_cmd(s(), q::read_branch26_cmd{std::nullopt, "r.2"}));
  EXPECT_EQ(ids_of(got), (std::vector<std::string>{"r", "r.1", "r.3"}));
  EXPECT_TRUE(query(run_cmd(s(), q::read_branch26_cmd{std::nullopt, "x"})).records.empty());
  EXPECT_TRUE(query(run_cmd(s(), q::read_branch26_cmd{std::nullopt, "nope"})).records.empty());
  ASSERT_EQ(rows(run_cmd(s(), create("unbranched", 100000))), 1);
  EXPECT_TRUE(
    query(run_cmd(s(), q::read_branch26_cmd{std::nullopt, "unbranched"})).records.empty());
}

// A take decided without reading (task.acquire, task.create write first)
// holds only while the task's own promise is pending with its timeout after
// the time given: a promise past it counts as timed out (spec 2.1).
// task.search's read: keyset paging on the id, the state filter, the limit.
TEST_P(store_cases, a_task26_search_pages_by_id_after_the_cursor) {
  for (const char* id : {"t3", "t1", "t2"}) ASSERT_EQ(rows(run_cmd(s(), targeted(id))), 1);
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "t2")))), 1);
  auto search = [&](std::string after, std::optional<q::task26_state> state, int64_t limit) {
    auto r = run_cmd(s(), q::search_tasks26_cmd{std::move(after), state, limit});
    std::vector<std::string> ids;
    for (const auto& t : std::get<q::query_tasks26_result>(r).records) ids.push_back(t.id);
    return ids;
  };
  EXPECT_EQ(search("", std::nullopt, 10), (std::vector<std::string>{"t1", "t2", "t3"}));
  EXPECT_EQ(search("", std::nullopt, 2), (std::vector<std::string>{"t1", "t2"}));
  EXPECT_EQ(search("t1", std::nullopt, 10), (std::vector<std::string>{"t2", "t3"}));
  EXPECT_EQ(search("", q::task26_state::acquired, 10), (std::vector<std::string>{"t2"}));
  EXPECT_EQ(search("", q::task26_state::pending, 10), (std::vector<std::string>{"t1", "t3"}));
  EXPECT_TRUE(search("t3", std::nullopt, 10).empty());
}

// The settlement chain says what it queued, so that the kernel runs the
// outbox drain only when there is something to send: an unblock per
// listener, an execute per suspended awaiter resumed; nothing for a promise
// no one listens to or awaits.
TEST_P(store_cases, a_settlement_counts_the_messages_its_chain_queued) {
  ASSERT_EQ(rows(run_cmd(s(), create("plain", 100000, 10))), 1);
  EXPECT_EQ(written(run_cmd(s(), complete_at("plain", 20))).messages_queued, 0);
  ASSERT_EQ(rows(run_cmd(s(), create("awaited", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "t")))), 1);
  ASSERT_EQ(rows(run_cmd(s(), suspend_write(*read_task26(s(), "t"), {"awaited"}))), 1);
  ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{"awaited", std::nullopt, "poll://uni@g/a"})), 1);
  ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{"awaited", std::nullopt, "poll://uni@g/b"})), 1);
  auto w = written(run_cmd(s(), complete_at("awaited", 30)));
  ASSERT_EQ(w.rows_affected, 1);
  EXPECT_EQ(w.messages_queued, 3) << "two unblocks and the awaiter's execute";
  EXPECT_EQ(count("outbox_unblock26", "promise_id = 'awaited'"), 2);
  EXPECT_EQ(count("outbox_execute26", "id = 't'"), 1);
  // A completion that does not take effect queues nothing.
  EXPECT_EQ(written(run_cmd(s(), complete_at("awaited", 40))).messages_queued, 0);
}

TEST_P(store_cases, a_task26_take_needs_its_promise_pending_past_the_time_given) {
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);  // timeout 100000
  auto take = acquire_write(*read_task26(s(), "t"));
  take.promise_due_after = 100000;
  EXPECT_EQ(rows(run_cmd(s(), take)), 0);
  EXPECT_EQ(read_task26(s(), "t")->state, q::task26_state::pending);
  EXPECT_EQ(read_task26(s(), "t")->version, 0);
  take.promise_due_after = 99999;
  EXPECT_EQ(rows(run_cmd(s(), take)), 1);
  EXPECT_EQ(read_task26(s(), "t")->state, q::task26_state::acquired);
  EXPECT_EQ(read_task26(s(), "t")->version, 1);
}

// -- protocol 2026-04-01: the outbox's typed messages, the background pass's
// and debug's reads, debug.reset, the background pass's guarded write --------------------

std::vector<std::pair<std::string, std::string>> keys_of(
  const std::vector<q::outbox_message>& messages) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& m : messages) out.emplace_back(m.id, m.address);
  return out;
}

TEST_P(store_cases, an_unblock_is_taken_with_its_promise_and_skipped_once_the_promise_is_gone) {
  ASSERT_EQ(rows(run_cmd(s(), create("a", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("b", 100000, 10))), 1);
  for (auto [id, address] :
       {std::pair{"a", "poll://uni@g/2"}, {"a", "poll://uni@g/1"}, {"b", "poll://uni@g/1"}}) {
    ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{id, std::nullopt, address})), 1);
  }
  ASSERT_EQ(rows(run_cmd(s(), complete_at("a", 30))), 1);
  auto reject_b = complete("b", q::promise_state::rejected, 40);
  reject_b.now = 40;
  ASSERT_EQ(rows(run_cmd(s(), reject_b)), 1);
  // By (promise, address), each keyed by its promise with version -1, the
  // promise as settled.
  auto got = take(s());
  using keys = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(keys_of(got),
            (keys{{"a", "poll://uni@g/1"}, {"a", "poll://uni@g/2"}, {"b", "poll://uni@g/1"}}));
  for (const auto& m : got) {
    EXPECT_EQ(m.version, -1);
    ASSERT_TRUE(m.promise) << m.id;
    EXPECT_EQ(*m.promise, *read(s(), m.id));
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].promise->state, q::promise_state::resolved);
  EXPECT_EQ(got[2].promise->state, q::promise_state::rejected);
  // The limit counts executes and unblocks apart; executes come first.
  ASSERT_EQ(rows(run_cmd(s(), targeted_create("t", "poll://any@g"))), 1);
  auto limited = take(s(), {}, 0, 1);
  EXPECT_EQ(keys_of(limited), (keys{{"t", "poll://any@g"}, {"a", "poll://uni@g/1"}}));
  ASSERT_EQ(limited.size(), 2u);
  EXPECT_EQ(limited[0].version, 0);
  EXPECT_FALSE(limited[0].promise);
  // Taking deletes nothing; an acknowledged message goes.
  EXPECT_EQ(count("outbox_unblock26", "1 = 1"), 3);
  EXPECT_EQ(rows(run_cmd(s(), q::ack_outbox_cmd{{limited[1]}, {}, 50, 100})), 1);
  EXPECT_EQ(count("outbox_unblock26", "1 = 1"), 2);
  // A promise gone meanwhile: its unblock is not taken (there is nothing to say).
  h_->exec_sql("DELETE FROM promises WHERE id = 'b'");
  EXPECT_EQ(keys_of(take(s())), (keys{{"t", "poll://any@g"}, {"a", "poll://uni@g/2"}}));
}

q::create_promise_cmd targeted_at(std::string id, int64_t timeout, int64_t created_on) {
  auto c = create(std::move(id), timeout, created_on);
  c.tags["resonate:target"] = "poll://any@workers";
  return c;
}

q::due26_result read_due(store& s, int64_t now, int64_t limit = 100) {
  return std::get<q::due26_result>(run_cmd(s, q::read_due26_cmd{now, limit}));
}

std::vector<std::string> ids_of(const std::vector<q::promise_record>& promises) {
  std::vector<std::string> out;
  for (const auto& p : promises) out.push_back(p.id);
  return out;
}

std::vector<std::string> ids_of(const std::vector<q::task26_record>& tasks) {
  std::vector<std::string> out;
  for (const auto& t : tasks) out.push_back(t.id);
  return out;
}

TEST_P(store_cases, read_due26_gives_the_due_pending_promises_and_timers_oldest_first) {
  using ids = std::vector<std::string>;
  // A targeted promise has its row in promise_timeouts26 (its timeout), and
  // its task a retry timer 30 s after its creation.
  ASSERT_EQ(rows(run_cmd(s(), targeted_at("p1", 1000, 10))), 1);    // task at 30010
  ASSERT_EQ(rows(run_cmd(s(), targeted_at("p2", 500, 20))), 1);     // 30020
  ASSERT_EQ(rows(run_cmd(s(), targeted_at("p3", 2000, 5))), 1);     // 30005
  ASSERT_EQ(rows(run_cmd(s(), targeted_at("p0", 1000, 10))), 1);    // 30010
  ASSERT_EQ(rows(run_cmd(s(), targeted_at("p4", 50000, 100))), 1);  // 30100
  // Rows of a promise no longer pending and of one gone are left out.
  ASSERT_EQ(rows(run_cmd(s(), create("settled", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), complete_at("settled", 20))), 1);
  h_->exec_sql(
    "INSERT INTO promise_timeouts26 (id, timeout) VALUES ('settled', 600), ('gone', 700)");

  auto none = read_due(s(), 400);
  EXPECT_TRUE(none.promises.empty());
  EXPECT_TRUE(none.tasks.empty());
  EXPECT_EQ(none.next_at, 500);

  auto due = read_due(s(), 1500);
  EXPECT_EQ(ids_of(due.promises), (ids{"p2", "p0", "p1"}));  // by timeout, then id
  for (const auto& p : due.promises) EXPECT_EQ(p, *read(s(), p.id));
  EXPECT_TRUE(due.tasks.empty());
  EXPECT_EQ(due.next_at, 2000);  // p3's timeout
  EXPECT_EQ(ids_of(read_due(s(), 1500, 1).promises), (ids{"p2"}));

  // An acquired task's lease is a timer too.
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "p2")))), 1);  // lease at 5010
  due = read_due(s(), 30010);
  EXPECT_EQ(ids_of(due.promises), (ids{"p2", "p0", "p1", "p3"}));
  EXPECT_EQ(ids_of(due.tasks), (ids{"p2", "p3", "p0", "p1"}));
  for (const auto& t : due.tasks) EXPECT_EQ(t, *read_task26(s(), t.id));
  ASSERT_FALSE(due.tasks.empty());
  EXPECT_EQ(due.tasks[0].timer, q::task26_timer::lease);
  EXPECT_EQ(due.next_at, 30100);  // p4's retry, before its timeout at 50000
  due = read_due(s(), 30010, 2);
  EXPECT_EQ(ids_of(due.promises), (ids{"p2", "p0"}));
  EXPECT_EQ(ids_of(due.tasks), (ids{"p2", "p3"}));
  EXPECT_EQ(read_due(s(), 40000).next_at, 50000);

  // A settled promise leaves the timeouts, and its fulfilled task has no timer.
  ASSERT_EQ(rows(run_cmd(s(), complete_at("p1", 30000))), 1);
  due = read_due(s(), 30010);
  EXPECT_EQ(ids_of(due.promises), (ids{"p2", "p0", "p3"}));
  EXPECT_EQ(ids_of(due.tasks), (ids{"p2", "p3", "p0"}));

  due = read_due(s(), 60000);
  EXPECT_EQ(ids_of(due.promises), (ids{"p2", "p0", "p3", "p4"}));
  EXPECT_FALSE(due.next_at) << *due.next_at;
}

TEST_P(store_cases, read_snapshot26_gives_the_three_tables_in_order) {
  ASSERT_EQ(rows(run_cmd(s(), targeted_at("b", 300, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), targeted_at("a", 900, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("x", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("y", 100000, 10))), 1);
  for (auto [awaited, awaiter] : {std::pair{"y", "a"}, {"x", "b"}, {"x", "a"}}) {
    ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{awaited, std::string(awaiter), ""})), 1);
  }
  for (auto [id, address] :
       {std::pair{"y", "poll://uni@g/1"}, {"x", "poll://uni@g/2"}, {"x", "poll://uni@g/1"}}) {
    ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{id, std::nullopt, address})), 1);
  }
  auto snap = std::get<q::snapshot26_result>(run_cmd(s(), q::read_snapshot26_cmd{}));
  using pairs = std::vector<std::pair<std::string, std::string>>;
  std::vector<std::pair<std::string, int64_t>> timeouts;
  for (const auto& t : snap.promise_timeouts) timeouts.emplace_back(t.id, t.timeout);
  EXPECT_EQ(timeouts, (std::vector<std::pair<std::string, int64_t>>{{"a", 900}, {"b", 300}}));
  pairs callbacks;  // (awaiter, awaited), by awaited then awaiter
  for (const auto& c : snap.callbacks) callbacks.emplace_back(c.awaiter, c.awaited);
  EXPECT_EQ(callbacks, (pairs{{"a", "x"}, {"b", "x"}, {"a", "y"}}));
  pairs listeners;  // by promise, then address
  for (const auto& l : snap.listeners) listeners.emplace_back(l.promise_id, l.address);
  EXPECT_EQ(listeners,
            (pairs{{"x", "poll://uni@g/1"}, {"x", "poll://uni@g/2"}, {"y", "poll://uni@g/1"}}));
}

TEST_P(store_cases, reset_store_empties_every_table_of_both_protocols) {
  const std::vector<std::string> tables = {
    "promises",         "callbacks",       "tasks",       "schedules",          "locks",
    "tasks26",          "callbacks26",     "listeners26", "promise_timeouts26", "outbox_execute26",
    "outbox_unblock26", "outbox_parked26", "branches26"};
  // These are all the tables but the migrations', the partition leases' and
  // the cluster directory's (who owns the background work, which node holds
  // which stream: kept by debug.reset).
  std::string listed;
  for (const auto& t : tables) listed += (listed.empty() ? "'" : ", '") + t + "'";
  EXPECT_EQ(h_->query_value(
              GetParam() == backend::postgres
                ? "SELECT string_agg(table_name, ',') FROM information_schema.tables WHERE "
                  "table_schema = current_schema() AND table_type = 'BASE TABLE' AND "
                  "table_name NOT IN ('migrations', 'partition_leases', 'cluster_nodes', "
                  "'cluster_streams', " +
                    listed + ")"
                : "SELECT group_concat(name) FROM sqlite_master WHERE type = 'table' AND name "
                  "NOT LIKE 'sqlite_%' AND name NOT IN ('migrations', 'partition_leases', " +
                    listed + ")"),
            "")
    << "a table reset_store_cmd does not know";
  // A row in each. REST v1's:
  ASSERT_EQ(rows(run_cmd(s(), create("p"))), 1);
  run_cmd(s(), create_task(task_row("t", "p", q::task_state::claimed)));
  run_cmd(s(), create_callback(callback_row("cb", "p", "p")));
  run_cmd(s(), q::create_schedule_cmd{schedule_of("s", 1000)});
  ASSERT_EQ(rows(run_cmd(s(), q::acquire_lock_cmd{lock_of("r", "e", "proc", 1000, 2000)})), 1);
  // Protocol 2026-04-01's: a task (its timeout, execute and branch), a
  // suspended one awaiting `a`, a listener on `a`, an unblock, a parked message.
  ASSERT_EQ(rows(run_cmd(s(), targeted("t26", "br"))), 1);
  ASSERT_EQ(rows(run_cmd(s(), targeted("w"))), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("a", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "w")))), 1);
  ASSERT_EQ(rows(run_cmd(s(), suspend_write(*read_task26(s(), "w"), {"a"}))), 1);
  ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{"a", std::nullopt, "poll://uni@g/1"})), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("u", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), q::register26_cmd{"u", std::nullopt, "poll://uni@g/1"})), 1);
  ASSERT_EQ(rows(run_cmd(s(), complete_at("u", 20))), 1);
  park(s(), {q::outbox_message{"x", 0, "poll://any@g", std::nullopt}}, 20);
  for (const auto& t : tables) ASSERT_GT(count(t, "1 = 1"), 0) << t;

  auto r = run_cmd(s(), q::reset_store_cmd{});
  EXPECT_TRUE(std::holds_alternative<q::alter_result>(r));
  for (const auto& t : tables) EXPECT_EQ(count(t, "1 = 1"), 0) << t;
  EXPECT_GT(count("migrations", "1 = 1"), 0);
  // The store goes on: the same ids are new again.
  ASSERT_EQ(rows(run_cmd(s(), targeted("t26", "br"))), 1);
  EXPECT_EQ(count("outbox_execute26", "id = 't26'"), 1);
}

// The background pass reads a due timer (read_due26_cmd), decides, and
// writes with timer_due_by = its time: a heartbeat that renewed the lease in
// between keeps state and version, so only the timer tells the pass's write
// that the row moved on.
TEST_P(store_cases, a_task26_write_with_timer_due_by_holds_only_while_the_timer_is_due) {
  ASSERT_EQ(rows(run_cmd(s(), targeted("t"))), 1);
  auto acquire = acquire_write(*read_task26(s(), "t"));
  acquire.drop_execute = true;
  ASSERT_EQ(rows(run_cmd(s(), acquire)), 1);  // the lease runs out at 5010
  auto due = read_due(s(), 6000);
  ASSERT_EQ(due.tasks.size(), 1u);
  const auto lapsed = due.tasks[0];
  ASSERT_EQ(lapsed.timer_at, 5010);

  q::write_task26_cmd heartbeat;
  heartbeat.current_state = lapsed.state;
  heartbeat.current_version = lapsed.version;
  heartbeat.task = lapsed;
  heartbeat.task.timer_at = 11000;
  ASSERT_EQ(rows(run_cmd(s(), heartbeat)), 1);

  q::write_task26_cmd release;  // pending again at the same version, its execute resent
  release.current_state = lapsed.state;
  release.current_version = lapsed.version;
  release.task = lapsed;
  release.task.state = q::task26_state::pending;
  release.task.pid.reset();
  release.task.ttl.reset();
  release.task.timer = q::task26_timer::retry;
  release.task.timer_at = 36000;
  release.send_execute = true;
  release.timer_due_by = 6000;
  EXPECT_EQ(rows(run_cmd(s(), release)), 0);
  EXPECT_EQ(*read_task26(s(), "t"), heartbeat.task);
  EXPECT_EQ(count("outbox_execute26", "id = 't'"), 0);
  release.timer_due_by = 10999;
  EXPECT_EQ(rows(run_cmd(s(), release)), 0);
  // Due by the time given (the bound included), the write takes effect.
  release.timer_due_by = 11000;
  EXPECT_EQ(rows(run_cmd(s(), release)), 1);
  EXPECT_EQ(*read_task26(s(), "t"), release.task);
  EXPECT_EQ(count("outbox_execute26", "id = 't' AND version = 1"), 1);

  // A task without a timer (suspended) is never due; without timer_due_by
  // the same write holds.
  ASSERT_EQ(rows(run_cmd(s(), targeted("s"))), 1);
  ASSERT_EQ(rows(run_cmd(s(), create("a", 100000, 10))), 1);
  ASSERT_EQ(rows(run_cmd(s(), acquire_write(*read_task26(s(), "s")))), 1);
  ASSERT_EQ(rows(run_cmd(s(), suspend_write(*read_task26(s(), "s"), {"a"}))), 1);
  auto suspended = *read_task26(s(), "s");
  ASSERT_FALSE(suspended.timer_at);
  q::write_task26_cmd resume;
  resume.current_state = suspended.state;
  resume.current_version = suspended.version;
  resume.task = suspended;
  resume.task.state = q::task26_state::pending;
  resume.task.timer = q::task26_timer::retry;
  resume.task.timer_at = 40000;
  resume.timer_due_by = std::numeric_limits<int64_t>::max();
  EXPECT_EQ(rows(run_cmd(s(), resume)), 0);
  resume.timer_due_by.reset();
  EXPECT_EQ(rows(run_cmd(s(), resume)), 1);
}

// -- counts by state (the tasks{state} and promises{state} gauges) ---------------------

std::map<int64_t, int64_t> counts_of(const q::store_result& r) {
  auto* c = std::get_if<q::state_counts_result>(&r);
  EXPECT_NE(c, nullptr) << "expected a state_counts_result";
  return c ? c->counts : std::map<int64_t, int64_t>{};
}

TEST_P(store_cases, counts_by_state_of_empty_tables_have_no_states) {
  EXPECT_TRUE(counts_of(run_cmd(s(), q::count_tasks_by_state_cmd{})).empty());
  EXPECT_TRUE(counts_of(run_cmd(s(), q::count_promises_by_state_cmd{})).empty());
}

TEST_P(store_cases, counts_by_state_count_the_live_rows_under_their_state_code) {
  using ts = q::task_state;
  int n = 0;
  for (auto [state, rows_in_state] : {std::pair{ts::init, 3},
                                      {ts::enqueued, 1},
                                      {ts::claimed, 2},
                                      {ts::completed, 4},
                                      {ts::timedout, 1}}) {
    for (int i = 0; i < rows_in_state; ++i) {
      auto id = "t" + std::to_string(n++);
      ASSERT_EQ(rows(run_cmd(s(), create_task(task_row(id, "root-" + id, state)))), 1);
    }
  }
  // The terminal states (COMPLETED 8, TIMEDOUT 16) are not counted.
  const std::map<int64_t, int64_t> want_tasks{{1, 3}, {2, 1}, {4, 2}};
  EXPECT_EQ(counts_of(run_cmd(s(), q::count_tasks_by_state_cmd{})), want_tasks);

  using ps = q::promise_state;
  for (const char* id : {"pa", "pb", "pc", "pd", "pe", "pf"}) run_cmd(s(), create(id));
  EXPECT_EQ(rows(run_cmd(s(), complete("pb", ps::resolved))), 1);
  EXPECT_EQ(rows(run_cmd(s(), complete("pc", ps::resolved))), 1);
  EXPECT_EQ(rows(run_cmd(s(), complete("pd", ps::rejected_canceled))), 1);
  EXPECT_EQ(rows(run_cmd(s(), complete("pe", ps::rejected_timedout))), 1);
  const std::map<int64_t, int64_t> want_promises{{1, 2}};  // PENDING only
  EXPECT_EQ(counts_of(run_cmd(s(), q::count_promises_by_state_cmd{})), want_promises);

  // In one transaction the counts see the writes before them; a state that
  // empties is absent.
  auto c = run_one(s(), {q::update_task_cmd{"t3", std::nullopt, ts::completed, 1, 0, 0, 0, 9,
                                            q::mask_of(ts::enqueued), 1},
                         q::count_tasks_by_state_cmd{}, complete("pa", ps::rejected),
                         q::count_promises_by_state_cmd{}});
  ASSERT_EQ(c.results.size(), 4u);
  EXPECT_EQ(rows(c.results[0]), 1);
  EXPECT_EQ(counts_of(c.results[1]), (std::map<int64_t, int64_t>{{1, 3}, {4, 2}}));
  EXPECT_EQ(counts_of(c.results[3]), (std::map<int64_t, int64_t>{{1, 1}}));
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
  auto out = h->get().process(
    {q::aio_sqe{1, tx_of({create("x")})}, q::aio_sqe{2, tx_of({q::read_promise_cmd{"before"}})}});
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  ASSERT_EQ(out.size(), 2u);
  for (const auto& cqe : out) {
    ASSERT_TRUE(cqe.error);
    EXPECT_EQ(cqe.error->code, q::status::aio_store_error);
    EXPECT_NE(cqe.error->message.find("locked"), std::string::npos) << cqe.error->message;
    EXPECT_TRUE(cqe.store().results.empty());
  }

  // Once the lock is gone the store works again.
  EXPECT_EQ(rows(run_cmd(h->get(), create("x"))), 1);
  EXPECT_TRUE(read(h->get(), "before"));
}

// -- partition leases (several nodes on one database) ------------------------------

std::optional<int64_t> claim(store& s, const std::string& owner, int64_t epoch, int64_t ttl_ms) {
  auto r = run_cmd(s, q::claim_lease_cmd{0, owner, epoch, ttl_ms});
  auto* l = std::get_if<q::lease_result>(&r);
  EXPECT_NE(l, nullptr) << "expected a lease_result";
  return l ? l->epoch : std::nullopt;
}

TEST_P(store_cases, a_lease_is_held_by_one_node_until_it_lapses) {
  EXPECT_EQ(claim(s(), "a", 0, 60000), 1);
  EXPECT_EQ(claim(s(), "a", 1, 60000), 1) << "a renewal keeps the epoch";
  EXPECT_EQ(claim(s(), "b", 0, 60000), std::nullopt) << "held by a";
  // a gives it up (ttl 0); b takes it over with a new epoch.
  EXPECT_EQ(claim(s(), "a", 1, 0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_EQ(claim(s(), "b", 0, 60000), 2);
  EXPECT_EQ(claim(s(), "a", 1, 60000), std::nullopt) << "a deposed owner cannot renew";
  // b restarts and forgot its epoch: it gets the lease back, at a new epoch,
  // so that what its past incarnation still writes is fenced out.
  EXPECT_EQ(claim(s(), "b", 0, 60000), 3);
  EXPECT_EQ(count("partition_leases", "owner = 'b' AND epoch = 3"), 1);
}

TEST_P(store_cases, a_background_write_behind_a_lapsed_epoch_changes_nothing) {
  ASSERT_EQ(claim(s(), "a", 0, 0), 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  ASSERT_EQ(claim(s(), "b", 0, 60000), 2);
  auto out = run_batch(s(), {tx_of({q::check_lease_cmd{0, 1}, create("by-a")}),
                             tx_of({q::check_lease_cmd{0, 2}, create("by-b")})});
  ASSERT_EQ(out.size(), 2u);
  ASSERT_TRUE(out[0].error) << "a's write went through behind epoch 1";
  EXPECT_NE(out[0].error->message.find("fenced out"), std::string::npos) << out[0].error->message;
  ASSERT_FALSE(out[1].error) << out[1].error->message;
  EXPECT_EQ(rows(out[1].store().results.at(1)), 1);
  EXPECT_FALSE(read(s(), "by-a"));
  EXPECT_TRUE(read(s(), "by-b"));
}

TEST(postgres_store_only, a_cluster_node_ends_a_transaction_left_idle) {
  if (!postgres_conninfo()) GTEST_SKIP() << "RESONATE_TEST_PG not set";
  auto h = make_harness(backend::postgres);
  EXPECT_EQ(h->query_value("SHOW idle_in_transaction_session_timeout"), "0");
  auto limited = h->another_store(1500);
  auto& pg = dynamic_cast<postgres_store&>(*limited);
  EXPECT_EQ(pg.query_value("SHOW idle_in_transaction_session_timeout"), "1500ms");
}

TEST_P(store_cases, two_nodes_racing_for_a_free_lease_get_it_once) {
  auto other = h_->another_store();
  if (!other) GTEST_SKIP() << "a single writer";
  int64_t epoch = 0;
  for (int round = 0; round < 30; ++round) {
    std::optional<int64_t> a, b;
    std::thread ta([&] { a = claim(s(), "a", 0, 60000); });
    std::thread tb([&] { b = claim(*other, "b", 0, 60000); });
    ta.join();
    tb.join();
    ASSERT_NE(a.has_value(), b.has_value()) << "round " << round;
    const int64_t won = a ? *a : *b;
    EXPECT_GT(won, epoch) << "the epoch rises with every change of owner";
    epoch = won;
    // The winner gives it up for the next round.
    claim(a ? s() : *other, a ? "a" : "b", won, 0);
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
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

TEST(sqlite_store_only, a_few_frames_still_go_back_to_the_database_within_seconds) {
  // The background checkpoint waits for about 1 MiB of frames, or a second:
  // a lone write must not stay in the WAL for good.
  auto h = make_harness(backend::sqlite_file);
  const auto db_size = [&] { return std::filesystem::file_size(h->sqlite_path()); };
  const auto before = db_size();
  auto c = create("lone");
  c.param.data = std::string(3000, 'x');  // a new page in the database
  for (const auto& cqe : h->get().process({q::aio_sqe{1, tx_of({c})}})) ASSERT_FALSE(cqe.error);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (db_size() == before && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_GT(db_size(), before);
}

TEST(postgres_store_only, a_batch_reruns_on_a_new_connection_when_the_old_one_broke) {
  if (!postgres_conninfo()) GTEST_SKIP() << "RESONATE_TEST_PG not set";
  auto h = make_harness(backend::postgres);
  run_cmd(h->get(), create("before"));
  auto pid = h->query_value("SELECT pg_backend_pid()");
  h->kill_connection();
  // Nothing of the optimistic pass was committed, so it runs again, isolated,
  // on a new connection.
  auto out = h->get().process(
    {q::aio_sqe{1, tx_of({create("during")})}, q::aio_sqe{2, tx_of({q::ping_cmd{}})}});
  ASSERT_EQ(out.size(), 2u);
  EXPECT_FALSE(out[0].error) << out[0].error->message;
  EXPECT_FALSE(out[1].error) << out[1].error->message;
  EXPECT_NE(h->query_value("SELECT pg_backend_pid()"), pid);
  auto again = h->get().process({q::aio_sqe{3, tx_of({create("after")})}});
  ASSERT_EQ(again.size(), 1u);
  EXPECT_FALSE(again[0].error) << again[0].error->message;
  EXPECT_TRUE(read(h->get(), "before"));
  EXPECT_TRUE(read(h->get(), "during"));
  EXPECT_TRUE(read(h->get(), "after"));
}

TEST(postgres_store_only, a_failed_commit_fails_every_submission) {
  if (!postgres_conninfo()) GTEST_SKIP() << "RESONATE_TEST_PG not set";
  auto h = make_harness(backend::postgres);
  // A deferred constraint trigger: the insert passes, the COMMIT fails.
  h->exec_sql(
    "CREATE FUNCTION reject_at_commit() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
    "IF NEW.id = 'late-boom' THEN RAISE EXCEPTION 'late-boom refused at commit'; END IF; "
    "RETURN NEW; END $$; CREATE CONSTRAINT TRIGGER reject_at_commit AFTER INSERT ON promises "
    "DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION reject_at_commit();");
  auto out = h->get().process({q::aio_sqe{1, tx_of({create("a")})},
                               q::aio_sqe{2, tx_of({create("late-boom")})},
                               q::aio_sqe{3, q::route_submission{"x", {}}}});
  ASSERT_EQ(out.size(), 3u);
  for (const auto& cqe : out) {
    ASSERT_TRUE(cqe.error);
    EXPECT_EQ(cqe.error->code, q::status::aio_store_error);
  }
  EXPECT_NE(out[0].error->message.find("commit failed"), std::string::npos)
    << out[0].error->message;
  EXPECT_NE(out[1].error->message.find("late-boom refused"), std::string::npos)
    << out[1].error->message;
  EXPECT_NE(out[2].error->message.find("router"), std::string::npos);
  EXPECT_FALSE(read(h->get(), "a"));
  EXPECT_FALSE(read(h->get(), "late-boom"));
  EXPECT_EQ(rows(run_cmd(h->get(), create("b"))), 1);  // and the store goes on
}

TEST(postgres_store_only, pipeline_results_stay_in_step_after_a_failure) {
  auto conninfo = postgres_conninfo();
  if (!conninfo) GTEST_SKIP() << "RESONATE_TEST_PG not set";
  pg_connection c(*conninfo);
  auto select = [](const char* sql) { return pg_call{"", sql, {}}; };
  c.enter_pipeline();
  c.send_simple_internal("SELECT 1/0");  // fails; what follows up to the sync is skipped
  c.send(select("SELECT 'skipped'"));
  c.send(select("SELECT 'also skipped'"));
  try {
    c.receive();
    FAIL() << "the failure of the internal statement was not reported";
  } catch (const pg_error& e) {
    EXPECT_FALSE(e.broken());
    EXPECT_NE(std::string(e.what()).find("division by zero"), std::string::npos) << e.what();
  }
  EXPECT_THROW(c.receive(), pg_error);  // skipped
  c.send(select("SELECT 'after'"));
  EXPECT_EQ(c.receive().text(0, 0), "after");
  c.send(select("SELECT 'x'::bytea"));
  EXPECT_EQ(c.receive().bytes(0, 0), "x");
  c.finish_pipeline();
  EXPECT_FALSE(c.in_pipeline());
  EXPECT_EQ(c.exec(select("SELECT 41 + 1")).int64(0, 0), 42);
}

// -- migration rules -----------------------------------------------------------------

using migrations::migration;

TEST(store_migrations, embedded_sequences_are_gap_free) {
  for (auto d : {migrations::dialect::sqlite, migrations::dialect::postgres}) {
    auto files = migrations::embedded_migrations(d);
    ASSERT_FALSE(files.empty());
    EXPECT_EQ(files[0].file_name, "001_initial_schema.sql");
    EXPECT_NE(files[0].sql.find("CREATE TABLE promises"), std::string_view::npos);
    ASSERT_GE(files.size(), 2u);
    EXPECT_EQ(files[1].file_name, "002_task_and_callback_indexes.sql");
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
