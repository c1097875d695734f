#pragma once
// Conversion of a caller's Value to the datum TiDB's binlog path writes for a column, after
// TiDB's "flatten": DATE/DATETIME/TIMESTAMP -> packed uint64 (TIMESTAMP taken as UTC), TIME ->
// nanoseconds int64, ENUM/SET/BIT -> uint64, FLOAT -> the float32 value widened to double,
// DECIMAL -> decimal datum with the column's precision and scale, JSON -> binary JSON. Values of a
// kind the column does not take, or out of its range, are InvalidArgument with a message that
// names the expected and the given value (the caller adds table and column).
// Pure functions; thread-safe.

#include <string_view>

#include "core/codec/datum.h"
#include "core/common/result.h"
#include "core/schema/table_info.h"
#include "sdk/producer/value.h"

namespace sluice::producer {

Result<codec::Datum> to_datum(const schema::ColumnInfo& column, const Value& value);

// The datum of a column default as TiDB stores it in ColumnInfo (text), e.g. "0", "abc",
// "2024-01-01 00:00:00".
Result<codec::Datum> default_to_datum(const schema::ColumnInfo& column, std::string_view text);

// Column type classes, after MySQL's type bytes.
bool is_integer_type(uint8_t mysql_type);  // TINYINT .. BIGINT (not YEAR)
bool is_string_type(uint8_t mysql_type);   // CHAR, VARCHAR, TEXT/BLOB kinds
bool is_time_type(uint8_t mysql_type);     // DATE, DATETIME, TIMESTAMP

}  // namespace sluice::producer
