#pragma once
// Row payloads inside TiDB binlog mutations.
//
// Old format (what TiDB's binlog path writes): a flat sequence of (column id, value) datum pairs,
// the id varint-flagged; an empty row is the single byte 0x00. Inserted rows carry the handle
// datum(s) first; updated rows carry the old image then the new one; deleted rows the full row.
// New format (TiDB's rowcodec, first byte 128): parsed into per-column raw bytes, which need the
// column's type to become datums (see decode_new_format_value).
// Untrusted bytes: every malformed input is a Corruption status. Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/codec/datum.h"
#include "core/common/result.h"

namespace sluice::codec {

inline constexpr uint8_t kNewRowFormatVersion = 128;
// The column id TiDB uses for the int handle of tables without an integer primary key.
inline constexpr int64_t kExtraHandleColumnId = -1;

struct ColumnDatum {
  int64_t column_id = 0;
  Datum value;
  bool operator==(const ColumnDatum&) const = default;
};

// Appends an old-format row; no columns gives the empty-row marker 0x00.
Status encode_old_row(std::string& out, const std::vector<ColumnDatum>& columns);
// Decodes an old-format row (no handle prefix).
Result<std::vector<ColumnDatum>> decode_old_row(std::string_view bytes);

struct InsertedRow {
  std::vector<Datum> handle;  // one datum (int handle) or the clustered key's datums
  std::vector<ColumnDatum> columns;
};
// `handle_datums`: 1 for int handles, the number of primary-key columns for clustered tables.
Result<InsertedRow> decode_inserted_row(std::string_view bytes, size_t handle_datums);
Status encode_inserted_row(std::string& out, const std::vector<Datum>& handle,
                           const std::vector<ColumnDatum>& columns);

struct UpdatedRow {
  std::vector<ColumnDatum> old_columns;
  std::vector<ColumnDatum> new_columns;
};
// The first occurrence of a column id is the old value, the second the new one.
Result<UpdatedRow> decode_updated_row(std::string_view bytes);
Status encode_updated_row(std::string& out, const std::vector<ColumnDatum>& old_columns,
                          const std::vector<ColumnDatum>& new_columns);

// True when `bytes` is in the new row format (rowcodec).
inline bool is_new_row_format(std::string_view bytes) {
  return !bytes.empty() && static_cast<uint8_t>(bytes[0]) == kNewRowFormatVersion;
}

struct RawColumn {
  int64_t column_id = 0;
  bool is_null = false;
  std::string_view bytes;  // points into the row; empty for nulls
};
// Splits a new-format row into its columns (not-null ones first, as stored).
Result<std::vector<RawColumn>> parse_new_row(std::string_view bytes);

// How a new-format value is stored, chosen from the column's MySQL type.
enum class NewFormatKind { kInt, kUint, kFloat, kBytes, kDecimal, kTime, kDuration, kJson };
Result<Datum> decode_new_format_value(std::string_view bytes, NewFormatKind kind);

}  // namespace sluice::codec
