#include "sdk/producer/ddl_text.h"

#include <fmt/format.h>

namespace sluice::producer {
namespace {

namespace mt = schema::mysql_type;

bool is_binary(const schema::ColumnInfo& column) {
  return column.charset == "binary";
}

std::string with_length(std::string_view name, int flen) {
  return flen > 0 ? fmt::format("{}({})", name, flen) : std::string(name);
}

std::string with_fsp(std::string_view name, int fsp) {
  return fsp > 0 ? fmt::format("{}({})", name, fsp) : std::string(name);
}

std::string members(const schema::ColumnInfo& column) {
  std::string out;
  for (const auto& element : column.elems) {
    if (!out.empty()) out += ',';
    out += quote_string(element);
  }
  return out;
}

}  // namespace

std::string quote_identifier(std::string_view name) {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  out += '`';
  return out;
}

std::string quote_string(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'' || c == '\\') out += c == '\'' ? '\'' : '\\';
    out += c;
  }
  out += '\'';
  return out;
}

std::string column_type_text(const schema::ColumnInfo& column) {
  const std::string sign = column.is_unsigned() ? " unsigned" : "";
  switch (column.type) {
    case mt::kTiny:
      return with_length("tinyint", column.flen) + sign;
    case mt::kShort:
      return with_length("smallint", column.flen) + sign;
    case mt::kInt24:
      return with_length("mediumint", column.flen) + sign;
    case mt::kLong:
      return with_length("int", column.flen) + sign;
    case mt::kLonglong:
      return with_length("bigint", column.flen) + sign;
    case mt::kFloat:
      return "float" + sign;
    case mt::kDouble:
      return "double" + sign;
    case mt::kNewDecimal:
    case mt::kDecimal:
      return fmt::format("decimal({},{}){}", column.flen, std::max(column.decimal, 0), sign);
    case mt::kDate:
    case mt::kNewDate:
      return "date";
    case mt::kDatetime:
      return with_fsp("datetime", column.decimal);
    case mt::kTimestamp:
      return with_fsp("timestamp", column.decimal);
    case mt::kDuration:
      return with_fsp("time", column.decimal);
    case mt::kYear:
      return "year(4)";
    case mt::kString:
      return with_length(is_binary(column) ? "binary" : "char", column.flen);
    case mt::kVarchar:
    case mt::kVarString:
      return with_length(is_binary(column) ? "varbinary" : "varchar", column.flen);
    case mt::kTinyBlob:
      return is_binary(column) ? "tinyblob" : "tinytext";
    case mt::kBlob:
      return is_binary(column) ? "blob" : "text";
    case mt::kMediumBlob:
      return is_binary(column) ? "mediumblob" : "mediumtext";
    case mt::kLongBlob:
      return is_binary(column) ? "longblob" : "longtext";
    case mt::kJson:
      return "json";
    case mt::kEnum:
      return "enum(" + members(column) + ")";
    case mt::kSet:
      return "set(" + members(column) + ")";
    case mt::kBit:
      return with_length("bit", column.flen);
    default:
      return fmt::format("unknown_type_{}", column.type);
  }
}

std::string column_definition_text(const schema::ColumnInfo& column) {
  std::string out = quote_identifier(column.name) + " " + column_type_text(column);
  if ((column.flag & schema::kNotNullFlag) != 0) out += " NOT NULL";
  if (column.default_value) out += " DEFAULT " + quote_string(*column.default_value);
  return out;
}

}  // namespace sluice::producer
