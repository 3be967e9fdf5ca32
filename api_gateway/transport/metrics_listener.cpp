// The Prometheus listener (`GET /metrics`), on its own port and io thread.

#include "api_gateway/transport/metrics_listener.hpp"

#include <thread>

#include <boost/asio/dispatch.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>

#include "api_gateway/rest_v1/errors.hpp"
#include "api_gateway/transport/beast_glue.hpp"
#include "queues/metrics.hpp"

namespace resonate::api_gateway {

using namespace detail;

namespace {

class metrics_session : public std::enable_shared_from_this<metrics_session> {
public:
  explicit metrics_session(tcp::socket&& socket) : stream_(std::move(socket)) {}

  void start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->do_read(); });
  }

private:
  void do_read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(30));
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       self->on_read(ec);
                     });
  }

  void on_read(beast::error_code ec) {
    if (ec) return close();
    http_response r;
    if (req_.method() == http::verb::get && req_.target() == "/metrics") {
      r.content_type = "text/plain; version=0.0.4; charset=utf-8";
      r.body = queues::metrics::global().render();
      r.version_header = false;
    } else {
      r = route_not_found();
    }
    res_ = to_beast(std::move(r), req_.version(), req_.keep_alive());
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code wec, size_t) {
      if (wec || !self->res_.keep_alive()) return self->close();
      self->do_read();
    });
  }

  void close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
};

}  // namespace

struct metrics_server::impl {
  std::string host;
  uint16_t requested_port;
  net::io_context ioc{1};
  tcp::acceptor acceptor{ioc};
  std::thread thread;
  uint16_t bound_port = 0;

  impl(std::string h, uint16_t p) : host(std::move(h)), requested_port(p) {}

  void do_accept() {
    acceptor.async_accept(net::make_strand(ioc), [this](beast::error_code ec, tcp::socket s) {
      if (ec) {
        if (ec == net::error::operation_aborted || !acceptor.is_open()) return;
        return do_accept();
      }
      std::make_shared<metrics_session>(std::move(s))->start();
      do_accept();
    });
  }
};

metrics_server::metrics_server(std::string host, uint16_t port)
  : impl_(std::make_unique<impl>(std::move(host), port)) {}

metrics_server::~metrics_server() { stop(); }

void metrics_server::start() {
  auto& i = *impl_;
  open_acceptor(i.acceptor, i.ioc, i.host, i.requested_port);
  i.bound_port = i.acceptor.local_endpoint().port();
  i.do_accept();
  i.thread = std::thread([&i] { i.ioc.run(); });
}

uint16_t metrics_server::port() const { return impl_->bound_port; }

void metrics_server::stop() {
  auto& i = *impl_;
  if (!i.thread.joinable()) return;
  // Scrapes are short; stopping the context drops any connection mid-scrape.
  i.ioc.stop();
  i.thread.join();
}

}  // namespace resonate::api_gateway
