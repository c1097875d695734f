#include "core/net/http_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <openssl/ssl.h>

#include <charconv>
#include <chrono>

#include "core/net/openssl_handles.h"

namespace sluice::net {
namespace {

// Installs the certificate, its chain, the key and the client CA into `context`; "" on success,
// otherwise what OpenSSL refused.
std::string setup_tls_context(SSL_CTX& context, const TlsMaterial& tls) {
  SSL_CTX_set_min_proto_version(&context, TLS1_2_VERSION);
  std::vector<X509Ptr> chain = read_pem_certificates(tls.cert_pem);
  if (chain.empty()) return "ssl-cert holds no PEM certificate";
  if (SSL_CTX_use_certificate(&context, chain.front().get()) != 1) {
    return "ssl-cert refused: " + take_openssl_error();
  }
  for (size_t i = 1; i < chain.size(); ++i) {
    // add1: the context takes its own reference.
    if (SSL_CTX_add1_chain_cert(&context, chain[i].get()) != 1) {
      return "ssl-cert chain refused: " + take_openssl_error();
    }
  }
  EvpPkeyPtr key = read_pem_private_key(tls.key_pem);
  if (key == nullptr) return "ssl-key holds no PEM private key";
  if (SSL_CTX_use_PrivateKey(&context, key.get()) != 1 ||
      SSL_CTX_check_private_key(&context) != 1) {
    return "ssl-key refused: " + take_openssl_error();
  }
  std::vector<X509Ptr> authorities = read_pem_certificates(tls.ca_pem);
  if (authorities.empty()) return "ssl-ca holds no PEM certificate";
  X509_STORE* store = SSL_CTX_get_cert_store(&context);
  for (const X509Ptr& authority : authorities) {
    if (X509_STORE_add_cert(store, authority.get()) != 1) {
      return "ssl-ca refused: " + take_openssl_error();
    }
    // Tells clients which CA to pick a certificate for (add_client_CA copies the name).
    SSL_CTX_add_client_CA(&context, authority.get());
  }
  // No certificate, or one the CA does not verify: the handshake fails.
  SSL_CTX_set_verify(&context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
  return "";
}

}  // namespace

HttpServer::HttpServer() : server_(std::make_unique<httplib::Server>()) {
  configure();
}

HttpServer::HttpServer(const TlsMaterial& tls) : tls_(true) {
  server_ = std::make_unique<httplib::SSLServer>([this, &tls](SSL_CTX& context) {
    tls_error_ = setup_tls_context(context, tls);
    return tls_error_.empty();
  });
  configure();
  if (!tls.allowed_cn.empty()) {
    server_->set_pre_routing_handler(
        [allowed = tls.allowed_cn](const httplib::Request& request, httplib::Response& response) {
          X509Ptr peer(request.ssl != nullptr ? SSL_get1_peer_certificate(request.ssl) : nullptr);
          const std::string name = common_name(peer.get());
          if (peer != nullptr && is_cn_allowed(allowed, name)) {
            return httplib::Server::HandlerResponse::Unhandled;  // go on to the route
          }
          const std::string message = cn_refusal_message(allowed, name);
          spdlog::warn("http {} {} refused: {}", request.method, request.path, message);
          response.status = 403;
          response.set_content(message + "\n", "text/plain");
          return httplib::Server::HandlerResponse::Handled;
        });
  }
}

void HttpServer::configure() {
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
  if (!server_->is_valid()) {
    return Status::invalid_argument(fmt::format("https: TLS setup failed: {}", tls_error_));
  }
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

}  // namespace sluice::net
