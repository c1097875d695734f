#pragma once
// DML -> SQL with '?' placeholders plus the values to bind, as the original drainer's loader
// renders it (facts §6, "SQL sinks"):
//   INSERT INTO t (cols) VALUES (?,..)[,(?,..)...]        REPLACE INTO in safe mode
//   UPDATE t SET c = ?, ... WHERE <key> LIMIT 1           DELETE ... LIMIT 1 + REPLACE in safe mode
//   DELETE FROM t WHERE <key> LIMIT 1
// <key> is the first unique key (PRIMARY first) whose old values are all non-NULL, else every
// column (NULLs compared with IS NULL). Values are never written into the SQL text: the driver
// binds them (mysql_connection.h). Identifiers are quoted in backticks. Pure functions;
// thread-safe.

#include <sluice/sdk/plugin.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "plugins/mysql/dml.h"
#include "plugins/mysql/mysql_connection.h"

namespace sluice::mysql {

// One statement: SQL text with '?' placeholders and one value per placeholder, in order.
struct Statement {
  std::string sql;
  BoundValues params;
  bool operator==(const Statement&) const = default;
};

// A prepared statement takes at most 65535 placeholders (the protocol's 2-byte parameter count).
inline constexpr size_t kMaxPlaceholders = 65535;

// `name` with backticks doubled, in backticks.
std::string quote_identifier(std::string_view name);
// `schema`.`table`
std::string quote_table(const TableInfo& table);
// X'..' for display of bytes (reparo's print mode); statements bind values instead.
std::string hex_literal(std::string_view bytes);

// Appends the bound value for `value` in `column`. Fails (REJECTED) for a NaN or infinite double,
// which no MySQL column can store.
sdk::Status bind_value(const SqlValue& value, const ColumnInfo& column, BoundValues& out);

// The key used in WHERE for these (old) values: the first key whose values are all non-NULL, or
// nullptr for "every column".
const KeyInfo* where_key(const TableInfo& table, const std::vector<SqlValue>& values);

// True when rows of `a` and `b` render to the same column list (same table, same columns).
bool same_layout(const TableInfo& a, const TableInfo& b);

// The statements that apply `dml` (one, or two for an UPDATE in safe mode), appended to `out`.
// `safe_mode` is dml.safe_mode or a forced replay. Fails (REJECTED) on an unrenderable value or a
// row whose size does not match its table.
sdk::Status render_dml(const Dml& dml, bool safe_mode, std::vector<Statement>& out);

// The statements for a downstream transaction's DMLs in order, appended to `out`: runs of
// consecutive inserts into the same table (same layout and safe mode) become one multi-row
// INSERT/REPLACE (at most `max_rows` rows, and never more than kMaxPlaceholders values); every
// other DML renders as render_dml does. `sources[k]` is the index in `dmls` of the first DML of
// out[k] (for error messages). `force_safe` applies safe mode to all. With `bulk_deletes` (merge
// mode) runs of deletes from one table keyed by its primary key become one
// `DELETE FROM t WHERE pk IN (?,..)` (`(a,b) IN ((?,?),..)` for a composite key).
sdk::Status render_batch(const std::vector<Dml>& dmls, bool force_safe, size_t max_rows,
                         std::vector<Statement>& out, std::vector<size_t>& sources,
                         bool bulk_deletes = false);

}  // namespace sluice::mysql
