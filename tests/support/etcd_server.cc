#include "tests/support/etcd_server.h"

#include <algorithm>
#include <stdexcept>
#include <thread>
#include <utility>

#include <httplib.h>

#include "tests/support/free_port.h"

namespace sluice::testing {
namespace {

constexpr int kMaxPortAttempts = 3;

bool port_in_use(const std::string& log) {
  return log.find("address already in use") != std::string::npos;
}

}  // namespace

EtcdServer::EtcdServer(EtcdServerOptions options)
    : options_(std::move(options)), dir_("sluice-etcd-") {
  auto found = find_executable("etcd");
  if (!found) {
    throw std::runtime_error(
        "EtcdServer: cannot find etcd on PATH or in /usr/bin, /usr/sbin, /usr/local/bin, "
        "/usr/local/sbin (install the etcd-server package)");
  }
  etcd_ = *found;
  for (int attempt = 1;; ++attempt) {
    client_port_ = free_tcp_port();
    do {
      peer_port_ = free_tcp_port();
    } while (peer_port_ == client_port_);
    try {
      start_server();
      return;
    } catch (const std::runtime_error&) {
      // Another process took a port between free_tcp_port() and etcd's bind: try other ports.
      if (attempt >= kMaxPortAttempts || !port_in_use(read_file_tail(log_file()))) throw;
      std::error_code ec;
      std::filesystem::remove_all(data_dir(), ec);
      std::filesystem::remove(log_file(), ec);
    }
  }
}

EtcdServer::~EtcdServer() {
  if (server_) server_->terminate(std::chrono::seconds(10));
  server_.reset();
}

std::string EtcdServer::client_url() const {
  return "http://" + endpoint();
}

std::string EtcdServer::endpoint() const {
  return host_ + ":" + std::to_string(client_port_);
}

std::vector<std::string> EtcdServer::server_argv() const {
  const std::string client = "http://" + host_ + ":" + std::to_string(client_port_);
  const std::string peer = "http://" + host_ + ":" + std::to_string(peer_port_);
  std::vector<std::string> argv = {
      etcd_.string(),
      "--name=sluice-test",
      "--data-dir=" + data_dir().string(),
      "--listen-client-urls=" + client,
      "--advertise-client-urls=" + client,
      "--listen-peer-urls=" + peer,
      "--initial-advertise-peer-urls=" + peer,
      "--initial-cluster=sluice-test=" + peer,
      "--initial-cluster-state=new",
      // A single member cannot lose a quorum, so a short election timeout only speeds up startup
      // (about 0.2 s instead of 1 s) without risking leader changes.
      "--heartbeat-interval=20",
      "--election-timeout=200",
      "--logger=zap",
      "--log-outputs=stderr",
  };
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  return argv;
}

bool EtcdServer::healthy() const {
  httplib::Client client(host_, client_port_);
  client.set_connection_timeout(std::chrono::seconds(1));
  client.set_read_timeout(std::chrono::seconds(2));
  const auto response = client.Get("/health");
  if (!response || response->status != 200) return false;
  std::string body = response->body;
  body.erase(std::remove_if(body.begin(), body.end(), [](char c) { return c == ' '; }), body.end());
  return body.find("\"health\":\"true\"") != std::string::npos;
}

void EtcdServer::start_server() {
  server_ = std::make_unique<ChildProcess>(
      ChildProcessOptions{.argv = server_argv(), .log_file = log_file()});
  const auto deadline = std::chrono::steady_clock::now() + options_.startup_timeout;
  while (true) {
    if (!server_->is_running()) {
      const std::string how = describe_wait_status(server_->wait_status().value_or(0));
      server_.reset();
      throw std::runtime_error("EtcdServer: etcd on " + endpoint() + " " + how +
                               " during startup; log tail:\n" + read_file_tail(log_file()));
    }
    if (healthy()) return;
    if (std::chrono::steady_clock::now() >= deadline) {
      server_->kill9();
      server_.reset();
      throw std::runtime_error("EtcdServer: etcd on " + endpoint() + " not healthy within " +
                               std::to_string(options_.startup_timeout.count()) +
                               " ms; log tail:\n" + read_file_tail(log_file()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

void EtcdServer::stop(std::chrono::milliseconds timeout) {
  if (server_) server_->terminate(timeout);
  server_.reset();
}

void EtcdServer::restart() {
  stop();
  start_server();
}

void EtcdServer::kill9() {
  if (server_) server_->kill9();
  server_.reset();
}

}  // namespace sluice::testing
