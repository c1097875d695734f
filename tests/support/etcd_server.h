#pragma once
// EtcdServer: a private single-member etcd (v3.4) on 127.0.0.1 with free client and peer ports for
// integration tests. Owns a temporary directory (data dir, etcd.log) and the etcd child process;
// the constructor waits until GET /health reports healthy, the destructor stops etcd and removes
// the directory. stop()/restart()/kill9() keep the data dir and ports.
// Thread-safety: accessors are safe from any thread; start/stop/restart/kill9 and destruction
// belong to the owning thread only. Failures throw std::runtime_error with the log tail.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace sluice::testing {

struct EtcdServerOptions {
  // Appended to the etcd command line (later flags win), e.g. "--auto-compaction-retention=1".
  std::vector<std::string> extra_args;
  // How long to wait for a healthy /health answer after starting etcd.
  std::chrono::milliseconds startup_timeout = std::chrono::seconds(30);
};

class EtcdServer {
 public:
  explicit EtcdServer(EtcdServerOptions options = {});
  ~EtcdServer();

  EtcdServer(const EtcdServer&) = delete;
  EtcdServer& operator=(const EtcdServer&) = delete;

  // "http://127.0.0.1:<client port>".
  std::string client_url() const;
  // "127.0.0.1:<client port>", the form etcd client endpoints take.
  std::string endpoint() const;
  const std::string& host() const { return host_; }
  std::uint16_t client_port() const { return client_port_; }
  std::uint16_t peer_port() const { return peer_port_; }
  // The server's PID, or -1 while stopped.
  pid_t pid() const { return server_ ? server_->pid() : -1; }
  bool is_running() { return server_ && server_->is_running(); }
  const std::filesystem::path& base_dir() const { return dir_.path(); }
  std::filesystem::path data_dir() const { return dir_.file("data"); }
  std::filesystem::path log_file() const { return dir_.file("etcd.log"); }

  // True when GET /health answers {"health":"true"} right now.
  bool healthy() const;

  // Graceful stop (SIGTERM, SIGKILL after `timeout`). The data dir stays.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // Starts etcd again with the same ports and data dir (stopping it first if running) and waits
  // until it is healthy.
  void restart();
  // SIGKILL, no shutdown.
  void kill9();

 private:
  void start_server();
  std::vector<std::string> server_argv() const;

  EtcdServerOptions options_;
  TempDir dir_;
  std::string host_ = "127.0.0.1";
  std::uint16_t client_port_ = 0;
  std::uint16_t peer_port_ = 0;
  std::filesystem::path etcd_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace sluice::testing
