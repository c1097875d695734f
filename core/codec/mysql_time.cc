#include "core/codec/mysql_time.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace sluice::codec {
namespace {

std::string fraction_digits(int microsecond, int fsp) {
  fsp = std::clamp(fsp, 0, 6);
  if (fsp == 0) return "";
  int divisor = 1;
  for (int i = fsp; i < 6; ++i)
    divisor *= 10;
  return fmt::format(".{:0{}d}", microsecond / divisor, fsp);
}

bool read_number(std::string_view& text, size_t min_digits, size_t max_digits, int& out) {
  size_t digits = 0;
  while (digits < text.size() && digits < max_digits &&
         std::isdigit(static_cast<unsigned char>(text[digits]))) {
    ++digits;
  }
  if (digits < min_digits) return false;
  std::from_chars(text.data(), text.data() + digits, out);
  text.remove_prefix(digits);
  return true;
}

bool consume(std::string_view& text, char expected) {
  if (text.empty() || text.front() != expected) return false;
  text.remove_prefix(1);
  return true;
}

bool read_fraction(std::string_view& text, int& microsecond) {
  microsecond = 0;
  if (!consume(text, '.')) return true;
  size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits])))
    ++digits;
  if (digits == 0 || digits > 6) return false;
  std::from_chars(text.data(), text.data() + digits, microsecond);
  for (size_t i = digits; i < 6; ++i)
    microsecond *= 10;
  text.remove_prefix(digits);
  return true;
}

}  // namespace

uint64_t pack_time(const MysqlTime& time) {
  const uint64_t ymd =
      ((static_cast<uint64_t>(time.year) * 13 + static_cast<uint64_t>(time.month)) << 5) |
      static_cast<uint64_t>(time.day);
  const uint64_t hms = (static_cast<uint64_t>(time.hour) << 12) |
                       (static_cast<uint64_t>(time.minute) << 6) |
                       static_cast<uint64_t>(time.second);
  return (((ymd << 17) | hms) << 24) | static_cast<uint64_t>(time.microsecond);
}

MysqlTime unpack_time(uint64_t packed) {
  MysqlTime time;
  time.microsecond = static_cast<int>(packed & ((1u << 24) - 1));
  const uint64_t ymdhms = packed >> 24;
  const uint64_t ymd = ymdhms >> 17;
  const uint64_t hms = ymdhms & ((1u << 17) - 1);
  time.day = static_cast<int>(ymd & 31);
  const uint64_t year_month = ymd >> 5;
  time.month = static_cast<int>(year_month % 13);
  time.year = static_cast<int>(year_month / 13);
  time.second = static_cast<int>(hms & 63);
  time.minute = static_cast<int>((hms >> 6) & 63);
  time.hour = static_cast<int>(hms >> 12);
  return time;
}

std::string format_date(const MysqlTime& time) {
  return fmt::format("{:04d}-{:02d}-{:02d}", time.year, time.month, time.day);
}

std::string format_datetime(const MysqlTime& time, int fsp) {
  return fmt::format("{:04d}-{:02d}-{:02d} {:02d}:{:02d}:{:02d}{}", time.year, time.month, time.day,
                     time.hour, time.minute, time.second, fraction_digits(time.microsecond, fsp));
}

Result<MysqlTime> parse_datetime_text(std::string_view text) {
  MysqlTime time;
  std::string_view rest = text;
  const bool ok = read_number(rest, 4, 4, time.year) && consume(rest, '-') &&
                  read_number(rest, 1, 2, time.month) && consume(rest, '-') &&
                  read_number(rest, 1, 2, time.day) &&
                  (rest.empty() || (consume(rest, ' ') && read_number(rest, 1, 2, time.hour) &&
                                    consume(rest, ':') && read_number(rest, 1, 2, time.minute) &&
                                    consume(rest, ':') && read_number(rest, 1, 2, time.second) &&
                                    read_fraction(rest, time.microsecond))) &&
                  rest.empty();
  if (!ok || time.month > 12 || time.day > 31 || time.hour > 23 || time.minute > 59 ||
      time.second > 59) {
    return Status::invalid_argument(fmt::format("'{}' is not a MySQL date/datetime", text));
  }
  return time;
}

std::string format_duration(int64_t nanoseconds, int fsp) {
  const bool negative = nanoseconds < 0;
  // Magnitude in unsigned arithmetic so INT64_MIN cannot overflow.
  const uint64_t magnitude =
      negative ? ~static_cast<uint64_t>(nanoseconds) + 1 : static_cast<uint64_t>(nanoseconds);
  const uint64_t total_micros = magnitude / 1000;
  const uint64_t total_seconds = total_micros / 1000000;
  const int micros = static_cast<int>(total_micros % 1000000);
  return fmt::format("{}{:02d}:{:02d}:{:02d}{}", negative ? "-" : "", total_seconds / 3600,
                     (total_seconds / 60) % 60, total_seconds % 60, fraction_digits(micros, fsp));
}

Result<int64_t> parse_duration_text(std::string_view text) {
  std::string_view rest = text;
  const bool negative = consume(rest, '-');
  int hours = 0;
  int minutes = 0;
  int seconds = 0;
  int micros = 0;
  const bool ok = read_number(rest, 1, 4, hours) && consume(rest, ':') &&
                  read_number(rest, 2, 2, minutes) && consume(rest, ':') &&
                  read_number(rest, 2, 2, seconds) && read_fraction(rest, micros) && rest.empty();
  if (!ok || minutes > 59 || seconds > 59) {
    return Status::invalid_argument(fmt::format("'{}' is not a MySQL TIME", text));
  }
  const int64_t total =
      ((static_cast<int64_t>(hours) * 3600 + minutes * 60 + seconds) * 1000000 + micros) * 1000;
  return negative ? -total : total;
}

}  // namespace sluice::codec
