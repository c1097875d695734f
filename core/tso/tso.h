#pragma once
// TSO timestamps as TiDB/PD define them: ts = physical_ms << 18 | logical. Binlog fields carry
// them as int64, so Sluice uses int64_t throughout. Pure functions; thread-safe.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::tso {

// 18: PD's physicalShiftBits.
inline constexpr int kPhysicalShiftBits = 18;
inline constexpr int64_t kLogicalMask = (int64_t{1} << kPhysicalShiftBits) - 1;
inline constexpr int64_t kMaxLogical = kLogicalMask;

constexpr int64_t compose(int64_t physical_ms, int64_t logical) {
  return (physical_ms << kPhysicalShiftBits) | (logical & kLogicalMask);
}
constexpr int64_t physical_ms(int64_t ts) {
  return ts >> kPhysicalShiftBits;
}
constexpr int64_t logical(int64_t ts) {
  return ts & kLogicalMask;
}

// The TSO of a wall-clock instant with logical part 0.
int64_t from_time(std::chrono::system_clock::time_point time);
std::chrono::system_clock::time_point to_time(int64_t ts);

// A TSO for "duration ago" compared with `ts`, as the original pump's GC computes gcTS.
int64_t subtract(int64_t ts, std::chrono::milliseconds duration);

// "2026-11-21 07:20:19.123 UTC" (utc) or the local-time equivalent with its offset.
std::string format(int64_t ts, bool utc = true);

// Parses "YYYY-MM-DD hh:mm:ss" (Reparo's start-datetime/stop-datetime) in the local time zone
// (or UTC) into a TSO with logical 0.
Result<int64_t> parse_datetime(std::string_view text, bool utc = false);

}  // namespace sluice::tso
