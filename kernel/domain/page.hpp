#pragma once

// Keyset paging of protocol 2026-04-01's *.search kinds (spec 1.9): rows are
// read by id after the cursor, one more than the page, so that the page says
// whether more remain without counting; paging by id visits every row that
// exists throughout exactly once, however many are created meanwhile.

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace resonate::kernel::domain {

/// Cuts `rows` (read with limit + 1, by id) down to the page of `limit`, and
/// returns its cursor: the last id on the page, only when a row was left
/// over.
template <class Row>
std::optional<std::string> cut_page(std::vector<Row>& rows, int64_t limit) {
  const bool more = static_cast<int64_t>(rows.size()) > limit;
  if (!more) return std::nullopt;
  rows.resize(static_cast<size_t>(std::max<int64_t>(limit, 0)));
  if (rows.empty()) return std::nullopt;
  return rows.back().id;
}

}  // namespace resonate::kernel::domain
