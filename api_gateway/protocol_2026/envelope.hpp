#pragma once

// The request and response envelopes of protocol 2026-04-01 (spec
// protocol-2026-04-01.md 1.2, 1.3): every operation is one `POST /` whose body
// is `{kind, head: {corrId, version, auth?}, data: {...}}`, answered with
// `{kind, head: {corrId, status, version}, data}`, `data` an object on
// success and a plain string (the message) on an error. Plain C++ over
// Boost.JSON, no transport: the protocol's route() parses with this, and its
// encoder writes with it.

#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include <boost/json/object.hpp>

namespace resonate::api_gateway::protocol_2026 {

/// The one protocol version this server speaks, in `head.version` both ways.
inline constexpr std::string_view version = "2026-04-01";

/// A well-formed request envelope: a known kind, the right version, an object `data`.
struct envelope {
  std::string kind;
  std::string corr_id;
  boost::json::object head;  ///< as sent (auth, resonate:debug_time, resonate:origin, ...)
  boost::json::object data;
};

/// A request refused before any operation ran: what to answer. `kind` and
/// `corr_id` are echoed as far as they could be read from the body ("unknown"
/// and "0" when not at all), so that the SDK can match the answer to its request.
struct envelope_error {
  std::string kind;
  std::string corr_id;
  unsigned status = 400;
  std::string message;
};

/// Whether `kind` is one of the kinds of spec 1.9 (promise.*, task.*, schedule.*, debug.*).
bool known_kind(std::string_view kind);

/// The position of a known kind in spec 1.9's list (-1 for an unknown one), and
/// back ("unknown" out of range): a compact label for metrics.
int kind_index(std::string_view kind);
std::string_view kind_at(int index);

/// Parses and checks a request body (spec 1.2): a JSON object; `kind` a
/// non-empty, known string; `head` an object with string `corrId` and
/// `version` equal to 2026-04-01; `data` an object.
std::variant<envelope, envelope_error> parse_envelope(std::string_view body);

/// A response envelope with `data` given as JSON text (an object, or an array
/// for debug.tick): `{"kind":..,"head":{"corrId":..,"status":..,"version":..},"data":..}`.
std::string encode_response(std::string_view kind, std::string_view corr_id, unsigned status,
                            std::string_view data_json);

/// An error envelope: `data` is the message as a JSON string (spec 1.3).
std::string encode_error(std::string_view kind, std::string_view corr_id, unsigned status,
                         std::string_view message);
inline std::string encode_error(const envelope_error& e) {
  return encode_error(e.kind, e.corr_id, e.status, e.message);
}

}  // namespace resonate::api_gateway::protocol_2026
