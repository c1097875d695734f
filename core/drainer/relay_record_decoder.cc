#include "core/drainer/relay_record_decoder.h"

#include <fmt/format.h>

#include <charconv>
#include <unordered_map>

#include "core/decode/table_layout.h"
#include "core/proto/secondary_binlog.pb.h"
#include "core/schema/table_info.h"

namespace sluice::drainer {
namespace {

namespace type = schema::mysql_type;

struct TypeByName {
  uint8_t type;
  bool binary;
};

// The inverse of decode::type_name_of: the names the secondary binlog carries.
const std::unordered_map<std::string_view, TypeByName>& types_by_name() {
  static const std::unordered_map<std::string_view, TypeByName> kTypes = {
      {"tinyint", {type::kTiny, false}},
      {"smallint", {type::kShort, false}},
      {"mediumint", {type::kInt24, false}},
      {"int", {type::kLong, false}},
      {"bigint", {type::kLonglong, false}},
      {"float", {type::kFloat, false}},
      {"double", {type::kDouble, false}},
      {"decimal", {type::kNewDecimal, false}},
      {"timestamp", {type::kTimestamp, false}},
      {"date", {type::kDate, false}},
      {"time", {type::kDuration, false}},
      {"datetime", {type::kDatetime, false}},
      {"year", {type::kYear, false}},
      {"varchar", {type::kVarchar, false}},
      {"varbinary", {type::kVarchar, true}},
      {"var_string", {type::kVarString, false}},
      {"char", {type::kString, false}},
      {"binary", {type::kString, true}},
      {"bit", {type::kBit, false}},
      {"json", {type::kJson, false}},
      {"enum", {type::kEnum, false}},
      {"set", {type::kSet, false}},
      {"tinytext", {type::kTinyBlob, false}},
      {"tinyblob", {type::kTinyBlob, true}},
      {"text", {type::kBlob, false}},
      {"blob", {type::kBlob, true}},
      {"mediumtext", {type::kMediumBlob, false}},
      {"mediumblob", {type::kMediumBlob, true}},
      {"longtext", {type::kLongBlob, false}},
      {"longblob", {type::kLongBlob, true}},
      {"geometry", {type::kGeometry, true}},
      {"null", {type::kNull, false}},
  };
  return kTypes;
}

bool is_integer(uint8_t mysql_type) {
  return mysql_type == type::kTiny || mysql_type == type::kShort || mysql_type == type::kInt24 ||
         mysql_type == type::kLong || mysql_type == type::kLonglong || mysql_type == type::kYear;
}

Status corrupt(int64_t commit_ts, const std::string& what) {
  return Status::corruption(fmt::format("relay record of commit_ts {}: {}", commit_ts, what));
}

bool column_is_unsigned(const slave::binlog::Table& table, int index) {
  for (const auto& mutation : table.mutations()) {
    for (const auto* row : {&mutation.row(), &mutation.change_row()}) {
      if (index < row->columns_size() && row->columns(index).has_uint64_value()) return true;
    }
  }
  return false;
}

// The table definition as the record states it, with the unsignedness its values show.
Result<std::shared_ptr<schema::TableInfo>> table_info_of(const slave::binlog::Table& table,
                                                         int64_t commit_ts, std::string& key) {
  auto info = std::make_shared<schema::TableInfo>();
  info->name = table.table_name();
  key = table.schema_name() + '\0' + table.table_name();
  for (int i = 0; i < table.column_info_size(); ++i) {
    const auto& column_info = table.column_info(i);
    auto found = types_by_name().find(column_info.mysql_type());
    if (found == types_by_name().end()) {
      return corrupt(commit_ts,
                     fmt::format("column {}.{}.{} has the unknown type \"{}\"", table.schema_name(),
                                 table.table_name(), column_info.name(), column_info.mysql_type()));
    }
    schema::ColumnInfo column;
    column.id = i + 1;
    column.offset = i;
    column.name = column_info.name();
    column.type = found->second.type;
    column.flen = column_info.flen();
    column.decimal = column_info.decimal();
    if (found->second.binary) column.charset = "binary";
    if (column_info.is_primary_key()) column.flag |= schema::kPriKeyFlag;
    if (is_integer(column.type) && column_is_unsigned(table, i)) {
      column.flag |= schema::kUnsignedFlag;
    }
    // Everything that shapes the layout, the charset too: "varchar" and "varbinary" (or "text"
    // and "blob") share a type byte, so a column changed from one to the other is a new table.
    key += fmt::format("\x1f{}\x1e{}\x1e{}\x1e{}\x1e{}\x1e{}", column.name, column.type,
                       column.flag, column.flen, column.decimal, column.charset);
    info->columns.push_back(std::move(column));
  }
  for (const auto& unique_key : table.unique_keys()) {
    schema::IndexInfo index;
    index.name = unique_key.name();
    index.primary = unique_key.name() == "PRIMARY";
    index.unique = true;
    key += "\x1d" + unique_key.name();
    for (const auto& name : unique_key.column_names()) {
      int offset = -1;
      for (size_t c = 0; c < info->columns.size(); ++c) {
        if (info->columns[c].name == name) offset = static_cast<int>(c);
      }
      if (offset < 0) {
        return corrupt(commit_ts,
                       fmt::format("key {} of {}.{} names the unknown column {}", unique_key.name(),
                                   table.schema_name(), table.table_name(), name));
      }
      index.columns.push_back({name, offset, -1});
      key += "\x1e" + name;
    }
    info->indices.push_back(std::move(index));
  }
  return info;
}

Result<sluice_value_t> value_of(const slave::binlog::Column& column, uint8_t mysql_type,
                                decode::TextArena& arena) {
  if (column.is_null()) return decode::null_value();
  if (column.has_int64_value()) return decode::int64_value(column.int64_value());
  if (column.has_uint64_value()) return decode::uint64_value(column.uint64_value());
  if (column.has_double_value()) return decode::double_value(column.double_value());
  if (column.has_string_value()) {
    const std::string& text = column.string_value();
    // The encoder writes a YEAR as its decimal text (as the original does); sinks take YEAR as
    // an int64 (plugin_abi.h), as the upstream decoder gives it. Other text stays text.
    int64_t year = 0;
    if (mysql_type == type::kYear && !text.empty()) {
      const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), year);
      if (error == std::errc() && end == text.data() + text.size()) {
        return decode::int64_value(year);
      }
    }
    return decode::bytes_value(arena.copy(text));
  }
  if (column.has_bytes_value()) {
    const std::string& bytes = column.bytes_value();
    if (mysql_type != type::kBit) return decode::bytes_value(arena.copy(bytes));
    if (bytes.size() > 8) return Status::corruption("a BIT value longer than 8 bytes");
    uint64_t bits = 0;
    for (char byte : bytes)
      bits = (bits << 8) | static_cast<uint8_t>(byte);
    return decode::uint64_value(bits);
  }
  return Status::corruption("a column with no value and not NULL");
}

Status fill_values(const slave::binlog::Row& row, const decode::TableLayout& layout,
                   decode::TextArena& arena, std::vector<sluice_value_t>& out) {
  if (static_cast<size_t>(row.columns_size()) != layout.columns.size()) {
    return Status::corruption(fmt::format("a row of {}.{} has {} values for {} columns",
                                          layout.schema_name, layout.table_name, row.columns_size(),
                                          layout.columns.size()));
  }
  out.reserve(layout.columns.size());
  for (int i = 0; i < row.columns_size(); ++i) {
    auto value = value_of(row.columns(i), layout.columns[static_cast<size_t>(i)].mysql_type, arena);
    if (!value.is_ok()) {
      return Status::corruption(
          fmt::format("column {}.{}.{}: {}", layout.schema_name, layout.table_name,
                      layout.columns[static_cast<size_t>(i)].name, value.status().message()));
    }
    out.push_back(value.value());
  }
  return Status::ok();
}

}  // namespace

Result<int64_t> RelayRecordDecoder::commit_ts_of(std::string_view record) {
  slave::binlog::Binlog binlog;
  if (!binlog.ParseFromArray(record.data(), static_cast<int>(record.size())) ||
      !binlog.has_commit_ts()) {
    return Status::corruption("a relay record that is not a secondary binlog");
  }
  return binlog.commit_ts();
}

Result<std::unique_ptr<DrainerTransaction>> RelayRecordDecoder::decode(std::string_view record) {
  slave::binlog::Binlog binlog;
  if (!binlog.ParseFromArray(record.data(), static_cast<int>(record.size())) ||
      !binlog.has_commit_ts()) {
    return Status::corruption(fmt::format(
        "a relay record of {} bytes that is not a secondary binlog (slave.binlog.Binlog)",
        record.size()));
  }
  auto transaction = std::make_unique<DrainerTransaction>();
  transaction->commit_ts = binlog.commit_ts();
  transaction->payload_bytes = record.size();
  if (binlog.type() == slave::binlog::DDL) {
    transaction->ddl = true;
    transaction->ddl_schema = binlog.ddl_data().schema_name();
    transaction->ddl_table = binlog.ddl_data().table_name();
    transaction->ddl_query = binlog.ddl_data().ddl_query();
    if (transaction->ddl_query.empty()) return corrupt(binlog.commit_ts(), "a DDL without a query");
    transaction->build_events();
    return transaction;
  }
  for (const auto& table : binlog.dml_data().tables()) {
    std::string key;
    SLUICE_ASSIGN_OR_RETURN(auto info, table_info_of(table, binlog.commit_ts(), key));
    auto cached = tables_.find(key);
    if (cached == tables_.end()) {
      auto layout = decode::build_layout(table.schema_name(), std::move(info), 0);
      cached = tables_.emplace(std::move(key), make_abi_table(std::move(layout))).first;
    }
    const std::shared_ptr<const AbiTable>& abi_table = cached->second;
    const decode::TableLayout& layout = *abi_table->layout;
    for (const auto& mutation : table.mutations()) {
      decode::RowChange change;
      change.layout = abi_table->layout;
      Status filled;
      switch (mutation.type()) {
        case slave::binlog::Insert:
          change.type = decode::ChangeType::kInsert;
          filled = fill_values(mutation.row(), layout, transaction->arena, change.new_values);
          break;
        case slave::binlog::Update:
          change.type = decode::ChangeType::kUpdate;
          if (!mutation.has_change_row()) {
            return corrupt(binlog.commit_ts(), "an update without its old row (change_row)");
          }
          filled = fill_values(mutation.row(), layout, transaction->arena, change.new_values);
          if (filled.is_ok()) {
            filled =
                fill_values(mutation.change_row(), layout, transaction->arena, change.old_values);
          }
          break;
        case slave::binlog::Delete:
          change.type = decode::ChangeType::kDelete;
          filled = fill_values(mutation.row(), layout, transaction->arena, change.old_values);
          break;
      }
      if (!filled.is_ok()) return corrupt(binlog.commit_ts(), filled.message());
      transaction->rows.push_back(std::move(change));
      transaction->row_tables.push_back(abi_table);
    }
  }
  transaction->build_events();
  return transaction;
}

}  // namespace sluice::drainer
