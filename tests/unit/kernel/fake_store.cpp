#include "tests/unit/kernel/fake_store.hpp"

#include <algorithm>

namespace resonate::tests {

namespace q = resonate::queues;

bool pattern_matches(const std::string& pattern, const std::string& id) {
  // Classic wildcard match with backtracking over the last '*'.
  size_t p = 0, s = 0, star = std::string::npos, mark = 0;
  while (s < id.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      mark = s;
    } else if (p < pattern.size() && pattern[p] == id[s]) {
      ++p;
      ++s;
    } else if (star != std::string::npos) {
      p = star + 1;
      s = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

q::store_result fake_store::run(const q::store_command& cmd) {
  return std::visit(
    [&](const auto& c) -> q::store_result {
      using T = std::decay_t<decltype(c)>;
      if constexpr (std::is_same_v<T, q::read_promise_cmd>) {
        q::query_promises_result r;
        if (auto it = promises.find(c.id); it != promises.end()) r.records.push_back(it->second);
        return r;
      } else if constexpr (std::is_same_v<T, q::read_timedout_promises_cmd>) {
        q::query_promises_result r;
        for (auto& [id, p] : promises)
          if (p.state == q::promise_state::pending && p.timeout <= c.time &&
              static_cast<int64_t>(r.records.size()) < c.limit)
            r.records.push_back(p);
        return r;
      } else if constexpr (std::is_same_v<T, q::search_promises_cmd>) {
        std::vector<q::promise_record> hits;
        for (auto& [id, p] : promises) {
          if (!pattern_matches(c.id, id)) continue;
          if (!(q::mask_of(p.state) & c.states)) continue;
          if (c.sort_id && p.sort_id >= *c.sort_id) continue;
          bool tags_ok = std::all_of(c.tags.begin(), c.tags.end(), [&](auto& kv) {
            auto t = p.tags.find(kv.first);
            return t != p.tags.end() && t->second == kv.second;
          });
          if (tags_ok) hits.push_back(p);
        }
        std::sort(hits.begin(), hits.end(),
                  [](auto& a, auto& b) { return a.sort_id > b.sort_id; });
        if (static_cast<int64_t>(hits.size()) > c.limit) hits.resize(c.limit);
        q::query_promises_result r;
        if (!hits.empty()) r.last_sort_id = hits.back().sort_id;
        r.records = std::move(hits);
        return r;
      } else if constexpr (std::is_same_v<T, q::create_promise_cmd>) {
        if (promises.count(c.id)) return q::alter_result{0};
        q::promise_record p;
        p.id = c.id;
        p.param = c.param;
        p.timeout = c.timeout;
        p.idempotency_key_for_create = c.idempotency_key;
        p.tags = c.tags;
        p.created_on = c.created_on;
        p.sort_id = next_sort_id_++;
        promises.emplace(c.id, std::move(p));
        return q::alter_result{1};
      } else if constexpr (std::is_same_v<T, q::update_promise_cmd>) {
        auto it = promises.find(c.id);
        if (it == promises.end() || it->second.state != q::promise_state::pending ||
            it->second.timeout <= c.timeout_after)
          return q::alter_result{0};
        it->second.state = c.state;
        it->second.val = c.val;
        it->second.idempotency_key_for_complete = c.idempotency_key;
        it->second.completed_on = c.completed_on;
        return q::alter_result{1};
      } else {
        return q::alter_result{0};
      }
    },
    cmd);
}

q::aio_cqe fake_store::process_one(const q::aio_sqe& sqe) {
  std::uniform_real_distribution<double> coin(0, 1);
  q::aio_cqe cqe;
  cqe.id = sqe.id;
  if (rng && coin(*rng) < fail_before) {
    cqe.error = "injected failure before processing";
    return cqe;
  }
  if (sqe.tx.fence_token) {
    auto t = tasks.find(sqe.tx.fence_token->task_id);
    if (t == tasks.end() || t->second.counter != sqe.tx.fence_token->task_counter ||
        t->second.state != 4) {
      cqe.completion.valid = false;
      return cqe;
    }
  }
  for (const auto& cmd : sqe.tx.commands) cqe.completion.results.push_back(run(cmd));
  if (rng && coin(*rng) < fail_after) {
    cqe.error = "injected failure after processing";
    cqe.completion = {};
  }
  return cqe;
}

q::aio_results fake_store::process(const q::aio_batch& batch) {
  q::aio_results out;
  for (const auto& sqe : batch) out.push_back(process_one(sqe));
  return out;
}

}  // namespace resonate::tests
