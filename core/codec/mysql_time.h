#pragma once
// MySQL temporal values as TiDB's binlog carries them: DATE/DATETIME/TIMESTAMP as TiDB's packed
// uint64 (Time.ToPackedUint), TIME as signed nanoseconds. Conversions to and from MySQL text.
// Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::codec {

struct MysqlTime {
  int year = 0;
  int month = 0;
  int day = 0;
  int hour = 0;
  int minute = 0;
  int second = 0;
  int microsecond = 0;
};

// TiDB's packing: ((((year*13 + month) << 5 | day) << 17 | hour << 12 | minute << 6 | second)
// << 24) | microsecond.
uint64_t pack_time(const MysqlTime& time);
MysqlTime unpack_time(uint64_t packed);

// "YYYY-MM-DD".
std::string format_date(const MysqlTime& time);
// "YYYY-MM-DD hh:mm:ss" plus ".f..." with `fsp` (0..6) fractional digits.
std::string format_datetime(const MysqlTime& time, int fsp);
// Parses "YYYY-MM-DD", "YYYY-MM-DD hh:mm:ss" or "YYYY-MM-DD hh:mm:ss.ffffff" (1-6 digits).
Result<MysqlTime> parse_datetime_text(std::string_view text);

// "[-]hh:mm:ss[.f...]" (hours may exceed 24, as MySQL's TIME does) with `fsp` digits.
std::string format_duration(int64_t nanoseconds, int fsp);
// Parses "[-]h...h:mm:ss[.ffffff]".
Result<int64_t> parse_duration_text(std::string_view text);

}  // namespace sluice::codec
