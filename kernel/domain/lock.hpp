#pragma once

// Lock rules of REST v1 (spec sections 2.7, 4.9): a lock is held by an
// execution until now + ttl; re-acquiring by the same execution refreshes it,
// and another execution is refused until TimeoutLocks deletes the lock, even
// after it expired.

#include <cstdint>

#include "queues/records.hpp"

namespace resonate::kernel::domain {

/// now + ttl with Go's int64 arithmetic, as the reference computes a lock's
/// expiry: not clamped, an overflow wraps around (and the lock then expires at
/// the next TimeoutLocks pass).
constexpr int64_t lock_expiry(int64_t now, int64_t ttl) {
  return static_cast<int64_t>(static_cast<uint64_t>(now) + static_cast<uint64_t>(ttl));
}

/// The lock an acquire at `now` writes.
inline queues::lock_record acquired_lock(std::string resource_id, std::string execution_id,
                                         std::string process_id, int64_t ttl, int64_t now) {
  return queues::lock_record{std::move(resource_id), std::move(execution_id),
                             std::move(process_id), ttl, lock_expiry(now, ttl)};
}

}  // namespace resonate::kernel::domain
