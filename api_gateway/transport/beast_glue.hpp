#pragma once

// Internal to transport/: the Beast/Asio pieces the listener, the sessions and the
// metrics listener share. Only transport/*.cpp include this (Beast TUs are slow to
// compile; everything outside transport/ stays on the plain http_types).

#include <cstdint>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http.hpp>

#include "api_gateway/transport/http_types.hpp"

namespace resonate::api_gateway::detail {

namespace beast = boost::beast;
namespace http = beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

/// Opens, binds and listens; an empty host means all interfaces (dual-stack
/// IPv6 when available, IPv4 otherwise). Throws std::runtime_error. (listener.cpp)
void open_acceptor(tcp::acceptor& acceptor, net::io_context& ioc, const std::string& host,
                   uint16_t port);

/// An http_response as Beast writes it. (session.cpp)
http::response<http::string_body> to_beast(http_response&& r, unsigned version, bool keep_alive);

}  // namespace resonate::api_gateway::detail
