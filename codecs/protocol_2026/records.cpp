#include "codecs/protocol_2026/records.hpp"

#include "codecs/base64.hpp"
#include "codecs/json_writer.hpp"

namespace resonate::codecs::protocol_2026 {

namespace q = resonate::queues;
namespace json = boost::json;

void append_value(std::string& out, const q::value& v) {
  out += '{';
  bool first = true;
  if (v.has_headers()) {
    out += "\"headers\":";
    json_append_string_map(out, v.headers);
    first = false;
  }
  if (v.has_data()) {
    if (!first) out += ',';
    out += "\"data\":";
    json_append_string(out, base64_encode(v.data));
  }
  out += '}';
}

namespace {

/// A string->string map from a JSON object; nullopt when any value is not a string.
std::optional<std::map<std::string, std::string>> string_map(const json::value& v) {
  if (!v.is_object()) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& [k, x] : v.as_object()) {
    if (!x.is_string()) return std::nullopt;
    out.emplace(std::string(k), std::string(x.as_string()));
  }
  return out;
}

}  // namespace

std::string_view promise_state_name(q::promise_state s) {
  switch (s) {
    case q::promise_state::pending:
      return "pending";
    case q::promise_state::resolved:
      return "resolved";
    case q::promise_state::rejected:
      return "rejected";
    case q::promise_state::rejected_canceled:
      return "rejected_canceled";
    case q::promise_state::rejected_timedout:
      return "rejected_timedout";
  }
  return "pending";
}

std::optional<q::promise_state> promise_state_from_name(std::string_view name) {
  for (auto s : {q::promise_state::pending, q::promise_state::resolved, q::promise_state::rejected,
                 q::promise_state::rejected_canceled, q::promise_state::rejected_timedout}) {
    if (promise_state_name(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<q::promise_state> settle_state(std::string_view name) {
  if (name == "resolved") return q::promise_state::resolved;
  if (name == "rejected") return q::promise_state::rejected;
  if (name == "rejected_canceled") return q::promise_state::rejected_canceled;
  return std::nullopt;
}

std::string_view task_state_name(q::task26_state s) {
  auto i = static_cast<size_t>(s);
  return i < std::size(task_state_names) ? task_state_names[i] : task_state_names[0];
}

std::optional<q::task26_state> task_state_from_name(std::string_view name) {
  for (size_t i = 0; i < std::size(task_state_names); ++i) {
    if (task_state_names[i] == name) return static_cast<q::task26_state>(i);
  }
  return std::nullopt;
}

void append_task(std::string& out, const q::task26_record& t) {
  out += "{\"id\":";
  json_append_string(out, t.id);
  out += ",\"state\":";
  json_append_string(out, task_state_name(t.state));
  out += ",\"version\":";
  json_append_int(out, t.version);
  out += ",\"resumes\":";
  json_append_int(out, t.resumes);
  if (t.state == q::task26_state::acquired) {
    if (t.pid) {
      out += ",\"pid\":";
      json_append_string(out, *t.pid);
    }
    if (t.ttl) {
      out += ",\"ttl\":";
      json_append_int(out, *t.ttl);
    }
  }
  out += '}';
}

void append_promises(std::string& out, const std::vector<q::promise_record>& ps) {
  out += '[';
  for (size_t i = 0; i < ps.size(); ++i) {
    if (i) out += ',';
    append_promise(out, ps[i]);
  }
  out += ']';
}

void append_promise(std::string& out, const q::promise_record& p) {
  out += "{\"id\":";
  json_append_string(out, p.id);
  out += ",\"state\":";
  json_append_string(out, promise_state_name(p.state));
  out += ",\"param\":";
  append_value(out, p.param);
  out += ",\"value\":";
  append_value(out, p.val);
  out += ",\"tags\":";
  json_append_string_map(out, p.tags);
  out += ",\"timeoutAt\":";
  json_append_int(out, p.timeout);
  out += ",\"createdAt\":";
  json_append_int(out, p.created_on.value_or(0));
  if (p.state != q::promise_state::pending) {
    out += ",\"settledAt\":";
    json_append_int(out, p.completed_on.value_or(p.timeout));
  }
  out += '}';
}

void append_schedule(std::string& out, const q::schedule_record& s) {
  out += "{\"id\":";
  json_append_string(out, s.id);
  out += ",\"cron\":";
  json_append_string(out, s.cron);
  out += ",\"promiseId\":";
  json_append_string(out, s.promise_id);
  out += ",\"promiseTimeout\":";
  json_append_int(out, s.promise_timeout);
  out += ",\"promiseParam\":";
  append_value(out, s.promise_param);
  out += ",\"promiseTags\":";
  json_append_string_map(out, s.promise_tags);
  out += ",\"createdAt\":";
  json_append_int(out, s.created_on);
  out += ",\"nextRunAt\":";
  json_append_int(out, s.next_run_time);
  if (s.last_run_time) {
    out += ",\"lastRunAt\":";
    json_append_int(out, *s.last_run_time);
  }
  out += '}';
}

std::string message_body(const q::outbox_message& m, std::string_view server_url) {
  std::string out;
  if (m.version >= 0) {
    out = "{\"kind\":\"execute\",\"head\":{";
    if (!server_url.empty()) {
      out += "\"serverUrl\":";
      json_append_string(out, server_url);
    }
    out += "},\"data\":{\"task\":{\"id\":";
    json_append_string(out, m.id);
    out += ",\"version\":";
    json_append_int(out, m.version);
    out += "}}}";
    return out;
  }
  out = "{\"kind\":\"unblock\",\"head\":{},\"data\":{\"promise\":";
  if (m.promise)
    append_promise(out, *m.promise);
  else
    out += "null";
  out += "}}";
  return out;
}

std::optional<q::value> value_from_json(const json::value* v) {
  q::value out;
  if (v == nullptr) return out;
  if (!v->is_object()) return std::nullopt;
  const auto& o = v->as_object();
  if (const auto* h = o.if_contains("headers")) {
    auto headers = string_map(*h);
    if (!headers) return std::nullopt;
    out.headers = std::move(*headers);
    out.headers_present = true;
  }
  if (const auto* d = o.if_contains("data")) {
    if (!d->is_string()) return std::nullopt;
    std::string_view text = d->as_string();
    size_t bad = 0;
    auto decoded = base64_decode(text, bad);
    // Canonical base64 only: a text that decodes but would not encode back
    // the same (line breaks) is kept as it is.
    if (decoded && base64_encode(*decoded) == text)
      out.data = std::move(*decoded);
    else
      out.data = std::string(text);
    out.data_present = true;
  }
  return out;
}

std::optional<q::tag_map> tags_from_json(const json::value* v) {
  if (v == nullptr) return q::tag_map{};
  return string_map(*v);
}

}  // namespace resonate::codecs::protocol_2026
