#include "api_gateway/rest_v1/protocol.hpp"

#include <utility>

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/request_metrics.hpp"

namespace resonate::api_gateway {

namespace {

/// What the transport answered itself counts as gin's unmatched route, or `/poll/*rest`.
route_id rest_route(uint16_t route) {
  if (route == route_unrouted) return route_id::not_found;
  if (route == route_poll) return route_id::poll;
  return static_cast<route_id>(route);
}

class rest_v1_protocol final : public protocol {
public:
  rest_v1_protocol(route_options routes, std::shared_ptr<const access_control> access)
    : routes_(std::move(routes)), access_(std::move(access)) {}

  // Every method and path: what no route matches is REST v1's 404.
  bool matches(const http_request&) const override { return true; }

  exchange route(const http_request& req) const override {
    route_result routed = route_request(req, routes_);
    return {std::move(routed.request), std::move(routed.response),
            static_cast<uint16_t>(routed.route), {}};
  }

  std::optional<http_response> authorize(const http_request& req,
                                         const exchange& routed) const override {
    if (!access_) return std::nullopt;
    auto* payload = routed.request ? &routed.request->payload : nullptr;
    return access_->check(req, static_cast<route_id>(routed.route), payload);
  }

  http_response encode_reply(queues::kind k, const queues::response& res,
                             const std::string&) const override {
    return api_gateway::encode_reply(k, res, routes_);
  }

  // Gin has no body limit; ours answers in plain text, as the transport always did.
  http_response body_too_large(const http_request&, size_t) const override {
    return api_gateway::body_too_large();
  }

  void record_http(method_id m, uint16_t route, unsigned status,
                   double seconds) const override {
    api_gateway::record_http(m, rest_route(route), status, seconds);
  }

private:
  route_options routes_;
  std::shared_ptr<const access_control> access_;
};

}  // namespace

std::shared_ptr<const protocol> make_rest_v1_protocol(
  route_options routes, std::shared_ptr<const access_control> access) {
  return std::make_shared<rest_v1_protocol>(std::move(routes), std::move(access));
}

}  // namespace resonate::api_gateway
