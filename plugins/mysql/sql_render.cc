#include "plugins/mysql/sql_render.h"

#include <algorithm>
#include <cmath>

namespace sluice::mysql {

namespace {

bool writable(const ColumnInfo& column) {
  return !column.generated;
}

std::string describe(const TableInfo& table) {
  return table.schema + "." + table.table;
}

size_t writable_columns(const TableInfo& table) {
  return static_cast<size_t>(std::count_if(table.columns.begin(), table.columns.end(), writable));
}

sdk::Status append_where(const TableInfo& table, const std::vector<SqlValue>& values,
                         Statement& out) {
  out.sql += " WHERE ";
  bool first = true;
  auto add = [&](size_t index) -> sdk::Status {
    if (!first) out.sql += " AND ";
    first = false;
    out.sql += quote_identifier(table.columns[index].name);
    if (is_null(values[index])) {
      out.sql += " IS NULL";
      return sdk::Status::ok();
    }
    out.sql += " = ?";
    return bind_value(values[index], table.columns[index], out.params);
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
  out.sql += " LIMIT 1";
  return sdk::Status::ok();
}

// "INSERT INTO t (`a`,`b`) VALUES " without any row.
std::string upsert_head(const char* verb, const TableInfo& table) {
  std::string sql = verb;
  sql += ' ';
  sql += quote_table(table);
  sql += " (";
  bool first = true;
  for (const ColumnInfo& column : table.columns) {
    if (!writable(column)) continue;
    if (!first) sql += ',';
    first = false;
    sql += quote_identifier(column.name);
  }
  sql += ") VALUES ";
  return sql;
}

// Appends "(?,?,..)" and the row's values.
sdk::Status append_row(const TableInfo& table, const std::vector<SqlValue>& values,
                       Statement& out) {
  out.sql += '(';
  bool first = true;
  for (size_t index = 0; index < table.columns.size(); ++index) {
    if (!writable(table.columns[index])) continue;
    if (!first) out.sql += ',';
    first = false;
    out.sql += '?';
    if (auto status = bind_value(values[index], table.columns[index], out.params);
        !status.is_ok()) {
      return status;
    }
  }
  out.sql += ')';
  return sdk::Status::ok();
}

sdk::Status render_delete(const TableInfo& table, const std::vector<SqlValue>& old_values,
                          Statement& out) {
  out.sql = "DELETE FROM " + quote_table(table);
  return append_where(table, old_values, out);
}

sdk::Status render_update(const TableInfo& table, const std::vector<SqlValue>& old_values,
                          const std::vector<SqlValue>& new_values, Statement& out) {
  out.sql = "UPDATE " + quote_table(table) + " SET ";
  bool first = true;
  for (size_t index = 0; index < table.columns.size(); ++index) {
    if (!writable(table.columns[index])) continue;
    if (!first) out.sql += ", ";
    first = false;
    out.sql += quote_identifier(table.columns[index].name);
    out.sql += " = ?";
    if (auto status = bind_value(new_values[index], table.columns[index], out.params);
        !status.is_ok()) {
      return status;
    }
  }
  return append_where(table, old_values, out);
}

sdk::Status check_width(const Dml& dml) {
  const TableInfo& table = *dml.table;
  const size_t columns = table.columns.size();
  const bool needs_old = dml.type != DmlType::kInsert;
  const bool needs_new = dml.type != DmlType::kDelete;
  if ((needs_old && dml.old_values.size() != columns) ||
      (needs_new && dml.new_values.size() != columns)) {
    return sdk::Status::rejected("table " + describe(table) + ": a row has the wrong number of " +
                                 "values for its " + std::to_string(columns) + " columns");
  }
  return sdk::Status::ok();
}

sdk::Status name_table(const TableInfo& table, sdk::Status status) {
  if (status.is_ok()) return status;
  return sdk::Status(status.code(), "table " + describe(table) + ": " + status.message());
}

// DELETE FROM t WHERE `id` IN (?,?) / (`a`,`b`) IN ((?,?),(?,?)) for the run of deletes from
// dmls[i] on (same layout, primary key usable); advances `i` past them.
sdk::Status render_bulk_delete(const std::vector<Dml>& dmls, const KeyInfo& key, size_t max_rows,
                               size_t& i, std::vector<Statement>& out) {
  const TableInfo& table = *dmls[i].table;
  const bool composite = key.columns.size() > 1;
  const size_t limit =
      std::min(max_rows, std::max<size_t>(kMaxPlaceholders / key.columns.size(), 1));
  Statement statement;
  statement.sql = "DELETE FROM " + quote_table(table) + " WHERE ";
  if (composite) statement.sql += '(';
  for (size_t k = 0; k < key.columns.size(); ++k) {
    if (k > 0) statement.sql += ',';
    statement.sql += quote_identifier(table.columns[key.columns[k]].name);
  }
  if (composite) statement.sql += ')';
  statement.sql += " IN (";
  size_t rows = 0;
  while (i < dmls.size() && rows < limit) {
    const Dml& dml = dmls[i];
    if (rows > 0) {
      if (dml.type != DmlType::kDelete || !same_layout(*dml.table, table)) break;
      if (auto status = check_width(dml); !status.is_ok()) return status;
      const KeyInfo* own = where_key(*dml.table, dml.old_values);
      if (own == nullptr || !own->primary || own->columns != key.columns) break;
      statement.sql += ',';
    }
    if (composite) statement.sql += '(';
    for (size_t k = 0; k < key.columns.size(); ++k) {
      if (k > 0) statement.sql += ',';
      statement.sql += '?';
      const size_t index = key.columns[k];
      if (auto status = bind_value(dml.old_values[index], table.columns[index], statement.params);
          !status.is_ok()) {
        return name_table(table, std::move(status));
      }
    }
    if (composite) statement.sql += ')';
    ++rows;
    ++i;
  }
  statement.sql += ')';
  out.push_back(std::move(statement));
  return sdk::Status::ok();
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

sdk::Status bind_value(const SqlValue& value, const ColumnInfo& column, BoundValues& out) {
  if (const auto* f64 = std::get_if<double>(&value); f64 != nullptr && !std::isfinite(*f64)) {
    return sdk::Status::rejected("column " + column.name + ": the value " +
                                 (std::isnan(*f64) ? std::string("NaN") : "an infinity") +
                                 " cannot be stored in MySQL");
  }
  out.push_back(BoundValue{value, column.binary});
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

bool same_layout(const TableInfo& a, const TableInfo& b) {
  if (&a == &b) return true;
  if (a.schema != b.schema || a.table != b.table || a.columns.size() != b.columns.size()) {
    return false;
  }
  for (size_t i = 0; i < a.columns.size(); ++i) {
    if (a.columns[i].name != b.columns[i].name ||
        a.columns[i].generated != b.columns[i].generated ||
        a.columns[i].binary != b.columns[i].binary) {
      return false;
    }
  }
  return true;
}

sdk::Status render_dml(const Dml& dml, bool safe_mode, std::vector<Statement>& out) {
  if (auto status = check_width(dml); !status.is_ok()) return status;
  const TableInfo& table = *dml.table;
  Statement statement;
  sdk::Status status;
  switch (dml.type) {
    case DmlType::kInsert:
      statement.sql = upsert_head(safe_mode ? "REPLACE INTO" : "INSERT INTO", table);
      status = append_row(table, dml.new_values, statement);
      break;
    case DmlType::kDelete:
      status = render_delete(table, dml.old_values, statement);
      break;
    case DmlType::kUpdate:
      if (safe_mode) {
        status = render_delete(table, dml.old_values, statement);
        if (!status.is_ok()) break;
        out.push_back(std::move(statement));
        statement = Statement{};
        statement.sql = upsert_head("REPLACE INTO", table);
        status = append_row(table, dml.new_values, statement);
      } else {
        status = render_update(table, dml.old_values, dml.new_values, statement);
      }
      break;
  }
  if (!status.is_ok()) return name_table(table, std::move(status));
  out.push_back(std::move(statement));
  return sdk::Status::ok();
}

sdk::Status render_batch(const std::vector<Dml>& dmls, bool force_safe, size_t max_rows,
                         std::vector<Statement>& out, std::vector<size_t>& sources,
                         bool bulk_deletes) {
  max_rows = std::max<size_t>(max_rows, 1);
  for (size_t i = 0; i < dmls.size();) {
    const Dml& head = dmls[i];
    const bool safe = head.safe_mode || force_safe;
    if (bulk_deletes && head.type == DmlType::kDelete) {
      if (auto status = check_width(head); !status.is_ok()) return status;
      const KeyInfo* key = where_key(*head.table, head.old_values);
      if (key != nullptr && key->primary) {
        const size_t first = i;
        if (auto status = render_bulk_delete(dmls, *key, max_rows, i, out); !status.is_ok()) {
          return status;
        }
        sources.push_back(first);
        continue;
      }
    }
    if (head.type != DmlType::kInsert) {
      const size_t before = out.size();
      if (auto status = render_dml(head, safe, out); !status.is_ok()) return status;
      sources.insert(sources.end(), out.size() - before, i);
      ++i;
      continue;
    }
    const TableInfo& table = *head.table;
    const size_t per_row = std::max<size_t>(writable_columns(table), 1);
    const size_t limit = std::min(max_rows, std::max<size_t>(kMaxPlaceholders / per_row, 1));
    Statement statement;
    statement.sql = upsert_head(safe ? "REPLACE INTO" : "INSERT INTO", table);
    statement.params.reserve(per_row * std::min(limit, dmls.size() - i));
    size_t rows = 0;
    const size_t first = i;
    while (i < dmls.size() && rows < limit) {
      const Dml& dml = dmls[i];
      if (rows > 0 && (dml.type != DmlType::kInsert || (dml.safe_mode || force_safe) != safe ||
                       !same_layout(*dml.table, table))) {
        break;
      }
      if (auto status = check_width(dml); !status.is_ok()) return status;
      if (rows > 0) statement.sql += ',';
      if (auto status = append_row(table, dml.new_values, statement); !status.is_ok()) {
        return name_table(table, std::move(status));
      }
      ++rows;
      ++i;
    }
    out.push_back(std::move(statement));
    sources.push_back(first);
  }
  return sdk::Status::ok();
}

}  // namespace sluice::mysql
