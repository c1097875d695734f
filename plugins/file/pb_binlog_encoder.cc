#include "plugins/file/pb_binlog_encoder.h"

#include <bit>
#include <cassert>
#include <cctype>
#include <cstring>

namespace sluice::file {
namespace {

using sdk::Column;
using sdk::Event;
using sdk::EventType;
using sdk::Row;
using sdk::Transaction;
using sdk::Value;

// Datum codec flags (tidb util/codec/codec.go).
constexpr char kNilFlag = 0;
constexpr char kCompactBytesFlag = 2;
constexpr char kFloatFlag = 5;
constexpr char kVarintFlag = 8;
constexpr char kUvarintFlag = 9;

// Protobuf wire types.
constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireLen = 2;

// Field numbers of core/proto/pb_binlog.proto.
constexpr uint32_t kColumnName = 1, kColumnTp = 2, kColumnMysqlType = 3, kColumnValue = 4,
                   kColumnChangedValue = 5;
constexpr uint32_t kEventSchemaName = 1, kEventTableName = 2, kEventTp = 3, kEventRow = 4;
constexpr uint32_t kDmlDataEvents = 1;
constexpr uint32_t kBinlogTp = 1, kBinlogCommitTs = 2, kBinlogDmlData = 3, kBinlogDdlQuery = 4;
constexpr uint64_t kBinlogTypeDml = 0, kBinlogTypeDdl = 1;

size_t varint_size(uint64_t value) {
  size_t size = 1;
  while (value >= 0x80) {
    value >>= 7;
    ++size;
  }
  return size;
}

// Writes into memory sized beforehand by the *_size functions: no capacity checks per byte.
class Cursor {
 public:
  explicit Cursor(char* at) : at_(at) {}
  void byte(char value) { *at_++ = value; }
  void varint(uint64_t value) {
    while (value >= 0x80) {
      *at_++ = static_cast<char>(value | 0x80);
      value >>= 7;
    }
    *at_++ = static_cast<char>(value);
  }
  void bytes(std::string_view data) {
    if (!data.empty()) std::memcpy(at_, data.data(), data.size());
    at_ += data.size();
  }
  char* at() const { return at_; }

 private:
  char* at_;
};

uint64_t zigzag(int64_t value) {
  return (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
}

// Every field number here is below 16, so a tag is one byte.
void put_tag(Cursor& out, uint32_t field, uint32_t wire_type) {
  out.byte(static_cast<char>((field << 3) | wire_type));
}

// Size of a length-delimited field holding `size` bytes.
size_t len_field_size(size_t size) {
  return 1 + varint_size(size) + size;
}

void put_len_field(Cursor& out, uint32_t field, std::string_view bytes) {
  put_tag(out, field, kWireLen);
  out.varint(bytes.size());
  out.bytes(bytes);
}

size_t datum_size(const Value& value) {
  switch (value.kind()) {
    case SLUICE_VALUE_INT64:
      return 1 + varint_size(zigzag(value.as_int64()));
    case SLUICE_VALUE_UINT64:
      return 1 + varint_size(value.as_uint64());
    case SLUICE_VALUE_DOUBLE:
      return 9;
    case SLUICE_VALUE_BYTES: {
      const size_t size = value.as_bytes().size();
      return 1 + varint_size(zigzag(static_cast<int64_t>(size))) + size;
    }
    default:
      return 1;
  }
}

const sluice_value_t kNullValue{};

// The value at `index` of `row`, NULL for a row the event does not carry.
Value value_at(const Row& row, size_t index) {
  return row.present() && index < row.size() ? row[index] : Value(&kNullValue);
}

// What one column of one row event carries.
struct ColumnCell {
  Column column;
  Value value;
  const Value* changed_value;  // update only
};

size_t column_size(const ColumnCell& cell) {
  size_t size = len_field_size(cell.column.name().size()) + len_field_size(1) +
                len_field_size(cell.column.type_name().size()) +
                len_field_size(datum_size(cell.value));
  if (cell.changed_value != nullptr) size += len_field_size(datum_size(*cell.changed_value));
  return size;
}

void put_datum(Cursor& out, const Value& value) {
  switch (value.kind()) {
    case SLUICE_VALUE_INT64:
      out.byte(kVarintFlag);
      out.varint(zigzag(value.as_int64()));
      break;
    case SLUICE_VALUE_UINT64:
      out.byte(kUvarintFlag);
      out.varint(value.as_uint64());
      break;
    case SLUICE_VALUE_DOUBLE: {
      // codec.EncodeFloat: the sign bit set for non-negative numbers, all bits flipped for
      // negative ones, so that the bytes compare like the numbers; big-endian.
      const double number = value.as_double();
      uint64_t bits = std::bit_cast<uint64_t>(number);
      bits = number >= 0 ? bits | (uint64_t{1} << 63) : ~bits;
      out.byte(kFloatFlag);
      for (int shift = 56; shift >= 0; shift -= 8) {
        out.byte(static_cast<char>((bits >> shift) & 0xFF));
      }
      break;
    }
    case SLUICE_VALUE_BYTES: {
      const std::string_view bytes = value.as_bytes();
      out.byte(kCompactBytesFlag);
      out.varint(zigzag(static_cast<int64_t>(bytes.size())));
      out.bytes(bytes);
      break;
    }
    default:
      out.byte(kNilFlag);
  }
}

void put_column(Cursor& out, const ColumnCell& cell) {
  put_len_field(out, kColumnName, cell.column.name());
  const char type_byte = static_cast<char>(cell.column.mysql_type() & 0xFF);
  put_len_field(out, kColumnTp, std::string_view(&type_byte, 1));
  put_len_field(out, kColumnMysqlType, cell.column.type_name());
  put_tag(out, kColumnValue, kWireLen);
  out.varint(datum_size(cell.value));
  put_datum(out, cell.value);
  if (cell.changed_value != nullptr) {
    put_tag(out, kColumnChangedValue, kWireLen);
    out.varint(datum_size(*cell.changed_value));
    put_datum(out, *cell.changed_value);
  }
}

bool is_row_event(const Event& event) {
  const EventType type = event.type();
  return event.has_table() &&
         (type == EventType::kInsert || type == EventType::kUpdate || type == EventType::kDelete);
}

// Calls `visit(const ColumnCell&)` for each column the original emits for `event`, in order.
template <typename Visit>
void for_each_cell(const Event& event, Visit&& visit) {
  const Row old_row = event.old_values();
  const Row new_row = event.new_values();
  size_t index = 0;
  for (Column column : event.table().columns()) {
    const size_t at = index++;
    if ((column.flags() & SLUICE_COLUMN_GENERATED) != 0) continue;
    switch (event.type()) {
      case EventType::kInsert:
        visit(ColumnCell{column, value_at(new_row, at), nullptr});
        break;
      case EventType::kDelete:
        visit(ColumnCell{column, value_at(old_row, at), nullptr});
        break;
      default: {
        const Value changed = value_at(new_row, at);
        visit(ColumnCell{column, value_at(old_row, at), &changed});
      }
    }
  }
}

size_t event_size(const Event& event) {
  size_t size = len_field_size(event.schema_name().size()) +
                len_field_size(event.table_name().size()) + 2;  // tp: tag + one-byte enum
  for_each_cell(event, [&](const ColumnCell& cell) { size += len_field_size(column_size(cell)); });
  return size;
}

uint64_t event_type_number(EventType type) {
  switch (type) {
    case EventType::kUpdate:
      return 1;
    case EventType::kDelete:
      return 2;
    default:
      return 0;
  }
}

void put_event(Cursor& out, const Event& event) {
  put_len_field(out, kEventSchemaName, event.schema_name());
  put_len_field(out, kEventTableName, event.table_name());
  put_tag(out, kEventTp, kWireVarint);
  out.varint(event_type_number(event.type()));
  for_each_cell(event, [&](const ColumnCell& cell) {
    put_tag(out, kEventRow, kWireLen);
    out.varint(column_size(cell));
    put_column(out, cell);
  });
}

size_t binlog_header_size(uint64_t type, int64_t commit_ts) {
  return 2 + varint_size(type) + varint_size(static_cast<uint64_t>(commit_ts));
}

void put_binlog_header(Cursor& out, uint64_t type, int64_t commit_ts) {
  put_tag(out, kBinlogTp, kWireVarint);
  out.varint(type);
  put_tag(out, kBinlogCommitTs, kWireVarint);
  out.varint(static_cast<uint64_t>(commit_ts));  // int64: two's complement, as protobuf does
}

// Grows `out` by `size` bytes and returns a cursor at the start of them.
Cursor grow(std::string& out, size_t size) {
  const size_t start = out.size();
  out.resize(start + size);
  return Cursor(out.data() + start);
}

// Skips blanks and /* ... */ comments (not executable /*! ... */ ones) at the start of `text`.
std::string_view skip_blanks_and_comments(std::string_view text) {
  for (;;) {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
      text.remove_prefix(1);
    }
    if (text.starts_with("/*") && !text.starts_with("/*!")) {
      const size_t end = text.find("*/", 2);
      if (end == std::string_view::npos) return {};
      text.remove_prefix(end + 2);
      continue;
    }
    return text;
  }
}

// Consumes `word` (case-insensitive) followed by a non-identifier character.
bool take_word(std::string_view& text, std::string_view word) {
  if (text.size() < word.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != word[i]) return false;
  }
  if (text.size() > word.size()) {
    const unsigned char next = static_cast<unsigned char>(text[word.size()]);
    if (std::isalnum(next) || next == '_' || next == '$') return false;
  }
  text.remove_prefix(word.size());
  return true;
}

}  // namespace

void append_datum_value(const Value& value, std::string& out) {
  Cursor cursor = grow(out, datum_size(value));
  put_datum(cursor, value);
}

bool is_create_database(std::string_view query) {
  std::string_view text = skip_blanks_and_comments(query);
  if (!take_word(text, "create")) return false;
  text = skip_blanks_and_comments(text);
  return take_word(text, "database") || take_word(text, "schema");
}

std::string pb_binlog_ddl_query(std::string_view schema, std::string_view query) {
  std::string text;
  if (!schema.empty() && !is_create_database(query)) {
    // quoteName: backquotes, with backquotes inside doubled.
    text.reserve(schema.size() + query.size() + 10);
    text += "use `";
    for (char c : schema) {
      if (c == '`') text.push_back('`');
      text.push_back(c);
    }
    text += "`; ";
  }
  text.append(query);
  text.push_back(';');
  return text;
}

void append_pb_binlog(const Transaction& transaction, std::string& out) {
  for (Event event : transaction.events()) {
    if (event.type() != EventType::kDdl) continue;
    const std::string query = pb_binlog_ddl_query(event.schema_name(), event.ddl_query());
    Cursor cursor = grow(out, binlog_header_size(kBinlogTypeDdl, transaction.commit_ts()) +
                                  len_field_size(query.size()));
    put_binlog_header(cursor, kBinlogTypeDdl, transaction.commit_ts());
    put_len_field(cursor, kBinlogDdlQuery, query);
    return;
  }
  size_t dml_size = 0;
  for (Event event : transaction.events()) {
    if (is_row_event(event)) dml_size += len_field_size(event_size(event));
  }
  Cursor cursor = grow(
      out, binlog_header_size(kBinlogTypeDml, transaction.commit_ts()) + len_field_size(dml_size));
  put_binlog_header(cursor, kBinlogTypeDml, transaction.commit_ts());
  put_tag(cursor, kBinlogDmlData, kWireLen);
  cursor.varint(dml_size);
  for (Event event : transaction.events()) {
    if (!is_row_event(event)) continue;
    put_tag(cursor, kDmlDataEvents, kWireLen);
    cursor.varint(event_size(event));
    put_event(cursor, event);
  }
  assert(cursor.at() == out.data() + out.size());
}

}  // namespace sluice::file
