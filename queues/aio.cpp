#include "queues/aio.hpp"

namespace resonate::queues {

const char* aio_kind_name(aio_kind k) {
  switch (k) {
    case aio_kind::store: return "store";
    case aio_kind::router: return "router";
    case aio_kind::sender: return "sender";
  }
  return "unknown";
}

}  // namespace resonate::queues
