#include "aio_adapters/store/string_map_json.hpp"

#include <stdexcept>

#include <boost/json.hpp>

namespace resonate::aio_adapters::store {

std::string encode_string_map(const std::map<std::string, std::string>& m) {
  if (m.empty()) return "{}";
  boost::json::object obj;
  obj.reserve(m.size());
  for (const auto& [k, v] : m) obj.emplace(k, v);
  return boost::json::serialize(obj);
}

std::map<std::string, std::string> decode_string_map(std::string_view text) {
  std::map<std::string, std::string> out;
  if (text.empty()) return out;
  boost::system::error_code ec;
  auto parsed = boost::json::parse(text, ec);
  if (ec) throw std::runtime_error("stored JSON does not parse: " + ec.message());
  const auto* obj = parsed.if_object();
  if (obj == nullptr) throw std::runtime_error("stored JSON is not an object");
  for (const auto& kv : *obj) {
    const auto* s = kv.value().if_string();
    out.emplace(std::string(kv.key()),
                s != nullptr ? std::string(*s) : boost::json::serialize(kv.value()));
  }
  return out;
}

}  // namespace resonate::aio_adapters::store
