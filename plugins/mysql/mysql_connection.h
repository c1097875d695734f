#pragma once
// MysqlConnection: one client connection to MySQL/MariaDB through MariaDB Connector/C, owned
// (RAII: mysql_close on destruction). Over TCP always (a "localhost" host must not silently use a
// Unix socket), utf8mb4, no automatic reconnect: the owner replaces a connection that reported a
// lost connection. One thread at a time per connection; separate connections are independent.

#include <mysql.h>

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::mysql {

struct ConnectionOptions {
  std::string host = "localhost";
  uint16_t port = 3306;
  std::string user = "root";
  std::string password;
  unsigned connect_timeout_seconds = 10;
  unsigned read_timeout_seconds = 60;  // [syncer.to] read-timeout, "1m" by default
  unsigned write_timeout_seconds = 60;
  std::optional<std::string> sql_mode;  // unset: the server's default
  std::vector<std::pair<std::string, std::string>> session_variables;  // name, SQL literal
};

// A server or client error: MySQL error number (ER_* 1000..1999 server, CR_* 2000.. client) and
// message.
struct SqlError {
  unsigned code = 0;
  std::string message;

  // The connection is gone or unusable (server gone away, lost during a query, cannot connect,
  // killed): retry on a new connection.
  bool connection_lost() const;
  // Worth retrying on the same data: connection lost, deadlock, lock wait timeout, too many
  // connections, server shutting down.
  bool transient() const;
};

using SqlRow = std::vector<std::optional<std::string>>;  // nullopt is SQL NULL

class MysqlConnection {
 public:
  // Connects and sets the session (sql_mode, session variables). On failure returns nullptr and
  // fills `error`.
  static std::unique_ptr<MysqlConnection> connect(const ConnectionOptions& options,
                                                  SqlError& error);

  // Runs one statement and discards any result. nullopt on success.
  std::optional<SqlError> execute(std::string_view sql);
  // Runs one query and returns every value as text.
  std::optional<SqlError> query(std::string_view sql, std::vector<SqlRow>& rows);

  // Whether the session currently treats backslash as an escape character (no
  // NO_BACKSLASH_ESCAPES in sql_mode), from the server status of the last reply.
  bool backslash_escapes();
  uint64_t thread_id();

  // Takes ownership of a handle from mysql_init; use connect() instead.
  explicit MysqlConnection(MYSQL* mysql) : mysql_(mysql) {}

 private:
  struct Closer {
    void operator()(MYSQL* mysql) const { mysql_close(mysql); }
  };
  SqlError last_error();

  std::unique_ptr<MYSQL, Closer> mysql_;
};

// Maps an error to a status for the host: transient -> RETRY; otherwise REJECTED (a data error:
// the server refused these rows) unless it is an access/configuration error -> FATAL. `what`
// names the statement's target (e.g. "table shop.orders").
sdk::Status status_of(const SqlError& error, std::string_view what);

}  // namespace sluice::mysql
