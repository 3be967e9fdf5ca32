#pragma once

// The router (REST v1 spec 4.11): does a promise being created get an invoke
// task, and to which receiver? Pure and thread-safe: route() reads only the
// immutable source list.

#include <string>
#include <vector>

#include "queues/aio.hpp"

namespace resonate::router {

/// A tag source: the receiver is the value of tag `key`.
struct source {
  std::string name;
  std::string key;
};

/// The tag key of the source appended when none is named `default`.
inline constexpr const char* default_source_key = "resonate:invoke";

struct router_options {
  /// Tried in order, the first match wins. A source named `default` on
  /// `resonate:invoke` is appended when no source is named `default`.
  std::vector<source> sources;
};

class router {
public:
  explicit router(router_options options);

  /// Matches the promise's tags against the sources. Tag absent: no match. Value
  /// is JSON: it must be an object with a non-empty string `type` and otherwise
  /// only `data`; recv is that object re-serialised as `{"type","data"}`; any
  /// other JSON value does not match. Value is not JSON: recv is the value as a
  /// JSON string (a logical receiver such as `"poll://any@default"`).
  queues::route_completion route(const queues::route_submission& submission) const;

  /// The sources in the order they are tried (with the appended default).
  const std::vector<source>& sources() const { return sources_; }

private:
  std::vector<source> sources_;
};

/// One tag value against the rules of route(): the recv when it matches, "" when not.
std::string match_tag_value(const std::string& value);

}  // namespace resonate::router
