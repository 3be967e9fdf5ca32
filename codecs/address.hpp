#pragma once

// The one grammar of delivery addresses (REST v1 spec 4.12, protocol 2026-04-01
// spec 1.6): REST v1's receiver URLs (a logical recv, `--aio-sender-targets`),
// protocol 2026's resonate:target and listener addresses, and what the sender
// delivers both to. They are URLs, read as Go's net/url and Rust's url read the
// forms in use:
//
//   poll://[cast@]group[/id][?query][#fragment]   cast: any | uni
//   http://host..., https://host...               the whole URL
//   sqs+https://..., kafka://...                  recognised, not supported
//
// The scheme's case does not matter. A control character anywhere, a space in
// the host (a poll address's group), an http(s) URL without a host and a bad
// percent escape in the path are refused, as both URL parsers refuse them. The
// id is the path after its leading '/', percent-decoded as Go's URL.Path (`+`
// stays `+`), and may hold slashes; a query or fragment is ignored. Each
// protocol adds its own rules (protocol_2026_address).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace resonate::codecs {

/// `any`: the connection with the id if present, else a random one of the group;
/// `uni`: only the connection with the id.
enum class cast_kind : uint8_t { any, uni };

/// The cast named `name` ("any", "uni"; nothing else).
std::optional<cast_kind> cast_of(std::string_view name);

/// Where a poll address delivers: `{"cast"?,"group","id"?}`.
struct poll_address {
  cast_kind cast = cast_kind::any;
  std::string group;
  std::optional<std::string> id;  ///< absent when the path is empty
  friend bool operator==(const poll_address&, const poll_address&) = default;
};

/// An address as the grammar reads it.
struct parsed_address {
  enum class scheme : uint8_t { poll, http, https, sqs, kafka };
  scheme kind = scheme::poll;
  poll_address poll;        ///< kind poll (cast any when none is written)
  bool cast_given = false;  ///< kind poll: a `cast@` is written
};

/// The address `text` spells, or nullopt when it is none (an unknown scheme,
/// or a form the grammar refuses).
std::optional<parsed_address> parse_address(std::string_view text);

/// Whether `text` is an address of protocol 2026-04-01 (resonate:target,
/// listener): the grammar's, with Rust's rules on top (spec 1.6): poll with a
/// cast (`uni` or `any`) and a group, or http(s).
bool protocol_2026_address(std::string_view text);

}  // namespace resonate::codecs
