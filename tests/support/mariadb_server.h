#pragma once
// MariadbServer: a private MariaDB server on 127.0.0.1:<free port> for integration tests. Owns a
// temporary directory (datadir, socket, pid file, error.log) and the mariadbd child process; the
// constructor initializes the datadir and waits until `SELECT 1` works, the destructor stops the
// server and removes the directory. stop()/restart()/kill9() keep the datadir.
// Thread-safety: connect()/execute()/query_rows() may be called from several threads while the
// server runs; start/stop/restart/kill9 and destruction belong to the owning thread only.
// Failures (binaries missing, startup timeout) throw std::runtime_error with the error.log tail.

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <cppconn/connection.h>

#include "tests/support/child_process.h"
#include "tests/support/temp_dir.h"

namespace sluice::testing {

struct MariadbServerOptions {
  // Appended to the mariadbd command line after the fixture's own options, so they override them
  // (e.g. "--log-bin=mysql-bin", "--server-id=1", "--binlog-format=ROW").
  std::vector<std::string> extra_args;
  // How long to wait for `SELECT 1` after starting mariadbd.
  std::chrono::milliseconds startup_timeout = std::chrono::seconds(30);
  // By default the fixture starts the server with utf8mb4 as character_set_server. True leaves
  // the server's compiled-in defaults (latin1 / latin1_swedish_ci for MariaDB 10.x), as a stock
  // installation has them, for tests of what happens when DDL names no character set.
  bool stock_character_set = false;
};

using SqlRow = std::vector<std::optional<std::string>>;  // nullopt is SQL NULL

class MariadbServer {
 public:
  explicit MariadbServer(MariadbServerOptions options = {});
  ~MariadbServer();

  MariadbServer(const MariadbServer&) = delete;
  MariadbServer& operator=(const MariadbServer&) = delete;

  const std::string& host() const { return host_; }
  std::uint16_t port() const { return port_; }
  const std::string& user() const { return user_; }
  const std::string& password() const { return password_; }
  // "tcp://127.0.0.1:<port>", the form mysql-connector-c++ expects.
  std::string url() const;
  // The server's PID, or -1 while stopped.
  pid_t pid() const { return server_ ? server_->pid() : -1; }
  bool is_running() { return server_ && server_->is_running(); }
  const std::filesystem::path& base_dir() const { return dir_.path(); }
  std::filesystem::path data_dir() const { return dir_.file("data"); }
  std::filesystem::path error_log() const { return dir_.file("error.log"); }
  std::filesystem::path tmp_dir() const { return dir_.file("tmp"); }

  // A new connection as root; `schema` selects a default database. Throws sql::SQLException.
  std::unique_ptr<sql::Connection> connect(const std::string& schema = "") const;
  // Runs one statement on a fresh connection. Throws sql::SQLException.
  void execute(const std::string& statement) const;
  // Runs one query on a fresh connection; every value as text (nullopt for NULL).
  std::vector<SqlRow> query_rows(const std::string& query) const;

  // Graceful shutdown (SIGTERM, SIGKILL after `timeout`). The datadir stays.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Starts mariadbd again on the same port and datadir (after stop() or kill9(), or while running:
  // then it stops it first) and waits until it answers.
  void restart();
  // SIGKILL, no shutdown: InnoDB recovers on the next restart().
  void kill9();

 private:
  void start_server();
  std::vector<std::string> server_argv() const;

  MariadbServerOptions options_;
  TempDir dir_;
  std::string host_ = "127.0.0.1";
  std::string user_ = "root";
  std::string password_;
  std::uint16_t port_ = 0;
  std::filesystem::path mariadbd_;
  std::unique_ptr<ChildProcess> server_;
};

}  // namespace sluice::testing
