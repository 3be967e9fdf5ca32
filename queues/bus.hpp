#pragma once

// The API side of the bus: a request submitted to the kernel together with the
// callback that takes its response. The callback runs on the kernel's thread and
// must only hand the response over (e.g. post it to a Beast strand).

#include <functional>

#include "queues/api.hpp"

namespace resonate::queues {

using reply_fn = std::function<void(response)>;

struct api_sqe {
  request req;
  reply_fn reply;
};

}  // namespace resonate::queues
