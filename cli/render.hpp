#pragma once

// Human-readable output of the CLI (`-o table`, the default): detail blocks and
// aligned tables built from the server's JSON. `-o json` bypasses all of this.

#include <boost/json/value.hpp>
#include <ostream>
#include <string>
#include <vector>

namespace resonate::cli {

/// Rows of cells printed with columns padded to their widest cell.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

/// Epoch milliseconds as "1733130000000 (2024-12-02 09:00:00 UTC)"; "-" when absent.
std::string format_time(const boost::json::value* ms);

/// `tags` as "k=v k2=v2" in key order; "" when absent.
std::string format_tags(const boost::json::value* tags);

/// A Value's data decoded from base64: the text when printable, else "<N bytes>".
std::string format_data(const boost::json::value* value);

/// One promise as a block of `Key: value` lines.
void print_promise(const boost::json::object& p, std::ostream& out);
/// Promises as a table: ID, STATE, TIMEOUT, TAGS.
void print_promises(const boost::json::array& ps, std::ostream& out);

/// One schedule as a block of `Key: value` lines.
void print_schedule(const boost::json::object& s, std::ostream& out);
/// Schedules as a table: ID, CRON, NEXT RUN, LAST RUN, TAGS.
void print_schedules(const boost::json::array& ss, std::ostream& out);

/// A promise tree (see tree_node in commands.cpp): `id state (kind func)` lines
/// joined by box-drawing connectors.
struct tree_node {
  std::string id;
  const boost::json::object* promise = nullptr;  ///< null when the root was not found
  std::vector<tree_node> children;
};
void print_tree(const tree_node& root, std::ostream& out);
/// The tree as nested JSON: each promise object plus "children".
boost::json::value tree_json(const tree_node& root);

}  // namespace resonate::cli
