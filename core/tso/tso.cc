#include "core/tso/tso.h"

#include <fmt/format.h>

#include <ctime>

namespace sluice::tso {

int64_t from_time(std::chrono::system_clock::time_point time) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(time.time_since_epoch());
  return compose(ms.count(), 0);
}

std::chrono::system_clock::time_point to_time(int64_t ts) {
  return std::chrono::system_clock::time_point(std::chrono::milliseconds(physical_ms(ts)));
}

int64_t subtract(int64_t ts, std::chrono::milliseconds duration) {
  const int64_t physical = physical_ms(ts) - duration.count();
  return physical <= 0 ? 0 : compose(physical, 0);
}

std::string format(int64_t ts, bool utc) {
  const int64_t ms = physical_ms(ts);
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm parts{};
  if (utc) {
    gmtime_r(&seconds, &parts);
  } else {
    localtime_r(&seconds, &parts);
  }
  char date[32];
  std::strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S", &parts);
  if (utc) return fmt::format("{}.{:03d} UTC", date, static_cast<int>(ms % 1000));
  char zone[16];
  std::strftime(zone, sizeof(zone), "%z", &parts);
  return fmt::format("{}.{:03d} {}", date, static_cast<int>(ms % 1000), zone);
}

Result<int64_t> parse_datetime(std::string_view text, bool utc) {
  std::tm parts{};
  const std::string copy(text);
  const char* end = strptime(copy.c_str(), "%Y-%m-%d %H:%M:%S", &parts);
  if (end == nullptr || *end != '\0') {
    return Status::invalid_argument(
        fmt::format("'{}' is not a datetime of the form YYYY-MM-DD hh:mm:ss", text));
  }
  parts.tm_isdst = -1;
  const std::time_t seconds = utc ? timegm(&parts) : mktime(&parts);
  if (seconds == static_cast<std::time_t>(-1)) {
    return Status::invalid_argument(fmt::format("'{}' is not a representable time", text));
  }
  return compose(static_cast<int64_t>(seconds) * 1000, 0);
}

}  // namespace sluice::tso
