#pragma once

// Schedule rules of REST v1 (spec sections 2.6, 4.8): the promise a schedule
// creates at each run time, and its id rendered from the schedule's template.
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

/// The promise the run of `s` at s.next_run_time creates: rendered id,
/// timeout = run time + promiseTimeout (clamped to int64), the schedule's param,
/// its promise tags plus resonate:schedule and resonate:invocation, no
/// idempotency key.
queues::create_promise_request scheduled_promise(const queues::schedule_record& s);

/// The row a create at `now` inserts (defaults of 4.8: empty maps).
queues::schedule_record new_schedule(queues::create_schedule_request req, int64_t next_run,
                                     int64_t now);

/// Whether a create finding `existing` is deduplicated (200): both idempotency
/// keys present and equal. Otherwise it is a 409.
bool same_schedule_create(const queues::schedule_record& existing,
                          const std::optional<std::string>& idempotency_key);

}  // namespace resonate::kernel::domain
