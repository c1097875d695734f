#include "core/net/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <chrono>

namespace sluice::net {

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {
  // httplib's default also sets SO_REUSEPORT, which would let a second daemon bind the same
  // port silently and steal half the connections. Keep only SO_REUSEADDR (fast restarts).
  server_->set_socket_options([](socket_t socket) {
    int enable = 1;
    ::setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &enable, sizeof(enable));
  });
  server_->set_exception_handler(
      [](const httplib::Request& request, httplib::Response& response, std::exception_ptr error) {
        std::string what = "unknown error";
        try {
          if (error) std::rethrow_exception(error);
        } catch (const std::exception& exception) {
          what = exception.what();
        } catch (...) {
        }
        spdlog::error("http {} {}: handler failed: {}", request.method, request.path, what);
        response.status = 500;
        response.set_content(fmt::format("internal error: {}\n", what), "text/plain");
      });
}

HttpServer::~HttpServer() {
  stop();
}

void HttpServer::handle_get(const std::string& pattern, HttpHandler handler) {
  server_->Get(pattern, std::move(handler));
}
void HttpServer::handle_put(const std::string& pattern, HttpHandler handler) {
  server_->Put(pattern, std::move(handler));
}
void HttpServer::handle_post(const std::string& pattern, HttpHandler handler) {
  server_->Post(pattern, std::move(handler));
}

void HttpServer::serve_metrics(const metrics::MetricsRegistry& registry) {
  handle_get("/metrics", [&registry](const httplib::Request&, httplib::Response& response) {
    response.set_content(registry.render_text(), metrics::MetricsRegistry::kContentType);
  });
}

Status HttpServer::start(const std::string& host, int port) {
  if (listener_.joinable()) return Status::failed_precondition("http server already started");
  const std::string bind_host = host.empty() ? "0.0.0.0" : host;
  if (port == 0) {
    port_ = server_->bind_to_any_port(bind_host);
    if (port_ <= 0) {
      return Status::unavailable(fmt::format("http: cannot bind {}:0", bind_host));
    }
  } else {
    if (!server_->bind_to_port(bind_host, port)) {
      return Status::unavailable(fmt::format(
          "http: cannot bind {}:{} (in use, or not an address of this host)", bind_host, port));
    }
    port_ = port;
  }
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  // httplib's stop() does nothing until the listener loop is running, so a stop() right after
  // start() would leave the thread serving forever. Return only once the loop runs.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!server_->is_running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return Status::internal(fmt::format("http: listener on port {} did not start", port_));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return Status::ok();
}

bool HttpServer::running() const {
  return server_->is_running();
}

void HttpServer::stop() {
  if (!listener_.joinable()) return;
  server_->stop();
  listener_.join();
}

Result<std::pair<std::string, int>> split_host_port(const std::string& address) {
  std::string host;
  std::string port_text;
  if (!address.empty() && address.front() == '[') {
    const auto close = address.find(']');
    if (close == std::string::npos || close + 1 >= address.size() || address[close + 1] != ':') {
      return Status::invalid_argument(fmt::format("'{}' is not host:port", address));
    }
    host = address.substr(1, close - 1);
    port_text = address.substr(close + 2);
  } else {
    const auto colon = address.rfind(':');
    if (colon == std::string::npos) {
      return Status::invalid_argument(fmt::format("'{}' is not host:port", address));
    }
    host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
  }
  int port = -1;
  const auto [end, error] =
      std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
  if (error != std::errc() || end != port_text.data() + port_text.size() || port < 0 ||
      port > 65535) {
    return Status::invalid_argument(fmt::format("'{}': '{}' is not a port", address, port_text));
  }
  return std::make_pair(host, port);
}

}  // namespace sluice::net
