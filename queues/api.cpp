#include "queues/api.hpp"

namespace resonate::queues {

const char* kind_name(kind k) {
  switch (k) {
#define RESONATE_KIND_NAME(k, T, name) \
  case kind::k: return name;
    RESONATE_REQUEST_KINDS(RESONATE_KIND_NAME)
#undef RESONATE_KIND_NAME
  }
  return "Unknown";
}

}  // namespace resonate::queues
