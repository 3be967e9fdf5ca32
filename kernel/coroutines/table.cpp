// The one registration table: request kind -> coroutine, made from the operation list
// (queues/api.hpp, RESONATE_REQUEST_KINDS): each kind runs the coroutine of its name,
// so an operation without a coroutine does not compile.
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

table request_table() {
  using queues::kind;
  table t{};
#define RESONATE_KIND_COROUTINE(k, T, name) t[static_cast<size_t>(kind::k)] = &k;
  RESONATE_REQUEST_KINDS(RESONATE_KIND_COROUTINE)
#undef RESONATE_KIND_COROUTINE
  return t;
}

}  // namespace resonate::kernel::coroutines
