#include "daemons/reparo/reparo_applier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>
#include <type_traits>

#include "plugins/mysql/ddl.h"
#include "plugins/mysql/loader_status.h"
#include "plugins/mysql/sql_render.h"

namespace sluice::reparo {
namespace {

using mysql::SqlValue;

bool is_binary_type(std::string_view type_name) {
  return type_name.find("binary") != std::string_view::npos ||
         type_name.find("blob") != std::string_view::npos;
}

// Printable UTF-8: no control characters but tab, well-formed multi-byte sequences.
bool printable_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if ((c < 0x20 && c != '\t') || c == 0x7F) return false;
      ++i;
      continue;
    }
    const size_t length = c >= 0xF0 && c < 0xF5 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
    if (length == 0 || i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += length;
  }
  return true;
}

std::string format_value(const SqlValue& value, std::string_view type_name) {
  return std::visit(
      [&](const auto& held) -> std::string {
        using T = std::decay_t<decltype(held)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "NULL";
        } else if constexpr (std::is_same_v<T, std::string>) {
          if (is_binary_type(type_name) || !printable_utf8(held)) return mysql::hex_literal(held);
          std::string out = "'";
          for (char c : held) {
            if (c == '\'' || c == '\\') out.push_back('\\');
            out.push_back(c);
          }
          out.push_back('\'');
          return out;
        } else {
          return fmt::format("{}", held);
        }
      },
      value);
}

std::string_view change_name(RowChange type) {
  switch (type) {
    case RowChange::kUpdate:
      return "UPDATE";
    case RowChange::kDelete:
      return "DELETE";
    default:
      return "INSERT";
  }
}

// Transient failures (lost connection, deadlock) are retried this often, a second apart, before
// Reparo gives up; the loader itself already retries lock conflicts in place.
constexpr int kRetries = 5;

}  // namespace

std::string format_event(int64_t commit_ts, const DecodedEvent& event) {
  std::string line =
      fmt::format("{} {} {}.{}", commit_ts, change_name(event.type),
                  mysql::quote_identifier(event.schema), mysql::quote_identifier(event.table));
  bool first = true;
  for (const DecodedColumn& column : event.columns) {
    line += first ? " " : ", ";
    first = false;
    line += column.name;
    line += '=';
    line += format_value(column.value, column.type_name);
    if (event.type == RowChange::kUpdate && column.changed_value) {
      line += " => ";
      line += format_value(*column.changed_value, column.type_name);
    }
  }
  return line;
}

std::string format_ddl(const DecodedBinlog& binlog) {
  return fmt::format("{} DDL {}: {}", binlog.commit_ts,
                     binlog.ddl_schema.empty() ? std::string("(no database)")
                                               : mysql::quote_identifier(binlog.ddl_schema),
                     binlog.ddl_query);
}

Status PrintApplier::apply(const DecodedBinlog& binlog) {
  if (binlog.is_ddl) {
    out_ << format_ddl(binlog) << '\n';
  } else {
    for (const DecodedEvent& event : binlog.events)
      out_ << format_event(binlog.commit_ts, event) << '\n';
  }
  if (!out_) return Status::io_error("cannot write to standard output");
  return Status::ok();
}

Status PrintApplier::finish() {
  out_.flush();
  if (!out_) return Status::io_error("cannot write to standard output");
  return Status::ok();
}

Status MemoryApplier::apply(const DecodedBinlog& binlog) {
  ++binlogs_;
  events_ += binlog.is_ddl ? 1 : binlog.events.size();
  return Status::ok();
}

namespace {

mysql::ApplierOptions applier_options(const ReparoConfig& config) {
  mysql::ApplierOptions options;
  options.connection.host = config.dest_db.host;
  options.connection.port = config.dest_db.port;
  options.connection.user = config.dest_db.user;
  options.connection.password = config.dest_db.password;
  options.plan.worker_count = static_cast<size_t>(config.worker_count);
  options.plan.txn_batch = static_cast<size_t>(config.txn_batch);
  return options;
}

}  // namespace

MysqlApplier::MysqlApplier(const ReparoConfig& config)
    : safe_mode_(config.safe_mode),
      // The loader's own threshold (txn-batch × worker-count × 3 DMLs buffered).
      flush_threshold_(static_cast<size_t>(config.txn_batch) *
                       static_cast<size_t>(config.worker_count) * 3),
      applier_(applier_options(config)) {}

MysqlApplier::~MysqlApplier() {
  applier_.close();
}

Status MysqlApplier::apply(const DecodedBinlog& binlog) {
  return binlog.is_ddl ? apply_ddl(binlog) : apply_dml(binlog);
}

Status MysqlApplier::finish() {
  return flush();
}

Status MysqlApplier::flush() {
  for (int attempt = 0;; ++attempt) {
    const sdk::Status status = applier_.apply();
    if (status.is_ok()) return Status::ok();
    if (status.code() != sdk::Code::kRetry || attempt >= kRetries)
      return mysql::to_core_status(status);
    spdlog::warn("applying rows failed ({}), retrying", status.message());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

Status MysqlApplier::apply_dml(const DecodedBinlog& binlog) {
  for (const DecodedEvent& event : binlog.events) {
    SLUICE_ASSIGN_OR_RETURN(std::shared_ptr<const mysql::TableInfo> table, table_info(event));
    mysql::Dml dml;
    dml.table = table;
    dml.commit_ts = binlog.commit_ts;
    dml.safe_mode = safe_mode_;
    for (const DecodedColumn& column : event.columns) {
      switch (event.type) {
        case RowChange::kInsert:
          dml.type = mysql::DmlType::kInsert;
          dml.new_values.push_back(column.value);
          break;
        case RowChange::kDelete:
          dml.type = mysql::DmlType::kDelete;
          dml.old_values.push_back(column.value);
          break;
        case RowChange::kUpdate:
          dml.type = mysql::DmlType::kUpdate;
          dml.old_values.push_back(column.value);
          dml.new_values.push_back(column.changed_value ? *column.changed_value : column.value);
          break;
      }
    }
    applier_.add(std::move(dml));
  }
  if (applier_.pending() >= flush_threshold_) return flush();
  return Status::ok();
}

Status MysqlApplier::apply_ddl(const DecodedBinlog& binlog) {
  SLUICE_RETURN_IF_ERROR(flush());
  layouts_.clear();
  keys_.clear();
  for (int attempt = 0;; ++attempt) {
    sdk::Status status;
    mysql::MysqlConnection* connection = applier_.connection(0, status);
    if (connection != nullptr) {
      mysql::DdlOutcome outcome = mysql::DdlOutcome::kApplied;
      std::string note;
      status = mysql::apply_ddl(*connection, binlog.ddl_schema, binlog.ddl_query, outcome, note);
      if (status.is_ok()) {
        if (outcome == mysql::DdlOutcome::kIgnored) {
          spdlog::warn("DDL skipped at commit_ts {} ({}): {}", binlog.commit_ts, note,
                       binlog.ddl_query);
        }
        ++applied_ddls_;
        return Status::ok();
      }
      applier_.drop_connection(0);
    }
    if (status.code() != sdk::Code::kRetry || attempt >= kRetries) {
      return Status(mysql::to_core_status(status).code(),
                    fmt::format("DDL at commit_ts {}: {}", binlog.commit_ts, status.message()));
    }
    spdlog::warn("DDL failed ({}), retrying", status.message());
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
}

Result<std::vector<MysqlApplier::UniqueKey>> MysqlApplier::downstream_keys(
    const std::string& schema, const std::string& table) {
  const std::string cache_key = schema + '\0' + table;
  if (auto found = keys_.find(cache_key); found != keys_.end()) return found->second;
  sdk::Status status;
  mysql::MysqlConnection* connection = applier_.connection(0, status);
  if (connection == nullptr) return mysql::to_core_status(status);
  const std::string sql =
      "SELECT INDEX_NAME, COLUMN_NAME FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = ? "
      "AND TABLE_NAME = ? AND NON_UNIQUE = 0 ORDER BY INDEX_NAME = 'PRIMARY' DESC, INDEX_NAME, "
      "SEQ_IN_INDEX";
  const mysql::BoundValues params{{schema}, {table}};
  std::vector<mysql::SqlRow> rows;
  if (auto error = connection->query(sql, params, rows)) {
    applier_.drop_connection(0);
    return mysql::to_core_status(
        mysql::status_of(*error, "reading the keys of " + schema + "." + table));
  }
  std::vector<UniqueKey> keys;
  for (const mysql::SqlRow& row : rows) {
    if (row.size() < 2 || !row[0] || !row[1]) continue;
    if (keys.empty() || keys.back().name != *row[0]) {
      keys.push_back(UniqueKey{*row[0], *row[0] == "PRIMARY", {}});
    }
    keys.back().columns.push_back(*row[1]);
  }
  keys_[cache_key] = keys;
  return keys;
}

Result<std::shared_ptr<const mysql::TableInfo>> MysqlApplier::table_info(
    const DecodedEvent& event) {
  std::string cache_key = event.schema + '\0' + event.table;
  for (const DecodedColumn& column : event.columns) {
    cache_key += '\0';
    cache_key += column.name;
    cache_key += '/';
    cache_key += column.type_name;
  }
  if (auto found = layouts_.find(cache_key); found != layouts_.end()) return found->second;
  auto info = std::make_shared<mysql::TableInfo>();
  info->schema = event.schema;
  info->table = event.table;
  for (const DecodedColumn& column : event.columns) {
    mysql::ColumnInfo copy;
    copy.name = column.name;
    copy.mysql_type = column.mysql_type;
    copy.binary = is_binary_type(column.type_name);
    info->columns.push_back(std::move(copy));
  }
  SLUICE_ASSIGN_OR_RETURN(std::vector<UniqueKey> keys, downstream_keys(event.schema, event.table));
  for (const UniqueKey& key : keys) {
    mysql::KeyInfo copy{key.name, key.primary, {}};
    bool complete = true;
    for (const std::string& name : key.columns) {
      size_t index = 0;
      // Column names compare case-insensitively in MySQL.
      while (index < info->columns.size() &&
             !std::equal(name.begin(), name.end(), info->columns[index].name.begin(),
                         info->columns[index].name.end(), [](char a, char b) {
                           return std::tolower(static_cast<unsigned char>(a)) ==
                                  std::tolower(static_cast<unsigned char>(b));
                         }))
        ++index;
      if (index == info->columns.size()) {
        complete = false;  // the event does not carry this key's columns
        break;
      }
      copy.columns.push_back(index);
    }
    if (complete) info->keys.push_back(std::move(copy));
  }
  std::shared_ptr<const mysql::TableInfo> shared = std::move(info);
  layouts_[cache_key] = shared;
  return shared;
}

std::unique_ptr<ReparoApplier> make_applier(const ReparoConfig& config, std::ostream& print_out) {
  switch (config.dest_type) {
    case DestType::kMysql:
      return std::make_unique<MysqlApplier>(config);
    case DestType::kMemory:
      return std::make_unique<MemoryApplier>();
    default:
      return std::make_unique<PrintApplier>(print_out);
  }
}

}  // namespace sluice::reparo
