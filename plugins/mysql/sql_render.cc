#include "plugins/mysql/sql_render.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace sluice::mysql {

namespace {

bool writable(const ColumnInfo& column) {
  return !column.generated;
}

std::string describe(const TableInfo& table) {
  return table.schema + "." + table.table;
}

sdk::Status append_where(const TableInfo& table, const std::vector<SqlValue>& values,
                         const RenderOptions& options, std::string& out) {
  out += " WHERE ";
  bool first = true;
  auto add = [&](size_t index) -> sdk::Status {
    if (!first) out += " AND ";
    first = false;
    out += quote_identifier(table.columns[index].name);
    if (is_null(values[index])) {
      out += " IS NULL";
      return sdk::Status::ok();
    }
    out += " = ";
    return render_value(values[index], table.columns[index], options, out);
  };
  if (const KeyInfo* key = where_key(table, values)) {
    for (size_t index : key->columns) {
      if (auto status = add(index); !status.is_ok()) return status;
    }
  } else {
    for (size_t index = 0; index < table.columns.size(); ++index) {
      if (!writable(table.columns[index])) continue;
      if (auto status = add(index); !status.is_ok()) return status;
    }
  }
  out += " LIMIT 1";
  return sdk::Status::ok();
}

sdk::Status render_upsert(const char* verb, const TableInfo& table,
                          const std::vector<SqlValue>& values, const RenderOptions& options,
                          std::string& out) {
  out = verb;
  out += ' ';
  out += quote_table(table);
  out += " (";
  std::string literals;
  bool first = true;
  for (size_t index = 0; index < table.columns.size(); ++index) {
    if (!writable(table.columns[index])) continue;
    if (!first) {
      out += ',';
      literals += ',';
    }
    first = false;
    out += quote_identifier(table.columns[index].name);
    if (auto status = render_value(values[index], table.columns[index], options, literals);
        !status.is_ok()) {
      return status;
    }
  }
  out += ") VALUES (";
  out += literals;
  out += ')';
  return sdk::Status::ok();
}

sdk::Status render_delete(const TableInfo& table, const std::vector<SqlValue>& old_values,
                          const RenderOptions& options, std::string& out) {
  out = "DELETE FROM " + quote_table(table);
  return append_where(table, old_values, options, out);
}

sdk::Status render_update(const TableInfo& table, const std::vector<SqlValue>& old_values,
                          const std::vector<SqlValue>& new_values, const RenderOptions& options,
                          std::string& out) {
  out = "UPDATE " + quote_table(table) + " SET ";
  bool first = true;
  for (size_t index = 0; index < table.columns.size(); ++index) {
    if (!writable(table.columns[index])) continue;
    if (!first) out += ", ";
    first = false;
    out += quote_identifier(table.columns[index].name);
    out += " = ";
    if (auto status = render_value(new_values[index], table.columns[index], options, out);
        !status.is_ok()) {
      return status;
    }
  }
  return append_where(table, old_values, options, out);
}

}  // namespace

std::string quote_identifier(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 2);
  out += '`';
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string quote_table(const TableInfo& table) {
  return quote_identifier(table.schema) + "." + quote_identifier(table.table);
}

std::string quote_string(std::string_view text, const RenderOptions& options) {
  std::string out;
  out.reserve(text.size() + 2);
  out += '\'';
  for (char c : text) {
    if (!options.backslash_escapes) {
      if (c == '\'') out += '\'';
      out += c;
      continue;
    }
    // The set mysql_real_escape_string escapes (and go-sql-driver's escapeBytesBackslash).
    switch (c) {
      case '\0':
        out += "\\0";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\x1a':
        out += "\\Z";
        break;
      case '\'':
        out += "\\'";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out += c;
    }
  }
  out += '\'';
  return out;
}

std::string hex_literal(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out = "X'";
  out.reserve(bytes.size() * 2 + 3);
  for (char c : bytes) {
    const auto byte = static_cast<unsigned char>(c);
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  out += '\'';
  return out;
}

sdk::Status render_value(const SqlValue& value, const ColumnInfo& column,
                         const RenderOptions& options, std::string& out) {
  if (is_null(value)) {
    out += "NULL";
  } else if (const auto* i64 = std::get_if<int64_t>(&value)) {
    out += std::to_string(*i64);
  } else if (const auto* u64 = std::get_if<uint64_t>(&value)) {
    out += std::to_string(*u64);
  } else if (const auto* f64 = std::get_if<double>(&value)) {
    if (!std::isfinite(*f64)) {
      return sdk::Status::rejected("column " + column.name + ": the value " +
                                   (std::isnan(*f64) ? std::string("NaN") : "an infinity") +
                                   " cannot be stored in MySQL");
    }
    // Shortest text that reads back as the same double ("1e+300", "-0", "0.1").
    char buffer[32];
    const auto result = std::to_chars(buffer, buffer + sizeof(buffer), *f64);
    out.append(buffer, result.ptr);
  } else {
    const std::string& bytes = std::get<std::string>(value);
    out += column.binary ? hex_literal(bytes) : quote_string(bytes, options);
  }
  return sdk::Status::ok();
}

const KeyInfo* where_key(const TableInfo& table, const std::vector<SqlValue>& values) {
  for (const KeyInfo& key : table.keys) {
    if (key.columns.empty()) continue;
    bool usable = true;
    for (size_t index : key.columns) {
      if (index >= values.size() || is_null(values[index])) {
        usable = false;
        break;
      }
    }
    if (usable) return &key;
  }
  return nullptr;
}

sdk::Status render_dml(const Dml& dml, bool safe_mode, const RenderOptions& options,
                       std::vector<std::string>& out) {
  const TableInfo& table = *dml.table;
  const size_t columns = table.columns.size();
  const bool needs_old = dml.type != DmlType::kInsert;
  const bool needs_new = dml.type != DmlType::kDelete;
  if ((needs_old && dml.old_values.size() != columns) ||
      (needs_new && dml.new_values.size() != columns)) {
    return sdk::Status::rejected("table " + describe(table) + ": a row has the wrong number of " +
                                 "values for its " + std::to_string(columns) + " columns");
  }
  std::string sql;
  sdk::Status status;
  switch (dml.type) {
    case DmlType::kInsert:
      status = render_upsert(safe_mode ? "REPLACE INTO" : "INSERT INTO", table, dml.new_values,
                             options, sql);
      break;
    case DmlType::kDelete:
      status = render_delete(table, dml.old_values, options, sql);
      break;
    case DmlType::kUpdate:
      if (safe_mode) {
        status = render_delete(table, dml.old_values, options, sql);
        if (!status.is_ok()) break;
        out.push_back(std::move(sql));
        status = render_upsert("REPLACE INTO", table, dml.new_values, options, sql);
      } else {
        status = render_update(table, dml.old_values, dml.new_values, options, sql);
      }
      break;
  }
  if (!status.is_ok()) {
    return sdk::Status(status.code(), "table " + describe(table) + ": " + status.message());
  }
  out.push_back(std::move(sql));
  return sdk::Status::ok();
}

}  // namespace sluice::mysql
