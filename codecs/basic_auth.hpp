#pragma once

// HTTP basic auth against configured user -> password pairs: the one check of
// the API port (REST v1 spec 3.1, gin's BasicAuth; `api.subsystems.http.config.auth`)
// and of the SSE poller (spec 3.4; `aio.plugins.poll.config.auth`). As gin does,
// the whole Authorization value is compared with `Basic ` + base64(user:password)
// of each pair, in constant time and with every pair, so the time taken shows
// neither which pair matched nor how close a guess came.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace resonate::codecs {

/// Whether `a` and `b` are equal, taking a time that depends on their lengths
/// only, not on where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

class basic_auth {
public:
  basic_auth() = default;
  /// user -> password; empty: no check.
  explicit basic_auth(const std::map<std::string, std::string>& users);

  /// Whether any user is configured (the check applies).
  bool enabled() const { return !accepted_.empty(); }

  /// Whether `authorization` (the header's value) is exactly `Basic ` +
  /// base64(user:password) of a configured pair; always true when none is.
  bool allows(std::string_view authorization) const;

private:
  std::vector<std::string> accepted_;  ///< the accepted values, "Basic <b64>"
};

}  // namespace resonate::codecs
