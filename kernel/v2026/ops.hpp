#pragma once

// One function per operation kind of protocol 2026-04-01 (spec 1.9) still run
// here, grouped by object in promises.cpp, schedules.cpp and debug.cpp; the
// kind -> function table is in engine.cpp. Internal to kernel/v2026/.

#include <optional>

#include <boost/json/object.hpp>

#include "kernel/v2026/engine.hpp"
#include "kernel/v2026/state.hpp"

namespace resonate::kernel::v2026 {

using op_fn = queues::v2026_result (*)(op&, const boost::json::object& data);

queues::v2026_result promise_get(op& o, const boost::json::object& data);
queues::v2026_result promise_create(op& o, const boost::json::object& data);
queues::v2026_result promise_settle(op& o, const boost::json::object& data);
queues::v2026_result promise_search(op& o, const boost::json::object& data);

queues::v2026_result schedule_get(op& o, const boost::json::object& data);
queues::v2026_result schedule_create(op& o, const boost::json::object& data);
queues::v2026_result schedule_delete(op& o, const boost::json::object& data);
queues::v2026_result schedule_search(op& o, const boost::json::object& data);

queues::v2026_result debug_reset(op& o, const boost::json::object& data);
queues::v2026_result debug_snap(op& o, const boost::json::object& data);
/// One pass of the background loops at `o.now` (spec 4.2): promise timeouts,
/// task retries, lease expiries; the kernel's schedule firer does the due
/// schedules after it (kernel/coroutines/schedule_promises.cpp). With
/// `"debug": true` (debug.tick) it arms no timer.
queues::v2026_result tick(op& o, const boost::json::object& data);

// -- shared by the fence and the stand-alone kinds ---------------------------------

/// promise.create's insert of a new id (timed out already, or pending).
queues::promise_record create_promise(op& o, const std::string& id, queues::value param,
                                      int64_t timeout_at, queues::tag_map tags);
queues::promise_record create_promise(op& o, const boost::json::object& data);
/// promise.settle of an id; nullopt when there is no such promise.
std::optional<queues::promise_record> settle_promise(op& o, const boost::json::object& data);

// The same two given the promise as it is now (materialised already, under
// the operation's hold), which saves reading it again (task.fence).
queues::v2026_result promise_create_as_of(op& o, const boost::json::object& data,
                                          const std::optional<queues::promise_record>& current);
std::optional<queues::promise_record> settle_promise_as_of(
  op& o, const boost::json::object& data, std::optional<queues::promise_record> current);

}  // namespace resonate::kernel::v2026
