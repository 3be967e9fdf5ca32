#pragma once

// Schedule rules of both protocols (REST v1 spec 2.6, 4.8; protocol
// 2026-04-01 spec 2.10, which shares the schedules table): the promise a
// schedule creates at each run time, its id rendered from the schedule's
// template, and the next run in the configured zone.
//
// The reference renders the id with Go's html/template over {{.id}} and
// {{.timestamp}}, and panics at firing time on a template that does not parse.
// Here only those two actions (with optional spaces and Go's trim markers) make
// a template; anything else inside {{ }} is rejected when the schedule is
// created, so firing never fails.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kernel/domain/cron.hpp"
#include "queues/aio.hpp"
#include "queues/api.hpp"
#include "queues/records.hpp"

namespace resonate::kernel::domain {

/// nullopt when `tmpl` is a valid promise id template, else why it is not.
std::optional<std::string> promise_id_template_error(std::string_view tmpl);

/// Escapes a substituted value as html/template does in HTML text: & < > ' "
/// become entities, NUL becomes U+FFFD.
std::string html_escape(std::string_view v);

/// The promise id for the run at `timestamp` (ms) of schedule `schedule_id`.
/// The template must be valid (promise_id_template_error).
std::string render_promise_id(std::string_view tmpl, std::string_view schedule_id,
                              int64_t timestamp);

/// The run time after `after` (ms), or INT64_MAX when the cron has none (the
/// schedule then never fires again; the reference would store Go's zero time).
int64_t next_run_time(const cron_schedule& cron, int64_t after);

/// The protocol whose rules a schedule's runs follow. Protocol 2026-04-01's
/// schedule.create requires promise tags with resonate:target, and a promise
/// with that tag is that protocol's targeted promise (its task, its timeout)
/// whichever protocol creates it; any other schedule is REST v1's. Both share
/// the schedules table, and one firer fires both (schedule_promises.cpp).
enum class schedule_protocol { rest_v1, v2026 };
schedule_protocol protocol_of(const queues::schedule_record& s);

/// The run after the one due (s.next_run_time), with the cron read in `zone`,
/// the configured zone of both protocols (a CRON_TZ= prefix still wins);
/// INT64_MAX when the cron has none, or no longer parses (it was validated at
/// creation): such a schedule never fires again rather than failing each pass.
int64_t run_after(const queues::schedule_record& s, const time_zone& zone);

/// The promise the run of `s` at s.next_run_time creates, in both protocols:
/// rendered id, timeout = run time + promiseTimeout (clamped to int64), the
/// schedule's param, its promise tags plus resonate:schedule, no idempotency
/// key; plus resonate:invocation = "true" for a REST v1 schedule (its spec
/// 4.8). Protocol 2026-04-01 adds no other tag (spec 2.10 as the SDK 0.11.5's
/// own server fires: Rust's origin, branch and parent tags are not added).
queues::create_promise_request scheduled_promise(const queues::schedule_record& s);

/// The row a create at `now` inserts (defaults of 4.8: empty maps).
queues::schedule_record new_schedule(queues::create_schedule_request req, int64_t next_run,
                                     int64_t now);

/// The row schedule.create of protocol 2026-04-01 inserts at `now` (spec
/// 2.10): no description, tags or idempotency key; its first run after `now`.
queues::schedule_record new_schedule26(queues::schedule26_create_request req, int64_t next_run,
                                       int64_t now);

/// schedule.search's one read (spec 1.9): by id after the cursor, one row
/// more than the page (domain::cut_page), with every tag of `req.tags` in the
/// promiseTags, the only tags a schedule of this protocol has.
queues::search_schedules_cmd search_schedules26_command(
  const queues::schedule26_search_request& req);

/// Whether a create finding `existing` is deduplicated (200): both idempotency
/// keys present and equal. Otherwise it is a 409.
bool same_schedule_create(const queues::schedule_record& existing,
                          const std::optional<std::string>& idempotency_key);

}  // namespace resonate::kernel::domain
