#pragma once

// The per-kind checks of protocol 2026-04-01 (spec 1.7) on an envelope that
// parse_envelope accepted, before anything touches the store. Only rules the
// SDK 0.11.5 never breaks are enforced: a 400 is invisible to it (it looks
// like a timeout, spec 1.3), so a rule it could trip would hang a workflow.
// In particular the id lineage rules of the reference (spec 2.9, 7.1) are not
// checked, and a heartbeat may mix origins.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "api_gateway/protocol_2026/envelope.hpp"

namespace resonate::api_gateway::protocol_2026 {

/// nullopt when the envelope's data is acceptable, else the 400's message.
std::optional<std::string> validate(const envelope& e);

/// An integer field (ms, a version, a ttl) as the int64 it stands for: an int64, or a
/// double floored (spec 7.14: user code may sleep fractional ms). nullopt for anything
/// else, including a number past int64 (1.5e20, or a uint64 over INT64_MAX, which is
/// Boost.JSON's only reason to make one): no integer we could keep.
std::optional<int64_t> integer_of(const boost::json::value* v);

/// An address this server can deliver to (spec 1.6, Rust's URL rule):
/// `poll://uni@G[/id]`, `poll://any@G[/id]` with a non-empty group, or an
/// `http(s)://` URL with a host, as the one address grammar reads them
/// (codecs::protocol_2026_address, the sender's grammar too). Checked on
/// resonate:target and listener addresses.
bool valid_address(std::string_view address);

}  // namespace resonate::api_gateway::protocol_2026
