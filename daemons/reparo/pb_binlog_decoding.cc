#include "daemons/reparo/pb_binlog_decoding.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cctype>

#include "core/proto/pb_binlog.pb.h"

namespace sluice::reparo {
namespace {

using mysql::SqlValue;

// Datum codec flags (tidb util/codec/codec.go).
constexpr uint8_t kNilFlag = 0, kBytesFlag = 1, kCompactBytesFlag = 2, kIntFlag = 3, kUintFlag = 4,
                  kFloatFlag = 5, kDecimalFlag = 6, kDurationFlag = 7, kVarintFlag = 8,
                  kUvarintFlag = 9, kJsonFlag = 10;
constexpr uint64_t kSignMask = uint64_t{1} << 63;

class DatumReader {
 public:
  explicit DatumReader(std::string_view bytes) : bytes_(bytes) {}
  bool empty() const { return at_ >= bytes_.size(); }
  size_t left() const { return bytes_.size() - at_; }
  uint8_t byte() { return static_cast<uint8_t>(bytes_[at_++]); }
  std::string_view take(size_t size) {
    const std::string_view out = bytes_.substr(at_, size);
    at_ += size;
    return out;
  }
  bool uvarint(uint64_t& out) {
    out = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (empty()) return false;
      const uint8_t next = byte();
      out |= static_cast<uint64_t>(next & 0x7F) << shift;
      if ((next & 0x80) == 0) return true;
    }
    return false;
  }
  bool varint(int64_t& out) {
    uint64_t raw = 0;
    if (!uvarint(raw)) return false;
    out = static_cast<int64_t>(raw >> 1) ^ -static_cast<int64_t>(raw & 1);  // zigzag
    return true;
  }
  bool u64_be(uint64_t& out) {
    if (left() < 8) return false;
    out = 0;
    for (int i = 0; i < 8; ++i)
      out = (out << 8) | byte();
    return true;
  }

 private:
  std::string_view bytes_;
  size_t at_ = 0;
};

Status bad_datum(std::string_view why) {
  return Status::corruption(fmt::format("malformed datum value: {}", why));
}

// codec.DecodeBytes: groups of 8 bytes, each followed by a marker 0xFF - padding.
bool memcomparable_bytes(DatumReader& reader, std::string& out) {
  for (;;) {
    if (reader.left() < 9) return false;
    const std::string_view group = reader.take(8);
    const uint8_t marker = reader.byte();
    const uint8_t padding = static_cast<uint8_t>(0xFF - marker);
    if (padding > 8) return false;
    out.append(group.substr(0, 8 - padding));
    if (padding != 0) return true;
  }
}

// Lower-cased identifier and punctuation tokens of a statement, for naming what a DDL changes.
struct Token {
  std::string text;  // identifiers keep their case; keywords are compared lower-cased
  bool quoted = false;
  bool word = false;
};

std::vector<Token> tokenize(std::string_view text, size_t limit) {
  std::vector<Token> tokens;
  size_t i = 0;
  while (i < text.size() && tokens.size() < limit) {
    const char c = text[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (text.substr(i).starts_with("/*") && !text.substr(i).starts_with("/*!")) {
      const size_t end = text.find("*/", i + 2);
      i = end == std::string_view::npos ? text.size() : end + 2;
    } else if (text.substr(i).starts_with("/*!")) {
      i += 3;  // executable comment: read what is inside (version digits are skipped below)
      while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])))
        ++i;
    } else if (c == '`') {
      Token token{"", true, true};
      ++i;
      while (i < text.size()) {
        if (text[i] == '`') {
          if (i + 1 < text.size() && text[i + 1] == '`') {
            token.text.push_back('`');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        token.text.push_back(text[i++]);
      }
      tokens.push_back(std::move(token));
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$') {
      Token token{"", false, true};
      while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) ||
                                 text[i] == '_' || text[i] == '$'))
        token.text.push_back(text[i++]);
      tokens.push_back(std::move(token));
    } else {
      tokens.push_back(Token{std::string(1, c), false, false});
      ++i;
    }
  }
  return tokens;
}

bool is_keyword(const Token& token, std::string_view keyword) {
  if (!token.word || token.quoted || token.text.size() != keyword.size()) return false;
  for (size_t i = 0; i < keyword.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(token.text[i])) != keyword[i]) return false;
  }
  return true;
}

class TokenCursor {
 public:
  explicit TokenCursor(std::vector<Token> tokens) : tokens_(std::move(tokens)) {}
  bool take(std::string_view keyword) {
    if (at_ < tokens_.size() && is_keyword(tokens_[at_], keyword)) {
      ++at_;
      return true;
    }
    return false;
  }
  void skip_any(std::initializer_list<std::string_view> keywords) {
    for (bool again = true; again;) {
      again = false;
      for (std::string_view keyword : keywords)
        again = again || take(keyword);
    }
  }
  // [IF [NOT] EXISTS]
  void skip_if_exists() {
    const size_t mark = at_;
    if (take("if")) {
      take("not");
      if (!take("exists")) at_ = mark;
    }
  }
  // An identifier, or db.table: fills schema (when qualified) and name.
  bool name(std::string& schema, std::string& name) {
    if (at_ >= tokens_.size() || !tokens_[at_].word) return false;
    std::string first = tokens_[at_++].text;
    if (at_ + 1 < tokens_.size() && tokens_[at_].text == "." && !tokens_[at_].word &&
        tokens_[at_ + 1].word) {
      schema = std::move(first);
      name = tokens_[at_ + 1].text;
      at_ += 2;
      return true;
    }
    name = std::move(first);
    return true;
  }
  void skip_one() { ++at_; }

 private:
  std::vector<Token> tokens_;
  size_t at_ = 0;
};

// Fills target.schema/table from the statement, leaving them as they are when it names none.
void find_target(DdlTarget& target) {
  TokenCursor cursor(tokenize(target.query, 16));
  std::string schema = target.schema;
  std::string table;
  if (cursor.take("create") || cursor.take("drop")) {
    cursor.skip_any(
        {"or", "replace", "temporary", "unique", "fulltext", "spatial", "online", "offline"});
    if (cursor.take("database") || cursor.take("schema")) {
      cursor.skip_if_exists();
      std::string ignored;
      if (cursor.name(ignored, schema)) target.schema = schema;
      target.table.clear();
      return;
    }
    if (cursor.take("table")) {
      cursor.skip_if_exists();
      if (cursor.name(schema, table)) target.table = table;
      target.schema = schema;
      return;
    }
    if (cursor.take("index")) {
      cursor.skip_if_exists();
      std::string ignored_schema, ignored;
      cursor.name(ignored_schema, ignored);
      if (cursor.take("on") && cursor.name(schema, table)) {
        target.schema = schema;
        target.table = table;
      }
    }
    return;
  }
  if (cursor.take("alter")) {
    cursor.skip_any({"online", "offline", "ignore"});
    if (cursor.take("table") && cursor.name(schema, table)) {
      target.schema = schema;
      target.table = table;
    }
    return;
  }
  if (cursor.take("truncate") || cursor.take("rename")) {
    cursor.take("table");
    if (cursor.name(schema, table)) {
      target.schema = schema;
      target.table = table;
    }
  }
}

Status decode_column(const std::string& row, RowChange type, DecodedColumn& out) {
  pb_binlog::column column;
  if (!column.ParseFromString(row)) return Status::corruption("a column is not a pb_binlog.column");
  out.name = column.name();
  out.mysql_type = column.tp().empty() ? 0 : static_cast<uint8_t>(column.tp()[0]);
  out.type_name = column.mysql_type();
  auto value = decode_datum(column.value());
  if (!value.is_ok()) {
    return Status(value.status().code(),
                  fmt::format("column '{}': {}", out.name, value.status().message()));
  }
  out.value = std::move(value).value();
  if (type == RowChange::kUpdate) {
    if (column.has_changed_value()) {
      auto changed = decode_datum(column.changed_value());
      if (!changed.is_ok()) {
        return Status(changed.status().code(),
                      fmt::format("column '{}': {}", out.name, changed.status().message()));
      }
      out.changed_value = std::move(changed).value();
    } else {
      out.changed_value = out.value;  // unchanged
    }
  }
  return Status::ok();
}

}  // namespace

Result<SqlValue> decode_datum(std::string_view bytes) {
  DatumReader reader(bytes);
  if (reader.empty()) return bad_datum("empty");
  const uint8_t flag = reader.byte();
  SqlValue value;
  switch (flag) {
    case kNilFlag:
      break;
    case kBytesFlag: {
      std::string text;
      if (!memcomparable_bytes(reader, text)) return bad_datum("bytes cut short");
      value = std::move(text);
      break;
    }
    case kCompactBytesFlag: {
      int64_t size = 0;
      if (!reader.varint(size) || size < 0 || static_cast<uint64_t>(size) > reader.left()) {
        return bad_datum("compact bytes cut short");
      }
      value = std::string(reader.take(static_cast<size_t>(size)));
      break;
    }
    case kIntFlag: {
      uint64_t raw = 0;
      if (!reader.u64_be(raw)) return bad_datum("int cut short");
      value = static_cast<int64_t>(raw ^ kSignMask);
      break;
    }
    case kUintFlag: {
      uint64_t raw = 0;
      if (!reader.u64_be(raw)) return bad_datum("uint cut short");
      value = raw;
      break;
    }
    case kFloatFlag: {
      uint64_t raw = 0;
      if (!reader.u64_be(raw)) return bad_datum("float cut short");
      // codec.DecodeFloat: non-negative numbers were stored with the sign bit set, negative ones
      // with every bit flipped.
      raw = (raw & kSignMask) != 0 ? raw & ~kSignMask : ~raw;
      value = std::bit_cast<double>(raw);
      break;
    }
    case kVarintFlag: {
      int64_t number = 0;
      if (!reader.varint(number)) return bad_datum("varint cut short");
      value = number;
      break;
    }
    case kUvarintFlag: {
      uint64_t number = 0;
      if (!reader.uvarint(number)) return bad_datum("uvarint cut short");
      value = number;
      break;
    }
    case kDecimalFlag:
    case kDurationFlag:
    case kJsonFlag:
      return Status::unsupported(fmt::format(
          "datum flag {} (decimal, duration or json in binary form): the original writes these "
          "as text, and Reparo reads them only as text",
          flag));
    default:
      return bad_datum(fmt::format("unknown flag {}", flag));
  }
  if (!reader.empty()) return bad_datum(fmt::format("{} bytes after the value", reader.left()));
  return value;
}

DdlTarget split_ddl_query(std::string_view ddl_query) {
  DdlTarget target;
  std::string_view text = ddl_query;
  auto skip_blanks = [&] {
    while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
      text.remove_prefix(1);
  };
  skip_blanks();
  // The original's own prefix: "use `<schema>`; " with backquotes doubled.
  if (text.size() > 5 && is_keyword(Token{std::string(text.substr(0, 3)), false, true}, "use") &&
      std::isspace(static_cast<unsigned char>(text[3]))) {
    std::string_view rest = text.substr(4);
    while (!rest.empty() && std::isspace(static_cast<unsigned char>(rest.front())))
      rest.remove_prefix(1);
    if (rest.starts_with('`')) {
      std::string schema;
      size_t i = 1;
      bool closed = false;
      while (i < rest.size()) {
        if (rest[i] == '`') {
          if (i + 1 < rest.size() && rest[i + 1] == '`') {
            schema.push_back('`');
            i += 2;
            continue;
          }
          closed = true;
          ++i;
          break;
        }
        schema.push_back(rest[i++]);
      }
      std::string_view after = rest.substr(i);
      while (!after.empty() && std::isspace(static_cast<unsigned char>(after.front())))
        after.remove_prefix(1);
      if (closed && after.starts_with(';')) {
        target.schema = std::move(schema);
        text = after.substr(1);
        skip_blanks();
      }
    }
  }
  while (!text.empty() &&
         (std::isspace(static_cast<unsigned char>(text.back())) || text.back() == ';'))
    text.remove_suffix(1);
  target.query = std::string(text);
  find_target(target);
  return target;
}

Result<DecodedBinlog> decode_pb_binlog(std::string_view payload) {
  pb_binlog::Binlog binlog;
  if (!binlog.ParseFromArray(payload.data(), static_cast<int>(payload.size()))) {
    return Status::corruption("the record is not a pb_binlog.Binlog");
  }
  DecodedBinlog out;
  out.commit_ts = binlog.commit_ts();
  if (binlog.tp() == pb_binlog::DDL) {
    out.is_ddl = true;
    DdlTarget target = split_ddl_query(binlog.ddl_query());
    out.ddl_schema = std::move(target.schema);
    out.ddl_table = std::move(target.table);
    out.ddl_query = std::move(target.query);
    return out;
  }
  for (const pb_binlog::Event& event : binlog.dml_data().events()) {
    DecodedEvent decoded;
    decoded.schema = event.schema_name();
    decoded.table = event.table_name();
    switch (event.tp()) {
      case pb_binlog::Update:
        decoded.type = RowChange::kUpdate;
        break;
      case pb_binlog::Delete:
        decoded.type = RowChange::kDelete;
        break;
      default:
        decoded.type = RowChange::kInsert;
    }
    for (const std::string& row : event.row()) {
      DecodedColumn column;
      if (Status status = decode_column(row, decoded.type, column); !status.is_ok()) {
        return Status(status.code(),
                      fmt::format("{}.{}: {}", decoded.schema, decoded.table, status.message()));
      }
      decoded.columns.push_back(std::move(column));
    }
    out.events.push_back(std::move(decoded));
  }
  return out;
}

}  // namespace sluice::reparo
