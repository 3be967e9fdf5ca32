#pragma once

// The records of protocol 2026-04-01 (spec 1.4) over the one store both
// protocols share. The SDK 0.11.5 type-checks every record, so the shapes are
// strict: `param` and `value` always objects whose `headers` (an object) and
// `data` (a string) are omitted rather than null; `settledAt` omitted while
// pending; states spelled in lower case.
//
// Value data is stored as bytes, as REST v1 stores it: a 2026 `data` string
// that is canonical standard base64 (what the SDK always sends) is stored
// decoded, so REST v1 reads the same base64 text; any other string is stored
// as its own bytes and comes back base64-encoded (a known difference from a
// server that keeps the string opaque). Empty headers and empty data are not
// told apart from absent ones.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <boost/json/value.hpp>

#include "queues/records.hpp"

namespace resonate::codecs::protocol_2026 {

/// "pending", "resolved", "rejected", "rejected_canceled", "rejected_timedout".
std::string_view promise_state_name(queues::promise_state s);

/// The state of that name (any of the five, as promise_state_name spells them).
std::optional<queues::promise_state> promise_state_from_name(std::string_view name);

/// The state a client may settle to (spec 1.7: never rejected_timedout), by name.
std::optional<queues::promise_state> settle_state(std::string_view name);

/// TaskRecord states (spec 1.4), at the index of the code tasks26.state stores
/// (queues::task26_state).
inline constexpr std::string_view task_state_names[] = {"pending", "acquired", "suspended",
                                                        "halted", "fulfilled"};

/// "pending", "acquired", ... (task_state_names).
std::string_view task_state_name(queues::task26_state s);
/// The state of that name, as task_state_name spells it.
std::optional<queues::task26_state> task_state_from_name(std::string_view name);

/// Appends a Value: {headers?, data?} (data base64-encoded), each part written when
/// it was given, even empty (queues::value::has_headers/has_data), as sent.
void append_value(std::string& out, const queues::value& v);

/// Appends a PromiseRecord: {id, state, param, value, tags, timeoutAt, createdAt, settledAt?}.
void append_promise(std::string& out, const queues::promise_record& p);

/// Appends a TaskRecord: {id, state, version, resumes, pid?, ttl?}; pid and
/// ttl only while acquired.
void append_task(std::string& out, const queues::task26_record& t);

/// Appends a JSON array of PromiseRecords.
void append_promises(std::string& out, const std::vector<queues::promise_record>& ps);

/// Appends a ScheduleRecord: {id, cron, promiseId, promiseTimeout, promiseParam,
/// promiseTags, createdAt, nextRunAt, lastRunAt?}; lastRunAt once it has run.
void append_schedule(std::string& out, const queues::schedule_record& s);

/// The body of an outbox message (spec 3.3), as the receiver gets it. An
/// execute (version >= 0): `{"kind":"execute","head":{"serverUrl":U},"data":
/// {"task":{"id":I,"version":V}}}`, the head empty when `server_url` is (as
/// debug.snap shows it). An unblock: `{"kind":"unblock","head":{},"data":
/// {"promise":P}}`. An unblock carries its promise: the store skips one whose
/// promise is gone, so none without reaches here (it would be written with
/// `"promise":null`; the sender refuses one rather than call this).
std::string message_body(const queues::outbox_message& m, std::string_view server_url);

/// A Value from JSON (`{headers?: {string: string}, data?: string}`); nullopt
/// when it is not of that shape. An absent value (`nullptr` here) is empty.
std::optional<queues::value> value_from_json(const boost::json::value* v);

/// Tags from JSON (an object of strings); nullopt when not of that shape.
std::optional<queues::tag_map> tags_from_json(const boost::json::value* v);

}  // namespace resonate::codecs::protocol_2026
