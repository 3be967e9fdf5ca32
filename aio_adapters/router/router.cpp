#include "aio_adapters/router/router.hpp"

#include <algorithm>

#include <boost/json.hpp>

#include "codecs/json_writer.hpp"

namespace resonate::router {

namespace json = boost::json;

router::router(router_options options) : sources_(std::move(options.sources)) {
  bool has_default = std::any_of(sources_.begin(), sources_.end(),
                                 [](const source& s) { return s.name == "default"; });
  if (!has_default) sources_.push_back(source{"default", default_source_key});
}

std::string match_tag_value(const std::string& value) {
  json::error_code ec;
  json::value v = json::parse(value, ec);
  if (ec) {
    // Not JSON: a logical receiver, carried as a JSON string.
    std::string out;
    codecs::json_append_string(out, value);
    return out;
  }
  // Strict decoding into {type, data}: an object, no other keys, type a non-empty string.
  const json::object* obj = v.if_object();
  if (obj == nullptr) return {};
  const json::string* type = nullptr;
  const json::value* data = nullptr;
  for (const auto& kv : *obj) {
    if (kv.key() == "type") {
      type = kv.value().if_string();
      if (type == nullptr) return {};
    } else if (kv.key() == "data") {
      data = &kv.value();
    } else {
      return {};
    }
  }
  if (type == nullptr || type->empty()) return {};
  std::string out = "{\"type\":";
  codecs::json_append_string(out, std::string_view(type->data(), type->size()));
  out.append(",\"data\":");
  out.append(data != nullptr ? json::serialize(*data) : std::string("null"));
  out.push_back('}');
  return out;
}

queues::route_completion router::route(const queues::route_submission& submission) const {
  for (const auto& s : sources_) {
    auto it = submission.tags.find(s.key);
    if (it == submission.tags.end()) continue;
    std::string recv = match_tag_value(it->second);
    if (!recv.empty()) return queues::route_completion{true, std::move(recv)};
  }
  return queues::route_completion{};
}

}  // namespace resonate::router
