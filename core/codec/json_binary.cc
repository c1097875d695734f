#include "core/codec/json_binary.h"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/codec/byte_reader.h"
#include "core/codec/mysql_time.h"

namespace sluice::codec {
namespace {

constexpr uint8_t kLiteralNull = 0x00;
constexpr uint8_t kLiteralTrue = 0x01;
constexpr uint8_t kLiteralFalse = 0x02;
constexpr size_t kHeaderSize = 8;      // element count + total size, u32 each
constexpr size_t kKeyEntrySize = 6;    // key offset u32 + key length u16
constexpr size_t kValueEntrySize = 5;  // type code u8 + offset-or-inlined u32

Status corrupt(std::string_view detail) {
  return Status::corruption(fmt::format("binary JSON: {}", detail));
}

uint32_t u32_at(std::string_view bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t i = 4; i > 0; --i)
    value = (value << 8) | static_cast<uint8_t>(bytes[offset + i - 1]);
  return value;
}

uint16_t u16_at(std::string_view bytes, size_t offset) {
  return static_cast<uint16_t>(static_cast<uint8_t>(bytes[offset]) |
                               (static_cast<uint8_t>(bytes[offset + 1]) << 8));
}

// Length of a scalar's payload at the start of `value` (no type code), or of a container.
Result<size_t> value_length(JsonType type, std::string_view value) {
  ByteReader reader(value);
  switch (type) {
    case JsonType::kObject:
    case JsonType::kArray: {
      if (value.size() < kHeaderSize) return corrupt("container header truncated");
      const uint32_t size = u32_at(value, 4);
      // The size counts the header itself, so anything smaller is corrupt (found by fuzzing).
      if (size < kHeaderSize)
        return corrupt(fmt::format("container size {} is below its header", size));
      return static_cast<size_t>(size);
    }
    case JsonType::kLiteral:
      return size_t{1};
    case JsonType::kInt64:
    case JsonType::kUint64:
    case JsonType::kFloat64:
    case JsonType::kDate:
    case JsonType::kDatetime:
    case JsonType::kTimestamp:
      return size_t{8};
    case JsonType::kDuration:
      return size_t{12};
    case JsonType::kString: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t length, reader.read_uvarint("binary JSON string length"));
      return reader.position() + length;
    }
    case JsonType::kOpaque: {
      SLUICE_RETURN_IF_ERROR(reader.read_u8("binary JSON opaque type").status());
      SLUICE_ASSIGN_OR_RETURN(uint64_t length, reader.read_uvarint("binary JSON opaque length"));
      return reader.position() + length;
    }
  }
  return corrupt(fmt::format("unknown type code 0x{:02x}", static_cast<uint8_t>(type)));
}

bool known_type(uint8_t code) {
  switch (static_cast<JsonType>(code)) {
    case JsonType::kObject:
    case JsonType::kArray:
    case JsonType::kLiteral:
    case JsonType::kInt64:
    case JsonType::kUint64:
    case JsonType::kFloat64:
    case JsonType::kString:
    case JsonType::kOpaque:
    case JsonType::kDate:
    case JsonType::kDatetime:
    case JsonType::kTimestamp:
    case JsonType::kDuration:
      return true;
  }
  return false;
}

void append_quoted(std::string& out, std::string_view text) {
  out += nlohmann::json(std::string(text))
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

// Floats as Go's encoding/json writes them (which TiDB follows): shortest round-trip digits,
// plain notation between 1e-6 and 1e21, otherwise exponent form without a padded exponent.
void append_float(std::string& out, double value) {
  char buffer[64];
  const double magnitude = std::fabs(value);
  if (magnitude != 0 && (magnitude < 1e-6 || magnitude >= 1e21)) {
    auto [end, error] =
        std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::scientific);
    std::string text(buffer, end);
    const auto e = text.find('e');
    if (e != std::string::npos && e + 2 < text.size() && text[e + 2] == '0') {
      text.erase(e + 2, 1);  // e-07 -> e-7
    }
    out += text;
    return;
  }
  auto [end, error] =
      std::to_chars(buffer, buffer + sizeof(buffer), value, std::chars_format::fixed);
  out.append(buffer, end);
}

// What one json_binary_to_text call may still spend (see kMaxRenderedJsonFloor in the header):
// values visited, at most the input's size in bytes since each value other than the root has a
// 5-byte entry of its own unless entries share it; and the rendered size.
struct Budget {
  size_t input_size = 0;
  size_t values_left = 0;
  size_t max_output = 0;
};

Status append_text(std::string& out, JsonType type, std::string_view value, int depth,
                   Budget& budget);

Status append_container(std::string& out, JsonType type, std::string_view value, int depth,
                        Budget& budget) {
  if (depth > kMaxJsonDepth) return corrupt("nested deeper than 128 levels");
  if (value.size() < kHeaderSize) return corrupt("container header truncated");
  const uint32_t count = u32_at(value, 0);
  const uint32_t size = u32_at(value, 4);
  if (size > value.size() || size < kHeaderSize) {
    return corrupt(fmt::format("container size {} outside its {} bytes", size, value.size()));
  }
  value = value.substr(0, size);
  const bool is_object = type == JsonType::kObject;
  const size_t key_entries = is_object ? static_cast<size_t>(count) * kKeyEntrySize : 0;
  const size_t entries_end =
      kHeaderSize + key_entries + static_cast<size_t>(count) * kValueEntrySize;
  if (entries_end > value.size())
    return corrupt(fmt::format("{} entries overflow container", count));
  out += is_object ? '{' : '[';
  for (uint32_t i = 0; i < count; ++i) {
    if (i > 0) out += ", ";
    if (is_object) {
      const size_t entry = kHeaderSize + static_cast<size_t>(i) * kKeyEntrySize;
      const uint32_t key_offset = u32_at(value, entry);
      const uint16_t key_length = u16_at(value, entry + 4);
      if (static_cast<size_t>(key_offset) + key_length > value.size()) {
        return corrupt("object key outside its container");
      }
      append_quoted(out, value.substr(key_offset, key_length));
      out += ": ";
    }
    const size_t entry = kHeaderSize + key_entries + static_cast<size_t>(i) * kValueEntrySize;
    const uint8_t code = static_cast<uint8_t>(value[entry]);
    if (!known_type(code)) return corrupt(fmt::format("unknown type code 0x{:02x}", code));
    const auto element_type = static_cast<JsonType>(code);
    if (element_type == JsonType::kLiteral) {
      SLUICE_RETURN_IF_ERROR(
          append_text(out, element_type, value.substr(entry + 1, 1), depth + 1, budget));
      continue;
    }
    const uint32_t offset = u32_at(value, entry + 1);
    if (offset >= value.size()) return corrupt("value offset outside its container");
    std::string_view element = value.substr(offset);
    SLUICE_ASSIGN_OR_RETURN(size_t length, value_length(element_type, element));
    if (length > element.size()) return corrupt("value runs past its container");
    SLUICE_RETURN_IF_ERROR(
        append_text(out, element_type, element.substr(0, length), depth + 1, budget));
  }
  out += is_object ? '}' : ']';
  return Status::ok();
}

Status append_value(std::string& out, JsonType type, std::string_view value, int depth,
                    Budget& budget) {
  ByteReader reader(value);
  switch (type) {
    case JsonType::kObject:
    case JsonType::kArray:
      return append_container(out, type, value, depth, budget);
    case JsonType::kLiteral: {
      SLUICE_ASSIGN_OR_RETURN(uint8_t literal, reader.read_u8("binary JSON literal"));
      if (literal == kLiteralNull)
        out += "null";
      else if (literal == kLiteralTrue)
        out += "true";
      else if (literal == kLiteralFalse)
        out += "false";
      else
        return corrupt(fmt::format("unknown literal 0x{:02x}", literal));
      return Status::ok();
    }
    case JsonType::kInt64: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t bits, reader.read_u64_le("binary JSON int64"));
      out += std::to_string(static_cast<int64_t>(bits));
      return Status::ok();
    }
    case JsonType::kUint64: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t bits, reader.read_u64_le("binary JSON uint64"));
      out += std::to_string(bits);
      return Status::ok();
    }
    case JsonType::kFloat64: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t bits, reader.read_u64_le("binary JSON float64"));
      double number;
      std::memcpy(&number, &bits, sizeof(number));
      append_float(out, number);
      return Status::ok();
    }
    case JsonType::kString: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t length, reader.read_uvarint("binary JSON string length"));
      SLUICE_ASSIGN_OR_RETURN(std::string_view text,
                              reader.read_bytes(static_cast<size_t>(length), "binary JSON string"));
      append_quoted(out, text);
      return Status::ok();
    }
    case JsonType::kOpaque: {
      SLUICE_ASSIGN_OR_RETURN(uint8_t mysql_type, reader.read_u8("binary JSON opaque type"));
      SLUICE_ASSIGN_OR_RETURN(uint64_t length, reader.read_uvarint("binary JSON opaque length"));
      SLUICE_ASSIGN_OR_RETURN(std::string_view data,
                              reader.read_bytes(static_cast<size_t>(length), "binary JSON opaque"));
      // TiDB prints opaque values as "base64:type<N>:<base64 data>".
      static constexpr char kAlphabet[] =
          "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
      std::string encoded;
      for (size_t i = 0; i < data.size(); i += 3) {
        uint32_t chunk = static_cast<uint8_t>(data[i]) << 16;
        if (i + 1 < data.size()) chunk |= static_cast<uint8_t>(data[i + 1]) << 8;
        if (i + 2 < data.size()) chunk |= static_cast<uint8_t>(data[i + 2]);
        encoded += kAlphabet[(chunk >> 18) & 63];
        encoded += kAlphabet[(chunk >> 12) & 63];
        encoded += i + 1 < data.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
        encoded += i + 2 < data.size() ? kAlphabet[chunk & 63] : '=';
      }
      append_quoted(out, fmt::format("base64:type{}:{}", mysql_type, encoded));
      return Status::ok();
    }
    case JsonType::kDate:
    case JsonType::kDatetime:
    case JsonType::kTimestamp: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t packed, reader.read_u64_le("binary JSON time"));
      const MysqlTime time = unpack_time(packed);
      append_quoted(out, type == JsonType::kDate ? format_date(time)
                                                 : format_datetime(time, time.microsecond ? 6 : 0));
      return Status::ok();
    }
    case JsonType::kDuration: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t nanos, reader.read_u64_le("binary JSON duration"));
      SLUICE_ASSIGN_OR_RETURN(uint32_t fsp, reader.read_u32_le("binary JSON duration fsp"));
      append_quoted(out, format_duration(static_cast<int64_t>(nanos), static_cast<int>(fsp)));
      return Status::ok();
    }
  }
  return corrupt(fmt::format("unknown type code 0x{:02x}", static_cast<uint8_t>(type)));
}

Status append_text(std::string& out, JsonType type, std::string_view value, int depth,
                   Budget& budget) {
  if (budget.values_left == 0) {
    return corrupt(fmt::format(
        "more values than its {} bytes can hold: container entries share values (not written by "
        "TiDB)",
        budget.input_size));
  }
  --budget.values_left;
  SLUICE_RETURN_IF_ERROR(append_value(out, type, value, depth, budget));
  if (out.size() > budget.max_output) {
    return corrupt(fmt::format("renders to more than {} bytes from {} bytes", budget.max_output,
                               budget.input_size));
  }
  return Status::ok();
}

// ----- encoding -----

void encode_value(const nlohmann::json& value, uint8_t& type, std::string& out);

void encode_container(const nlohmann::json& value, std::string& out) {
  const bool is_object = value.is_object();
  std::vector<std::pair<std::string, const nlohmann::json*>> elements;
  if (is_object) {
    for (auto it = value.begin(); it != value.end(); ++it)
      elements.emplace_back(it.key(), &*it);
    std::sort(elements.begin(), elements.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  } else {
    for (const auto& element : value)
      elements.emplace_back("", &element);
  }
  const size_t count = elements.size();
  const size_t entries =
      kHeaderSize + (is_object ? count * kKeyEntrySize : 0) + count * kValueEntrySize;
  std::string body(entries, '\0');
  auto put_u32 = [&body](size_t at, uint32_t v) {
    for (int i = 0; i < 4; ++i)
      body[at + static_cast<size_t>(i)] = static_cast<char>(v >> (8 * i));
  };
  if (is_object) {
    for (size_t i = 0; i < count; ++i) {
      const size_t entry = kHeaderSize + i * kKeyEntrySize;
      put_u32(entry, static_cast<uint32_t>(body.size()));
      body[entry + 4] = static_cast<char>(elements[i].first.size());
      body[entry + 5] = static_cast<char>(elements[i].first.size() >> 8);
      body += elements[i].first;
    }
  }
  for (size_t i = 0; i < count; ++i) {
    const size_t entry =
        kHeaderSize + (is_object ? count * kKeyEntrySize : 0) + i * kValueEntrySize;
    uint8_t type = 0;
    std::string encoded;
    encode_value(*elements[i].second, type, encoded);
    body[entry] = static_cast<char>(type);
    if (type == static_cast<uint8_t>(JsonType::kLiteral)) {
      put_u32(entry + 1, static_cast<uint8_t>(encoded[0]));
    } else {
      put_u32(entry + 1, static_cast<uint32_t>(body.size()));
      body += encoded;
    }
  }
  put_u32(0, static_cast<uint32_t>(count));
  put_u32(4, static_cast<uint32_t>(body.size()));
  out += body;
}

void encode_value(const nlohmann::json& value, uint8_t& type, std::string& out) {
  if (value.is_null()) {
    type = static_cast<uint8_t>(JsonType::kLiteral);
    out.push_back(static_cast<char>(kLiteralNull));
  } else if (value.is_boolean()) {
    type = static_cast<uint8_t>(JsonType::kLiteral);
    out.push_back(static_cast<char>(value.get<bool>() ? kLiteralTrue : kLiteralFalse));
  } else if (value.is_number_unsigned()) {
    // Non-negative integers that fit int64 are int64 in TiDB; larger ones uint64.
    const auto number = value.get<uint64_t>();
    type = static_cast<uint8_t>(number > static_cast<uint64_t>(INT64_MAX) ? JsonType::kUint64
                                                                          : JsonType::kInt64);
    append_u64_le(out, number);
  } else if (value.is_number_integer()) {
    type = static_cast<uint8_t>(JsonType::kInt64);
    append_u64_le(out, static_cast<uint64_t>(value.get<int64_t>()));
  } else if (value.is_number_float()) {
    type = static_cast<uint8_t>(JsonType::kFloat64);
    const double number = value.get<double>();
    uint64_t bits;
    std::memcpy(&bits, &number, sizeof(bits));
    append_u64_le(out, bits);
  } else if (value.is_string()) {
    type = static_cast<uint8_t>(JsonType::kString);
    const auto& text = value.get_ref<const std::string&>();
    append_uvarint(out, text.size());
    out += text;
  } else {
    type = static_cast<uint8_t>(value.is_object() ? JsonType::kObject : JsonType::kArray);
    encode_container(value, out);
  }
}

}  // namespace

Result<size_t> json_binary_length(std::string_view bytes) {
  if (bytes.empty()) return corrupt("empty");
  const uint8_t code = static_cast<uint8_t>(bytes[0]);
  if (!known_type(code)) return corrupt(fmt::format("unknown type code 0x{:02x}", code));
  SLUICE_ASSIGN_OR_RETURN(size_t length,
                          value_length(static_cast<JsonType>(code), bytes.substr(1)));
  if (length > bytes.size() - 1) {
    return corrupt(fmt::format("value of {} bytes, only {} present", length, bytes.size() - 1));
  }
  return length + 1;
}

Result<std::string> json_binary_to_text(std::string_view bytes) {
  SLUICE_ASSIGN_OR_RETURN(size_t length, json_binary_length(bytes));
  Budget budget;
  budget.input_size = length;
  budget.values_left = length;
  budget.max_output = std::max(kMaxRenderedJsonFloor, kMaxRenderedJsonPerInputByte * length);
  std::string out;
  SLUICE_RETURN_IF_ERROR(
      append_text(out, static_cast<JsonType>(bytes[0]), bytes.substr(1, length - 1), 0, budget));
  return out;
}

Result<std::string> json_text_to_binary(std::string_view text) {
  nlohmann::json value = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) {
    return Status::invalid_argument(fmt::format("'{}' is not valid JSON", text.substr(0, 64)));
  }
  std::string out(1, '\0');
  uint8_t type = 0;
  encode_value(value, type, out);
  out[0] = static_cast<char>(type);
  return out;
}

}  // namespace sluice::codec
