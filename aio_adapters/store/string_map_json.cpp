#include "aio_adapters/store/string_map_json.hpp"

#include <stdexcept>

#include <boost/json.hpp>

namespace resonate::aio_adapters::store {

namespace {

boost::json::value parse_column(std::string_view text) {
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec) throw std::runtime_error("stored JSON does not parse: " + ec.message());
  return parsed;
}

std::map<std::string, std::string> string_map_of(const boost::json::object& obj) {
  std::map<std::string, std::string> out;
  for (const auto& kv : obj) {
    const auto* s = kv.value().if_string();
    out.emplace(std::string(kv.key()),
                s != nullptr ? std::string(*s) : boost::json::serialize(kv.value()));
  }
  return out;
}

boost::json::object object_of(const std::map<std::string, std::string>& m) {
  boost::json::object obj;
  obj.reserve(m.size());
  for (const auto& [k, v] : m) obj.emplace(k, v);
  return obj;
}

std::string string_field(const boost::json::object& obj, std::string_view key) {
  const auto* v = obj.if_contains(key);
  const auto* s = v != nullptr ? v->if_string() : nullptr;
  if (s == nullptr) {
    throw std::runtime_error("stored message has no string '" + std::string(key) + "'");
  }
  return std::string(*s);
}

}  // namespace

std::string encode_string_map(const std::map<std::string, std::string>& m) {
  if (m.empty()) return "{}";
  return boost::json::serialize(object_of(m));
}

std::map<std::string, std::string> decode_string_map(std::string_view text) {
  if (text.empty()) return {};
  auto parsed = parse_column(text);
  const auto* obj = parsed.if_object();
  if (obj == nullptr) throw std::runtime_error("stored JSON is not an object");
  return string_map_of(*obj);
}

std::optional<std::string> encode_value_headers(const queues::value& v) {
  if (!v.has_headers()) return std::nullopt;
  return encode_string_map(v.headers);
}

std::optional<std::string_view> value_data_column(const queues::value& v) {
  if (!v.has_data()) return std::nullopt;
  return std::string_view(v.data);
}

queues::value decode_value(const std::optional<std::string>& headers,
                           std::optional<std::string> data) {
  queues::value v;
  if (headers) v.headers = decode_string_map(*headers);
  if (data) v.data = std::move(*data);
  v.headers_present = headers.has_value();
  v.data_present = data.has_value();
  return v;
}

std::string encode_message(const queues::message& m) {
  // Key order as the reference server writes it: type, head, root, leaf.
  boost::json::object obj;
  obj.reserve(4);
  obj.emplace("type", queues::to_string(m.type));
  if (!m.head.empty()) obj.emplace("head", object_of(m.head));
  obj.emplace("root", m.root);
  obj.emplace("leaf", m.leaf);
  return boost::json::serialize(obj);
}

queues::message decode_message(std::string_view text) {
  auto parsed = parse_column(text);
  const auto* obj = parsed.if_object();
  if (obj == nullptr) throw std::runtime_error("stored message is not a JSON object");
  queues::message m;
  auto type = string_field(*obj, "type");
  if (type == "invoke") {
    m.type = queues::message_type::invoke;
  } else if (type == "resume") {
    m.type = queues::message_type::resume;
  } else if (type == "notify") {
    m.type = queues::message_type::notify;
  } else {
    throw std::runtime_error("stored message has unknown type '" + type + "'");
  }
  if (const auto* head = obj->if_contains("head"); head != nullptr && !head->is_null()) {
    const auto* h = head->if_object();
    if (h == nullptr) throw std::runtime_error("stored message head is not an object");
    m.head = string_map_of(*h);
  }
  m.root = string_field(*obj, "root");
  m.leaf = string_field(*obj, "leaf");
  return m;
}

}  // namespace resonate::aio_adapters::store
