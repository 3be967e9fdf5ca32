// The subcommands of the operator CLI, declared with CLI11 (only this TU sees it).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <chrono>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <set>

#include "api_gateway/protocol_2026/envelope.hpp"
#include "api_gateway/transport/http_types.hpp"
#include "cli/cli.hpp"
#include "cli/http_client.hpp"
#include "cli/migrate.hpp"
#include "cli/render.hpp"
#include "codecs/base64.hpp"
#include "config/descriptors.hpp"
#include "config/loader.hpp"

namespace resonate::cli {

namespace {

namespace json = boost::json;

constexpr const char* k_globals =
  "Global flags (anywhere after the command name): -S/--server URL (default "
  "http://localhost:8001),\n"
  "-T/--token TOKEN (bearer), -U/--username and -P/--password (basic), -o/--output table|json.\n"
  "\n";

constexpr const char* k_exit_codes =
  "Exit codes:\n"
  "  0  done\n"
  "  1  the server answered an error (its message and code are printed), or a migration failed\n"
  "  2  usage error: bad flags or arguments\n"
  "  3  cannot reach the server (or open the database); the message names the URL\n";

/// A bad flag value found after parsing (a duration, a k=v pair, JSON): exit 2.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct globals {
  std::string server = "http://localhost:8001";
  std::string token;
  std::string username;
  std::string password;
  std::string output = "table";
};

class session {
public:
  session(const globals& g, std::ostream& out, std::ostream& err) : g_(g), out_(out), err_(err) {}

  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }
  bool json_output() const { return g_.output == "json"; }
  const std::string& token() const { return g_.token; }

  /// Sends one request; returns the reply of a 2xx, or nullopt after printing the
  /// server's error. Throws unreachable / usage_error.
  std::optional<http_reply> call(std::string_view method, const std::string& target,
                                 const std::string& body = {}, const header_list& extra = {}) {
    http_reply r = client().send(method, target, body, extra);
    if (r.status / 100 == 2) return r;
    report(r);
    return std::nullopt;
  }

  /// call() plus the usual output: `-o json` prints the body, otherwise `table`
  /// gets the parsed body (null when empty). Returns the exit code.
  int run(std::string_view method, const std::string& target, const std::string& body,
          const header_list& extra,
          const std::function<void(const http_reply&, const json::value&)>& table) {
    auto r = call(method, target, body, extra);
    if (!r) return exit_failed;
    if (json_output()) {
      if (!r->body.empty()) out_ << r->body << "\n";
      return exit_ok;
    }
    table(*r, parse_body(*r));
    return exit_ok;
  }

  json::value parse_body(const http_reply& r) {
    if (r.body.empty()) return nullptr;
    boost::system::error_code ec;
    auto v = json::parse(r.body, ec);
    if (ec) throw unreachable(g_.server + ": the answer is not JSON: " + r.body.substr(0, 200));
    return v;
  }

private:
  http_client& client() {
    if (!client_) {
      std::string why;
      auto url = parse_server_url(g_.server, why);
      if (!url) throw usage_error("bad --server " + g_.server + ": " + why);
      header_list auth;
      if (!g_.token.empty()) {
        auth.emplace_back("Authorization", "Bearer " + g_.token);
      } else if (!g_.username.empty() || !g_.password.empty()) {
        auth.emplace_back("Authorization",
                          "Basic " + codecs::base64_encode(g_.username + ":" + g_.password));
      }
      client_.emplace(std::move(*url), std::move(auth));
    }
    return *client_;
  }

  // "resonate: GET /promises/x: 404 Not Found: The specified promise was not found (code 40400)"
  void report(const http_reply& r) {
    if (json_output() && !r.body.empty()) out_ << r.body << "\n";
    err_ << "resonate: the server answered " << r.status << (r.reason.empty() ? "" : " ")
         << r.reason;
    boost::system::error_code ec;
    auto v = r.body.empty() ? json::value() : json::parse(r.body, ec);
    const json::object* error = nullptr;
    if (!ec && v.is_object()) {
      if (const auto* e = v.as_object().if_contains("error"); e && e->is_object()) {
        error = &e->as_object();
      }
    }
    if (!error) {
      if (!r.body.empty()) err_ << ": " << r.body.substr(0, 500);
      if (r.status == 401) err_ << " (check -T/--token, or -U/--username and -P/--password)";
      err_ << "\n";
      return;
    }
    if (const auto* m = error->if_contains("message"); m && m->is_string()) {
      err_ << ": " << std::string(m->as_string());
    }
    if (const auto* c = error->if_contains("code")) err_ << " (code " << json::serialize(*c) << ")";
    err_ << "\n";
    // Field and server errors carry the specifics in their details.
    if (const auto* ds = error->if_contains("details"); ds && ds->is_array()) {
      for (const auto& d : ds->as_array()) {
        if (!d.is_object()) continue;
        const auto* type = d.as_object().if_contains("@type");
        const auto* msg = d.as_object().if_contains("message");
        if (type && type->is_string() && type->as_string() != "RequestError" && msg &&
            msg->is_string()) {
          err_ << "  " << std::string(msg->as_string()) << "\n";
        }
      }
    }
  }

  const globals& g_;
  std::ostream& out_;
  std::ostream& err_;
  std::optional<http_client> client_;
};

// ---- flag values ------------------------------------------------------------------------

int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

int64_t duration_ms(const std::string& raw, const std::string& flag) {
  try {
    return config::parse_duration_ms(raw, "flag " + flag);
  } catch (const config::config_error& e) {
    throw usage_error(e.what());
  }
}

// Repeated `--flag k=v` (or `k=v,k2=v2`, as Go's StringToString reads them).
json::object key_values(const std::vector<std::string>& items, const std::string& flag) {
  json::object out;
  for (const auto& item : items) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (true) {
      const size_t comma = item.find(',', start);
      std::string part = item.substr(start, comma == std::string::npos ? comma : comma - start);
      // A piece without '=' continues the previous value ("a=1,2").
      if (!parts.empty() && part.find('=') == std::string::npos) {
        parts.back() += "," + part;
      } else {
        parts.push_back(part);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    for (const auto& p : parts) {
      const size_t eq = p.find('=');
      if (eq == std::string::npos || eq == 0) {
        throw usage_error("flag " + flag + " expects key=value, got \"" + p + "\"");
      }
      out[p.substr(0, eq)] = p.substr(eq + 1);
    }
  }
  return out;
}

// A Value: headers only when given, data base64-encoded only when given.
json::object make_value(const std::vector<std::string>& headers, const std::string* data,
                        const std::string& header_flag) {
  json::object v;
  if (!headers.empty()) v["headers"] = key_values(headers, header_flag);
  if (data) v["data"] = codecs::base64_encode(*data);
  return v;
}

// `--recv`: a JSON object is a physical receiver, anything else a logical one.
json::value make_recv(const std::string& raw) {
  boost::system::error_code ec;
  auto v = json::parse(raw, ec);
  if (!ec && v.is_object()) return v;
  return json::string(raw);
}

header_list write_headers(const std::string* idempotency_key, bool strict) {
  header_list h;
  if (idempotency_key) h.emplace_back("Idempotency-Key", *idempotency_key);
  h.emplace_back("Strict", strict ? "true" : "false");
  return h;
}

std::string promise_path(const std::string& id) {
  return "/promises/" + percent_encode(id, true);
}

const json::object& as_object(const json::value& v) {
  static const json::object empty;
  return v.is_object() ? v.as_object() : empty;
}

std::string field(const json::value& v, const char* key) {
  const auto* f = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  if (!f) return "";
  return f->is_string() ? std::string(f->as_string()) : json::serialize(*f);
}

void print_cursor(session& s, const json::value& body) {
  const std::string cursor = field(body, "cursor");
  if (!cursor.empty() && cursor != "null") s.out() << "\nMore results: --cursor " << cursor << "\n";
}

const json::array& array_at(const json::value& body, const char* key) {
  static const json::array empty;
  const auto* v = as_object(body).if_contains(key);
  return v && v->is_array() ? v->as_array() : empty;
}

// The flags of `promises search` and `schedules search` (the latter without --state).
struct search_flags {
  std::string id, state, cursor;
  std::vector<std::string> tags;
  int limit = 100;
};

void add_search_flags(CLI::App* c, search_flags& f) {
  c->add_option("id", f.id, "id pattern, e.g. \"*\" or \"foo*\"");
  c->add_option("--tag", f.tags, "tag key=value to match (repeatable)")->allow_extra_args(false);
  c->add_option("-l,--limit", f.limit, "results per page (1-100)")
    ->check(CLI::Range(1, 100))
    ->capture_default_str();
  c->add_option("-c,--cursor", f.cursor, "cursor of the next page (from a previous search)");
}

// A cursor holds the whole next request (spec 3.3), so it goes alone.
std::string search_query(const search_flags& f) {
  if (!f.cursor.empty()) return "cursor=" + percent_encode(f.cursor);
  if (f.id.empty()) throw usage_error("search needs an id pattern or --cursor");
  std::string q = "id=" + percent_encode(f.id) + "&limit=" + std::to_string(f.limit);
  if (!f.state.empty()) q += "&state=" + percent_encode(f.state);
  for (const auto& [k, v] : key_values(f.tags, "--tag")) {
    q += "&tags%5B" + percent_encode(k) + "%5D=" + percent_encode(v.as_string());
  }
  return q;
}

// ---- promises ---------------------------------------------------------------------------

struct write_flags {
  std::string data;
  std::vector<std::string> headers;
  std::string idempotency_key;
  bool strict = true;
};

void add_write_flags(CLI::App* c, write_flags& f, const char* what) {
  c->add_option("-D,--data", f.data, std::string(what) + " data (sent base64-encoded)");
  c->add_option("-H,--header", f.headers, std::string(what) + " header key=value (repeatable)")
    ->allow_extra_args(false);
  c->add_option("-i,--idempotency-key", f.idempotency_key, "idempotency key");
  c->add_flag("-s,--strict", f.strict, "strict mode (default true; --strict=false turns it off)");
}

void add_promises(CLI::App& app, globals&, std::function<int(session&)>& action) {
  auto* promises = app.add_subcommand("promises", "Manage durable promises");
  promises->alias("promise");
  promises->require_subcommand(1);

  {
    auto* c = promises->add_subcommand("get", "Print one promise");
    auto id = std::make_shared<std::string>();
    c->add_option("id", *id, "promise id")->required();
    c->callback([&action, id] {
      action = [id](session& s) {
        return s.run(
          "GET", promise_path(*id), {}, {},
          [&](const http_reply&, const json::value& b) { print_promise(as_object(b), s.out()); });
      };
    });
  }
  {
    auto a = std::make_shared<search_flags>();
    auto* c = promises->add_subcommand("search", "Search promises by id pattern (* is a wildcard)");
    add_search_flags(c, *a);
    c->add_option("-s,--state", a->state, "pending, resolved or rejected")
      ->check(CLI::IsMember({"pending", "resolved", "rejected"}, CLI::ignore_case));
    c->callback([&action, a] {
      action = [a](session& s) {
        return s.run("GET", "/promises?" + search_query(*a), {}, {},
                     [&](const http_reply&, const json::value& b) {
                       print_promises(array_at(b, "promises"), s.out());
                       print_cursor(s, b);
                     });
      };
    });
  }
  {
    struct args {
      std::string id, timeout;
      std::vector<std::string> tags;
      write_flags w;
    };
    auto a = std::make_shared<args>();
    auto* c = promises->add_subcommand("create", "Create a promise");
    c->add_option("id", a->id, "promise id")->required();
    c->add_option("-t,--timeout", a->timeout, "timeout from now, a Go duration (1h, 30m, 10s)")
      ->required();
    add_write_flags(c, a->w, "param");
    c->add_option("--tag", a->tags, "tag key=value (repeatable)")->allow_extra_args(false);
    c->callback([&action, a, c] {
      const bool has_data = c->count("--data") > 0, has_key = c->count("--idempotency-key") > 0;
      action = [a, has_data, has_key](session& s) {
        json::object body;
        body["id"] = a->id;
        body["timeout"] = now_ms() + duration_ms(a->timeout, "--timeout");
        body["param"] = make_value(a->w.headers, has_data ? &a->w.data : nullptr, "--header");
        if (!a->tags.empty()) body["tags"] = key_values(a->tags, "--tag");
        return s.run("POST", "/promises", json::serialize(body),
                     write_headers(has_key ? &a->w.idempotency_key : nullptr, a->w.strict),
                     [&](const http_reply& r, const json::value&) {
                       s.out() << "Created promise: " << a->id
                               << (r.status == 200 ? " (deduplicated)" : "") << "\n";
                     });
      };
    });
  }
  const struct {
    const char* name;
    const char* state;
    const char* done;
    const char* help;
  } completions[] = {
    {"resolve", "RESOLVED", "Resolved", "Resolve a pending promise (PATCH)"},
    {"reject", "REJECTED", "Rejected", "Reject a pending promise (PATCH)"},
    {"cancel", "REJECTED_CANCELED", "Canceled", "Cancel a pending promise (PATCH)"}};
  for (const auto& k : completions) {
    struct args {
      std::string id;
      write_flags w;
    };
    auto a = std::make_shared<args>();
    auto* c = promises->add_subcommand(k.name, k.help);
    c->add_option("id", a->id, "promise id")->required();
    add_write_flags(c, a->w, "value");
    const std::string state = k.state, done = k.done;
    c->callback([&action, a, c, state, done] {
      const bool has_data = c->count("--data") > 0, has_key = c->count("--idempotency-key") > 0;
      action = [a, has_data, has_key, state, done](session& s) {
        json::object body;
        body["state"] = state;
        body["value"] = make_value(a->w.headers, has_data ? &a->w.data : nullptr, "--header");
        return s.run("PATCH", promise_path(a->id), json::serialize(body),
                     write_headers(has_key ? &a->w.idempotency_key : nullptr, a->w.strict),
                     [&](const http_reply& r, const json::value&) {
                       s.out() << done << " promise: " << a->id
                               << (r.status == 200 ? " (deduplicated)" : "") << "\n";
                     });
      };
    });
  }
  // callback (-p root) and subscribe (-i id) differ only in the body key and the id.
  const struct {
    const char* name;
    const char* help;
    const char* flag;
    const char* flag_help;
    const char* route;
    const char* body_key;
    const char* what;
  } registrations[] = {
    {"callback", "Register a resume callback: when the promise completes, resume the root",
     "-p,--root-promise-id", "root promise id", "/promises/callback/", "rootPromiseId", "callback"},
    {"subscribe", "Register a notify subscription: when the promise completes, notify recv",
     "-i,--id", "subscription id", "/promises/subscribe/", "id", "subscription"}};
  for (const auto& k : registrations) {
    struct args {
      std::string id, other, recv = "default", timeout = "1h";
    };
    auto a = std::make_shared<args>();
    auto* c = promises->add_subcommand(k.name, k.help);
    c->add_option("id", a->id, "id of the awaited promise")->required();
    c->add_option(k.flag, a->other, k.flag_help)->required();
    c->add_option("-t,--timeout", a->timeout, "task timeout from now, a Go duration")
      ->capture_default_str();
    c->add_option("--recv", a->recv,
                  "receiver: a target name, a URL, or a JSON {\"type\",\"data\"} object")
      ->capture_default_str();
    const std::string route = k.route, key = k.body_key, what = k.what;
    const bool resume = std::string(k.name) == "callback";
    c->callback([&action, a, route, key, what, resume] {
      action = [a, route, key, what, resume](session& s) {
        json::object body;
        body[key] = a->other;
        body["recv"] = make_recv(a->recv);
        body["timeout"] = now_ms() + duration_ms(a->timeout, "--timeout");
        const std::string cb_id =
          resume ? "__resume:" + a->other + ":" + a->id : "__notify:" + a->id + ":" + a->other;
        return s.run(
          "POST", route + percent_encode(a->id, true), json::serialize(body), {},
          [&](const http_reply& r, const json::value& b) {
            const std::string state =
              field(as_object(b).contains("promise") ? b.as_object().at("promise") : json::value(),
                    "state");
            if (r.status == 201) {
              s.out() << "Created " << what << ": " << cb_id << "\n";
            } else if (!state.empty() && state != "PENDING") {
              s.out() << "Promise " << a->id << " already " << state << ": no " << what
                      << " registered\n";
            } else {
              s.out() << "Created " << what << ": " << cb_id << " (deduplicated)\n";
            }
          });
      };
    });
  }
}

// ---- schedules --------------------------------------------------------------------------

void add_schedules(CLI::App& app, std::function<int(session&)>& action) {
  auto* schedules =
    app.add_subcommand("schedules", "Manage schedules (cron that creates promises)");
  schedules->alias("schedule");
  schedules->require_subcommand(1);
  {
    auto id = std::make_shared<std::string>();
    auto* c = schedules->add_subcommand("get", "Print one schedule");
    c->add_option("id", *id, "schedule id")->required();
    c->callback([&action, id] {
      action = [id](session& s) {
        return s.run(
          "GET", "/schedules/" + percent_encode(*id, true), {}, {},
          [&](const http_reply&, const json::value& b) { print_schedule(as_object(b), s.out()); });
      };
    });
  }
  {
    auto id = std::make_shared<std::string>();
    auto* c = schedules->add_subcommand("delete", "Delete a schedule");
    c->add_option("id", *id, "schedule id")->required();
    c->callback([&action, id] {
      action = [id](session& s) {
        return s.run("DELETE", "/schedules/" + percent_encode(*id, true), {}, {},
                     [&](const http_reply&, const json::value&) {
                       s.out() << "Deleted schedule: " << *id << "\n";
                     });
      };
    });
  }
  {
    auto a = std::make_shared<search_flags>();
    auto* c =
      schedules->add_subcommand("search", "Search schedules by id pattern (* is a wildcard)");
    add_search_flags(c, *a);
    c->callback([&action, a] {
      action = [a](session& s) {
        return s.run("GET", "/schedules?" + search_query(*a), {}, {},
                     [&](const http_reply&, const json::value& b) {
                       print_schedules(array_at(b, "schedules"), s.out());
                       print_cursor(s, b);
                     });
      };
    });
  }
  {
    struct args {
      std::string id, cron, promise_id, promise_timeout, description, promise_data, idempotency_key;
      std::vector<std::string> tags, promise_headers, promise_tags;
    };
    auto a = std::make_shared<args>();
    auto* c = schedules->add_subcommand("create", "Create a schedule");
    c->add_option("id", a->id, "schedule id")->required();
    c->add_option("-c,--cron", a->cron, "cron expression, e.g. \"*/5 * * * *\"")->required();
    c->add_option("-i,--promise-id", a->promise_id,
                  "id template of the promises, e.g. \"foo.{{.timestamp}}\"")
      ->required();
    c->add_option("-t,--promise-timeout", a->promise_timeout,
                  "timeout of each promise from its run time, a Go duration")
      ->required();
    c->add_option("-d,--description,--desc", a->description, "description");
    c->add_option("--tag", a->tags, "schedule tag key=value (repeatable)")->allow_extra_args(false);
    c->add_option("--promise-header", a->promise_headers,
                  "promise param header key=value (repeatable)")
      ->allow_extra_args(false);
    c->add_option("-D,--promise-data", a->promise_data, "promise param data (sent base64-encoded)");
    c->add_option("--promise-tag", a->promise_tags, "promise tag key=value (repeatable)")
      ->allow_extra_args(false);
    c->add_option("--idempotency-key", a->idempotency_key, "idempotency key");
    c->callback([&action, a, c] {
      const bool has_data = c->count("--promise-data") > 0,
                 has_key = c->count("--idempotency-key") > 0,
                 has_desc = c->count("--description") > 0;
      action = [a, has_data, has_key, has_desc](session& s) {
        json::object body;
        body["id"] = a->id;
        // The server reads `desc` (the reference's generated client sent `description`).
        if (has_desc) body["desc"] = a->description;
        body["cron"] = a->cron;
        body["tags"] = key_values(a->tags, "--tag");
        body["promiseId"] = a->promise_id;
        body["promiseTimeout"] = duration_ms(a->promise_timeout, "--promise-timeout");
        body["promiseParam"] =
          make_value(a->promise_headers, has_data ? &a->promise_data : nullptr, "--promise-header");
        if (!a->promise_tags.empty())
          body["promiseTags"] = key_values(a->promise_tags, "--promise-tag");
        header_list h;
        if (has_key) h.emplace_back("Idempotency-Key", a->idempotency_key);
        return s.run("POST", "/schedules", json::serialize(body), h,
                     [&](const http_reply& r, const json::value&) {
                       s.out() << "Created schedule: " << a->id
                               << (r.status == 200 ? " (deduplicated)" : "") << "\n";
                     });
      };
    });
  }
}

// ---- tasks ------------------------------------------------------------------------------

void add_tasks(CLI::App& app, std::function<int(session&)>& action) {
  auto* tasks = app.add_subcommand("tasks", "Claim, complete, drop and heartbeat tasks");
  tasks->alias("task");
  tasks->require_subcommand(1);
  {
    struct args {
      std::string id, pid = "default", ttl = "1m";
      int64_t counter = 0;
    };
    auto a = std::make_shared<args>();
    auto* c = tasks->add_subcommand("claim", "Claim a task");
    c->add_option("id", a->id, "task id")->required();
    c->add_option("-c,--counter", a->counter, "task counter")->required();
    c->add_option("-p,--pid", a->pid, "process id of the claimant")->capture_default_str();
    c->add_option("-t,--ttl", a->ttl, "lease, a Go duration: heartbeat before it ends")
      ->capture_default_str();
    c->callback([&action, a] {
      action = [a](session& s) {
        json::object body{{"id", a->id},
                          {"counter", a->counter},
                          {"processId", a->pid},
                          {"ttl", duration_ms(a->ttl, "--ttl")}};
        return s.run(
          "POST", "/tasks/claim", json::serialize(body), {},
          [&](const http_reply&, const json::value& b) {
            s.out() << "Claimed task: " << a->id << " (counter " << a->counter << ", "
                    << field(b, "type") << ")\n";
            const auto* ps = as_object(b).if_contains("promises");
            if (!ps || !ps->is_object()) return;
            std::vector<std::vector<std::string>> rows{{"PROMISE", "ID", "STATE"}};
            for (const char* role : {"root", "leaf"}) {
              const auto* p = ps->as_object().if_contains(role);
              if (!p) continue;
              const auto* data = p->is_object() ? p->as_object().if_contains("data") : nullptr;
              rows.push_back({role, field(*p, "id"),
                              data && data->is_object() ? field(*data, "state") : "(missing)"});
            }
            print_table(rows, s.out());
          });
      };
    });
  }
  const struct {
    const char* name;
    const char* help;
    const char* done;
  } finishers[] = {
    {"complete", "Complete a claimed task", "Completed"},
    {"drop", "Drop a claimed task (it is retried with the next counter)", "Dropped"}};
  for (const auto& k : finishers) {
    struct args {
      std::string id;
      int64_t counter = 0;
    };
    auto a = std::make_shared<args>();
    auto* c = tasks->add_subcommand(k.name, k.help);
    c->add_option("id", a->id, "task id")->required();
    c->add_option("-c,--counter", a->counter, "task counter")->required();
    const std::string route = std::string("/tasks/") + k.name, done = k.done;
    c->callback([&action, a, route, done] {
      action = [a, route, done](session& s) {
        json::object body{{"id", a->id}, {"counter", a->counter}};
        return s.run("POST", route, json::serialize(body), {},
                     [&](const http_reply& r, const json::value&) {
                       s.out() << done << " task: " << a->id
                               << (r.status == 200 ? " (nothing to do: already done)" : "") << "\n";
                     });
      };
    });
  }
  {
    struct args {
      std::string pid = "default", id;
      int64_t counter = 0;
    };
    auto a = std::make_shared<args>();
    auto* c = tasks->add_subcommand(
      "heartbeat", "Extend the lease of every task claimed by a process (or: <id> -c <counter>)");
    c->add_option("id", a->id, "task id: heartbeat the process \"<id>/<counter>\" (GET form)");
    c->add_option("-c,--counter", a->counter, "task counter, with a task id");
    c->add_option("-p,--pid", a->pid, "process id")->capture_default_str();
    c->callback([&action, a] {
      action = [a](session& s) {
        auto print = [&](const http_reply&, const json::value& b) {
          s.out() << "Heartbeat: " << field(b, "tasksAffected") << " task(s) affected\n";
        };
        if (!a->id.empty()) {
          if (a->counter <= 0) throw usage_error("heartbeat <id> needs -c/--counter");
          return s.run(
            "GET", "/tasks/heartbeat/" + percent_encode(a->id) + "/" + std::to_string(a->counter),
            {}, {}, print);
        }
        json::object body{{"processId", a->pid}};
        return s.run("POST", "/tasks/heartbeat", json::serialize(body), {}, print);
      };
    });
  }
}

// ---- tree -------------------------------------------------------------------------------

// "a:9" before "a:10": ids compared with their digit runs as numbers, so that
// SDK children created in the same millisecond keep their sequence order.
bool natural_less(const std::string& x, const std::string& y) {
  size_t i = 0, j = 0;
  while (i < x.size() && j < y.size()) {
    if (std::isdigit(static_cast<unsigned char>(x[i])) &&
        std::isdigit(static_cast<unsigned char>(y[j]))) {
      size_t ei = i, ej = j;
      while (ei < x.size() && std::isdigit(static_cast<unsigned char>(x[ei]))) ++ei;
      while (ej < y.size() && std::isdigit(static_cast<unsigned char>(y[ej]))) ++ej;
      const std::string_view a = std::string_view(x).substr(i, ei - i);
      const std::string_view b = std::string_view(y).substr(j, ej - j);
      if (a.size() != b.size()) return a.size() < b.size();
      if (a != b) return a < b;
      i = ei;
      j = ej;
    } else {
      if (x[i] != y[j]) return x[i] < y[j];
      ++i;
      ++j;
    }
  }
  return x.size() - i < y.size() - j;
}

// Builds the tree under `id` from the `resonate:parent` edges, children ordered by
// createdOn (then by id, naturally).
tree_node build_tree(const std::string& id, const std::map<std::string, json::object>& by_id,
                     const std::map<std::string, std::vector<std::string>>& children,
                     std::set<std::string>& seen) {
  tree_node n;
  n.id = id;
  if (auto it = by_id.find(id); it != by_id.end()) n.promise = &it->second;
  seen.insert(id);
  auto c = children.find(id);
  if (c == children.end()) return n;
  std::vector<std::string> kids = c->second;
  auto created = [&](const std::string& k) -> int64_t {
    const auto* v = by_id.at(k).if_contains("createdOn");
    return v && v->is_number() ? v->to_number<int64_t>() : 0;
  };
  std::sort(kids.begin(), kids.end(), [&](const auto& x, const auto& y) {
    const int64_t cx = created(x), cy = created(y);
    return cx != cy ? cx < cy : natural_less(x, y);
  });
  for (const auto& k : kids) {
    if (!seen.count(k)) n.children.push_back(build_tree(k, by_id, children, seen));
  }
  return n;
}

void add_tree(CLI::App& app, std::function<int(session&)>& action) {
  auto id = std::make_shared<std::string>();
  auto* c = app.add_subcommand(
    "tree",
    "Print the promise tree under a promise: the resonate:origin lineage of protocol "
    "2026-04-01 (@resonatehq/sdk 0.11.5) and the resonate:root lineage of REST-era SDKs, "
    "both joined by resonate:parent");
  c->add_option("id", *id, "promise id (usually a root)")->required();
  c->callback([&action, id] {
    action = [id](session& s) {
      auto root = s.call("GET", promise_path(*id));
      if (!root) return int(exit_failed);
      std::map<std::string, json::object> by_id;
      by_id.emplace(*id, as_object(s.parse_body(*root)));
      // Which searches to run: `tag=value` pages of /promises?id=*.
      struct search {
        std::string tag, value, cursor;
      };
      std::deque<search> todo;
      std::set<std::string> searched;
      auto enqueue = [&](const std::string& tag, const std::string& value) {
        if (!value.empty() && searched.insert(tag + "=" + value).second) {
          todo.push_back({tag, value, ""});
        }
      };
      // REST era: the SDK tags every descendant with the id of its root.
      enqueue("resonate:root", *id);
      // Protocol 2026-04-01: every descendant carries its lineage's origin (the
      // root id), detached children and timers included; `id` may be any node of it.
      const json::value* root_tags = by_id.at(*id).if_contains("tags");
      enqueue("resonate:origin", root_tags ? field(*root_tags, "resonate:origin") : "");
      std::map<std::string, std::vector<std::string>> children;
      while (!todo.empty()) {
        const search q = todo.front();
        todo.pop_front();
        const std::string target = q.cursor.empty()
                                     ? "/promises?id=*&limit=100&tags%5B" + percent_encode(q.tag) +
                                         "%5D=" + percent_encode(q.value)
                                     : "/promises?cursor=" + percent_encode(q.cursor);
        auto r = s.call("GET", target);
        if (!r) return int(exit_failed);
        const json::value body = s.parse_body(*r);
        for (const auto& v : array_at(body, "promises")) {
          if (!v.is_object()) continue;
          const auto& p = v.as_object();
          const std::string pid = field(v, "id");
          if (!by_id.emplace(pid, p).second) continue;
          const auto* tags = p.if_contains("tags");
          const std::string parent = tags ? field(*tags, "resonate:parent") : "";
          if (!parent.empty() && parent != pid) children[parent].push_back(pid);
          // A REST-era global child is the root of its own subtree: search under it too.
          if (tags && field(*tags, "resonate:scope") == "global" &&
              field(*tags, "resonate:origin").empty()) {
            enqueue("resonate:root", pid);
          }
        }
        const std::string cursor = field(body, "cursor");
        if (!cursor.empty() && cursor != "null") todo.push_back({q.tag, q.value, cursor});
      }
      std::set<std::string> seen;
      const tree_node tree = build_tree(*id, by_id, children, seen);
      if (s.json_output()) {
        s.out() << json::serialize(tree_json(tree)) << "\n";
      } else {
        print_tree(tree, s.out());
      }
      return int(exit_ok);
    };
  });
}

// ---- invoke -----------------------------------------------------------------------------

void add_invoke(CLI::App& app, std::function<int(session&)>& action) {
  struct args {
    // The target the workers of `new Resonate({url})` poll: the SDK's default
    // group is "default", and a worker of group G listens on poll://any@G.
    std::string id, func, json_args, timeout = "1h", target = "poll://any@default", delay;
    // As the current Resonate CLI: today's SDK (0.11.5) runs only protocol 2026-04-01.
    std::string protocol = "2026";
    std::vector<std::string> args;
    int64_t version = 1;
  };
  auto a = std::make_shared<args>();
  auto* c = app.add_subcommand("invoke", "Invoke a function: create a promise a worker picks up");
  c->add_option("id", a->id, "promise id")->required();
  c->add_option("--func", a->func, "function name")->required();
  c->add_option("-a,--arg", a->args,
                "argument, parsed as JSON when it is JSON, else a string (repeatable)")
    ->allow_extra_args(false);
  c->add_option("--json-args", a->json_args, "all arguments as one JSON array")->excludes("--arg");
  c->add_option("--version", a->version, "function version")->capture_default_str();
  c->add_option("-t,--timeout", a->timeout, "timeout from now (after the delay), a Go duration")
    ->capture_default_str();
  c->add_option("--target", a->target,
                "who runs it: resonate:target (2026), resonate:invoke (v1); the default reaches "
                "the workers of new Resonate({url}) (group \"default\")")
    ->capture_default_str();
  c->add_option("--delay", a->delay, "do not start before now + delay, a Go duration");
  c->add_option("--protocol", a->protocol,
                "2026: promise.create of protocol 2026-04-01 with a resonate:target tag, which "
                "@resonatehq/sdk 0.11.5 workers run; v1: a REST v1 promise with a "
                "resonate:invoke tag (REST-era SDKs)")
    ->check(CLI::IsMember({"v1", "2026"}))
    ->capture_default_str();
  c->callback([&action, a] {
    action = [a](session& s) {
      json::array fargs;
      if (!a->json_args.empty()) {
        boost::system::error_code ec;
        auto v = json::parse(a->json_args, ec);
        if (ec || !v.is_array()) throw usage_error("--json-args must be a JSON array");
        fargs = v.as_array();
      } else {
        for (const auto& arg : a->args) {
          boost::system::error_code ec;
          auto v = json::parse(arg, ec);
          fargs.push_back(ec ? json::value(json::string(arg)) : v);
        }
      }
      const json::object param{{"func", a->func}, {"args", fargs}, {"version", a->version}};
      const std::string data = json::serialize(param);
      const int64_t now = now_ms();
      const int64_t delay = a->delay.empty() ? 0 : duration_ms(a->delay, "--delay");
      const int64_t timeout_at = now + delay + duration_ms(a->timeout, "--timeout");
      const bool v2026 = a->protocol == "2026";
      // REST v1: the receiver in resonate:invoke. 2026: what resonate.rpc of the
      // SDK 0.11.5 sends for a root (spec 1.5, 2.9): a global promise targeted
      // at the workers, its own origin, branch and parent.
      json::object tags = v2026 ? json::object{{"resonate:scope", "global"},
                                               {"resonate:target", a->target},
                                               {"resonate:origin", a->id},
                                               {"resonate:branch", a->id},
                                               {"resonate:parent", a->id}}
                                : json::object{{"resonate:invoke", a->target}};
      if (!a->delay.empty()) tags["resonate:delay"] = std::to_string(now + delay);
      if (v2026) {
        json::object head{{"corrId", "cli-" + std::to_string(now)},
                          {"version", api_gateway::protocol_2026::version}};
        if (!s.token().empty()) head["auth"] = s.token();
        const json::object envelope{{"kind", "promise.create"},
                                    {"head", head},
                                    {"data",
                                     {{"id", a->id},
                                      {"timeoutAt", timeout_at},
                                      {"param", make_value({}, &data, "")},
                                      {"tags", tags}}}};
        return s.run(
          "POST", "/", json::serialize(envelope), {}, [&](const http_reply&, const json::value& v) {
            std::string state;
            if (const auto* d = as_object(v).if_contains("data")) {
              if (const auto* p = as_object(*d).if_contains("promise")) {
                state = field(*p, "state");
              }
            }
            s.out() << "Invoked " << a->func << " as promise: " << a->id << " (" << state << ")\n";
          });
      }
      const json::object body{{"id", a->id},
                              {"timeout", timeout_at},
                              {"param", make_value({}, &data, "")},
                              {"tags", tags}};
      return s.run("POST", "/promises", json::serialize(body), write_headers(nullptr, true),
                   [&](const http_reply& r, const json::value&) {
                     s.out() << "Invoked " << a->func << " as promise: " << a->id
                             << (r.status == 200 ? " (deduplicated)" : "") << "\n";
                   });
    };
  });
}

// ---- migrate ----------------------------------------------------------------------------

void add_migrate(CLI::App& app, std::function<int(session&)>& action) {
  auto* m = app.add_subcommand(
    "migrate", "Schema migrations of the local store (SQLite or PostgreSQL, chosen as for serve)");
  m->require_subcommand(1);
  m->footer(
    "The store flags of `resonate serve` select the database: -c/--config, "
    "--aio-store-sqlite-path, --aio-store-postgres-enable, --aio-store-postgres-host, ...\n"
    "(see `resonate serve --help`); the RESONATE_* environment and resonate.yaml apply too.\n\n" +
    std::string(k_exit_codes));
  const struct {
    const char* name;
    const char* help;
  } modes[] = {
    {"status", "Print the current and latest schema version and the pending migrations"},
    {"dry-run", "Print the status and the SQL of the pending migrations; change nothing"},
    {"up", "Apply the pending migrations in one transaction"}};
  for (const auto& k : modes) {
    auto* c = m->add_subcommand(k.name, k.help);
    // Everything after is a serve flag, handed to the config loader as it is.
    c->fallthrough(false);
    c->allow_extras();
    c->prefix_command();
    const std::string mode = k.name;
    c->callback([&action, c, mode] {
      std::vector<std::string> rest{"serve"};
      for (auto& r : c->remaining()) rest.push_back(r);
      action = [rest, mode](session& s) {
        config::command_line cl;
        try {
          cl = config::load(rest, config::process_environment());
        } catch (const config::config_error& e) {
          throw usage_error(e.what());
        }
        if (cl.help) {
          s.out() << config::help_text("serve");
          return int(exit_ok);
        }
        try {
          if (mode == "up") {
            const auto before = apply_migrations(cl.cfg);
            const auto after = read_migration_status(cl.cfg);
            if (before.pending.empty()) {
              s.out() << "Nothing to apply: " << after.store << " is at version " << after.current
                      << "\n";
            } else {
              for (const auto& f : before.pending) s.out() << "Applied " << f << "\n";
              s.out() << after.store << " is now at version " << after.current << "\n";
            }
            return int(exit_ok);
          }
          const auto st = read_migration_status(cl.cfg);
          print_migration_status(st, s.out());
          if (mode == "dry-run") {
            for (size_t i = 0; i < st.pending.size(); ++i) {
              s.out() << "\n-- " << st.pending[i] << "\n" << st.pending_sql[i];
              if (!st.pending_sql[i].empty() && st.pending_sql[i].back() != '\n') s.out() << "\n";
            }
          }
          return int(exit_ok);
        } catch (const store_unreachable& e) {
          s.err() << "resonate: cannot open the store: " << e.what() << "\n";
          return int(exit_unreachable);
        } catch (const std::exception& e) {
          s.err() << "resonate: migrate " << mode << ": " << e.what() << "\n";
          return int(exit_failed);
        }
      };
    });
  }
}

// Every command of the binary, in the order `resonate help` lists them. `client`
// ones run in run(); the others belong to the server's config::load().
struct command_entry {
  const char* name;
  const char* help;
  bool client;
};
constexpr command_entry k_commands[] = {
  {"serve", "start the Resonate server", false},
  {"dev", "start the Resonate server with development defaults (in-memory SQLite)", false},
  {"invoke", "invoke a function: create a promise a worker runs (protocol 2026-04-01)", true},
  {"tree", "print the promise tree under a promise (both SDK lineages)", true},
  {"promises", "get|search|create|resolve|reject|cancel|callback|subscribe promises", true},
  {"schedules", "get|search|create|delete schedules", true},
  {"tasks", "claim|complete|drop|heartbeat tasks (REST v1)", true},
  {"migrate", "status|dry-run|up: schema migrations of the local store", true},
  {"config-example", "print a resonate.yaml with every key, its default and its help", false},
  {"help", "print this help; `resonate help <command>` prints a command's", false},
  {"version", "print the version (also --version)", false},
};

constexpr const char* k_client_flags =
  "\nClient commands take -S/--server (default http://localhost:8001), -T/--token,\n"
  "-U/--username, -P/--password and -o json|table; see `resonate <command> --help`.\n";

std::string top_level_help() {
  return config::help_text("", commands_help() + k_client_flags);
}

}  // namespace

bool is_client_command(const std::string& c) {
  if (c == "promise" || c == "schedule" || c == "task") return true;  // CLI11 aliases
  return std::any_of(std::begin(k_commands), std::end(k_commands),
                     [&](const command_entry& e) { return e.client && c == e.name; });
}

std::string commands_help() {
  std::string out;
  for (const auto& e : k_commands) {
    std::string name = e.name;
    name.resize(std::max<size_t>(name.size() + 2, 16), ' ');
    out += "  " + name + e.help + "\n";
  }
  return out;
}

std::string version_text() {
  return "resonate version " + std::string(api_gateway::resonate_version) + " (protocol " +
         std::string(api_gateway::protocol_2026::version) + ")\n";
}

std::optional<int> run_top_level(std::vector<std::string>& args, std::ostream& out,
                                 std::ostream& err) {
  // A newcomer who typed no command or a wrong one sees them all.
  auto refuse = [&](const std::string& why) {
    err << "resonate: " << why << "\n\nCommands:\n"
        << commands_help() << "\nRun `resonate --help` for every option.\n";
    return std::optional<int>(exit_usage);
  };
  if (args.empty()) return refuse("missing command");
  const std::string first = args[0];
  if (is_client_command(first)) return run(args, out, err);
  if (first == "version" || first == "--version") {
    out << version_text();
    return exit_ok;
  }
  if (first == "-h" || first == "--help") {
    out << top_level_help();
    return exit_ok;
  }
  if (first == "help") {
    if (args.size() < 2 || args[1] == "help" || args[1] == "version") {
      out << top_level_help();
      return exit_ok;
    }
    args = {args[1], "--help"};
    return run_top_level(args, out, err);
  }
  if (first.empty() || first[0] == '-') return std::nullopt;  // flags: config::load() judges
  const bool server = std::any_of(std::begin(k_commands), std::end(k_commands),
                                  [&](const command_entry& e) { return first == e.name; });
  if (server) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& e : k_commands) names.emplace_back(e.name);
  return refuse("unknown command \"" + first + "\"" + config::suggestion(first, names));
}

int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  globals g;
  CLI::App app{
    "Resonate operator CLI: talks to a Resonate server over HTTP (REST v1; invoke "
    "speaks protocol 2026-04-01).",
    "resonate"};
  app.fallthrough();  // the global flags below work after the subcommand too
  app.require_subcommand(1);
  app.footer(std::string(k_globals) + k_exit_codes);
  app.add_option("-S,--server", g.server, "server URL")->capture_default_str();
  app.add_option("-T,--token", g.token, "bearer token (JWT)");
  app.add_option("-U,--username", g.username, "basic auth username");
  app.add_option("-P,--password", g.password, "basic auth password");
  app.add_option("-o,--output", g.output, "output: table (readable) or json (the server's JSON)")
    ->check(CLI::IsMember({"table", "json"}))
    ->capture_default_str();

  std::function<int(session&)> action;
  add_promises(app, g, action);
  add_schedules(app, action);
  add_tasks(app, action);
  add_tree(app, action);
  add_invoke(app, action);
  add_migrate(app, action);

  try {
    std::vector<std::string> reversed(args.rbegin(), args.rend());
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e, out, err);
    return code == 0 ? exit_ok : exit_usage;
  }
  if (!action) {
    err << app.help();
    return exit_usage;
  }
  session s(g, out, err);
  try {
    return action(s);
  } catch (const usage_error& e) {
    err << "resonate: " << e.what() << "\n";
    return exit_usage;
  } catch (const unreachable& e) {
    err << "resonate: cannot reach the server: " << e.what() << "\n";
    return exit_unreachable;
  }
}

}  // namespace resonate::cli
