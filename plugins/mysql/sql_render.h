#pragma once
// DML -> SQL text, as the original drainer's loader renders it (facts §6, "SQL sinks"):
//   INSERT INTO t (cols) VALUES (...)                     REPLACE INTO in safe mode
//   UPDATE t SET c = v, ... WHERE <key> LIMIT 1           DELETE ... LIMIT 1 + REPLACE in safe mode
//   DELETE FROM t WHERE <key> LIMIT 1
// <key> is the first unique key (PRIMARY first) whose old values are all non-NULL, else every
// column (NULLs compared with IS NULL). Values become literals: integers and doubles as numbers,
// bytes of binary columns as hex literals (binary-safe in every sql_mode), other bytes as quoted
// strings escaped for the session's NO_BACKSLASH_ESCAPES setting. Pure functions; thread-safe.

#include <sluice/sdk/plugin.h>

#include <string>
#include <string_view>
#include <vector>

#include "plugins/mysql/dml.h"

namespace sluice::mysql {

struct RenderOptions {
  // False when the session's sql_mode has NO_BACKSLASH_ESCAPES: quotes are then doubled only.
  bool backslash_escapes = true;
};

// `name` with backticks doubled, in backticks.
std::string quote_identifier(std::string_view name);
// `schema`.`table`
std::string quote_table(const TableInfo& table);
// A string literal: '...' escaped per `options`.
std::string quote_string(std::string_view text, const RenderOptions& options);
// A hex literal X'..' for bytes of a binary column.
std::string hex_literal(std::string_view bytes);

// Appends the SQL literal for `value` in `column`. Fails (REJECTED) for a NaN or infinite double,
// which no MySQL column can store.
sdk::Status render_value(const SqlValue& value, const ColumnInfo& column,
                         const RenderOptions& options, std::string& out);

// The key used in WHERE for these (old) values: the first key whose values are all non-NULL, or
// nullptr for "every column".
const KeyInfo* where_key(const TableInfo& table, const std::vector<SqlValue>& values);

// The statements that apply `dml` (one, or two for an UPDATE in safe mode), appended to `out`.
// `safe_mode` is dml.safe_mode or a forced replay. Fails (REJECTED) on an unrenderable value or a
// row whose size does not match its table.
sdk::Status render_dml(const Dml& dml, bool safe_mode, const RenderOptions& options,
                       std::vector<std::string>& out);

}  // namespace sluice::mysql
