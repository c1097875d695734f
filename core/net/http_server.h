#pragma once
// HttpServer: the small HTTP/1.1 control endpoint every daemon runs (/status, /metrics,
// /state/...), on cpp-httplib with its own listener thread. Handlers run on httplib's worker
// threads and must be thread-safe. start() binds before returning, so a caller can read port()
// at once (port 0 picks a free port). The destructor stops and joins the listener.

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/common/result.h"
#include "core/metrics/metrics_registry.h"

namespace sluice::net {

using HttpHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

class HttpServer {
 public:
  HttpServer();
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Routes; patterns are httplib's regular expressions (e.g. R"(/state/([^/]+)/(pause|close))").
  // Register them before start().
  void handle_get(const std::string& pattern, HttpHandler handler);
  void handle_put(const std::string& pattern, HttpHandler handler);
  void handle_post(const std::string& pattern, HttpHandler handler);

  // Serves `registry` on GET /metrics. The registry must outlive the server.
  void serve_metrics(const metrics::MetricsRegistry& registry);

  // Binds host:port (0 = any free port) and starts serving in a background thread.
  Status start(const std::string& host, int port);
  int port() const { return port_; }
  bool running() const;
  void stop();

 private:
  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;
};

// Splits "host:port"; the host may be empty ("" means all interfaces) or a bracketed IPv6.
Result<std::pair<std::string, int>> split_host_port(const std::string& address);

}  // namespace sluice::net
