// canal-json: a translator encoding each transaction as Canal "flat message" JSON objects, the
// format Alibaba Canal's Kafka output writes and TiCDC's canal-json protocol follows, one object
// per line ("\n" after each). A run of consecutive row events of the same type on the same table
// becomes one object whose "data" holds the rows in order; a DDL becomes one object.
//
//   {"id":0,"database":"test","table":"kv","pkNames":["k"],"isDdl":false,"type":"UPDATE",
//    "es":1639633094670,"ts":1639633094670,"sql":"","sqlType":{"k":4,"v":12},
//    "mysqlType":{"k":"int","v":"varchar(20)"},"data":[{"k":"1","v":"y"}],
//    "old":[{"k":"1","v":"x"}],"_tidb":{"commitTs":429..}}
// - "type": INSERT, UPDATE, DELETE; for DDL the statement's kind: CREATE, ALTER, ERASE (DROP
//   TABLE), TRUNCATE, RENAME, CINDEX, DINDEX, else QUERY; a DDL has "isDdl":true, the statement in
//   "sql", and null pkNames, sqlType, mysqlType, data and old.
// - "data": INSERT the new rows, UPDATE the new rows, DELETE the deleted rows; "old": UPDATE the
//   old rows (every column, as TiCDC writes), otherwise null.
// - Values are strings or null: integers in decimal, doubles in their shortest exact form, ENUM
//   as the member's name, SET as member names joined by ',', binary strings as ISO-8859-1 (each
//   byte one code point, as Canal decodes them), text as UTF-8 (invalid bytes become U+FFFD).
// - "es" and "ts" are the commit time in milliseconds (commit_ts >> 18), so output is
//   deterministic; "_tidb.commitTs" is the commit_ts.
// - "sqlType" holds java.sql.Types codes by column (Canal's mapping), "mysqlType" the column type
//   with its declared length ("varchar(20)", "decimal(10,2)", "int unsigned").
// No config keys. Content type: application/json (one object per line).
#include <sluice/sdk/plugin.h>

#include <cctype>
#include <charconv>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace {

using sluice::sdk::Column;
using sluice::sdk::Config;
using sluice::sdk::Event;
using sluice::sdk::EventType;
using sluice::sdk::Host;
using sluice::sdk::Output;
using sluice::sdk::Row;
using sluice::sdk::Status;
using sluice::sdk::Table;
using sluice::sdk::Transaction;
using sluice::sdk::Value;
using Json = nlohmann::ordered_json;

// TiDB commit timestamps hold milliseconds above 18 logical bits.
constexpr int kPhysicalShiftBits = 18;

bool is_binary(const Column& column) {
  return (column.flags() & SLUICE_COLUMN_BINARY) != 0 || column.charset() == "binary";
}

// java.sql.Types codes as Canal assigns them by MySQL protocol type.
int sql_type(const Column& column) {
  switch (column.mysql_type()) {
    case 1:  // TINY
      return -6;
    case 2:  // SHORT
      return 5;
    case 3:  // LONG
    case 9:  // INT24
      return 4;
    case 8:  // LONGLONG
      return -5;
    case 4:  // FLOAT
      return 7;
    case 5:  // DOUBLE
      return 8;
    case 0:    // DECIMAL
    case 246:  // NEWDECIMAL
      return 3;
    case 16:  // BIT
      return -7;
    case 10:  // DATE
    case 14:  // NEWDATE
      return 91;
    case 7:   // TIMESTAMP
    case 12:  // DATETIME
      return 93;
    case 11:  // TIME
      return 92;
    case 13:  // YEAR
      return 12;
    case 247:  // ENUM
    case 248:  // SET
      return 4;
    case 249:  // TINY_BLOB
    case 250:  // MEDIUM_BLOB
    case 251:  // LONG_BLOB
    case 252:  // BLOB
      return is_binary(column) ? 2004 : 2005;
    case 254:  // STRING
      return is_binary(column) ? 2004 : 1;
    case 255:  // GEOMETRY
      return 2004;
    default:  // VARCHAR, VAR_STRING, JSON
      return is_binary(column) ? 2004 : 12;
  }
}

std::string mysql_type_text(const Column& column) {
  std::string text(column.type_name());
  const bool sized = text == "char" || text == "varchar" || text == "binary" ||
                     text == "varbinary" || text == "bit";
  if (text == "decimal" && column.length() > 0) {
    text += "(" + std::to_string(column.length()) + "," +
            std::to_string(column.decimals() < 0 ? 0 : column.decimals()) + ")";
  } else if (sized && column.length() > 0) {
    text += "(" + std::to_string(column.length()) + ")";
  }
  if (column.is_unsigned()) text += " unsigned";
  return text;
}

// ENUM/SET members from the column's elements text ("a,b,c").
std::vector<std::string_view> members(std::string_view text) {
  std::vector<std::string_view> items;
  while (!text.empty()) {
    const size_t comma = text.find(',');
    items.push_back(text.substr(0, comma));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return items;
}

std::string latin1_to_utf8(std::string_view bytes) {
  std::string text;
  text.reserve(bytes.size());
  for (unsigned char byte : bytes) {
    if (byte < 0x80) {
      text.push_back(static_cast<char>(byte));
    } else {
      text.push_back(static_cast<char>(0xC0 | (byte >> 6)));
      text.push_back(static_cast<char>(0x80 | (byte & 0x3F)));
    }
  }
  return text;
}

template <typename Number>
std::string number_text(Number number) {
  char buffer[32];
  const auto result = std::to_chars(buffer, buffer + sizeof(buffer), number);
  return std::string(buffer, result.ptr);
}

// The elements text of column `index` of `table` (the SDK view does not expose it).
std::string_view elements_text(const sluice_table_t* table, size_t index) {
  const size_t stride = table->column_size ? table->column_size : sizeof(sluice_column_t);
  const auto* column = reinterpret_cast<const sluice_column_t*>(
      reinterpret_cast<const unsigned char*>(table->columns) + index * stride);
  return sluice::sdk::view(column->elements_text);
}

Json value_json(const Column& column, std::string_view elements, const Value& value) {
  const std::string_view type = column.type_name();
  switch (value.kind()) {
    case SLUICE_VALUE_INT64:
      return number_text(value.as_int64());
    case SLUICE_VALUE_UINT64: {
      const uint64_t number = value.as_uint64();
      if (type == "enum") {
        const auto names = members(elements);
        if (number == 0) return "";
        if (number <= names.size()) return std::string(names[number - 1]);
      } else if (type == "set") {
        const auto names = members(elements);
        std::string joined;
        for (size_t bit = 0; bit < names.size() && bit < 64; ++bit) {
          if ((number >> bit) & 1) {
            if (!joined.empty()) joined.push_back(',');
            joined.append(names[bit]);
          }
        }
        return joined;
      }
      return number_text(number);
    }
    case SLUICE_VALUE_DOUBLE:
      return number_text(value.as_double());
    case SLUICE_VALUE_BYTES:
      if (is_binary(column)) return latin1_to_utf8(value.as_bytes());
      return std::string(value.as_bytes());  // dump() replaces invalid UTF-8
    default:
      return nullptr;
  }
}

Json row_json(const Event& event, const Row& row) {
  const Table table = event.table();
  Json object = Json::object();
  size_t index = 0;
  for (Column column : table.columns()) {
    object[std::string(column.name())] =
        index < row.size()
            ? value_json(column, elements_text(event.raw()->table, index), row[index])
            : Json(nullptr);
    ++index;
  }
  return object;
}

// The first word(s) of a DDL statement as Canal names the event.
std::string ddl_type(std::string_view query) {
  std::vector<std::string> words;
  size_t at = 0;
  while (words.size() < 3 && at < query.size()) {
    while (at < query.size() && !std::isalpha(static_cast<unsigned char>(query[at])))
      ++at;
    std::string word;
    while (at < query.size() && std::isalpha(static_cast<unsigned char>(query[at])))
      word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(query[at++]))));
    if (!word.empty()) words.push_back(std::move(word));
  }
  auto word = [&](size_t i) { return i < words.size() ? words[i] : std::string(); };
  const std::string first = word(0);
  if (first == "CREATE") {
    for (size_t i = 1; i < words.size(); ++i) {
      if (words[i] == "INDEX") return "CINDEX";
    }
    return "CREATE";
  }
  if (first == "ALTER") return "ALTER";
  if (first == "TRUNCATE") return "TRUNCATE";
  if (first == "RENAME") return "RENAME";
  if (first == "DROP") {
    if (word(1) == "INDEX") return "DINDEX";
    if (word(1) == "TABLE") return "ERASE";
  }
  return "QUERY";
}

constexpr const char* kRowTypes[] = {"INSERT", "UPDATE", "DELETE"};

class CanalJsonTranslator : public sluice::sdk::Translator {
 public:
  static Status validate(const Config&) { return Status::ok(); }
  CanalJsonTranslator(Host, const Config&) {}

  Status encode(const Transaction& transaction, Output& out) override {
    const int64_t millis = transaction.commit_ts() >> kPhysicalShiftBits;
    const auto events = transaction.events();
    size_t index = 0;
    while (index < events.size()) {
      const Event event = events[index];
      Json message = Json::object();
      message["id"] = 0;
      message["database"] = std::string(event.schema_name());
      message["table"] = std::string(event.table_name());
      if (event.type() == EventType::kDdl || !event.has_table()) {
        message["pkNames"] = nullptr;
        message["isDdl"] = true;
        message["type"] = ddl_type(event.ddl_query());
        message["es"] = millis;
        message["ts"] = millis;
        message["sql"] = std::string(event.ddl_query());
        message["sqlType"] = nullptr;
        message["mysqlType"] = nullptr;
        message["data"] = nullptr;
        message["old"] = nullptr;
        ++index;
      } else {
        const Table table = event.table();
        Json pk_names = Json::array();
        for (sluice::sdk::Key key : table.keys()) {
          if (!key.is_primary()) continue;
          for (uint32_t column : key.column_indexes()) {
            if (column < table.columns().size()) {
              pk_names.push_back(std::string(table.columns()[column].name()));
            }
          }
        }
        message["pkNames"] = pk_names.empty() ? Json(nullptr) : pk_names;
        message["isDdl"] = false;
        message["type"] = kRowTypes[static_cast<size_t>(event.type())];
        message["es"] = millis;
        message["ts"] = millis;
        message["sql"] = "";
        Json sql_types = Json::object();
        Json mysql_types = Json::object();
        for (Column column : table.columns()) {
          sql_types[std::string(column.name())] = sql_type(column);
          mysql_types[std::string(column.name())] = mysql_type_text(column);
        }
        message["sqlType"] = std::move(sql_types);
        message["mysqlType"] = std::move(mysql_types);
        Json data = Json::array();
        Json old = Json::array();
        size_t last = index;
        while (last < events.size() && events[last].type() == event.type() &&
               events[last].raw()->table == event.raw()->table) {
          const Event row_event = events[last++];
          if (row_event.type() == EventType::kDelete) {
            data.push_back(row_json(row_event, row_event.old_values()));
          } else {
            data.push_back(row_json(row_event, row_event.new_values()));
            if (row_event.type() == EventType::kUpdate) {
              old.push_back(row_json(row_event, row_event.old_values()));
            }
          }
        }
        message["data"] = std::move(data);
        message["old"] = event.type() == EventType::kUpdate ? std::move(old) : Json(nullptr);
        index = last;
      }
      message["_tidb"] = Json{{"commitTs", transaction.commit_ts()}};
      std::string line = message.dump(-1, ' ', false, Json::error_handler_t::replace);
      line.push_back('\n');
      out.append(line);
    }
    return Status::ok();
  }
};

}  // namespace

SLUICE_TRANSLATOR_PLUGIN(CanalJsonTranslator, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                         "Encodes each transaction as Canal flat-message JSON, one per line", 0,
                         "application/json")
