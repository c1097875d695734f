#pragma once
// MysqlConnection: one client connection to MySQL/MariaDB through MySQL Connector/C++ 1.1 (Debian
// builds it over MariaDB's libmariadb), owned (RAII: closed on destruction, with its prepared
// statements). Over TCP always (a "localhost" host must not silently use a Unix socket), utf8mb4,
// no automatic reconnect: the owner replaces a connection that reported a lost connection.
// Values are bound by the driver (server-side prepared statements, cached per connection by SQL
// text in a bounded LRU), never pasted into SQL. No exception leaves this class: every
// sql::SQLException becomes a SqlError. One thread at a time per connection; separate connections
// are independent.

#include <sluice/sdk/plugin.h>

#include <cstddef>
#include <cstdint>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "plugins/mysql/dml.h"

namespace sql {
class Connection;
class PreparedStatement;
}  // namespace sql

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
  // sync-mode 2: STRICT_TRANS_TABLES is taken out of the session sql_mode (after sql_mode).
  bool strip_strict_trans_tables = false;
  // name (one of a fixed list, sink_config.cc), value (bound, never pasted).
  std::vector<std::pair<std::string, SqlValue>> session_variables;
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

// A value for one '?' placeholder. Bytes of a binary column go as a blob (binary-safe), other
// bytes as a string in the connection's character set (utf8mb4).
struct BoundValue {
  SqlValue value;
  bool binary = false;
  bool operator==(const BoundValue&) const = default;
};
using BoundValues = std::vector<BoundValue>;

class MysqlConnection {
 public:
  // Connects and sets the session (sql_mode, session variables). On failure returns nullptr and
  // fills `error` (the password never appears in it).
  static std::unique_ptr<MysqlConnection> connect(const ConnectionOptions& options,
                                                  SqlError& error);
  // Takes ownership of a driver connection; use connect() instead.
  explicit MysqlConnection(std::unique_ptr<sql::Connection> connection);
  ~MysqlConnection();
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  // Runs one statement (text protocol) and discards any result. nullopt on success.
  std::optional<SqlError> execute(std::string_view sql);
  // Runs one statement with `params` bound to its '?' placeholders (a cached prepared statement).
  // `affected` (optional) receives the affected-row count.
  std::optional<SqlError> execute(std::string_view sql, const BoundValues& params,
                                  uint64_t* affected = nullptr);
  // Runs one query and returns every value as text.
  std::optional<SqlError> query(std::string_view sql, std::vector<SqlRow>& rows);
  // The same with bound parameters.
  std::optional<SqlError> query(std::string_view sql, const BoundValues& params,
                                std::vector<SqlRow>& rows);

  // Prepared statements currently cached (for tests).
  size_t cached_statements() const { return statements_.size(); }

  // Statements kept prepared per connection: enough for every batch shape of a few tables (each
  // multi-row INSERT length is its own text); the server's max_prepared_stmt_count (16382 by
  // default) is shared by all connections.
  static constexpr size_t kStatementCacheSize = 128;

 private:
  // The cached statement for `sql`, prepared on a miss (evicting the least recently used).
  sql::PreparedStatement& prepared(const std::string& sql);
  void forget(const std::string& sql);
  // Binds `params` to the cached statement for `sql` and calls run(statement); exceptions become
  // the returned SqlError.
  template <typename Run>
  std::optional<SqlError> run_prepared(std::string_view sql, const BoundValues& params, Run&& run);

  using Entry = std::pair<std::string, std::unique_ptr<sql::PreparedStatement>>;
  // Declared first, so destroyed last: the statements close before their connection.
  std::unique_ptr<sql::Connection> connection_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> statements_;
};

// Maps an error to a status for the host: transient -> RETRY; otherwise REJECTED (a data error:
// the server refused these rows) unless it is an access/configuration error -> FATAL. `what`
// names the statement's target (e.g. "table shop.orders").
sdk::Status status_of(const SqlError& error, std::string_view what);

}  // namespace sluice::mysql
