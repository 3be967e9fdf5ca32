// The API port's listener: binds, accepts (refusing connections over
// `max_connections`), runs the io threads and stops gracefully. Each accepted
// connection becomes a session (session.cpp).

#include "api_gateway/transport/http_server.hpp"

#include <stdexcept>
#include <thread>
#include <vector>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/rest_v1/protocol.hpp"
#include "api_gateway/transport/session.hpp"

namespace resonate::api_gateway {

namespace detail {

namespace {

tcp::endpoint resolve_endpoint(net::io_context& ioc, const std::string& host, uint16_t port) {
  if (host.empty()) return tcp::endpoint(net::ip::address_v6::any(), port);
  boost::system::error_code ec;
  auto addr = net::ip::make_address(host, ec);
  if (!ec) return tcp::endpoint(addr, port);
  tcp::resolver resolver(ioc);
  auto results = resolver.resolve(host, std::to_string(port), ec);
  if (ec || results.empty()) {
    throw std::runtime_error("cannot resolve listen host '" + host + "': " + ec.message());
  }
  return *results.begin();
}

/// Opens, binds and listens; an empty host means all interfaces (dual-stack

/// Writes a fixed response on a connection we refuse, then drops it.
void refuse_connection(tcp::socket& socket) {
  auto res = to_beast(too_many_connections(), 11, false);
  beast::error_code ec;
  http::write(socket, res, ec);
  socket.shutdown(tcp::socket::shutdown_send, ec);
  socket.close(ec);
}

}  // namespace

void open_acceptor(tcp::acceptor& acceptor, net::io_context& ioc, const std::string& host,
                   uint16_t port) {
  auto ep = resolve_endpoint(ioc, host, port);
  boost::system::error_code ec;
  acceptor.open(ep.protocol(), ec);
  if (ec && host.empty()) {
    ep = tcp::endpoint(net::ip::address_v4::any(), port);
    ec.clear();
    acceptor.open(ep.protocol(), ec);
  }
  if (ec) throw std::runtime_error("cannot open listener: " + ec.message());
  if (ep.protocol() == tcp::v6()) acceptor.set_option(net::ip::v6_only(false), ec);
  acceptor.set_option(net::socket_base::reuse_address(true), ec);
  acceptor.bind(ep, ec);
  if (ec) {
    throw std::runtime_error("cannot bind " + ep.address().to_string() + ":" +
                             std::to_string(port) + ": " + ec.message());
  }
  acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) throw std::runtime_error("cannot listen: " + ec.message());
}

}  // namespace detail

using namespace detail;
using clock_type = std::chrono::steady_clock;

struct http_server::impl {
  std::shared_ptr<core> c;
  tcp::acceptor acceptor;
  std::vector<std::thread> threads;
  std::atomic<int> running_threads{0};
  uint16_t bound_port = 0;
  bool bound = false;
  bool started = false;
  bool stopped = false;

  impl(http_options opts, submit_fn submit)
    : c(std::make_shared<core>(std::move(opts), std::move(submit))),
      acceptor(net::make_strand(c->ioc)) {}

  void do_accept() {
    acceptor.async_accept(net::make_strand(c->ioc), [this](beast::error_code ec,
                                                           tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        return do_accept();  // e.g. EMFILE: keep serving the connections we have
      }
      socket.set_option(tcp::no_delay(true), ec);
      if (c->session_count() >= c->opts.max_connections) {
        refuse_connection(socket);
      } else {
        start_session(c, std::move(socket));
      }
      do_accept();
    });
  }
};

http_server::http_server(http_options opts, submit_fn submit)
  : impl_(std::make_unique<impl>(std::move(opts), std::move(submit))) {}

http_server::~http_server() {
  if (impl_ && impl_->started && !impl_->stopped) stop(std::chrono::milliseconds(0));
}

void http_server::bind() {
  auto& i = *impl_;
  if (i.bound) return;
  open_acceptor(i.acceptor, i.c->ioc, i.c->opts.host, i.c->opts.port);
  i.bound_port = i.acceptor.local_endpoint().port();
  i.bound = true;
}

void http_server::set_route_options(route_options routes) {
  // Only before start(): the io threads read the options without a lock.
  if (!impl_->started) impl_->c->opts.routes = std::move(routes);
}

void http_server::start() {
  auto& i = *impl_;
  bind();
  i.started = true;
  // Before any session exists: the io threads read the list without a lock.
  i.c->protocols = i.c->opts.protocols;
  // REST v1 last, with the route options set until now: the catch-all.
  i.c->protocols.push_back(make_rest_v1_protocol(i.c->opts.routes, i.c->opts.access));
  net::dispatch(i.acceptor.get_executor(), [&i] { i.do_accept(); });
  int n = std::max(1, i.c->opts.threads);
  i.running_threads = n;
  for (int t = 0; t < n; ++t) {
    i.threads.emplace_back([&i] {
      i.c->ioc.run();
      i.running_threads.fetch_sub(1);
    });
  }
}

uint16_t http_server::port() const { return impl_->bound_port; }

void http_server::stop(std::chrono::milliseconds grace) {
  auto& i = *impl_;
  if (!i.started || i.stopped) return;
  i.stopped = true;
  auto& c = *i.c;
  c.stopping = true;
  net::post(i.acceptor.get_executor(), [&i] {
    beast::error_code ec;
    i.acceptor.close(ec);
  });

  close_idle_sessions(c);

  // Let in-flight requests finish and their responses go out, up to `grace`.
  auto deadline = clock_type::now() + grace;
  while (c.outstanding.load() > 0 && clock_type::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  close_sessions(c);

  // With every socket closed the io threads run out of work; the bound is a
  // safety net against an operation that does not complete.
  auto hard_deadline = clock_type::now() + std::chrono::seconds(2);
  while (i.running_threads.load() > 0 && clock_type::now() < hard_deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  {
    std::lock_guard guard{c.mu};
    c.accepting_replies = false;
  }
  c.ioc.stop();
  for (auto& t : i.threads) t.join();
  i.threads.clear();
  // Handlers posted after the threads ran out of work: run them here so the
  // sessions they hold are released now (their sockets are closed).
  c.ioc.restart();
  c.ioc.poll();
}

}  // namespace resonate::api_gateway
