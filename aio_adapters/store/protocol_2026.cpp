#include "aio_adapters/store/protocol_2026.hpp"

#include <stdexcept>

#include "kernel/v2026/engine.hpp"

namespace resonate::aio_adapters::store {

namespace q = resonate::queues;
namespace v2026 = resonate::kernel::v2026;

q::store_result run_protocol_2026(v2026::database& db, const q::store_command& cmd) {
  if (const auto* c = std::get_if<q::v2026_cmd>(&cmd)) return v2026::apply(db, *c);
  if (const auto* c = std::get_if<q::take_outbox_cmd>(&cmd)) return v2026::take_outbox(db, *c);
  if (const auto* c = std::get_if<q::ack_outbox_cmd>(&cmd)) {
    return q::alter_result{v2026::ack_outbox(db, *c)};
  }
  throw std::logic_error("not a protocol 2026 command");
}

std::string sqlite_placeholders(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;
  for (char ch : sql) {
    if (quote) {
      if (ch == quote) quote = 0;
    } else if (ch == '\'' || ch == '"') {
      quote = ch;
    } else if (ch == '$') {
      ch = '?';
    }
    out += ch;
  }
  return out;
}

}  // namespace resonate::aio_adapters::store
