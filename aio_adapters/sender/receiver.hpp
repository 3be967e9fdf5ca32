#pragma once

// Receiver resolution (REST v1 spec 4.12): a task's recv is a logical receiver
// (a JSON string: a configured target name or a URL) or a physical one (a JSON
// `{"type","data"}` object); either way it ends as the address of one plugin.

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "codecs/address.hpp"

namespace resonate::sender {

/// The poll plugin's address `{"cast"?,"group","id"?}` and its cast, as the
/// one address grammar reads them (codecs/address.hpp).
using codecs::cast_kind;
using codecs::poll_address;

/// HTTP push plugin address `{"url","headers"?}`; headers in their JSON order.
struct http_address {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  friend bool operator==(const http_address&, const http_address&) = default;
};

using address = std::variant<poll_address, http_address>;

/// A configured sender target (`aio.subsystems.sender.config.targets`).
struct target {
  std::string name;
  std::string type;  ///< plugin: "poll" or "http"
  std::string data;  ///< raw JSON of the plugin address
};

/// The target `default` added when none is configured under that name.
target default_target();

/// Either an address or why there is none ("unknown receiver ...", ...).
struct resolution {
  std::optional<address> addr;
  std::string error;
};

/// Resolves recv bytes against the targets. Thread-safe (immutable after construction).
class receiver_resolver {
public:
  /// A target named `default` is added when none is.
  explicit receiver_resolver(std::vector<target> targets);

  resolution resolve(const std::string& recv) const;

  /// A logical receiver (already decoded from its JSON string).
  resolution resolve_logical(const std::string& name) const;

private:
  std::vector<std::pair<std::string, resolution>> targets_;
};

/// The address of a physical receiver `{"type","data"}` given as parts.
resolution resolve_physical(const std::string& type, const std::string& data_json);

/// URL forms of a logical receiver: http(s)://..., poll://[cast@]group[/id], as
/// the one address grammar reads them (codecs::parse_address: protocol 2026's
/// targets and listeners are read by it too). `sqs+https` and `kafka` are
/// recognised but not supported by this server.
resolution resolve_url(const std::string& url);

}  // namespace resonate::sender
