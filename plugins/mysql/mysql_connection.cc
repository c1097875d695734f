#include "plugins/mysql/mysql_connection.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <mutex>

namespace sluice::mysql {

namespace {

// mysql_library_init is not thread-safe; mysql_init calls it implicitly on first use.
void init_library() {
  static std::once_flag once;
  std::call_once(once, [] { mysql_library_init(0, nullptr, nullptr); });
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

std::unique_ptr<MysqlConnection> MysqlConnection::connect(const ConnectionOptions& options,
                                                          SqlError& error) {
  init_library();
  MYSQL* raw = mysql_init(nullptr);
  if (raw == nullptr) {
    error = {CR_OUT_OF_MEMORY, "mysql_init failed: out of memory"};
    return nullptr;
  }
  auto connection = std::make_unique<MysqlConnection>(raw);
  const unsigned protocol = MYSQL_PROTOCOL_TCP;
  mysql_optionsv(raw, MYSQL_OPT_PROTOCOL, &protocol);
  mysql_optionsv(raw, MYSQL_OPT_CONNECT_TIMEOUT, &options.connect_timeout_seconds);
  mysql_optionsv(raw, MYSQL_OPT_READ_TIMEOUT, &options.read_timeout_seconds);
  mysql_optionsv(raw, MYSQL_OPT_WRITE_TIMEOUT, &options.write_timeout_seconds);
  mysql_optionsv(raw, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  const my_bool no = 0;
  mysql_optionsv(raw, MYSQL_OPT_RECONNECT, &no);
  mysql_optionsv(raw, MYSQL_OPT_LOCAL_INFILE, &no);
  if (mysql_real_connect(raw, options.host.c_str(), options.user.c_str(), options.password.c_str(),
                         nullptr, options.port, nullptr, 0) == nullptr) {
    error = connection->last_error();
    return nullptr;
  }
  if (options.sql_mode) {
    const std::string set = "SET SESSION sql_mode = '" + *options.sql_mode + "'";
    if (auto failed = connection->execute(set)) {
      error = *failed;
      return nullptr;
    }
  }
  for (const auto& [name, literal] : options.session_variables) {
    if (auto failed = connection->execute("SET SESSION " + name + " = " + literal)) {
      error = *failed;
      return nullptr;
    }
  }
  return connection;
}

SqlError MysqlConnection::last_error() {
  return {mysql_errno(mysql_.get()), mysql_error(mysql_.get())};
}

std::optional<SqlError> MysqlConnection::execute(std::string_view sql) {
  MYSQL* mysql = mysql_.get();
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) return last_error();
  // Drain results so the connection stays usable (a statement may return rows).
  while (true) {
    if (MYSQL_RES* result = mysql_store_result(mysql))
      mysql_free_result(result);
    else if (mysql_field_count(mysql) != 0)
      return last_error();
    const int next = mysql_next_result(mysql);
    if (next > 0) return last_error();
    if (next < 0) break;
  }
  return std::nullopt;
}

std::optional<SqlError> MysqlConnection::query(std::string_view sql, std::vector<SqlRow>& rows) {
  MYSQL* mysql = mysql_.get();
  rows.clear();
  if (mysql_real_query(mysql, sql.data(), sql.size()) != 0) return last_error();
  std::unique_ptr<MYSQL_RES, decltype(&mysql_free_result)> result(mysql_store_result(mysql),
                                                                  &mysql_free_result);
  if (!result) {
    if (mysql_field_count(mysql) != 0) return last_error();
    return std::nullopt;
  }
  const unsigned fields = mysql_num_fields(result.get());
  while (MYSQL_ROW row = mysql_fetch_row(result.get())) {
    const unsigned long* lengths = mysql_fetch_lengths(result.get());
    SqlRow values;
    values.reserve(fields);
    for (unsigned i = 0; i < fields; ++i) {
      if (row[i] == nullptr) {
        values.emplace_back(std::nullopt);
      } else {
        values.emplace_back(std::string(row[i], lengths[i]));
      }
    }
    rows.push_back(std::move(values));
  }
  return std::nullopt;
}

bool MysqlConnection::backslash_escapes() {
  unsigned int status = 0;
  mariadb_get_infov(mysql_.get(), MARIADB_CONNECTION_SERVER_STATUS, &status);
  return (status & SERVER_STATUS_NO_BACKSLASH_ESCAPES) == 0;
}

uint64_t MysqlConnection::thread_id() {
  return mysql_thread_id(mysql_.get());
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
