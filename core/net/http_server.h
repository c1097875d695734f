#pragma once
// HttpServer: the small HTTP/1.1 control endpoint every daemon runs (/status, /metrics,
// /state/...), on cpp-httplib with its own listener thread. Handlers run on httplib's worker
// threads and must be thread-safe. start() binds before returning, so a caller can read port()
// at once (port 0 picks a free port). The destructor stops and joins the listener.
// TLS mode (constructed with TlsMaterial): HTTPS only; a client must present a certificate signed
// by ssl-ca (otherwise the handshake fails), and when cert-allowed-cn is set a certificate with
// another common name gets 403 and a message naming the CN, before any route runs.
// OpenSSL writes with write(2), so a client hanging up raises SIGPIPE: a process serving TLS must
// ignore SIGPIPE (the daemons' main() does).

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "core/common/result.h"
#include "core/metrics/metrics_registry.h"
#include "core/net/host_port.h"
#include "core/net/tls_config.h"

namespace sluice::net {

using HttpHandler = std::function<void(const httplib::Request&, httplib::Response&)>;

class HttpServer {
 public:
  // Plain HTTP.
  HttpServer();
  // HTTPS with client certificates verified against tls.ca_pem (see above). A certificate or key
  // OpenSSL refuses makes start() fail.
  explicit HttpServer(const TlsMaterial& tls);
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
  bool tls() const { return tls_; }
  void stop();

 private:
  void configure();

  std::unique_ptr<httplib::Server> server_;
  std::thread listener_;
  int port_ = 0;
  bool tls_ = false;
  std::string tls_error_;  // why OpenSSL refused the TLS material, reported by start()
};

}  // namespace sluice::net
