#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <string_view>

namespace sluice::translators {
namespace {

using sdk::Column;
using sdk::Event;
using sdk::EventType;
using sdk::Key;
using sdk::Row;
using sdk::Table;
using sdk::Transaction;
using sdk::Value;

// Protobuf wire types.
constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireFixed64 = 1;
constexpr uint32_t kWireLen = 2;

// Field numbers of core/proto/secondary_binlog.proto (all below 16: one-byte tags).
constexpr uint32_t kColumnIsNull = 1, kColumnInt64 = 2, kColumnUint64 = 3, kColumnDouble = 4,
                   kColumnBytes = 5, kColumnString = 6;
constexpr uint32_t kInfoName = 1, kInfoMysqlType = 2, kInfoIsPrimaryKey = 3, kInfoFlen = 4,
                   kInfoDecimal = 5;
constexpr uint32_t kRowColumns = 1;
constexpr uint32_t kTableSchema = 1, kTableName = 2, kTableColumnInfo = 3, kTableMutations = 4,
                   kTableUniqueKeys = 5;
constexpr uint32_t kKeyName = 1, kKeyColumnNames = 2;
constexpr uint32_t kMutationType = 1, kMutationRow = 2, kMutationChangeRow = 3;
constexpr uint32_t kDmlTables = 1;
constexpr uint32_t kDdlSchema = 1, kDdlTable = 2, kDdlQuery = 3;
constexpr uint32_t kBinlogType = 1, kBinlogCommitTs = 2, kBinlogDml = 3, kBinlogDdl = 4;
constexpr uint64_t kTypeDml = 0, kTypeDdl = 1;
constexpr uint64_t kMutationInsert = 0, kMutationUpdate = 1, kMutationDelete = 2;

// Appends protobuf fields to a string; nested messages get their length patched in at the end.
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}

  void tag(uint32_t field, uint32_t wire_type) {
    out_.push_back(static_cast<char>((field << 3) | wire_type));
  }
  void varint(uint64_t value) {
    while (value >= 0x80) {
      out_.push_back(static_cast<char>(value | 0x80));
      value >>= 7;
    }
    out_.push_back(static_cast<char>(value));
  }
  void varint_field(uint32_t field, uint64_t value) {
    tag(field, kWireVarint);
    varint(value);
  }
  // int32/int64 fields: negative values are sign-extended to 10 bytes, as protobuf does.
  void int_field(uint32_t field, int64_t value) {
    varint_field(field, static_cast<uint64_t>(value));
  }
  void bytes_field(uint32_t field, std::string_view bytes) {
    tag(field, kWireLen);
    varint(bytes.size());
    out_.append(bytes);
  }
  void double_field(uint32_t field, double value) {
    tag(field, kWireFixed64);
    const auto bits = std::bit_cast<uint64_t>(value);
    for (int shift = 0; shift < 64; shift += 8)
      out_.push_back(static_cast<char>((bits >> shift) & 0xFF));
  }
  // Starts a length-delimited sub-message; returns where its content starts.
  size_t begin(uint32_t field) {
    tag(field, kWireLen);
    out_.push_back('\0');  // one length byte, widened in end() when needed
    return out_.size();
  }
  void end(size_t start) {
    const size_t length = out_.size() - start;
    if (length < 0x80) {
      out_[start - 1] = static_cast<char>(length);
      return;
    }
    char digits[10];
    size_t count = 0;
    uint64_t value = length;
    while (value >= 0x80) {
      digits[count++] = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    digits[count++] = static_cast<char>(value);
    out_.insert(start, count - 1, '\0');
    std::memcpy(out_.data() + start - 1, digits, count);
  }

 private:
  std::string& out_;
};

// How the original maps a value, by the column's mysql_type.
enum class Kind { kString, kBytes, kInteger, kDouble, kEnumSet, kBit, kYear };

Kind kind_of(std::string_view type) {
  if (type == "tinyint" || type == "smallint" || type == "mediumint" || type == "int" ||
      type == "bigint") {
    return Kind::kInteger;
  }
  if (type == "float" || type == "double") return Kind::kDouble;
  if (type == "enum" || type == "set") return Kind::kEnumSet;
  if (type == "bit") return Kind::kBit;
  if (type == "year") return Kind::kYear;
  if (type == "blob" || type == "tinyblob" || type == "mediumblob" || type == "longblob" ||
      type == "binary" || type == "varbinary" || type == "json") {
    return Kind::kBytes;
  }
  return Kind::kString;  // date and time types, decimal, text kinds, geometry, unknown
}

template <typename Number>
std::string_view decimal_text(Number number, char (&buffer)[32]) {
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), number);
  return {buffer, static_cast<size_t>(result.ptr - buffer)};
}

// A value that does not have the kind its type calls for is written as text (or bytes).
void put_as_text(Writer& out, uint32_t field, const Value& value) {
  char buffer[32];
  switch (value.kind()) {
    case SLUICE_VALUE_INT64:
      out.bytes_field(field, decimal_text(value.as_int64(), buffer));
      break;
    case SLUICE_VALUE_UINT64:
      out.bytes_field(field, decimal_text(value.as_uint64(), buffer));
      break;
    case SLUICE_VALUE_DOUBLE:
      out.bytes_field(field, decimal_text(value.as_double(), buffer));
      break;
    default:
      out.bytes_field(field, value.as_bytes());
  }
}

// The content of one Column message.
void put_column(Writer& out, const Column& column, const Value& value) {
  if (value.kind() == SLUICE_VALUE_NULL) {
    out.varint_field(kColumnIsNull, 1);
    return;
  }
  const bool is_unsigned = column.is_unsigned();
  switch (kind_of(column.type_name())) {
    case Kind::kInteger:
      if (value.kind() == SLUICE_VALUE_INT64 || value.kind() == SLUICE_VALUE_UINT64) {
        const uint64_t bits = value.kind() == SLUICE_VALUE_INT64
                                  ? static_cast<uint64_t>(value.as_int64())
                                  : value.as_uint64();
        out.varint_field(is_unsigned ? kColumnUint64 : kColumnInt64, bits);
        return;
      }
      break;
    case Kind::kDouble:
      if (value.kind() == SLUICE_VALUE_DOUBLE) {
        out.double_field(kColumnDouble, value.as_double());
        return;
      }
      break;
    case Kind::kEnumSet:
      if (value.kind() == SLUICE_VALUE_UINT64 || value.kind() == SLUICE_VALUE_INT64) {
        out.varint_field(kColumnUint64, value.as_uint64());
        return;
      }
      break;
    case Kind::kBit:
      if (value.kind() == SLUICE_VALUE_UINT64 || value.kind() == SLUICE_VALUE_INT64) {
        // TiDB's BinaryLiteral of the bit value: (flen+7)/8 big-endian bytes; without a declared
        // width, the significant bytes (at least one).
        const uint64_t bits = value.as_uint64();
        size_t width = column.length() > 0 ? (static_cast<size_t>(column.length()) + 7) / 8 : 0;
        if (width == 0 || width > 8) {
          width = width > 8 ? 8 : std::max<size_t>(1, (64 - std::countl_zero(bits) + 7) / 8);
        }
        char bytes[8];
        for (size_t i = 0; i < width; ++i)
          bytes[i] = static_cast<char>((bits >> (8 * (width - 1 - i))) & 0xFF);
        out.bytes_field(kColumnBytes, std::string_view(bytes, width));
        return;
      }
      out.bytes_field(kColumnBytes, value.as_bytes());
      return;
    case Kind::kBytes:
      put_as_text(out, kColumnBytes, value);
      return;
    case Kind::kYear:
    case Kind::kString:
      break;
  }
  put_as_text(out, kColumnString, value);
}

const sluice_value_t kNullValue{};

void put_row(Writer& out, uint32_t field, const Table& table, const Row& row) {
  const size_t row_start = out.begin(field);
  size_t index = 0;
  for (Column column : table.columns()) {
    const Value value = index < row.size() ? row[index] : Value(&kNullValue);
    ++index;
    const size_t start = out.begin(kRowColumns);
    put_column(out, column, value);
    out.end(start);
  }
  out.end(row_start);
}

void put_mutation(Writer& out, const Event& event) {
  const size_t start = out.begin(kTableMutations);
  const Table table = event.table();
  switch (event.type()) {
    case EventType::kInsert:
      out.varint_field(kMutationType, kMutationInsert);
      put_row(out, kMutationRow, table, event.new_values());
      break;
    case EventType::kUpdate:
      out.varint_field(kMutationType, kMutationUpdate);
      put_row(out, kMutationRow, table, event.new_values());
      put_row(out, kMutationChangeRow, table, event.old_values());
      break;
    default:
      out.varint_field(kMutationType, kMutationDelete);
      put_row(out, kMutationRow, table, event.old_values());
      break;
  }
  out.end(start);
}

bool is_row_event(const Event& event) {
  const EventType type = event.type();
  return event.has_table() &&
         (type == EventType::kInsert || type == EventType::kUpdate || type == EventType::kDelete);
}

// The Table entry of a run of row events on one table: [first, last).
template <typename Range>
void put_table(Writer& out, const Range& events, size_t first, size_t last) {
  const Table table = events[first].table();
  const size_t start = out.begin(kDmlTables);
  out.bytes_field(kTableSchema, table.schema_name());
  out.bytes_field(kTableName, table.table_name());
  for (Column column : table.columns()) {
    const size_t info = out.begin(kTableColumnInfo);
    out.bytes_field(kInfoName, column.name());
    out.bytes_field(kInfoMysqlType, column.type_name());
    out.varint_field(kInfoIsPrimaryKey, column.is_primary_key() ? 1 : 0);
    out.int_field(kInfoFlen, column.length());
    out.int_field(kInfoDecimal, column.decimals());
    out.end(info);
  }
  for (size_t i = first; i < last; ++i)
    put_mutation(out, events[i]);
  const auto columns = table.columns();
  for (Key key : table.keys()) {
    const size_t key_start = out.begin(kTableUniqueKeys);
    out.bytes_field(kKeyName, key.name());
    for (uint32_t index : key.column_indexes()) {
      if (index < columns.size()) out.bytes_field(kKeyColumnNames, columns[index].name());
    }
    out.end(key_start);
  }
  out.end(start);
}

}  // namespace

void append_secondary_binlog(const Transaction& transaction, std::string& out) {
  Writer writer(out);
  const auto events = transaction.events();
  for (Event event : events) {
    if (event.type() != EventType::kDdl) continue;
    writer.varint_field(kBinlogType, kTypeDdl);
    writer.int_field(kBinlogCommitTs, transaction.commit_ts());
    const size_t start = writer.begin(kBinlogDdl);
    writer.bytes_field(kDdlSchema, event.schema_name());
    writer.bytes_field(kDdlTable, event.table_name());
    writer.bytes_field(kDdlQuery, event.ddl_query());
    writer.end(start);
    return;
  }
  writer.varint_field(kBinlogType, kTypeDml);
  writer.int_field(kBinlogCommitTs, transaction.commit_ts());
  const size_t dml = writer.begin(kBinlogDml);
  size_t index = 0;
  while (index < events.size()) {
    if (!is_row_event(events[index])) {
      ++index;
      continue;
    }
    const sluice_table_t* table = events[index].raw()->table;
    size_t last = index + 1;
    while (last < events.size() && is_row_event(events[last]) &&
           events[last].raw()->table == table) {
      ++last;
    }
    put_table(writer, events, index, last);
    index = last;
  }
  writer.end(dml);
}

}  // namespace sluice::translators
