#include "tests/support/promise_history.hpp"

#include <boost/json.hpp>
#include <mutex>
#include <optional>
#include <random>
#include <thread>

#include "tests/support/wire_match.hpp"

namespace resonate::test {

namespace json = boost::json;

namespace {

constexpr const char* k_future = "32503680000000";  // year 3000

std::string text_of(const json::value& v) {
  return v.is_string() ? std::string(v.as_string()) : json::serialize(v);
}

// The value's data of a promise body, "" when it has none.
std::string value_data(const json::value& promise) {
  const auto& value = promise.at("value");
  return value.is_object() && value.as_object().contains("data") ? text_of(value.at("data")) : "";
}

}  // namespace

promise_history run_promise_history(const std::vector<uint16_t>& ports,
                                    const promise_history_options& opts) {
  promise_history history;
  std::mutex mu;
  auto worker = [&](int t) {
    std::vector<std::unique_ptr<http_client>> clients;
    for (auto port : ports) clients.push_back(std::make_unique<http_client>("127.0.0.1", port));
    std::mt19937 rng(opts.seed + static_cast<uint32_t>(t));
    static const char* states[] = {"RESOLVED", "REJECTED", "REJECTED_CANCELED"};
    for (int i = 0; i < opts.ops_per_thread; ++i) {
      auto& c = *clients[static_cast<size_t>(t + i) % clients.size()];
      std::string id = "lin-" + std::to_string(rng() % static_cast<uint32_t>(opts.ids));
      observed_op o;
      o.thread = t;
      http_response r;
      try {
        switch (rng() % 3) {
          case 0:
            o.op = "create";
            r = c.post("/promises", R"({"id":")" + id + R"(","timeout":)" + k_future + "}",
                       {{"Idempotency-Key", "t" + std::to_string(t)}});
            break;
          case 1: {
            o.op = "complete";
            o.requested_state = states[rng() % 3];
            o.requested_value = base64("v-" + std::to_string(t) + "-" + std::to_string(i));
            header_list h = {{"Idempotency-Key", "c" + std::to_string(t)}};
            if (rng() % 2) h.emplace_back("Strict", "true");
            r = c.patch("/promises/" + id,
                        R"({"state":")" + o.requested_state + R"(","value":{"data":")" +
                          o.requested_value + "\"}}",
                        h);
            break;
          }
          default:
            o.op = "read";
            r = c.get("/promises/" + id);
        }
      } catch (const http_error&) {
        std::lock_guard lock(mu);
        ++history.transport_errors;
        continue;
      }
      o.status = r.status;
      try {
        auto j = r.json();
        if (r.status == 200 || r.status == 201) {
          o.state = text_of(j.at("state"));
          o.value = value_data(j);
          if (j.as_object().contains("idempotencyKeyForCreate"))
            o.ikc = text_of(j.at("idempotencyKeyForCreate"));
        } else if (r.status == 403 || r.status == 409 || r.status == 404) {
          o.code = j.at("error").at("code").as_int64();
        }
      } catch (const std::exception& e) {
        std::lock_guard lock(mu);
        history.unparsable.push_back(o.op + " " + id + ": " + r.body + " (" + e.what() + ")");
      }
      std::lock_guard lock(mu);
      history.by_id[id].push_back(std::move(o));
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < opts.threads; ++t) threads.emplace_back(worker, t);
  for (auto& th : threads) th.join();
  return history;
}

std::vector<std::string> check_promise_history(
  const promise_history& history,
  const std::function<http_response(const std::string&)>& read_final,
  const promise_history_options& opts) {
  std::vector<std::string> bad;
  auto fail = [&bad](const std::string& id, const std::string& what) {
    bad.push_back(id + ": " + what);
  };
  for (const auto& u : history.unparsable) bad.push_back("unparsable body: " + u);
  if (history.transport_errors > 0)
    bad.push_back(std::to_string(history.transport_errors) + " requests got no answer");
  const std::map<std::string, int64_t> code_of = {
    {"RESOLVED", 40301}, {"REJECTED", 40302}, {"REJECTED_CANCELED", 40303}};

  for (int k = 0; k < opts.ids; ++k) {
    const std::string id = "lin-" + std::to_string(k);
    static const std::vector<observed_op> none;
    auto found = history.by_id.find(id);
    const auto& ops = found == history.by_id.end() ? none : found->second;
    const auto final_r = read_final(id);
    std::optional<json::value> final_j;
    if (final_r.status == 200) final_j = final_r.json();

    int creators = 0, completers = 0;
    const observed_op* creator = nullptr;
    const observed_op* completer = nullptr;
    for (const auto& o : ops) {
      if (o.status != 200 && o.status != 201 && o.status != 403 && o.status != 404 &&
          o.status != 409)
        fail(id, o.op + " got " + std::to_string(o.status));
      if (o.op == "create" && o.status == 201) ++creators, creator = &o;
      if (o.op == "complete" && o.status == 201) ++completers, completer = &o;
    }
    if (creators > 1) fail(id, std::to_string(creators) + " creates got 201");
    if (completers > 1) fail(id, std::to_string(completers) + " completions got 201");
    if (!final_j) {
      if (final_r.status != 404) fail(id, "final read got " + std::to_string(final_r.status));
      if (creators != 0) fail(id, "a create got 201, yet the promise does not exist");
      for (const auto& o : ops)
        if (o.status != (o.op == "create" ? 409 : 404))
          fail(id, o.op + " of a promise never created got " + std::to_string(o.status));
      continue;
    }
    if (creators != 1 || !creator) {
      fail(id, "the promise exists, yet " + std::to_string(creators) + " creates got 201");
      continue;
    }
    const std::string ikc = "t" + std::to_string(creator->thread);
    if (text_of(final_j->at("idempotencyKeyForCreate")) != ikc)
      fail(id, "idempotencyKeyForCreate is not the creator's");
    const std::string final_state = text_of(final_j->at("state"));
    const std::string final_value = value_data(*final_j);
    if (completer) {
      if (final_state != completer->requested_state)
        fail(id, "final state " + final_state + " is not the winning completion's " +
                   completer->requested_state);
      if (final_value != completer->requested_value)
        fail(id, "final value is not the winning completion's");
      if (completer->state != completer->requested_state)
        fail(id, "the winning completion answered " + completer->state);
    } else if (final_state != "PENDING") {
      fail(id, "completed (" + final_state + ") though no completion got 201");
    }
    // Program order per thread: a promise seen completed is never PENDING again.
    std::map<int, bool> seen_completed;
    for (const auto& o : ops) {
      const bool answered = o.status == 200 || o.status == 201;
      if (answered && o.state == "PENDING" && seen_completed[o.thread])
        fail(id, "thread " + std::to_string(o.thread) + " saw PENDING after a completion");
      if ((answered && !o.state.empty() && o.state != "PENDING") ||
          (o.op == "complete" && o.status == 403))
        seen_completed[o.thread] = true;
    }
    for (const auto& o : ops) {
      if (o.op == "create") {
        // 200 only for the creator's own key (deduplicated); every other create is 409.
        if (o.status == 200 && o.thread != creator->thread)
          fail(id, "a create with another key got 200");
        if ((o.status == 200 || o.status == 201) && o.ikc != ikc)
          fail(id, "a create answered another idempotency key");
      } else if (o.op == "read" && o.status == 200) {
        if (o.state != "PENDING" && o.state != final_state)
          fail(id, "a read saw " + o.state + ", final is " + final_state);
        if (o.state != "PENDING" && o.value != final_value)
          fail(id, "a read saw another value than the final one");
      } else if (o.op == "complete") {
        if (o.status == 200 && (o.state != final_state || o.value != final_value))
          fail(id, "a deduplicated completion answered another completion");
        if (o.status == 403 && !code_of.count(final_state))
          fail(id, "a completion was refused as already done, yet final is " + final_state);
        else if (o.status == 403 && o.code != code_of.at(final_state))
          fail(id, "a refused completion's code " + std::to_string(o.code) + " does not match " +
                     final_state);
      }
    }
  }
  return bad;
}

}  // namespace resonate::test
