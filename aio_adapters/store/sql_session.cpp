#include "aio_adapters/store/sql_session.hpp"

#include <stdexcept>

namespace resonate::aio_adapters::store {

const std::string& sql_row::text(size_t i) const {
  const auto& c = cols.at(i);
  if (!c) throw std::runtime_error("unexpected NULL in column " + std::to_string(i));
  return *c;
}

int64_t sql_row::int64(size_t i) const {
  return std::stoll(text(i));
}

std::optional<int64_t> sql_row::optional_int64(size_t i) const {
  if (is_null(i)) return std::nullopt;
  return int64(i);
}

}  // namespace resonate::aio_adapters::store
