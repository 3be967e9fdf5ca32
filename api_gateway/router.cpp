#include "api_gateway/router.hpp"

#include "api_gateway/errors.hpp"
#include "api_gateway/http_util.hpp"

namespace resonate::api_gateway {

namespace {

constexpr std::string_view promises_prefix = "/promises/";

http_response status_ok() {
  http_response res;
  res.body = R"({"status":"ok"})";
  return res;
}

queues::request make_request(const http_request& req, queues::request_payload payload) {
  queues::request out;
  auto rid = req.header("Request-Id");
  out.request_id = rid && !rid->empty() ? std::string(*rid) : make_request_id();
  out.payload = std::move(payload);
  return out;
}

}  // namespace

std::string_view route_path(route_id r) {
  switch (r) {
    case route_id::ping: return "/ping";
    case route_id::health: return "/health";
    case route_id::ready: return "/ready";
    case route_id::search_promises: return "/promises";
    case route_id::create_promise: return "/promises";
    case route_id::read_promise: return "/promises/*id";
    case route_id::complete_promise: return "/promises/*id";
    case route_id::not_found: return "";
  }
  return "";
}

route_result route_request(const http_request& req) {
  route_result out;
  std::string_view target = req.target;
  auto qpos = target.find('?');
  std::string_view raw_path = target.substr(0, qpos);
  std::string_view query = qpos == std::string_view::npos ? std::string_view{}
                                                          : target.substr(qpos + 1);
  // Go routes on the decoded URL.Path; a bad escape never gets past net/http.
  auto path = decode_path(raw_path);
  if (!path) {
    out.response = malformed_request();
    return out;
  }
  const std::string_view m = req.method;
  const std::string_view p = *path;

  if (p == "/ping" && m == "GET") {
    out.route = route_id::ping;
    out.response = status_ok();
    return out;
  }
  if (p == "/health" && m == "GET") {
    out.route = route_id::health;
    out.response = status_ok();
    return out;
  }
  if (p == "/ready" && m == "GET") {
    out.route = route_id::ready;
    out.request = make_request(req, queues::ready_request{});
    return out;
  }
  if (p == "/promises") {
    if (m == "GET") {
      out.route = route_id::search_promises;
      queues::search_promises_request search;
      if (auto err = parse_search_promises(query, search)) {
        out.response = std::move(*err);
        return out;
      }
      out.request = make_request(req, std::move(search));
      return out;
    }
    if (m == "POST") {
      out.route = route_id::create_promise;
      queues::create_promise_request create;
      if (auto err = parse_create_promise(req, create)) {
        out.response = std::move(*err);
        return out;
      }
      out.request = make_request(req, std::move(create));
      return out;
    }
  } else if (p.starts_with(promises_prefix)) {
    // gin's catch-all: everything after "/promises/" (slashes included) is the id,
    // so "/promises/" itself reads the promise with the empty id.
    std::string_view id = p.substr(promises_prefix.size());
    if (m == "GET") {
      out.route = route_id::read_promise;
      out.request = make_request(req, queues::read_promise_request{std::string(id)});
      return out;
    }
    if (m == "PATCH") {
      out.route = route_id::complete_promise;
      queues::complete_promise_request complete;
      if (auto err = parse_complete_promise(req, std::string(id), complete)) {
        out.response = std::move(*err);
        return out;
      }
      out.request = make_request(req, std::move(complete));
      return out;
    }
  }
  out.route = route_id::not_found;
  out.response = route_not_found();
  return out;
}

http_response encode_reply(queues::kind k, const queues::response& res) {
  switch (k) {
    case queues::kind::ready: {
      if (queues::is_success(res.status)) return status_ok();
      http_response out;
      out.status = 503;
      out.body = R"({"status":"unavailable"})";
      return out;
    }
    case queues::kind::read_promise:
    case queues::kind::create_promise:
    case queues::kind::complete_promise: return encode_promise_reply(res);
    case queues::kind::search_promises: return encode_search_reply(res);
    default: break;
  }
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  return kernel_error(queues::status::internal_server_error, "no encoder for this request kind");
}

}  // namespace resonate::api_gateway
