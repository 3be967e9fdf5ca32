// An SSE stream connected to this node's poll server (internal request, no
// client sends it). Protocol 2026-04-01 messages for a `poll://` address that
// had no stream wait parked in the outbox; the drain, kicked here, puts the
// ones this stream can take back in the outbox and sends them. The stream is
// handed to the drain rather than unparked here so that parking and unparking
// never run at once (the drain is one background job): a drain in flight
// whose send missed this stream parks nothing (drain_outbox_2026).
#include "kernel/coroutines/coroutines.hpp"

namespace resonate::kernel::coroutines {

namespace q = resonate::queues;

root_task stream_connected(context& c, q::request r, const settings&) {
  // Several nodes: only the drain of the node that holds the lease runs, and
  // every node hears of every stream (actors/cluster_link.cpp); the others
  // keep nothing, or the list would grow until they took the lease.
  if (c.shared().lease.clustered && !c.shared().lease.held)
    co_return q::response{q::status::ok, q::empty_response{}, {}};
  auto req = std::get<q::stream_connected_request>(std::move(r.payload));
  c.shared().streams_connected.push_back(
    q::stream_address{std::move(req.group), std::move(req.id)});
  kick_outbox26(c);
  co_return q::response{q::status::ok, q::empty_response{}, {}};
}

}  // namespace resonate::kernel::coroutines
