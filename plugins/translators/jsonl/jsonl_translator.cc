// jsonl: a translator encoding each transaction as one JSON object followed by "\n".
//
// The shape (stable; fields are only ever added):
//   {"commit_ts":1000,"start_ts":997,"events":[
//     {"type":"insert","schema":"test","table":"items","new":{"id":1,"name":"apple","note":null}},
//     {"type":"update","schema":"test","table":"items","old":{...},"new":{...}},
//     {"type":"delete","schema":"test","table":"items","old":{...}},
//     {"type":"ddl","schema":"test","table":"items","query":"ALTER TABLE items ADD c int"}]}
// - Rows are objects keyed by column name, in table order (every column, generated ones too).
// - INT64 and UINT64 values are JSON integers (exact: readers that parse them as doubles lose
//   precision above 2^53); DOUBLE values are JSON numbers, NaN and infinities null; NULL is null.
// - BYTES values are strings: text columns as UTF-8 (each invalid byte replaced by U+FFFD),
//   columns flagged binary as standard base64 with padding. DECIMAL, DATE, TIME, DATETIME,
//   TIMESTAMP and JSON columns arrive as their canonical MySQL text and stay strings.
// - "type" is insert, update, delete or ddl; "table" is "" for database-level DDL.
// No config keys. Content type: application/x-ndjson.
#include <sluice/sdk/plugin.h>

#include <iterator>
#include <nlohmann/json.hpp>
#include <string>

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

std::string base64(std::string_view bytes) {
  static constexpr char kDigits[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string text;
  text.reserve((bytes.size() + 2) / 3 * 4);
  uint32_t bits = 0;
  int held = 0;  // bits waiting in `bits`
  for (unsigned char byte : bytes) {
    bits = (bits << 8) | byte;
    held += 8;
    while (held >= 6) {
      held -= 6;
      text.push_back(kDigits[(bits >> held) & 0x3F]);
    }
  }
  if (held > 0) text.push_back(kDigits[(bits << (6 - held)) & 0x3F]);
  while (text.size() % 4 != 0)
    text.push_back('=');
  return text;
}

Json value_json(const Value& value, const Column& column) {
  switch (value.kind()) {
    case SLUICE_VALUE_INT64:
      return value.as_int64();
    case SLUICE_VALUE_UINT64:
      return value.as_uint64();
    case SLUICE_VALUE_DOUBLE:
      return value.as_double();  // dump() writes NaN and infinities as null
    case SLUICE_VALUE_BYTES:
      if ((column.flags() & SLUICE_COLUMN_BINARY) != 0) return base64(value.as_bytes());
      return std::string(value.as_bytes());  // dump() replaces invalid UTF-8
    default:
      return nullptr;
  }
}

Json row_json(const Table& table, const Row& row) {
  Json object = Json::object();
  size_t index = 0;
  for (Column column : table.columns()) {
    if (index >= row.size()) break;
    object[std::string(column.name())] = value_json(row[index++], column);
  }
  return object;
}

// Indexed by SLUICE_EVENT_*.
constexpr const char* kEventTypeNames[] = {"insert", "update", "delete", "ddl"};

const char* type_name(EventType type) {
  const auto index = static_cast<size_t>(type);
  return index < std::size(kEventTypeNames) ? kEventTypeNames[index] : "unknown";
}

class JsonlTranslator : public sluice::sdk::Translator {
 public:
  static Status validate(const Config&) { return Status::ok(); }
  JsonlTranslator(Host, const Config&) {}

  Status encode(const Transaction& transaction, Output& out) override {
    Json events = Json::array();
    for (Event event : transaction.events()) {
      Json item = Json::object();
      item["type"] = type_name(event.type());
      item["schema"] = std::string(event.schema_name());
      item["table"] = std::string(event.table_name());
      if (event.type() == EventType::kDdl) {
        item["query"] = std::string(event.ddl_query());
      } else if (event.has_table()) {
        if (event.old_values().present()) item["old"] = row_json(event.table(), event.old_values());
        if (event.new_values().present()) item["new"] = row_json(event.table(), event.new_values());
      }
      events.push_back(std::move(item));
    }
    Json line = Json::object();
    line["commit_ts"] = transaction.commit_ts();
    line["start_ts"] = transaction.start_ts();
    line["events"] = std::move(events);
    std::string text = line.dump(-1, ' ', false, Json::error_handler_t::replace);
    text.push_back('\n');
    out.append(text);
    return Status::ok();
  }
};

}  // namespace

SLUICE_TRANSLATOR_PLUGIN(JsonlTranslator, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                         "Encodes each transaction as one line of JSON", 0, "application/x-ndjson")
