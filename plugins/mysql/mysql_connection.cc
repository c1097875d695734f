#include "plugins/mysql/mysql_connection.h"

// Connector/C++'s own mysql_connection.h is reached through mysql_driver.h (its quoted include
// finds the file beside it, not ours).
#include <cppconn/datatype.h>
#include <cppconn/exception.h>
#include <cppconn/prepared_statement.h>
#include <cppconn/resultset.h>
#include <cppconn/resultset_metadata.h>
#include <cppconn/statement.h>
#include <errmsg.h>
#include <mysql_driver.h>
#include <mysqld_error.h>

#include <istream>
#include <mutex>
#include <streambuf>

namespace sluice::mysql {

namespace {

// Connector/C++ 1.1's driver singleton and its connect() (which runs mysql_library_init on first
// use) are not safe to enter from several threads at once.
std::mutex& connect_mutex() {
  static std::mutex mutex;
  return mutex;
}

SqlError from_exception(const sql::SQLException& e) {
  const int code = e.getErrorCode();
  // Driver-side failures (bad argument, not implemented) carry no error number.
  return {code > 0 ? static_cast<unsigned>(code) : static_cast<unsigned>(CR_UNKNOWN_ERROR),
          e.what()};
}

SqlError from_exception(const std::exception& e) {
  return {CR_UNKNOWN_ERROR, e.what()};
}

// A read-only istream over bytes owned elsewhere, for setBlob without a copy.
class ViewBuffer : public std::streambuf {
 public:
  explicit ViewBuffer(const std::string& bytes) {
    char* begin = const_cast<char*>(bytes.data());  // never written through: get area only
    setg(begin, begin, begin + bytes.size());
  }
};

struct BlobStream {
  explicit BlobStream(const std::string& bytes) : buffer(bytes), stream(&buffer) {}
  ViewBuffer buffer;
  std::istream stream;
};

// Binds `params` to `statement`; blob streams must live until the statement has executed.
void bind(sql::PreparedStatement& statement, const BoundValues& params,
          std::vector<std::unique_ptr<BlobStream>>& blobs) {
  for (size_t i = 0; i < params.size(); ++i) {
    const auto index = static_cast<unsigned>(i + 1);
    const SqlValue& value = params[i].value;
    if (is_null(value)) {
      statement.setNull(index, sql::DataType::SQLNULL);
    } else if (const auto* i64 = std::get_if<int64_t>(&value)) {
      statement.setInt64(index, *i64);
    } else if (const auto* u64 = std::get_if<uint64_t>(&value)) {
      statement.setUInt64(index, *u64);
    } else if (const auto* f64 = std::get_if<double>(&value)) {
      statement.setDouble(index, *f64);
    } else {
      const std::string& bytes = std::get<std::string>(value);
      if (params[i].binary) {
        blobs.push_back(std::make_unique<BlobStream>(bytes));
        statement.setBlob(index, &blobs.back()->stream);
      } else {
        statement.setString(index, sql::SQLString(bytes));
      }
    }
  }
}

void read_rows(sql::ResultSet& result, std::vector<SqlRow>& rows) {
  const unsigned columns = result.getMetaData()->getColumnCount();
  while (result.next()) {
    SqlRow row;
    row.reserve(columns);
    for (unsigned i = 1; i <= columns; ++i) {
      if (result.isNull(i)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(result.getString(i).asStdString());
      }
    }
    rows.push_back(std::move(row));
  }
}

}  // namespace

bool SqlError::connection_lost() const {
  switch (code) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_SERVER_LOST_EXTENDED:
    case CR_COMMANDS_OUT_OF_SYNC:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case ER_QUERY_INTERRUPTED:
      return true;
    default:
      return false;
  }
}

bool SqlError::transient() const {
  return connection_lost() || code == ER_LOCK_DEADLOCK || code == ER_LOCK_WAIT_TIMEOUT ||
         code == ER_CON_COUNT_ERROR || code == ER_TOO_MANY_USER_CONNECTIONS;
}

MysqlConnection::MysqlConnection(std::unique_ptr<sql::Connection> connection)
    : connection_(std::move(connection)) {}

// Members go in reverse order: the cached statements close before the connection.
MysqlConnection::~MysqlConnection() = default;

std::unique_ptr<MysqlConnection> MysqlConnection::connect(const ConnectionOptions& options,
                                                          SqlError& error) {
  sql::ConnectOptionsMap props;
  // The tcp:// scheme makes the driver force MYSQL_PROTOCOL_TCP, even for "localhost".
  const bool ipv6 = options.host.find(':') != std::string::npos;
  props["hostName"] = sql::SQLString("tcp://" + (ipv6 ? "[" + options.host + "]" : options.host) +
                                     ":" + std::to_string(options.port));
  props["userName"] = sql::SQLString(options.user);
  props["password"] = sql::SQLString(options.password);
  props["OPT_CONNECT_TIMEOUT"] = static_cast<int>(options.connect_timeout_seconds);
  props["OPT_READ_TIMEOUT"] = static_cast<int>(options.read_timeout_seconds);
  props["OPT_WRITE_TIMEOUT"] = static_cast<int>(options.write_timeout_seconds);
  props["OPT_CHARSET_NAME"] = sql::SQLString("utf8mb4");
  props["OPT_RECONNECT"] = false;
  props["OPT_LOCAL_INFILE"] = 0;
  std::unique_ptr<MysqlConnection> connection;
  try {
    std::unique_ptr<sql::Connection> raw;
    {
      std::lock_guard lock(connect_mutex());
      raw.reset(sql::mysql::get_mysql_driver_instance()->connect(props));
    }
    connection = std::make_unique<MysqlConnection>(std::move(raw));
  } catch (const sql::SQLException& e) {
    error = from_exception(e);
    return nullptr;
  } catch (const std::exception& e) {
    error = from_exception(e);
    return nullptr;
  }
  if (options.sql_mode) {
    if (auto failed = connection->execute("SET SESSION sql_mode = ?", {{*options.sql_mode}})) {
      error = *failed;
      return nullptr;
    }
  }
  if (options.strip_strict_trans_tables) {
    std::vector<SqlRow> rows;
    if (auto failed = connection->query("SELECT @@SESSION.sql_mode", rows)) {
      error = *failed;
      return nullptr;
    }
    const std::string mode = rows.empty() || rows[0].empty() ? "" : rows[0][0].value_or("");
    std::string kept;
    for (size_t begin = 0; begin <= mode.size();) {
      size_t end = mode.find(',', begin);
      if (end == std::string::npos) end = mode.size();
      const std::string_view part = std::string_view(mode).substr(begin, end - begin);
      if (!part.empty() && part != "STRICT_TRANS_TABLES") {
        if (!kept.empty()) kept += ',';
        kept += part;
      }
      begin = end + 1;
    }
    if (kept != mode) {
      if (auto failed = connection->execute("SET SESSION sql_mode = ?", {{kept}})) {
        error = *failed;
        return nullptr;
      }
    }
  }
  for (const auto& [name, value] : options.session_variables) {
    const std::string set = "SET SESSION " + name + " = ?";
    if (auto failed = connection->execute(set, {{value}})) {
      error = *failed;
      return nullptr;
    }
    connection->forget(set);  // run once per connection: not worth a cached statement
  }
  connection->forget("SET SESSION sql_mode = ?");
  return connection;
}

std::optional<SqlError> MysqlConnection::execute(std::string_view sql) {
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    // Drain results so the connection stays usable (a statement may return rows).
    if (statement->execute(sql::SQLString(sql.data(), sql.size()))) {
      std::unique_ptr<sql::ResultSet> drained(statement->getResultSet());
    }
    while (statement->getMoreResults()) {
      std::unique_ptr<sql::ResultSet> drained(statement->getResultSet());
    }
  } catch (const sql::SQLException& e) {
    return from_exception(e);
  } catch (const std::exception& e) {
    return from_exception(e);
  }
  return std::nullopt;
}

std::optional<SqlError> MysqlConnection::query(std::string_view sql, std::vector<SqlRow>& rows) {
  rows.clear();
  try {
    std::unique_ptr<sql::Statement> statement(connection_->createStatement());
    std::unique_ptr<sql::ResultSet> result(
        statement->executeQuery(sql::SQLString(sql.data(), sql.size())));
    read_rows(*result, rows);
  } catch (const sql::SQLException& e) {
    return from_exception(e);
  } catch (const std::exception& e) {
    return from_exception(e);
  }
  return std::nullopt;
}

sql::PreparedStatement& MysqlConnection::prepared(const std::string& sql) {
  if (auto found = statements_.find(sql); found != statements_.end()) {
    lru_.splice(lru_.begin(), lru_, found->second);
    return *found->second->second;
  }
  std::unique_ptr<sql::PreparedStatement> statement(connection_->prepareStatement(sql));
  if (lru_.size() >= kStatementCacheSize) {
    statements_.erase(lru_.back().first);
    lru_.pop_back();  // closes the server-side statement
  }
  lru_.emplace_front(sql, std::move(statement));
  statements_.emplace(lru_.front().first, lru_.begin());
  return *lru_.front().second;
}

void MysqlConnection::forget(const std::string& sql) {
  auto found = statements_.find(sql);
  if (found == statements_.end()) return;
  auto entry = found->second;
  statements_.erase(found);
  lru_.erase(entry);  // closes the server-side statement
}

template <typename Run>
std::optional<SqlError> MysqlConnection::run_prepared(std::string_view sql,
                                                      const BoundValues& params, Run&& run) {
  const std::string text(sql);
  // ER_NEED_REPREPARE: the table changed under a cached statement; prepare it again once.
  for (int attempt = 0;; ++attempt) {
    try {
      sql::PreparedStatement& statement = prepared(text);
      std::vector<std::unique_ptr<BlobStream>> blobs;
      bind(statement, params, blobs);
      run(statement);
      statement.clearParameters();
      return std::nullopt;
    } catch (const sql::SQLException& e) {
      SqlError error = from_exception(e);
      forget(text);  // its state after a failure is unknown; prepare afresh next time
      if (error.code == ER_NEED_REPREPARE && attempt == 0) continue;
      return error;
    } catch (const std::exception& e) {
      forget(text);
      return from_exception(e);
    }
  }
}

std::optional<SqlError> MysqlConnection::execute(std::string_view sql, const BoundValues& params,
                                                 uint64_t* affected) {
  return run_prepared(sql, params, [affected](sql::PreparedStatement& statement) {
    const int count = statement.executeUpdate();
    if (affected != nullptr) *affected = static_cast<uint64_t>(count);
  });
}

std::optional<SqlError> MysqlConnection::query(std::string_view sql, const BoundValues& params,
                                               std::vector<SqlRow>& rows) {
  auto error = run_prepared(sql, params, [&rows](sql::PreparedStatement& statement) {
    rows.clear();
    std::unique_ptr<sql::ResultSet> result(statement.executeQuery());
    read_rows(*result, rows);
  });
  if (error) rows.clear();
  return error;
}

sdk::Status status_of(const SqlError& error, std::string_view what) {
  std::string message =
      std::string(what) + ": MySQL error " + std::to_string(error.code) + ": " + error.message;
  if (error.transient()) return sdk::Status::retry(std::move(message));
  switch (error.code) {
    case ER_ACCESS_DENIED_ERROR:
    case ER_DBACCESS_DENIED_ERROR:
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_OPTION_PREVENTS_STATEMENT:
    case ER_READ_ONLY_MODE:
    case CR_UNKNOWN_HOST:
    case CR_OUT_OF_MEMORY:
      return sdk::Status::fatal(std::move(message));
    default:
      return sdk::Status::rejected(std::move(message));
  }
}

}  // namespace sluice::mysql
