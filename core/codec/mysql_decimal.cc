#include "core/codec/mysql_decimal.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <cstring>

#include "core/codec/datum_view.h"

namespace sluice::codec {
namespace {

constexpr int kDigitsPerWord = 9;
constexpr int kWordBytes = 4;
// Bytes for a group of 0..9 leftover digits.
constexpr std::array<int, 10> kDigitBytes = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
constexpr std::array<uint32_t, 10> kPowersOfTen = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000};

bool valid(int precision, int scale) {
  return precision >= 1 && precision <= kMaxDecimalPrecision && scale >= 0 &&
         scale <= kMaxDecimalScale && scale <= precision;
}

void store_be(std::string& out, uint32_t value, int size) {
  for (int shift = (size - 1) * 8; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>(value >> shift));
  }
}

struct ParsedDecimal {
  bool negative = false;
  std::string integer;   // digits, no leading zeros ("" for zero)
  std::string fraction;  // digits as written
};

Result<ParsedDecimal> parse(std::string_view text) {
  ParsedDecimal parsed;
  size_t i = 0;
  if (i < text.size() && (text[i] == '-' || text[i] == '+')) {
    parsed.negative = text[i] == '-';
    ++i;
  }
  size_t digits = 0;
  for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
    if (parsed.integer.empty() && text[i] == '0') continue;
    parsed.integer.push_back(text[i]);
  }
  if (i < text.size() && text[i] == '.') {
    ++i;
    for (; i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])); ++i, ++digits) {
      parsed.fraction.push_back(text[i]);
    }
  }
  if (digits == 0 || i != text.size()) {
    return Status::invalid_argument(fmt::format("'{}' is not a decimal number", text));
  }
  return parsed;
}

}  // namespace

int decimal_binary_size(int precision, int scale) {
  if (!valid(precision, scale)) return -1;
  const int integer_digits = precision - scale;
  return (integer_digits / kDigitsPerWord) * kWordBytes +
         kDigitBytes[integer_digits % kDigitsPerWord] + (scale / kDigitsPerWord) * kWordBytes +
         kDigitBytes[scale % kDigitsPerWord];
}

Result<size_t> format_decimal_binary(std::string_view raw, int precision, int scale, char* out) {
  if (!valid(precision, scale)) {
    return Status::corruption(fmt::format("decimal: invalid DECIMAL({},{})", precision, scale));
  }
  const int size = decimal_binary_size(precision, scale);
  if (raw.size() < static_cast<size_t>(size)) {
    return Status::corruption(fmt::format("decimal: {} bytes, DECIMAL({},{}) needs {}", raw.size(),
                                          precision, scale, size));
  }
  // The top bit of the first byte is set for non-negative numbers; negative numbers store every
  // byte inverted. `mask` undoes both as bytes are read.
  const bool negative = (static_cast<uint8_t>(raw[0]) & 0x80) == 0;
  const uint8_t mask = negative ? 0xFF : 0x00;
  size_t at = 0;
  auto next_byte = [&]() {
    uint8_t byte = static_cast<uint8_t>(raw[at]);
    if (at == 0) byte ^= 0x80;
    ++at;
    return static_cast<uint8_t>(byte ^ mask);
  };
  auto read_group = [&](int digits, uint32_t& value) -> Status {
    const int group_bytes = digits == kDigitsPerWord ? kWordBytes : kDigitBytes[digits];
    value = 0;
    for (int i = 0; i < group_bytes; ++i)
      value = (value << 8) | next_byte();
    if (value >= kPowersOfTen[digits]) {
      return Status::corruption(
          fmt::format("decimal: group value {} does not fit {} digits (DECIMAL({},{}))", value,
                      digits, precision, scale));
    }
    return Status::ok();
  };
  // Digits are written right-aligned per group, then leading zeros of the integer part trimmed.
  char digits_buffer[kMaxDecimalPrecision + kDigitsPerWord];
  size_t digit_count = 0;
  auto put_digits = [&](uint32_t value, int digits) {
    for (int i = digits - 1; i >= 0; --i) {
      digits_buffer[digit_count + static_cast<size_t>(i)] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
    digit_count += static_cast<size_t>(digits);
  };
  const int integer_digits = precision - scale;
  const int leading_digits = integer_digits % kDigitsPerWord;
  uint32_t value = 0;
  if (leading_digits > 0) {
    SLUICE_RETURN_IF_ERROR(read_group(leading_digits, value));
    put_digits(value, leading_digits);
  }
  for (int i = 0; i < integer_digits / kDigitsPerWord; ++i) {
    SLUICE_RETURN_IF_ERROR(read_group(kDigitsPerWord, value));
    put_digits(value, kDigitsPerWord);
  }
  const size_t integer_end = digit_count;
  for (int i = 0; i < scale / kDigitsPerWord; ++i) {
    SLUICE_RETURN_IF_ERROR(read_group(kDigitsPerWord, value));
    put_digits(value, kDigitsPerWord);
  }
  if (scale % kDigitsPerWord > 0) {
    SLUICE_RETURN_IF_ERROR(read_group(scale % kDigitsPerWord, value));
    put_digits(value, scale % kDigitsPerWord);
  }
  size_t first = 0;
  while (first < integer_end && digits_buffer[first] == '0')
    ++first;
  bool is_zero = true;
  for (size_t i = first; i < digit_count; ++i) {
    if (digits_buffer[i] != '0') is_zero = false;
  }
  size_t length = 0;
  if (negative && !is_zero) out[length++] = '-';
  if (first == integer_end) {
    out[length++] = '0';
  } else {
    std::memcpy(out + length, digits_buffer + first, integer_end - first);
    length += integer_end - first;
  }
  if (scale > 0) {
    out[length++] = '.';
    std::memcpy(out + length, digits_buffer + integer_end, digit_count - integer_end);
    length += digit_count - integer_end;
  }
  return length;
}

Result<std::string> read_decimal_binary(ByteReader& reader, int precision, int scale) {
  if (!valid(precision, scale)) {
    return reader.error("decimal", fmt::format("invalid DECIMAL({},{})", precision, scale));
  }
  SLUICE_ASSIGN_OR_RETURN(
      std::string_view raw,
      reader.read_bytes(static_cast<size_t>(decimal_binary_size(precision, scale)),
                        "decimal value"));
  char text[kMaxDecimalTextSize];
  SLUICE_ASSIGN_OR_RETURN(size_t length, format_decimal_binary(raw, precision, scale, text));
  return std::string(text, length);
}

Result<std::string> decimal_text_to_binary(std::string_view text, int precision, int scale) {
  if (!valid(precision, scale)) {
    return Status::invalid_argument(fmt::format("invalid DECIMAL({},{})", precision, scale));
  }
  SLUICE_ASSIGN_OR_RETURN(ParsedDecimal parsed, parse(text));
  std::string integer = parsed.integer;
  std::string fraction = parsed.fraction;
  // Round half away from zero at `scale` digits.
  bool round_up =
      fraction.size() > static_cast<size_t>(scale) && fraction[static_cast<size_t>(scale)] >= '5';
  fraction.resize(static_cast<size_t>(scale), '0');
  if (round_up) {
    std::string digits = integer + fraction;
    int i = static_cast<int>(digits.size()) - 1;
    for (; i >= 0; --i) {
      if (digits[static_cast<size_t>(i)] == '9') {
        digits[static_cast<size_t>(i)] = '0';
      } else {
        ++digits[static_cast<size_t>(i)];
        break;
      }
    }
    if (i < 0) digits.insert(digits.begin(), '1');
    integer = digits.substr(0, digits.size() - static_cast<size_t>(scale));
    fraction = digits.substr(digits.size() - static_cast<size_t>(scale));
  }
  const size_t first_nonzero = integer.find_first_not_of('0');
  integer = first_nonzero == std::string::npos ? "" : integer.substr(first_nonzero);
  const int integer_digits = precision - scale;
  if (static_cast<int>(integer.size()) > integer_digits) {
    return Status::invalid_argument(
        fmt::format("'{}' is out of range for DECIMAL({},{})", text, precision, scale));
  }
  const bool is_zero = integer.empty() && fraction.find_first_not_of('0') == std::string::npos;
  integer.insert(0, static_cast<size_t>(integer_digits) - integer.size(), '0');

  std::string out;
  const int leading_digits = integer_digits % kDigitsPerWord;
  size_t at = 0;
  auto put_group = [&](const std::string& digits, int count) {
    const uint32_t value =
        count == 0
            ? 0
            : static_cast<uint32_t>(std::stoul(digits.substr(at, static_cast<size_t>(count))));
    store_be(out, value, count == kDigitsPerWord ? kWordBytes : kDigitBytes[count]);
    at += static_cast<size_t>(count);
  };
  if (leading_digits > 0) put_group(integer, leading_digits);
  for (int i = 0; i < integer_digits / kDigitsPerWord; ++i)
    put_group(integer, kDigitsPerWord);
  at = 0;
  for (int i = 0; i < scale / kDigitsPerWord; ++i)
    put_group(fraction, kDigitsPerWord);
  if (scale % kDigitsPerWord > 0) put_group(fraction, scale % kDigitsPerWord);

  if (parsed.negative && !is_zero) {
    for (char& byte : out)
      byte = static_cast<char>(~byte);
  }
  out[0] = static_cast<char>(out[0] ^ 0x80);
  return out;
}

Result<std::pair<int, int>> decimal_precision_and_scale(std::string_view text) {
  SLUICE_ASSIGN_OR_RETURN(ParsedDecimal parsed, parse(text));
  const int scale = static_cast<int>(parsed.fraction.size());
  const int integer_digits = static_cast<int>(parsed.integer.size());
  const int precision = std::max(integer_digits + scale, 1);
  if (precision > kMaxDecimalPrecision || scale > kMaxDecimalScale) {
    return Status::invalid_argument(fmt::format("'{}' has too many digits for DECIMAL", text));
  }
  return std::make_pair(precision, scale);
}

}  // namespace sluice::codec
