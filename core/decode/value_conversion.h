#pragma once
// Turns decoded TiDB datums into the values a sink receives (sluice_value_t), according to the
// column's type: unsigned integers reinterpret, packed times and durations become MySQL text
// (TIMESTAMP stays in UTC, as TiDB's binlog stores it), decimals and JSON become text, ENUM/SET/BIT
// stay numeric, strings stay views of the input. Formatted text goes to the arena. Thread-safe as
// long as each thread has its own arena.

#include "core/codec/datum.h"
#include "core/codec/datum_view.h"
#include "core/codec/row_format.h"
#include "core/decode/row_change.h"
#include "core/decode/text_arena.h"
#include "core/schema/table_info.h"

namespace sluice::decode {

// `datum.bytes` must outlive the returned value (it is not copied for plain strings).
Result<sluice_value_t> to_value(const codec::DatumView& datum, const schema::ColumnInfo& column,
                                TextArena& arena);
// For owned datums (handles): strings are copied into the arena.
Result<sluice_value_t> to_value(const codec::Datum& datum, const schema::ColumnInfo& column,
                                TextArena& arena);

// The value stored for a column missing from a row: the column's origin default, else NULL for
// nullable columns, else the type's zero value.
sluice_value_t missing_column_value(const schema::ColumnInfo& column, TextArena& arena);

// How the new row format stores a value of this column's type.
codec::NewFormatKind new_format_kind(const schema::ColumnInfo& column);

}  // namespace sluice::decode
