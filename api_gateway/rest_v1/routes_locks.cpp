// POST /locks/{acquire,release,heartbeat} (REST v1 3.3, 4.9): binding and
// validation with the reference server's rules and messages, and the reply
// encoders.

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/route_binding.hpp"
#include "api_gateway/rest_v1/router.hpp"
#include "codecs/rest_v1/codec_lock.hpp"

namespace resonate::api_gateway {

using codecs::rest_v1::append_lock_json;

namespace {

// gin words `binding:"required"` with the Go field name in lower case.
constexpr std::string_view resource_id_required = "The field resourceid is required.";
constexpr std::string_view execution_id_required = "The field executionid is required.";
constexpr std::string_view process_id_required = "The field processid is required.";

}  // namespace

std::optional<http_response> parse_acquire_lock(const http_request& req,
                                                queues::acquire_lock_request& out) {
  queues::acquire_lock_request b;
  if (auto err = read_flat_body(req, "http.acquireLockBody", "acquireLockBody",
                                {{"resourceId", &b.resource_id},
                                 {"executionId", &b.execution_id},
                                 {"processId", &b.process_id},
                                 {"ttl", &b.ttl}})) {
    return err;
  }
  std::vector<std::string> failures;
  if (b.resource_id.empty()) failures.emplace_back(resource_id_required);
  if (b.execution_id.empty()) failures.emplace_back(execution_id_required);
  if (b.process_id.empty()) failures.emplace_back(process_id_required);
  if (b.ttl < 0) failures.emplace_back("The field ttl must be be at least length 0.");
  if (!failures.empty()) return validation_error(failures);
  out = std::move(b);
  return std::nullopt;
}

std::optional<http_response> parse_release_lock(const http_request& req,
                                                queues::release_lock_request& out) {
  queues::release_lock_request b;
  if (auto err =
        read_flat_body(req, "http.releaseLockBody", "releaseLockBody",
                       {{"resourceId", &b.resource_id}, {"executionId", &b.execution_id}})) {
    return err;
  }
  std::vector<std::string> failures;
  if (b.resource_id.empty()) failures.emplace_back(resource_id_required);
  if (b.execution_id.empty()) failures.emplace_back(execution_id_required);
  if (!failures.empty()) return validation_error(failures);
  out = std::move(b);
  return std::nullopt;
}

std::optional<http_response> parse_heartbeat_locks(const http_request& req,
                                                   queues::heartbeat_locks_request& out) {
  queues::heartbeat_locks_request b;
  if (auto err = read_flat_body(req, "http.heartbeatLocksBody", "heartbeatLocksBody",
                                {{"processId", &b.process_id}})) {
    return err;
  }
  if (b.process_id.empty()) return validation_error(process_id_required);
  out = std::move(b);
  return std::nullopt;
}

http_response encode_acquire_lock_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  const auto* l = std::get_if<queues::lock_response>(&res.payload);
  if (!l) return kernel_error(queues::status::internal_server_error, "missing lock in response");
  http_response out = with_status(res);
  append_lock_json(out.body, l->lock);
  return out;
}

http_response encode_release_lock_reply(const queues::response& res) {
  if (!queues::is_success(res.status)) return kernel_error(res.status, res.error);
  // gin's c.JSON(204, nil): the Content-Type header, and no body for a 204.
  return with_status(res);
}

http_response encode_heartbeat_locks_reply(const queues::response& res) {
  return encode_count_reply(res, "locksAffected");
}

}  // namespace resonate::api_gateway
