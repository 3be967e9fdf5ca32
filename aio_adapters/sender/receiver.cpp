#include "aio_adapters/sender/receiver.hpp"

#include <boost/json.hpp>

#include "codecs/address.hpp"

namespace resonate::sender {

namespace json = boost::json;

namespace {

resolution fail(std::string message) {
  return resolution{std::nullopt, std::move(message)};
}

resolution ok(address a) {
  return resolution{std::move(a), {}};
}

std::string to_std(const json::string& s) {
  return std::string(s.data(), s.size());
}

resolution poll_from_json(const json::value& data) {
  const json::object* o = data.if_object();
  if (o == nullptr) return fail("invalid poll address: not an object");
  poll_address a;
  if (auto it = o->find("cast"); it != o->end() && !it->value().is_null()) {
    const json::string* s = it->value().if_string();
    auto c = s != nullptr ? codecs::cast_of(*s) : std::nullopt;
    if (!c) return fail("invalid poll address: cast must be any or uni");
    a.cast = *c;
  }
  auto g = o->find("group");
  if (g == o->end() || !g->value().is_string()) return fail("invalid poll address: no group");
  a.group = to_std(g->value().get_string());
  if (auto it = o->find("id"); it != o->end() && !it->value().is_null()) {
    const json::string* s = it->value().if_string();
    if (s == nullptr) return fail("invalid poll address: id must be a string");
    if (!s->empty()) a.id = to_std(*s);  // "" means no id, as when it is absent
  }
  return ok(std::move(a));
}

resolution http_from_json(const json::value& data) {
  const json::object* o = data.if_object();
  if (o == nullptr) return fail("invalid http address: not an object");
  auto u = o->find("url");
  if (u == o->end() || !u->value().is_string() || u->value().get_string().empty()) {
    return fail("invalid http address: no url");
  }
  http_address a;
  a.url = to_std(u->value().get_string());
  if (auto it = o->find("headers"); it != o->end() && !it->value().is_null()) {
    const json::object* h = it->value().if_object();
    if (h == nullptr) return fail("invalid http address: headers must be an object");
    for (const auto& kv : *h) {
      const json::string* v = kv.value().if_string();
      if (v == nullptr) return fail("invalid http address: header values must be strings");
      a.headers.emplace_back(std::string(kv.key()), to_std(*v));
    }
  }
  return ok(std::move(a));
}

resolution physical(std::string_view type, const json::value& data) {
  if (type == "poll") return poll_from_json(data);
  if (type == "http") return http_from_json(data);
  if (type == "sqs" || type == "kafka") return fail("unsupported plugin " + std::string(type));
  return fail("unknown plugin " + std::string(type));
}

}  // namespace

target default_target() {
  return target{"default", "poll", R"({"cast":"any","group":"default"})"};
}

resolution resolve_physical(const std::string& type, const std::string& data_json) {
  json::error_code ec;
  json::value data = json::parse(data_json, ec);
  if (ec) return fail("invalid " + type + " address: not JSON");
  return physical(type, data);
}

resolution resolve_url(const std::string& url) {
  auto a = codecs::parse_address(url);
  if (!a) return fail("unknown receiver " + url);
  switch (a->kind) {
    case codecs::parsed_address::scheme::poll:
      return ok(std::move(a->poll));
    case codecs::parsed_address::scheme::http:
    case codecs::parsed_address::scheme::https:
      return ok(http_address{url, {}});
    default:
      return fail("unsupported receiver " + url);
  }
}

receiver_resolver::receiver_resolver(std::vector<target> targets) {
  bool has_default = false;
  for (const auto& t : targets) has_default = has_default || t.name == "default";
  if (!has_default) targets.push_back(default_target());
  for (const auto& t : targets) targets_.emplace_back(t.name, resolve_physical(t.type, t.data));
}

resolution receiver_resolver::resolve_logical(const std::string& name) const {
  for (const auto& [n, r] : targets_) {
    if (n == name) return r;
  }
  return resolve_url(name);
}

resolution receiver_resolver::resolve(const std::string& recv) const {
  json::error_code ec;
  json::value v = json::parse(recv, ec);
  if (ec) return fail("invalid recv: not JSON");
  if (const json::string* s = v.if_string()) return resolve_logical(to_std(*s));
  if (const json::object* o = v.if_object()) {
    auto t = o->find("type");
    if (t == o->end() || !t->value().is_string()) return fail("invalid recv: no type");
    auto d = o->find("data");
    static const json::value null_data;
    return physical(t->value().get_string(), d != o->end() ? d->value() : null_data);
  }
  return fail("invalid recv: neither a string nor an object");
}

}  // namespace resonate::sender
