#pragma once
// The statement text a DDL job carries (job.Query, Binlog.ddl_query), written as a MySQL client
// would type it, so SQL sinks can replay it: column types in TiDB's spelling ("int(11)",
// "varchar(64)", "decimal(10,2)"), quoted identifiers, TiDB's /*T![clustered_index] ... */ comment
// for an explicit clustering choice. Pure functions; thread-safe.

#include <string>
#include <string_view>

#include "core/schema/table_info.h"

namespace sluice::producer {

// "`name`" with backticks doubled.
std::string quote_identifier(std::string_view name);
// "'text'" with quotes and backslashes escaped.
std::string quote_string(std::string_view text);

// TiDB's type text of a column: "bigint(20) unsigned", "varchar(64)", "enum('a','b')".
std::string column_type_text(const schema::ColumnInfo& column);
// A column definition: "`c` int(11) NOT NULL DEFAULT '1'".
std::string column_definition_text(const schema::ColumnInfo& column);

}  // namespace sluice::producer
