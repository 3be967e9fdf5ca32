#include "api_gateway/protocol_2026/protocol.hpp"

#include "api_gateway/protocol_2026/authorize.hpp"
#include "api_gateway/protocol_2026/decode.hpp"
#include "api_gateway/protocol_2026/envelope.hpp"
#include "api_gateway/protocol_2026/validate.hpp"
#include "queues/metrics.hpp"

namespace resonate::api_gateway {

namespace p26 = protocol_2026;
namespace json = boost::json;

namespace {

// The SDK rejects a 404 that is not JSON as a "legacy server" (spec 7.4):
// every answer is application/json.
http_response envelope_response(unsigned status, std::string body) {
  http_response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = std::move(body);
  r.version_header = false;
  return r;
}

/// What encode_reply needs of the envelope: its kind and corrId, and for
/// task.fence what the answer echoes of the action's head. Handed over as the
/// exchange's context string: each part as its length, a newline and its bytes.
struct reply_context {
  std::string kind = "unknown";
  std::string corr_id = "0";
  p26::fence_echo echo;
};

void pack_part(std::string& out, std::string_view part) {
  out += std::to_string(part.size());
  out += '\n';
  out += part;
}

std::string pack(const reply_context& c) {
  std::string out;
  pack_part(out, c.kind);
  pack_part(out, c.corr_id);
  pack_part(out, c.echo.before_status);
  pack_part(out, c.echo.after_status);
  return out;
}

/// The next part of a packed context at `pos`, or nullopt past its end.
std::optional<std::string> unpack_part(const std::string& in, size_t& pos) {
  auto nl = in.find('\n', pos);
  if (nl == std::string::npos) return std::nullopt;
  size_t size = 0;
  for (size_t i = pos; i < nl; ++i) size = size * 10 + static_cast<size_t>(in[i] - '0');
  if (nl + 1 + size > in.size()) return std::nullopt;
  pos = nl + 1 + size;
  return in.substr(nl + 1, size);
}

reply_context unpack(const std::string& in) {
  reply_context c;
  size_t pos = 0;
  auto kind = unpack_part(in, pos);
  auto corr = unpack_part(in, pos);
  if (!kind || !corr) return c;  // the transport's own answers carry none
  c.kind = std::move(*kind);
  c.corr_id = std::move(*corr);
  c.echo.before_status = unpack_part(in, pos).value_or("");
  c.echo.after_status = unpack_part(in, pos).value_or("");
  return c;
}

/// Ignored unless it is an integer we can keep (a fraction floored), like a missing one.
std::optional<int64_t> debug_time(const json::object& head) {
  return p26::integer_of(head.if_contains("resonate:debug_time"));
}

class protocol_2026_impl final : public protocol {
public:
  explicit protocol_2026_impl(protocol_2026_options o) : opts_(std::move(o)) {
    queues::metrics::global().set_help(
      "protocol_2026_requests_total", "counter",
      "Protocol 2026-04-01 envelopes answered, by kind and status");
  }

  bool matches(const http_request& req) const override {
    if (req.method != "POST") return false;
    auto path = req.target.substr(0, req.target.find('?'));
    return path == "/";
  }

  exchange route(const http_request& req) const override {
    exchange ex;
    ex.route = route_unparsed;
    auto parsed = p26::parse_envelope(req.body);
    if (auto* err = std::get_if<p26::envelope_error>(&parsed)) {
      ex.route = static_cast<uint16_t>(p26::kind_index(err->kind) + 1);
      ex.response = envelope_response(err->status, p26::encode_error(*err));
      return ex;
    }
    auto& env = std::get<p26::envelope>(parsed);
    ex.route = static_cast<uint16_t>(p26::kind_index(env.kind) + 1);
    if (auto refused = p26::authorize(opts_.access.get(), env)) {
      ex.response = envelope_response(
        refused->status,
        p26::encode_error(env.kind, env.corr_id, refused->status, refused->message));
      return ex;
    }
    if (env.kind.rfind("debug.", 0) == 0 && !opts_.debug) {
      ex.response = envelope_response(
        403, p26::encode_error(env.kind, env.corr_id, 403, "Debug operations are disabled"));
      return ex;
    }
    if (auto bad = p26::validate(env)) {
      ex.response = envelope_response(400, p26::encode_error(env.kind, env.corr_id, 400, *bad));
      return ex;
    }
    std::optional<int64_t> time;
    if (opts_.debug) {
      time = debug_time(env.head);
      if (env.kind == "debug.tick") {
        // The tick's time is its data's; a debug_time beside it must agree (spec 1.7).
        int64_t tick = env.data.at("time").as_int64();  // validate() checked it is one
        if (time && *time != tick) {
          ex.response =
            envelope_response(400, p26::encode_error(env.kind, env.corr_id, 400,
                                                     "resonate:debug_time must equal data.time"));
          return ex;
        }
        time = tick;
      }
    }
    auto typed = p26::decode_typed(env, time);
    if (!typed) {
      // parse_envelope refused unknown kinds already, and every kind it knows
      // decodes; a kind added to its list without a request is answered as an
      // unknown one, not sent to the kernel.
      ex.response = envelope_response(
        400, p26::encode_error(env.kind, env.corr_id, 400, "Unknown operation: " + env.kind));
      return ex;
    }
    reply_context context{env.kind, env.corr_id, {}};
    if (env.kind == "task.fence") context.echo = p26::fence_echo_of(env);
    ex.context = pack(context);
    ex.request = queues::request{env.corr_id, std::move(*typed)};
    return ex;
  }

  // Basic auth of the API port covers `POST /` too; the JWT (head.auth) was
  // checked in route(), where the envelope is parsed.
  std::optional<http_response> authorize(const http_request& req, const exchange&) const override {
    if (!opts_.access) return std::nullopt;
    return opts_.access->check_basic_only(req);
  }

  http_response encode_reply(queues::kind, const queues::response& res,
                             const std::string& context) const override {
    auto ctx = unpack(context);
    const auto& kind = ctx.kind;
    const auto& corr = ctx.corr_id;
    if (const auto* r = std::get_if<queues::task26_fence_response>(&res.payload)) {
      return envelope_response(r->status, p26::encode_fence26(kind, corr, ctx.echo, *r));
    }
    if (const auto* r = std::get_if<queues::promise26_response>(&res.payload)) {
      return envelope_response(r->status, p26::encode_promise26(kind, corr, *r));
    }
    if (const auto* r = std::get_if<queues::task26_response>(&res.payload)) {
      return envelope_response(r->status, p26::encode_task26(kind, corr, *r));
    }
    if (const auto* r = std::get_if<queues::task26_search_response>(&res.payload)) {
      return envelope_response(200, p26::encode_task26_search(kind, corr, *r));
    }
    if (const auto* r = std::get_if<queues::promise26_search_response>(&res.payload)) {
      return envelope_response(200, p26::encode_promise26_search(kind, corr, *r));
    }
    if (const auto* r = std::get_if<queues::schedule26_response>(&res.payload)) {
      return envelope_response(r->status, p26::encode_schedule26(kind, corr, *r));
    }
    if (const auto* r = std::get_if<queues::schedule26_search_response>(&res.payload)) {
      return envelope_response(200, p26::encode_schedule26_search(kind, corr, *r));
    }
    if (const auto* r = std::get_if<queues::debug26_response>(&res.payload)) {
      // The answer does not say which debug operation it is; the envelope's kind does.
      if (auto op = p26::debug_op_of(kind)) {
        return envelope_response(p26::debug26_status(*op, *r),
                                 p26::encode_debug26(kind, corr, *op, *r));
      }
    }
    // The kernel refused the request before running it (overloaded, shutting
    // down), or the store failed: a 500 the SDK retries (spec 1.3).
    std::string message =
      "Internal error: " + (res.error.empty() ? std::string("unavailable") : res.error);
    return envelope_response(500, p26::encode_error(kind, corr, 500, message));
  }

  // Only the head was read: kind and corrId are unknown, so the answer says "unknown"
  // and "0", as for a body that is not an envelope (spec 1.3), and names the limit.
  http_response body_too_large(const http_request&, size_t limit) const override {
    std::string message = "Request body too large: the limit is " + std::to_string(limit) +
                          " bytes (--api-http-body-limit)";
    auto r = envelope_response(413, p26::encode_error("unknown", "0", 413, message));
    r.close = true;
    return r;
  }

  void record_http(method_id, uint16_t route, unsigned status, double) const override {
    std::string labels = "kind=\"";
    labels += p26::kind_at(static_cast<int>(route) - 1);
    labels += "\",status=\"" + std::to_string(status) + "\"";
    queues::metrics::global().get_counter("protocol_2026_requests_total", labels).inc();
  }

private:
  static constexpr uint16_t route_unparsed = 0;
  protocol_2026_options opts_;
};

}  // namespace

std::shared_ptr<const protocol> make_protocol_2026(protocol_2026_options options) {
  return std::make_shared<protocol_2026_impl>(std::move(options));
}

}  // namespace resonate::api_gateway
