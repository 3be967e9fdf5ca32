#include "tests/unit/kernel/fake_store.hpp"

#include <algorithm>
#include <limits>
#include <set>
#include <tuple>

#include "kernel/domain/lock.hpp"

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

q::task_record& fake_store::put_task(std::string id, int64_t counter, q::task_state state) {
  auto& t = tasks[id];
  t.id = std::move(id);
  t.counter = counter;
  t.state = state;
  t.sort_id = next_task_sort_id_++;
  return t;
}

void fake_store::created26(const q::promise_record& p) {
  if (auto b = p.tags.find("resonate:branch"); b != p.tags.end()) branches26[p.id] = b->second;
  auto target = p.tags.find("resonate:target");
  if (target == p.tags.end() || tasks26.count(p.id)) return;
  q::task26_record t;
  t.id = p.id;
  t.address = target->second;
  if (p.created_on.value_or(0) >= p.timeout) {
    t.state = q::task26_state::fulfilled;
  } else {
    t.timer = q::task26_timer::retry;
    t.timer_at = p.created_on.value_or(0) + 30000;
    queue_execute26(p.id, 0);
  }
  tasks26[p.id] = std::move(t);
}

int64_t fake_store::settled26(const std::string& id, int64_t now) {
  int64_t queued = 0;
  if (auto t = tasks26.find(id); t != tasks26.end()) {
    auto& task = t->second;
    task.state = q::task26_state::fulfilled;
    task.pid.reset();
    task.ttl.reset();
    task.resumes = 0;
    task.timer.reset();
    task.timer_at.reset();
  }
  for (auto cb = callbacks26.begin(); cb != callbacks26.end();) {
    if (cb->second == id) {
      cb = callbacks26.erase(cb);
      continue;
    }
    if (cb->first != id) {
      ++cb;
      continue;
    }
    auto awaiter = tasks26.find(cb->second);
    auto own = promises.find(cb->second);
    if (awaiter != tasks26.end()) {
      auto& t = awaiter->second;
      bool own_pending = own != promises.end() && own->second.state == q::promise_state::pending &&
                         own->second.timeout > now;
      if (t.state == q::task26_state::suspended && own_pending) {
        t.state = q::task26_state::pending;
        t.resumes = 1;
        t.timer = q::task26_timer::retry;
        t.timer_at = now + 30000;
        queue_execute26(t.id, t.version);
        ++queued;
      } else if (t.state != q::task26_state::suspended && t.state != q::task26_state::fulfilled) {
        ++t.resumes;
      }
    }
    cb = callbacks26.erase(cb);
  }
  for (auto l = listeners26.begin(); l != listeners26.end();) {
    if (l->first != id) {
      ++l;
      continue;
    }
    unblocks26.push_back(*l);
    outbox_unblocks26.insert(*l);
    ++queued;
    l = listeners26.erase(l);
  }
  return queued;
}

q::alter_result fake_store::write26(const q::write_task26_cmd& c) {
  auto it = tasks26.find(c.task.id);
  if (it == tasks26.end() || it->second.state != c.current_state ||
      it->second.version != c.current_version) {
    return q::alter_result{0};
  }
  for (const auto& a : c.awaited) {
    auto p = promises.find(a);
    if (p == promises.end() || p->second.state != q::promise_state::pending) {
      return q::alter_result{0};
    }
  }
  if (c.timer_due_by && (!it->second.timer_at || *it->second.timer_at > *c.timer_due_by)) {
    return q::alter_result{0};
  }
  if (c.promise_due_after) {
    auto own = promises.find(c.task.id);
    if (own == promises.end() || own->second.state != q::promise_state::pending ||
        own->second.timeout <= *c.promise_due_after) {
      return q::alter_result{0};
    }
  }
  auto address = it->second.address;
  it->second = c.task;
  it->second.address = address;
  for (const auto& a : c.awaited) callbacks26.emplace(a, c.task.id);
  if (c.send_execute) queue_execute26(c.task.id, c.task.version);
  if (c.drop_execute) drop_execute26(c.task.id);
  return q::alter_result{1};
}

void fake_store::queue_execute26(const std::string& id, int64_t version) {
  executes26[id] = version;
  outbox_executes26[id] = version;
}

void fake_store::drop_execute26(const std::string& id) {
  executes26.erase(id);
  outbox_executes26.erase(id);
}

q::outbox_result fake_store::take_outbox26(const q::take_outbox_cmd& c) {
  ++outbox_takes;
  // A stream takes back what is parked for its unicast address and for its
  // group's anycast (with or without a preferred id); an execute only while
  // its task is still pending at that version.
  for (const auto& stream : c.connected) {
    const auto uni = "poll://uni@" + stream.group + "/" + stream.id;
    const auto any = "poll://any@" + stream.group;
    for (auto it = parked26.begin(); it != parked26.end();) {
      const auto& [key, version] = *it;
      const auto& address = key.second;
      if (address != uni && address != any && address.rfind(any + "/", 0) != 0) {
        ++it;
        continue;
      }
      if (version < 0) {
        outbox_unblocks26.insert(key);
      } else if (auto t = tasks26.find(key.first); t != tasks26.end() &&
                                                   t->second.version == version &&
                                                   t->second.state == q::task26_state::pending) {
        outbox_executes26.try_emplace(key.first, version);
      }
      it = parked26.erase(it);
    }
  }
  q::outbox_result r;
  for (const auto& [id, version] : outbox_executes26) {
    if (static_cast<int64_t>(r.messages.size()) >= c.limit) break;
    auto t = tasks26.find(id);
    r.messages.push_back(
      q::outbox_message{id, version, t == tasks26.end() ? "" : t->second.address, std::nullopt});
  }
  int64_t unblocks = 0;
  for (const auto& [id, address] : outbox_unblocks26) {
    if (unblocks++ >= c.limit) break;
    auto p = promises.find(id);
    if (p == promises.end()) continue;
    r.messages.push_back(q::outbox_message{id, -1, address, p->second});
  }
  return r;
}

void fake_store::ack_outbox26(const q::ack_outbox_cmd& c) {
  auto remove = [&](const q::outbox_message& m) {
    if (m.version < 0) {
      outbox_unblocks26.erase({m.id, m.address});
    } else if (auto it = outbox_executes26.find(m.id);
               it != outbox_executes26.end() && it->second == m.version) {
      outbox_executes26.erase(it);
    }
  };
  for (const auto& m : c.messages) remove(m);
  for (const auto& m : c.parked) {
    remove(m);
    parked26[{m.id, m.address}] = m.version;
  }
}

q::due26_result fake_store::due26(const q::read_due26_cmd& c) {
  due26_reads.push_back(c.now);
  q::due26_result r;
  auto later = [&](int64_t at) {
    if (at > c.now) r.next_at = r.next_at ? std::min(*r.next_at, at) : at;
  };
  // The real stores keep promise_timeouts26 for the promises a task or a
  // listener waits on; here those are the pending promises with a task or
  // a listener.
  for (const auto& [id, p] : promises) {
    if (p.state != q::promise_state::pending) continue;
    auto listened = listeners26.lower_bound({id, ""});
    bool awaited = tasks26.count(id) || (listened != listeners26.end() && listened->first == id);
    if (!awaited) continue;
    if (p.timeout <= c.now)
      r.promises.push_back(p);
    else
      later(p.timeout);
  }
  for (const auto& [id, t] : tasks26) {
    if (!t.timer_at) continue;
    if (*t.timer_at <= c.now)
      r.tasks.push_back(t);
    else
      later(*t.timer_at);
  }
  auto by_time = [](auto at) {
    return [at](const auto& a, const auto& b) {
      return std::pair(at(a), a.id) < std::pair(at(b), b.id);
    };
  };
  std::sort(r.promises.begin(), r.promises.end(),
            by_time([](const q::promise_record& p) { return p.timeout; }));
  std::sort(r.tasks.begin(), r.tasks.end(),
            by_time([](const q::task26_record& t) { return *t.timer_at; }));
  if (static_cast<int64_t>(r.promises.size()) > c.limit) r.promises.resize(c.limit);
  if (static_cast<int64_t>(r.tasks.size()) > c.limit) r.tasks.resize(c.limit);
  if (due26_next_at) r.next_at = due26_next_at;
  return r;
}

bool fake_store::fence_holds(const std::optional<q::task26_fence>& f) const {
  if (!f) return true;
  auto t = tasks26.find(f->task_id);
  auto own = promises.find(f->task_id);
  return t != tasks26.end() && t->second.state == q::task26_state::acquired &&
         t->second.version == f->version && own != promises.end() &&
         own->second.state == q::promise_state::pending && own->second.timeout > f->as_of;
}

q::alter_result fake_store::register26(const q::register26_cmd& c) {
  auto pending = [&](const std::string& id) {
    auto p = promises.find(id);
    return p != promises.end() && p->second.state == q::promise_state::pending;
  };
  if (!pending(c.awaited) || (c.awaiter && !pending(*c.awaiter))) return q::alter_result{0};
  bool inserted = c.awaiter ? callbacks26.emplace(c.awaited, *c.awaiter).second
                            : listeners26.emplace(c.awaited, c.address).second;
  return q::alter_result{inserted ? 1 : 0};
}

q::promise_write_result fake_store::settle(const q::update_promise_cmd& c) {
  q::promise_write_result w;
  auto it = promises.find(c.id);
  if (it != promises.end() && it->second.state == q::promise_state::pending &&
      it->second.timeout > c.timeout_after && fence_holds(c.fence)) {
    it->second.state = c.state;
    it->second.val = c.val;
    it->second.idempotency_key_for_complete = c.idempotency_key;
    it->second.completed_on = c.completed_on;
    w.rows_affected = 1;
    // The completion transaction (4.4): this root's live tasks complete, then
    // the callbacks on this promise become INIT tasks and are deleted.
    for (auto& [_, t] : tasks) {
      if (t.root_promise_id == c.id && (q::mask_of(t.state) & (1 | 2 | 4))) {
        t.state = q::task_state::completed;
        t.completed_on = c.now;
      }
    }
    for (auto cb = callbacks.begin(); cb != callbacks.end();) {
      if (cb->second.promise_id != c.id) {
        ++cb;
        continue;
      }
      q::task_record t;
      t.id = cb->second.id;
      t.recv = cb->second.recv;
      t.mesg = cb->second.mesg;
      t.timeout = cb->second.timeout;
      t.root_promise_id = cb->second.root_promise_id;
      t.created_on = c.now;
      t.sort_id = next_task_sort_id_++;
      tasks[t.id] = std::move(t);
      ++w.tasks_created;
      cb = callbacks.erase(cb);
    }
    w.messages_queued = settled26(c.id, std::max(c.now, c.completed_on));
  }
  if (c.read_back && it != promises.end()) w.row = it->second;
  return w;
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
          if (p.state == q::promise_state::pending && p.timeout <= c.time) r.records.push_back(p);
        // As the stores: the earliest timeouts first.
        std::sort(r.records.begin(), r.records.end(), [](auto& a, auto& b) {
          return std::tie(a.timeout, a.sort_id) < std::tie(b.timeout, b.sort_id);
        });
        if (static_cast<int64_t>(r.records.size()) > c.limit) r.records.resize(c.limit);
        return r;
      } else if constexpr (std::is_same_v<T, q::search_promises_cmd>) {
        std::vector<q::promise_record> hits;
        for (auto& entry : promises) {
          // Not a structured binding: the lambda below captures it.
          const auto& id = entry.first;
          const auto& p = entry.second;
          if (!pattern_matches(c.id, id)) continue;
          auto state = p.state;
          if (c.as_of && state == q::promise_state::pending && p.timeout <= *c.as_of)
            state = q::timed_out_state(p);
          if (!(q::mask_of(state) & c.states)) continue;
          if (c.by_id ? id <= c.after_id : c.sort_id && p.sort_id >= *c.sort_id) continue;
          bool tags_ok = std::all_of(c.tags.begin(), c.tags.end(), [&](auto& kv) {
            auto t = p.tags.find(kv.first);
            return t != p.tags.end() && t->second == kv.second;
          });
          if (tags_ok) hits.push_back(p);
        }
        if (!c.by_id)  // by id: the map's order already
          std::sort(hits.begin(), hits.end(),
                    [](auto& a, auto& b) { return a.sort_id > b.sort_id; });
        if (static_cast<int64_t>(hits.size()) > c.limit) hits.resize(c.limit);
        q::query_promises_result r;
        if (!hits.empty()) r.last_sort_id = hits.back().sort_id;
        r.records = std::move(hits);
        return r;
      } else if constexpr (std::is_same_v<T, q::create_promise_cmd>) {
        q::promise_write_result w;
        if (!promises.count(c.id) && fence_holds(c.fence)) {
          q::promise_record p;
          p.id = c.id;
          p.param = c.param;
          p.timeout = c.timeout;
          p.idempotency_key_for_create = c.idempotency_key;
          p.tags = c.tags;
          p.created_on = c.created_on;
          p.sort_id = next_sort_id_++;
          created26(p);
          promises.emplace(c.id, std::move(p));
          w.rows_affected = 1;
          if (c.task) {
            const auto& root = c.task->task.root_promise_id;
            w.root_busy = std::any_of(tasks.begin(), tasks.end(), [&](const auto& kv) {
              return kv.second.root_promise_id == root &&
                     (kv.second.state == q::task_state::enqueued ||
                      kv.second.state == q::task_state::claimed);
            });
          }
          if (c.task && !tasks.count(c.task->task.id)) {
            auto t = w.root_busy ? q::waiting_for_root(c.task->task) : c.task->task;
            t.sort_id = next_task_sort_id_++;
            tasks[t.id] = std::move(t);
            w.tasks_created = 1;
          }
        }
        if (auto it = promises.find(c.id); c.read_back && it != promises.end()) w.row = it->second;
        return w;
      } else if constexpr (std::is_same_v<T, q::update_promise_cmd>) {
        return settle(c);
      } else if constexpr (std::is_same_v<T, q::create_callback_cmd>) {
        auto p = promises.find(c.callback.promise_id);
        if (p == promises.end() || p->second.state != q::promise_state::pending ||
            callbacks.count(c.callback.id))
          return q::alter_result{0};
        callbacks[c.callback.id] = c.callback;
        return q::alter_result{1};
      } else if constexpr (std::is_same_v<T, q::read_task_cmd>) {
        q::query_tasks_result r;
        if (auto it = tasks.find(c.id); it != tasks.end()) r.records.push_back(it->second);
        return r;
      } else if constexpr (std::is_same_v<T, q::read_enqueueable_tasks_cmd>) {
        // One per root: the oldest INIT task due, unless the root has a live one.
        std::map<std::string, const q::task_record*> pick;
        std::set<std::string> busy;
        for (auto& [_, t] : tasks) {
          if (t.state == q::task_state::enqueued || t.state == q::task_state::claimed)
            busy.insert(t.root_promise_id);
        }
        for (auto& [_, t] : tasks) {
          if (t.state != q::task_state::init || t.expires_at > c.time) continue;
          if (busy.count(t.root_promise_id)) continue;
          auto& best = pick[t.root_promise_id];
          if (!best || t.sort_id < best->sort_id) best = &t;
        }
        q::query_tasks_result r;
        for (auto& [_, t] : pick) {
          if (static_cast<int64_t>(r.records.size()) >= c.limit) break;
          r.records.push_back(*t);
        }
        return r;
      } else if constexpr (std::is_same_v<T, q::read_expired_tasks_cmd>) {
        std::vector<q::task_record> hits;
        for (auto& [_, t] : tasks) {
          if (t.state != q::task_state::enqueued && t.state != q::task_state::claimed) continue;
          if ((t.expires_at != 0 && t.expires_at <= c.time) || t.timeout <= c.time)
            hits.push_back(t);
        }
        std::sort(hits.begin(), hits.end(), [](auto& a, auto& b) {
          return std::tie(a.root_promise_id, a.sort_id) < std::tie(b.root_promise_id, b.sort_id);
        });
        if (static_cast<int64_t>(hits.size()) > c.limit) hits.resize(c.limit);
        return q::query_tasks_result{std::move(hits)};
      } else if constexpr (std::is_same_v<T, q::create_task_cmd>) {
        if (tasks.count(c.task.id)) return q::alter_result{0};
        auto t = c.task;
        t.sort_id = next_task_sort_id_++;
        tasks[t.id] = std::move(t);
        return q::alter_result{1};
      } else if constexpr (std::is_same_v<T, q::update_task_cmd>) {
        auto it = tasks.find(c.id);
        if (it == tasks.end() || !(q::mask_of(it->second.state) & c.current_states) ||
            it->second.counter != c.current_counter)
          return q::alter_result{0};
        auto& t = it->second;
        t.process_id = c.process_id;
        t.state = c.state;
        t.counter = c.counter;
        t.attempt = c.attempt;
        t.ttl = c.ttl;
        t.expires_at = c.expires_at;
        t.completed_on = c.completed_on;
        return q::alter_result{1};
      } else if constexpr (std::is_same_v<T, q::heartbeat_tasks_cmd>) {
        int64_t n = 0;
        for (auto& [_, t] : tasks) {
          if (t.state != q::task_state::claimed || t.process_id != c.process_id) continue;
          // min(time + ttl, INT64_MAX), as the stores write it.
          t.expires_at = t.ttl > std::numeric_limits<int64_t>::max() - c.time
                           ? std::numeric_limits<int64_t>::max()
                           : c.time + t.ttl;
          ++n;
        }
        return q::alter_result{n};
      } else if constexpr (std::is_same_v<T, q::read_lock_cmd>) {
        q::query_locks_result r;
        if (auto it = locks.find(c.resource_id); it != locks.end()) r.records.push_back(it->second);
        return r;
      } else if constexpr (std::is_same_v<T, q::acquire_lock_cmd>) {
        // The upsert: a new row, or a refresh of the same execution's row.
        auto [it, inserted] = locks.try_emplace(c.lock.resource_id, c.lock);
        if (!inserted && it->second.execution_id != c.lock.execution_id) return q::alter_result{0};
        it->second = c.lock;
        return q::alter_result{1};
      } else if constexpr (std::is_same_v<T, q::release_lock_cmd>) {
        auto it = locks.find(c.resource_id);
        if (it == locks.end() || it->second.execution_id != c.execution_id)
          return q::alter_result{0};
        locks.erase(it);
        return q::alter_result{1};
      } else if constexpr (std::is_same_v<T, q::heartbeat_locks_cmd>) {
        int64_t n = 0;
        for (auto& [_, l] : locks) {
          if (l.process_id != c.process_id) continue;
          l.expires_at = resonate::kernel::domain::lock_expiry(c.time, l.ttl);
          ++n;
        }
        return q::alter_result{n};
      } else if constexpr (std::is_same_v<T, q::timeout_locks_cmd>) {
        auto n =
          std::erase_if(locks, [&](const auto& kv) { return kv.second.expires_at <= c.time; });
        return q::alter_result{static_cast<int64_t>(n)};
      } else if constexpr (std::is_same_v<T, q::read_schedule_cmd>) {
        q::query_schedules_result r;
        if (auto it = schedules.find(c.id); it != schedules.end()) r.records.push_back(it->second);
        return r;
      } else if constexpr (std::is_same_v<T, q::search_schedules_cmd>) {
        std::vector<q::schedule_record> hits;
        for (auto& entry : schedules) {
          // Not a structured binding: the lambda below captures it.
          const auto& id = entry.first;
          const auto& s = entry.second;
          if (!pattern_matches(c.id, id)) continue;
          if (c.by_id ? id <= c.after_id : c.sort_id && s.sort_id >= *c.sort_id) continue;
          const auto& tags = c.by_id ? s.promise_tags : s.tags;
          bool tags_ok = std::all_of(c.tags.begin(), c.tags.end(), [&](auto& kv) {
            auto t = tags.find(kv.first);
            return t != tags.end() && t->second == kv.second;
          });
          if (!tags_ok) continue;
          if (c.by_id) {  // protocol 2026: whole records, by id (the map's order)
            hits.push_back(s);
            continue;
          }
          // The partial record of REST v1 3.3, as the stores select it.
          q::schedule_record partial = s;
          partial.description.clear();
          partial.promise_id.clear();
          partial.promise_timeout = 0;
          partial.promise_param = {};
          partial.promise_tags.clear();
          hits.push_back(std::move(partial));
        }
        if (!c.by_id)
          std::sort(hits.begin(), hits.end(),
                    [](auto& a, auto& b) { return a.sort_id > b.sort_id; });
        if (static_cast<int64_t>(hits.size()) > c.limit) hits.resize(c.limit);
        q::query_schedules_result r;
        if (!hits.empty()) r.last_sort_id = hits.back().sort_id;
        r.records = std::move(hits);
        return r;
      } else if constexpr (std::is_same_v<T, q::create_schedule_cmd>) {
        q::schedule_write_result w;
        auto [it, inserted] = schedules.try_emplace(c.schedule.id, c.schedule);
        if (inserted) {
          it->second.sort_id = ++schedule_sort_id;
          w.rows_affected = 1;
        }
        w.row = it->second;
        return w;
      } else if constexpr (std::is_same_v<T, q::delete_schedule_cmd>) {
        return q::alter_result{static_cast<int64_t>(schedules.erase(c.id))};
      } else if constexpr (std::is_same_v<T, q::read_due_schedules_cmd>) {
        std::vector<q::schedule_record> due;
        for (auto& [_, s] : schedules)
          if (s.next_run_time <= c.time) due.push_back(s);
        std::sort(due.begin(), due.end(), [](auto& a, auto& b) {
          return std::pair(a.next_run_time, a.sort_id) < std::pair(b.next_run_time, b.sort_id);
        });
        if (static_cast<int64_t>(due.size()) > c.limit) due.resize(c.limit);
        q::query_schedules_result r;
        r.records = std::move(due);
        return r;
      } else if constexpr (std::is_same_v<T, q::update_schedule_cmd>) {
        auto it = schedules.find(c.id);
        if (it == schedules.end() || it->second.next_run_time != c.current_next_run_time)
          return q::alter_result{0};
        it->second.last_run_time = it->second.next_run_time;
        it->second.next_run_time = c.next_run_time;
        return q::alter_result{1};
      } else if constexpr (std::is_same_v<T, q::count_tasks_by_state_cmd>) {
        q::state_counts_result r;
        for (auto& [_, t] : tasks)
          if (t.state != q::task_state::completed && t.state != q::task_state::timedout)
            ++r.counts[static_cast<int64_t>(t.state)];
        return r;
      } else if constexpr (std::is_same_v<T, q::count_promises_by_state_cmd>) {
        q::state_counts_result r;
        for (auto& [_, p] : promises)
          if (p.state == q::promise_state::pending) ++r.counts[static_cast<int64_t>(p.state)];
        return r;
      } else if constexpr (std::is_same_v<T, q::read_due26_cmd>) {
        return due26(c);
      } else if constexpr (std::is_same_v<T, q::read_snapshot26_cmd>) {
        q::snapshot26_result r;
        for (const auto& [awaited, awaiter] : callbacks26)
          r.callbacks.push_back({awaiter, awaited});
        for (const auto& [id, address] : listeners26) r.listeners.push_back({id, address});
        return r;
      } else if constexpr (std::is_same_v<T, q::reset_store_cmd>) {
        // The data of both protocols; the counters and the fault knobs stay.
        promises.clear();
        tasks.clear();
        callbacks.clear();
        locks.clear();
        schedules.clear();
        tasks26.clear();
        executes26.clear();
        callbacks26.clear();
        branches26.clear();
        listeners26.clear();
        unblocks26.clear();
        outbox_executes26.clear();
        outbox_unblocks26.clear();
        parked26.clear();
        return q::alter_result{0};
      } else if constexpr (std::is_same_v<T, q::claim_lease_cmd>) {
        auto& l = leases[c.partition];
        if (l.owner && *l.owner != c.owner && l.expires_at >= lease_now) return q::lease_result{};
        if (!(l.owner == c.owner && l.epoch == c.epoch)) ++l.epoch;
        l.owner = c.owner;
        l.expires_at = lease_now + c.ttl_ms;
        return q::lease_result{l.epoch};
      } else if constexpr (std::is_same_v<T, q::check_lease_cmd>) {
        return q::alter_result{1};  // process_one refused the transaction if it fails
      } else if constexpr (std::is_same_v<T, q::search_tasks26_cmd>) {
        q::query_tasks26_result r;
        for (auto it = tasks26.upper_bound(c.after_id);
             it != tasks26.end() && static_cast<int64_t>(r.records.size()) < c.limit; ++it) {
          if (!c.state || it->second.state == *c.state) r.records.push_back(it->second);
        }
        return r;
      } else if constexpr (std::is_same_v<T, q::read_task26_cmd>) {
        ++task26_reads;
        q::query_tasks26_result r;
        if (auto it = tasks26.find(c.id); it != tasks26.end()) r.records.push_back(it->second);
        return r;
      } else if constexpr (std::is_same_v<T, q::read_branch26_cmd>) {
        q::query_promises_result r;
        std::optional<std::string> wanted = c.branch;
        if (!wanted) {
          if (auto own = branches26.find(c.except_id); own != branches26.end()) {
            wanted = own->second;
          }
        }
        for (auto& [id, branch] : branches26) {
          if (wanted && branch == *wanted && id != c.except_id && promises.count(id)) {
            r.records.push_back(promises.at(id));
          }
        }
        return r;
      } else if constexpr (std::is_same_v<T, q::write_task26_cmd>) {
        return write26(c);
      } else if constexpr (std::is_same_v<T, q::register26_cmd>) {
        return register26(c);
      } else if constexpr (std::is_same_v<T, q::take_outbox_cmd>) {
        return take_outbox26(c);
      } else if constexpr (std::is_same_v<T, q::ack_outbox_cmd>) {
        ack_outbox26(c);
        return q::alter_result{static_cast<int64_t>(c.messages.size() + c.parked.size())};
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
  ++store_round_trips;
  if (rng && coin(*rng) < fail_before) {
    return q::aio_cqe::failure(sqe.id, q::status::aio_store_error,
                               "injected failure before processing");
  }
  const auto& tx = sqe.tx();
  for (const auto& cmd : tx.commands) {
    const auto* check = std::get_if<q::check_lease_cmd>(&cmd);
    if (!check) continue;
    auto l = leases.find(check->partition);
    if (l == leases.end() || l->second.epoch != check->epoch) {
      ++fenced_out;
      return q::aio_cqe::failure(sqe.id, q::status::aio_store_error, "fenced out");
    }
  }
  if (tx.fence_token) {
    auto t = tasks.find(tx.fence_token->task_id);
    if (t == tasks.end() || t->second.counter != tx.fence_token->task_counter ||
        t->second.state != q::task_state::claimed) {
      cqe.store().valid = false;
      return cqe;
    }
  }
  for (const auto& cmd : tx.commands) cqe.store().results.push_back(run(cmd));
  if (rng && coin(*rng) < fail_after) {
    return q::aio_cqe::failure(sqe.id, q::status::aio_store_error,
                               "injected failure after processing");
  }
  return cqe;
}

q::aio_results fake_store::process(const q::aio_batch& batch) {
  q::aio_results out;
  for (const auto& sqe : batch) out.push_back(answer(sqe));
  return out;
}

q::aio_cqe fake_store::answer(const q::aio_sqe& sqe) {
  std::uniform_real_distribution<double> coin(0, 1);
  q::aio_cqe cqe;
  cqe.id = sqe.id;
  switch (sqe.kind()) {
    case q::aio_kind::store:
      return process_one(sqe);
    case q::aio_kind::router: {
      // The default tag source: a value that is not JSON is a logical receiver.
      const auto& sub = std::get<q::route_submission>(sqe.payload);
      q::route_completion r;
      if (auto it = sub.tags.find("resonate:invoke"); it != sub.tags.end()) {
        r.matched = true;
        r.recv = "\"" + it->second + "\"";
      }
      cqe.completion = std::move(r);
      return cqe;
    }
    case q::aio_kind::sender: {
      if (rng && coin(*rng) < send_error)
        return q::aio_cqe::failure(sqe.id, q::status::aio_queue_error, "injected sender failure");
      bool ok = send_succeeds && !(rng && coin(*rng) < send_fail);
      sent.push_back(std::get<q::send_submission>(sqe.payload));
      delivered.push_back(ok);
      cqe.completion = q::send_completion{ok, time_to_retry, ok ? time_to_claim : 0, {}};
      return cqe;
    }
  }
  return cqe;
}

}  // namespace resonate::tests
