#include "kernel/domain/schedule.hpp"

#include <limits>
#include <vector>

namespace resonate::kernel::domain {

namespace q = resonate::queues;

namespace {

enum class variable { id, timestamp };

/// The variable an action's text (between the braces) names, if it is one of
/// the two this server knows: `.id` or `.timestamp`, with optional spaces and
/// Go's trim markers (`{{- .id -}}`; a marker needs a space after/before it).
std::optional<variable> action_variable(std::string_view a, bool& trim_left, bool& trim_right) {
  trim_left = trim_right = false;
  if (a.size() >= 2 && a[0] == '-' && (a[1] == ' ' || a[1] == '\t' || a[1] == '\n')) {
    trim_left = true;
    a.remove_prefix(1);
  }
  if (a.size() >= 2 && a.back() == '-' &&
      (a[a.size() - 2] == ' ' || a[a.size() - 2] == '\t' || a[a.size() - 2] == '\n')) {
    trim_right = true;
    a.remove_suffix(1);
  }
  auto space = [](char ch) { return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r'; };
  while (!a.empty() && space(a.front())) a.remove_prefix(1);
  while (!a.empty() && space(a.back())) a.remove_suffix(1);
  if (a == ".id") return variable::id;
  if (a == ".timestamp") return variable::timestamp;
  return std::nullopt;
}

struct piece {
  std::string_view text;        // literal text before the action
  std::optional<variable> var;  // the action, or none at the end
  bool trim_left = false, trim_right = false;
};

/// Splits a template into literal text and actions; an error for an unclosed
/// or unknown action.
std::optional<std::string> parse(std::string_view t, std::vector<piece>* out) {
  for (;;) {
    auto open = t.find("{{");
    if (open == std::string_view::npos) {
      if (out) out->push_back(piece{t, std::nullopt});
      return std::nullopt;
    }
    auto close = t.find("}}", open + 2);
    if (close == std::string_view::npos) return "unclosed action";
    piece p{t.substr(0, open), std::nullopt};
    p.var = action_variable(t.substr(open + 2, close - open - 2), p.trim_left, p.trim_right);
    if (!p.var)
      return "unsupported action {{" + std::string(t.substr(open + 2, close - open - 2)) +
             "}}: only {{.id}} and {{.timestamp}}";
    if (out) out->push_back(p);
    t.remove_prefix(close + 2);
  }
}

bool go_space(char ch) {
  return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r';
}

}  // namespace

std::optional<std::string> promise_id_template_error(std::string_view tmpl) {
  return parse(tmpl, nullptr);
}

std::string html_escape(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char ch : v) {
    switch (ch) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '\'':
        out += "&#39;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\0':
        out += "\xEF\xBF\xBD";
        break;
      default:
        out += ch;
    }
  }
  return out;
}

std::string render_promise_id(std::string_view tmpl, std::string_view schedule_id,
                              int64_t timestamp) {
  std::vector<piece> pieces;
  if (parse(tmpl, &pieces)) return std::string(tmpl);  // unreachable for a validated template
  std::string out;
  bool trim_next = false;  // the previous action had a right trim marker
  for (const auto& p : pieces) {
    auto text = p.text;
    if (trim_next)
      while (!text.empty() && go_space(text.front())) text.remove_prefix(1);
    if (p.trim_left)
      while (!text.empty() && go_space(text.back())) text.remove_suffix(1);
    out += text;
    if (p.var == variable::id) out += html_escape(schedule_id);
    if (p.var == variable::timestamp) out += std::to_string(timestamp);
    trim_next = p.trim_right;
  }
  return out;
}

int64_t next_run_time(const cron_schedule& cron, int64_t after) {
  return cron.next(after).value_or(std::numeric_limits<int64_t>::max());
}

schedule_protocol protocol_of(const q::schedule_record& s) {
  return s.promise_tags.count("resonate:target") ? schedule_protocol::v2026
                                                 : schedule_protocol::rest_v1;
}

int64_t run_after(const q::schedule_record& s, const time_zone& zone) {
  auto cron = cron_schedule::parse(s.cron, zone);
  return cron ? next_run_time(*cron, s.next_run_time) : std::numeric_limits<int64_t>::max();
}

q::create_promise_request scheduled_promise(const q::schedule_record& s) {
  q::create_promise_request p;
  p.id = render_promise_id(s.promise_id, s.id, s.next_run_time);
  int64_t timeout = 0;
  if (__builtin_add_overflow(s.next_run_time, s.promise_timeout, &timeout))
    timeout = s.promise_timeout > 0 ? std::numeric_limits<int64_t>::max()
                                    : std::numeric_limits<int64_t>::min();
  p.timeout = timeout;
  p.param = s.promise_param;
  p.tags = s.promise_tags;
  p.tags["resonate:schedule"] = s.id;
  if (protocol_of(s) == schedule_protocol::rest_v1) p.tags["resonate:invocation"] = "true";
  return p;
}

q::schedule_record new_schedule(q::create_schedule_request req, int64_t next_run, int64_t now) {
  q::schedule_record s;
  s.id = std::move(req.id);
  s.description = std::move(req.description);
  s.cron = std::move(req.cron);
  s.tags = std::move(req.tags);
  s.promise_id = std::move(req.promise_id);
  s.promise_timeout = req.promise_timeout;
  s.promise_param = std::move(req.promise_param);
  s.promise_tags = std::move(req.promise_tags);
  s.next_run_time = next_run;
  s.idempotency_key = std::move(req.idempotency_key);
  s.created_on = now;
  return s;
}

q::schedule_record new_schedule26(q::schedule26_create_request req, int64_t next_run, int64_t now) {
  q::schedule_record s;
  s.id = std::move(req.id);
  s.cron = std::move(req.cron);
  s.promise_id = std::move(req.promise_id);
  s.promise_timeout = req.promise_timeout;
  s.promise_param = std::move(req.promise_param);
  s.promise_tags = std::move(req.promise_tags);
  s.next_run_time = next_run;
  s.created_on = now;
  return s;
}

q::search_schedules_cmd search_schedules26_command(const q::schedule26_search_request& req) {
  q::search_schedules_cmd s;
  s.id = "*";
  s.tags = req.tags;
  s.limit = req.limit + 1;
  s.by_id = true;
  s.after_id = req.cursor;
  return s;
}

bool same_schedule_create(const q::schedule_record& existing,
                          const std::optional<std::string>& idempotency_key) {
  return existing.idempotency_key && idempotency_key &&
         *existing.idempotency_key == *idempotency_key;
}

}  // namespace resonate::kernel::domain
