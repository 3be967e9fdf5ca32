// The one registration table: request kind -> coroutine.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

table request_table() {
  using queues::kind;
  table t{};
  t[static_cast<size_t>(kind::read_promise)] = &read_promise;
  t[static_cast<size_t>(kind::search_promises)] = &search_promises;
  t[static_cast<size_t>(kind::create_promise)] = &create_promise;
  t[static_cast<size_t>(kind::complete_promise)] = &complete_promise;
  t[static_cast<size_t>(kind::ready)] = &ready;
  return t;
}

}  // namespace resonate::kernel::coroutines
