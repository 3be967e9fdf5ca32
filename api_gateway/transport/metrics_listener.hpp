#pragma once

// The Prometheus listener, separate from the API port (metrics_listener.cpp). Plain C++.

#include <cstdint>
#include <memory>
#include <string>

namespace resonate::api_gateway {

/// The Prometheus listener: `GET /metrics` renders queues::metrics::global().
class metrics_server {
public:
  metrics_server(std::string host, uint16_t port);
  ~metrics_server();
  void start();
  uint16_t port() const;
  void stop();

private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace resonate::api_gateway
