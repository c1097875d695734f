#include "core/codec/row_format.h"

#include <fmt/format.h>

#include <map>

#include "core/codec/byte_reader.h"
#include "core/codec/datum_codec.h"
#include "core/codec/json_binary.h"

namespace sluice::codec {
namespace {

Result<int64_t> column_id_of(const Datum& datum, size_t position) {
  if (datum.kind == DatumKind::kInt64) return datum.i64;
  if (datum.kind == DatumKind::kUint64 && datum.u64 <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(datum.u64);
  }
  return Status::corruption(fmt::format("row: column id at offset {} is {}, not an integer",
                                        position, to_debug_string(datum)));
}

Result<std::vector<ColumnDatum>> decode_pairs(ByteReader& reader) {
  std::vector<ColumnDatum> columns;
  if (reader.remaining() == 1 && reader.rest()[0] == '\0') return columns;  // empty-row marker
  while (!reader.empty()) {
    const size_t position = reader.position();
    SLUICE_ASSIGN_OR_RETURN(Datum id, decode_datum(reader));
    SLUICE_ASSIGN_OR_RETURN(int64_t column_id, column_id_of(id, position));
    if (reader.empty()) {
      return Status::corruption(
          fmt::format("row: column id {} at offset {} has no value", column_id, position));
    }
    SLUICE_ASSIGN_OR_RETURN(Datum value, decode_datum(reader));
    columns.push_back(ColumnDatum{column_id, std::move(value)});
  }
  return columns;
}

Status encode_pairs(std::string& out, const std::vector<ColumnDatum>& columns) {
  if (columns.empty()) {
    out.push_back('\0');
    return Status::ok();
  }
  for (const ColumnDatum& column : columns) {
    SLUICE_RETURN_IF_ERROR(encode_value(out, Datum::from_int64(column.column_id)));
    SLUICE_RETURN_IF_ERROR(encode_value(out, column.value));
  }
  return Status::ok();
}

int64_t load_signed_le(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i > 0; --i)
    value = (value << 8) | static_cast<uint8_t>(bytes[i - 1]);
  const int shift = static_cast<int>(64 - 8 * bytes.size());
  return shift == 0 ? static_cast<int64_t>(value)
                    : static_cast<int64_t>(value << shift) >> shift;  // sign-extend
}

uint64_t load_unsigned_le(std::string_view bytes) {
  uint64_t value = 0;
  for (size_t i = bytes.size(); i > 0; --i)
    value = (value << 8) | static_cast<uint8_t>(bytes[i - 1]);
  return value;
}

bool compact_size(size_t size) {
  return size == 1 || size == 2 || size == 4 || size == 8;
}

}  // namespace

Status encode_old_row(std::string& out, const std::vector<ColumnDatum>& columns) {
  return encode_pairs(out, columns);
}

Result<std::vector<ColumnDatum>> decode_old_row(std::string_view bytes) {
  ByteReader reader(bytes);
  return decode_pairs(reader);
}

Result<InsertedRow> decode_inserted_row(std::string_view bytes, size_t handle_datums) {
  ByteReader reader(bytes);
  InsertedRow row;
  for (size_t i = 0; i < handle_datums; ++i) {
    SLUICE_ASSIGN_OR_RETURN(Datum handle, decode_datum(reader));
    row.handle.push_back(std::move(handle));
  }
  SLUICE_ASSIGN_OR_RETURN(row.columns, decode_pairs(reader));
  return row;
}

Status encode_inserted_row(std::string& out, const std::vector<Datum>& handle,
                           const std::vector<ColumnDatum>& columns) {
  for (const Datum& datum : handle)
    SLUICE_RETURN_IF_ERROR(encode_value(out, datum));
  return encode_pairs(out, columns);
}

Result<UpdatedRow> decode_updated_row(std::string_view bytes) {
  SLUICE_ASSIGN_OR_RETURN(std::vector<ColumnDatum> all, decode_old_row(bytes));
  UpdatedRow row;
  std::map<int64_t, int> seen;
  for (ColumnDatum& column : all) {
    const int count = ++seen[column.column_id];
    if (count == 1) {
      row.old_columns.push_back(std::move(column));
    } else if (count == 2) {
      row.new_columns.push_back(std::move(column));
    } else {
      return Status::corruption(
          fmt::format("updated row: column id {} appears more than twice", column.column_id));
    }
  }
  return row;
}

Status encode_updated_row(std::string& out, const std::vector<ColumnDatum>& old_columns,
                          const std::vector<ColumnDatum>& new_columns) {
  // Each half is its own old-format row; an empty half would be the 0x00 marker, which TiDB never
  // writes inside an update, so both halves must have columns.
  if (old_columns.empty() || new_columns.empty()) {
    return Status::invalid_argument("an updated row needs old and new columns");
  }
  SLUICE_RETURN_IF_ERROR(encode_pairs(out, old_columns));
  return encode_pairs(out, new_columns);
}

Result<std::vector<RawColumn>> parse_new_row(std::string_view bytes) {
  ByteReader reader(bytes);
  SLUICE_ASSIGN_OR_RETURN(uint8_t version, reader.read_u8("new row version"));
  if (version != kNewRowFormatVersion) {
    return reader.error("new row",
                        fmt::format("version {} is not {}", version, kNewRowFormatVersion));
  }
  SLUICE_ASSIGN_OR_RETURN(uint8_t flags, reader.read_u8("new row flags"));
  const bool large = (flags & 1) != 0;
  SLUICE_ASSIGN_OR_RETURN(uint16_t not_null_count, reader.read_u16_le("new row not-null count"));
  SLUICE_ASSIGN_OR_RETURN(uint16_t null_count, reader.read_u16_le("new row null count"));
  const size_t total = static_cast<size_t>(not_null_count) + null_count;
  std::vector<RawColumn> columns(total);
  for (size_t i = 0; i < total; ++i) {
    if (large) {
      SLUICE_ASSIGN_OR_RETURN(uint32_t id, reader.read_u32_le("new row column id"));
      columns[i].column_id = id;
    } else {
      SLUICE_ASSIGN_OR_RETURN(uint8_t id, reader.read_u8("new row column id"));
      columns[i].column_id = id;
    }
    columns[i].is_null = i >= not_null_count;
  }
  std::vector<uint32_t> ends(not_null_count);
  for (size_t i = 0; i < not_null_count; ++i) {
    if (large) {
      SLUICE_ASSIGN_OR_RETURN(ends[i], reader.read_u32_le("new row offset"));
    } else {
      SLUICE_ASSIGN_OR_RETURN(uint16_t end, reader.read_u16_le("new row offset"));
      ends[i] = end;
    }
  }
  const std::string_view data = reader.rest();
  uint32_t start = 0;
  for (size_t i = 0; i < not_null_count; ++i) {
    if (ends[i] < start || ends[i] > data.size()) {
      return Status::corruption(fmt::format("new row: value {} ends at {}, outside [{}, {}]", i,
                                            ends[i], start, data.size()));
    }
    columns[i].bytes = data.substr(start, ends[i] - start);
    start = ends[i];
  }
  return columns;
}

Result<Datum> decode_new_format_value(std::string_view bytes, NewFormatKind kind) {
  switch (kind) {
    case NewFormatKind::kInt:
    case NewFormatKind::kDuration: {
      if (!compact_size(bytes.size())) {
        return Status::corruption(fmt::format("new row: integer of {} bytes", bytes.size()));
      }
      const int64_t value = load_signed_le(bytes);
      return kind == NewFormatKind::kInt ? Datum::from_int64(value) : Datum::from_duration(value);
    }
    case NewFormatKind::kUint:
    case NewFormatKind::kTime: {
      if (!compact_size(bytes.size())) {
        return Status::corruption(fmt::format("new row: unsigned of {} bytes", bytes.size()));
      }
      return Datum::from_uint64(load_unsigned_le(bytes));
    }
    case NewFormatKind::kFloat: {
      if (bytes.size() != 8) {
        return Status::corruption(fmt::format("new row: float of {} bytes", bytes.size()));
      }
      std::string flagged(1, static_cast<char>(DatumFlag::kFloat));
      flagged += bytes;
      ByteReader reader(flagged);
      return decode_datum(reader);
    }
    case NewFormatKind::kBytes:
      return Datum::from_bytes(std::string(bytes));
    case NewFormatKind::kDecimal: {
      std::string flagged(1, static_cast<char>(DatumFlag::kDecimal));
      flagged += bytes;
      ByteReader reader(flagged);
      SLUICE_ASSIGN_OR_RETURN(Datum datum, decode_datum(reader));
      if (!reader.empty()) return Status::corruption("new row: trailing bytes after decimal");
      return datum;
    }
    case NewFormatKind::kJson: {
      SLUICE_ASSIGN_OR_RETURN(size_t length, json_binary_length(bytes));
      if (length != bytes.size()) return Status::corruption("new row: trailing bytes after json");
      return Datum::from_json_binary(std::string(bytes));
    }
  }
  return Status::internal("decode_new_format_value: unknown kind");
}

}  // namespace sluice::codec
