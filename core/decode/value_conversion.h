#pragma once
// Turns a decoded TiDB datum into the neutral value a sink receives, according to the column's
// type: unsigned integers reinterpret, packed times and durations become MySQL text (TIMESTAMP
// stays in UTC, as TiDB's binlog stores it), JSON becomes text, ENUM/SET/BIT stay numeric.
// Pure functions; thread-safe.

#include <string_view>

#include "core/codec/datum.h"
#include "core/codec/row_format.h"
#include "core/decode/row_change.h"
#include "core/schema/table_info.h"

namespace sluice::decode {

Result<NeutralValue> to_neutral(const codec::Datum& datum, const schema::ColumnInfo& column);

// The value stored for a column missing from a row: the column's origin default, else NULL for
// nullable columns, else the type's zero value.
Result<NeutralValue> missing_column_value(const schema::ColumnInfo& column);

// How the new row format stores a value of this column's type.
codec::NewFormatKind new_format_kind(const schema::ColumnInfo& column);

}  // namespace sluice::decode
