#include "tests/support/mariadb_server.h"

#include <stdexcept>
#include <thread>
#include <utility>

#include <cppconn/exception.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <mysql_driver.h>

#include "tests/support/free_port.h"

namespace sluice::testing {
namespace {

constexpr int kMaxPortAttempts = 3;

std::filesystem::path require_executable(std::initializer_list<std::string_view> names) {
  for (const auto name : names) {
    if (auto found = find_executable(name)) return *found;
  }
  std::string list;
  for (const auto name : names)
    list += (list.empty() ? "" : " or ") + std::string(name);
  throw std::runtime_error("MariadbServer: cannot find " + list +
                           " on PATH or in /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin "
                           "(install the mariadb-server package)");
}

// InnoDB settings shared by install-db and the server, so the redo log is not resized on start.
const std::vector<std::string>& innodb_args() {
  static const std::vector<std::string> args = {
      "--innodb-buffer-pool-size=64M",
      "--innodb-log-file-size=16M",
  };
  return args;
}

bool port_in_use(const std::string& log) {
  return log.find("Address already in use") != std::string::npos ||
         log.find("Do you already have another server running") != std::string::npos;
}

}  // namespace

MariadbServer::MariadbServer(MariadbServerOptions options)
    : options_(std::move(options)), dir_("sluice-mariadb-") {
  const auto install_db = require_executable({"mariadb-install-db", "mysql_install_db"});
  mariadbd_ = require_executable({"mariadbd", "mysqld"});

  std::vector<std::string> install_argv = {
      install_db.string(),
      "--no-defaults",
      "--auth-root-authentication-method=normal",
      "--datadir=" + data_dir().string(),
      "--user=root",
      "--skip-test-db",
      "--skip-name-resolve",  // no resolveip of the host name: CI hosts may not resolve their own
  };
  install_argv.insert(install_argv.end(), innodb_args().begin(), innodb_args().end());
  // A private tmpdir: servers bootstrapping in parallel must not share temporary table files.
  std::filesystem::create_directory(tmp_dir());
  install_argv.push_back("--tmpdir=" + tmp_dir().string());
  ChildProcess install({.argv = install_argv, .log_file = dir_.file("install.log")});
  const auto status = install.wait_for_exit(std::chrono::seconds(60));
  if (!status || *status != 0) {
    const std::string how = status ? describe_wait_status(*status) : "timed out after 60 s";
    install.kill9();
    throw std::runtime_error("MariadbServer: " + install_db.string() + " " + how + "; log tail:\n" +
                             install.log_tail());
  }

  for (int attempt = 1;; ++attempt) {
    port_ = free_tcp_port();
    try {
      start_server();
      return;
    } catch (const std::runtime_error&) {
      // Another process took the port between free_tcp_port() and mariadbd's bind: try another.
      if (attempt >= kMaxPortAttempts || !port_in_use(read_file_tail(error_log()))) throw;
      std::error_code ec;
      std::filesystem::remove(error_log(), ec);
    }
  }
}

MariadbServer::~MariadbServer() {
  if (server_) server_->terminate(std::chrono::seconds(10));
  server_.reset();
}

std::string MariadbServer::url() const {
  return "tcp://" + host_ + ":" + std::to_string(port_);
}

std::vector<std::string> MariadbServer::server_argv() const {
  std::vector<std::string> argv = {
      mariadbd_.string(),
      "--no-defaults",
      "--user=root",
      "--datadir=" + data_dir().string(),
      "--port=" + std::to_string(port_),
      "--bind-address=" + host_,
      "--socket=" + dir_.file("mysqld.sock").string(),
      "--pid-file=" + dir_.file("mysqld.pid").string(),
      "--log-error=" + error_log().string(),
      "--tmpdir=" + tmp_dir().string(),
      "--skip-name-resolve",
      "--skip-log-bin",
      "--innodb-flush-log-at-trx-commit=2",
      "--innodb-buffer-pool-dump-at-shutdown=0",
      "--innodb-buffer-pool-load-at-startup=0",
      "--innodb-temp-data-file-path=ibtmp1:1M:autoextend",
  };
  if (!options_.stock_character_set) {
    argv.insert(argv.end(),
                {"--character-set-server=utf8mb4", "--collation-server=utf8mb4_general_ci"});
  }
  argv.insert(argv.end(), innodb_args().begin(), innodb_args().end());
  argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
  return argv;
}

void MariadbServer::start_server() {
  server_ = std::make_unique<ChildProcess>(
      ChildProcessOptions{.argv = server_argv(), .log_file = dir_.file("mariadbd.out")});
  const auto deadline = std::chrono::steady_clock::now() + options_.startup_timeout;
  std::string last_error;
  while (true) {
    if (!server_->is_running()) {
      const std::string how = describe_wait_status(server_->wait_status().value_or(0));
      server_.reset();
      throw std::runtime_error("MariadbServer: mariadbd on port " + std::to_string(port_) + " " +
                               how + " during startup; error.log tail:\n" +
                               read_file_tail(error_log()));
    }
    try {
      auto conn = connect();
      std::unique_ptr<sql::Statement> stmt(conn->createStatement());
      std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery("SELECT 1"));
      if (rs->next()) return;
    } catch (const sql::SQLException& e) {
      last_error = e.what();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      server_->kill9();
      server_.reset();
      throw std::runtime_error(
          "MariadbServer: mariadbd on port " + std::to_string(port_) + " did not answer SELECT 1 " +
          "within " + std::to_string(options_.startup_timeout.count()) +
          " ms (last error: " + last_error + "); error.log tail:\n" + read_file_tail(error_log()));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(25));
  }
}

std::unique_ptr<sql::Connection> MariadbServer::connect(const std::string& schema) const {
  sql::ConnectOptionsMap props;
  props["hostName"] = sql::SQLString(url());
  props["userName"] = sql::SQLString(user_);
  props["password"] = sql::SQLString(password_);
  props["OPT_CONNECT_TIMEOUT"] = 5;
  if (!schema.empty()) props["schema"] = sql::SQLString(schema);
  return std::unique_ptr<sql::Connection>(sql::mysql::get_mysql_driver_instance()->connect(props));
}

void MariadbServer::execute(const std::string& statement) const {
  auto conn = connect();
  std::unique_ptr<sql::Statement> stmt(conn->createStatement());
  stmt->execute(statement);
}

std::vector<SqlRow> MariadbServer::query_rows(const std::string& query) const {
  auto conn = connect();
  std::unique_ptr<sql::Statement> stmt(conn->createStatement());
  std::unique_ptr<sql::ResultSet> rs(stmt->executeQuery(query));
  const unsigned int columns = rs->getMetaData()->getColumnCount();
  std::vector<SqlRow> rows;
  while (rs->next()) {
    SqlRow row;
    row.reserve(columns);
    for (unsigned int i = 1; i <= columns; ++i) {
      if (rs->isNull(i)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(rs->getString(i).asStdString());
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

void MariadbServer::stop(std::chrono::milliseconds timeout) {
  if (server_) server_->terminate(timeout);
  server_.reset();
}

void MariadbServer::restart() {
  stop();
  start_server();
}

void MariadbServer::kill9() {
  if (server_) server_->kill9();
  server_.reset();
}

}  // namespace sluice::testing
