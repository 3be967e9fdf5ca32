#include "cli/render.hpp"

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>
#include <map>

#include "codecs/base64.hpp"

namespace resonate::cli {

namespace json = boost::json;

namespace {

std::string text_of(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  if (!v) return "";
  if (v->is_string()) return std::string(v->as_string());
  return json::serialize(*v);
}

const json::object* object_at(const json::object& o, const char* key) {
  const auto* v = o.if_contains(key);
  return v && v->is_object() ? &v->as_object() : nullptr;
}

void print_value(const char* title, const json::object* value, std::ostream& out) {
  out << title << ":\n";
  if (const auto* h = value ? value->if_contains("headers") : nullptr; h && h->is_object()) {
    for (const auto& [k, v] : h->as_object()) {
      out << "  header " << std::string(k) << ": "
          << (v.is_string() ? std::string(v.as_string()) : json::serialize(v)) << "\n";
    }
  }
  const auto* data = value ? value->if_contains("data") : nullptr;
  out << "  data: " << (data ? format_data(data) : "") << "\n";
}

std::string state_mark(const std::string& state) {
  if (state == "PENDING") return "\xF0\x9F\x9F\xA1";               // yellow circle
  if (state == "RESOLVED") return "\xF0\x9F\x9F\xA2";              // green circle
  if (state.rfind("REJECTED", 0) == 0) return "\xF0\x9F\x94\xB4";  // red circle
  return "";
}

// "(rpc f)", "(run f)", "(sleep)", "(detached f)" or "(promise)" from the SDK tags
// and the invoke param.
std::string tree_details(const json::object& p) {
  std::string func;
  if (const auto* param = object_at(p, "param")) {
    if (const auto* d = param->if_contains("data"); d && d->is_string()) {
      size_t bad = 0;
      if (auto raw = codecs::base64_decode(d->as_string(), bad)) {
        boost::system::error_code ec;
        auto parsed = json::parse(*raw, ec);
        if (!ec && parsed.is_object()) {
          // 0.11.5 names a ctx.run of an anonymous function "": no name then.
          if (const auto* f = parsed.as_object().if_contains("func");
              f && f->is_string() && !f->as_string().empty()) {
            func = " " + std::string(f->as_string());
          }
        }
      }
    }
  }
  const json::object* tags = object_at(p, "tags");
  auto tag = [&](const char* k) { return tags ? text_of(*tags, k) : std::string(); };
  // REST-era SDKs marked a sleep with resonate:timeout, 0.11.5 with resonate:timer.
  if (!tag("resonate:timeout").empty() || tag("resonate:timer") == "true") return "(sleep)";
  const std::string origin = tag("resonate:origin");
  const std::string id = text_of(p, "id");
  // 0.11.5 hangs a detached child off its origin as `origin:d<hash>` (its parent
  // is the origin too), whichever context spawned it.
  if (!origin.empty() && id.rfind(origin + ":d", 0) == 0 && tag("resonate:parent") == origin) {
    return "(detached" + func + ")";
  }
  // ctx.promise(): a global promise nobody runs, settled from outside.
  if (!origin.empty() && tag("resonate:scope") == "global" && func.empty() &&
      tag("resonate:target").empty()) {
    return "(promise)";
  }
  if (tag("resonate:scope") == "global") return "(rpc" + func + ")";
  if (tag("resonate:scope") == "local") return "(run" + func + ")";
  return func.empty() ? "" : "(" + func.substr(1) + ")";
}

void print_subtree(const tree_node& n, const std::string& prefix, bool last, bool root,
                   std::ostream& out) {
  out << prefix
      << (root   ? ""
          : last ? "\xE2\x94\x94\xE2\x94\x80\xE2\x94\x80 "
                 : "\xE2\x94\x9C\xE2\x94\x80\xE2\x94\x80 ")
      << n.id;
  if (n.promise) {
    const std::string state = text_of(*n.promise, "state");
    out << " " << state_mark(state) << " " << state;
    const std::string details = tree_details(*n.promise);
    if (!details.empty()) out << " " << details;
  } else {
    out << " (not found)";
  }
  out << "\n";
  const std::string next = root ? prefix : prefix + (last ? "    " : "\xE2\x94\x82   ");
  for (size_t i = 0; i < n.children.size(); ++i) {
    print_subtree(n.children[i], next, i + 1 == n.children.size(), false, out);
  }
}

}  // namespace

void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out) {
  std::vector<size_t> width;
  for (const auto& r : rows) {
    if (width.size() < r.size()) width.resize(r.size());
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  }
  for (const auto& r : rows) {
    std::string line;
    for (size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    out << line << "\n";
  }
}

std::string format_time(const json::value* ms) {
  if (!ms || !ms->is_number()) return "-";
  const int64_t v = ms->to_number<int64_t>();
  const std::time_t secs = static_cast<std::time_t>(v / 1000);
  std::tm tm{};
  char buf[64] = "";
  if (gmtime_r(&secs, &tm)) std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return std::to_string(v) + " (" + buf + ")";
}

std::string format_tags(const json::value* tags) {
  if (!tags || !tags->is_object()) return "";
  std::map<std::string, std::string> sorted;
  for (const auto& [k, v] : tags->as_object()) {
    sorted[std::string(k)] = v.is_string() ? std::string(v.as_string()) : json::serialize(v);
  }
  std::string out;
  for (const auto& [k, v] : sorted) out += (out.empty() ? "" : " ") + k + "=" + v;
  return out;
}

std::string format_data(const json::value* data) {
  if (!data || !data->is_string()) return "";
  size_t bad = 0;
  auto raw = codecs::base64_decode(data->as_string(), bad);
  if (!raw) return std::string(data->as_string()) + " (not base64)";
  const bool printable = std::all_of(raw->begin(), raw->end(), [](char c) {
    auto u = static_cast<unsigned char>(c);
    return u >= 0x20 || c == '\n' || c == '\t' || c == '\r';
  });
  return printable ? *raw : "<" + std::to_string(raw->size()) + " bytes>";
}

void print_promise(const json::object& p, std::ostream& out) {
  print_table({{"Id:", text_of(p, "id")},
               {"State:", text_of(p, "state")},
               {"Timeout:", format_time(p.if_contains("timeout"))},
               {"Created on:", format_time(p.if_contains("createdOn"))},
               {"Completed on:", format_time(p.if_contains("completedOn"))},
               {"Idempotency key (create):", text_of(p, "idempotencyKeyForCreate")},
               {"Idempotency key (complete):", text_of(p, "idempotencyKeyForComplete")},
               {"Tags:", format_tags(p.if_contains("tags"))}},
              out);
  print_value("Param", object_at(p, "param"), out);
  print_value("Value", object_at(p, "value"), out);
}

void print_promises(const json::array& ps, std::ostream& out) {
  std::vector<std::vector<std::string>> rows{{"ID", "STATE", "TIMEOUT", "TAGS"}};
  for (const auto& v : ps) {
    if (!v.is_object()) continue;
    const auto& p = v.as_object();
    rows.push_back({text_of(p, "id"), text_of(p, "state"), text_of(p, "timeout"),
                    format_tags(p.if_contains("tags"))});
  }
  print_table(rows, out);
}

void print_schedule(const json::object& s, std::ostream& out) {
  print_table({{"Id:", text_of(s, "id")},
               {"Description:", text_of(s, "desc")},
               {"Cron:", text_of(s, "cron")},
               {"Tags:", format_tags(s.if_contains("tags"))},
               {"Promise id:", text_of(s, "promiseId")},
               {"Promise timeout (ms):", text_of(s, "promiseTimeout")},
               {"Promise tags:", format_tags(s.if_contains("promiseTags"))},
               {"Next run:", format_time(s.if_contains("nextRunTime"))},
               {"Last run:", format_time(s.if_contains("lastRunTime"))},
               {"Idempotency key:", text_of(s, "idempotencyKey")},
               {"Created on:", format_time(s.if_contains("createdOn"))}},
              out);
  print_value("Promise param", object_at(s, "promiseParam"), out);
}

void print_schedules(const json::array& ss, std::ostream& out) {
  std::vector<std::vector<std::string>> rows{{"ID", "CRON", "NEXT RUN", "LAST RUN", "TAGS"}};
  for (const auto& v : ss) {
    if (!v.is_object()) continue;
    const auto& s = v.as_object();
    rows.push_back({text_of(s, "id"), text_of(s, "cron"), text_of(s, "nextRunTime"),
                    s.contains("lastRunTime") ? text_of(s, "lastRunTime") : "-",
                    format_tags(s.if_contains("tags"))});
  }
  print_table(rows, out);
}

void print_tree(const tree_node& root, std::ostream& out) {
  print_subtree(root, "", true, true, out);
}

json::value tree_json(const tree_node& n) {
  json::object o = n.promise ? *n.promise : json::object{{"id", n.id}};
  json::array children;
  for (const auto& c : n.children) children.push_back(tree_json(c));
  o["children"] = std::move(children);
  return o;
}

}  // namespace resonate::cli
