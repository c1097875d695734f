#include "core/codec/mysql_decimal.h"

#include <fmt/format.h>

#include <array>
#include <cctype>

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

uint32_t load_be(std::string_view bytes) {
  uint32_t value = 0;
  for (char byte : bytes)
    value = (value << 8) | static_cast<uint8_t>(byte);
  return value;
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

Result<std::string> read_decimal_binary(ByteReader& reader, int precision, int scale) {
  if (!valid(precision, scale)) {
    return reader.error("decimal", fmt::format("invalid DECIMAL({},{})", precision, scale));
  }
  const int size = decimal_binary_size(precision, scale);
  SLUICE_ASSIGN_OR_RETURN(std::string_view raw,
                          reader.read_bytes(static_cast<size_t>(size), "decimal value"));
  std::string bytes(raw);
  // The top bit of the first byte is set for non-negative numbers; negative numbers store every
  // byte inverted.
  const bool negative = (static_cast<uint8_t>(bytes[0]) & 0x80) == 0;
  bytes[0] = static_cast<char>(bytes[0] ^ 0x80);
  if (negative) {
    for (char& byte : bytes)
      byte = static_cast<char>(~byte);
  }

  const int integer_digits = precision - scale;
  const int leading_digits = integer_digits % kDigitsPerWord;
  const int trailing_digits = scale % kDigitsPerWord;
  std::string_view cursor(bytes);
  std::string integer;
  std::string fraction;
  auto take_group = [&](int digits, std::string& out) -> Status {
    const int group_bytes = digits == kDigitsPerWord ? kWordBytes : kDigitBytes[digits];
    const uint32_t value = load_be(cursor.substr(0, static_cast<size_t>(group_bytes)));
    cursor.remove_prefix(static_cast<size_t>(group_bytes));
    if (value >= kPowersOfTen[digits]) {
      return Status::corruption(
          fmt::format("decimal: group value {} does not fit {} digits (DECIMAL({},{}))", value,
                      digits, precision, scale));
    }
    out += fmt::format("{:0{}d}", value, digits);
    return Status::ok();
  };
  if (leading_digits > 0) SLUICE_RETURN_IF_ERROR(take_group(leading_digits, integer));
  for (int i = 0; i < integer_digits / kDigitsPerWord; ++i) {
    SLUICE_RETURN_IF_ERROR(take_group(kDigitsPerWord, integer));
  }
  for (int i = 0; i < scale / kDigitsPerWord; ++i) {
    SLUICE_RETURN_IF_ERROR(take_group(kDigitsPerWord, fraction));
  }
  if (trailing_digits > 0) SLUICE_RETURN_IF_ERROR(take_group(trailing_digits, fraction));

  const size_t first_nonzero = integer.find_first_not_of('0');
  integer = first_nonzero == std::string::npos ? "0" : integer.substr(first_nonzero);
  const bool is_zero = integer == "0" && fraction.find_first_not_of('0') == std::string::npos;
  std::string text = (negative && !is_zero) ? "-" : "";
  text += integer;
  if (scale > 0) {
    text += '.';
    text += fraction;
  }
  return text;
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
