#include "core/config/setting_readers.h"

#include <fmt/format.h>

#include <string>

#include "core/config/units.h"

namespace sluice::config {

Status read_duration(ConfigSection& section, const char* key, std::chrono::milliseconds& out) {
  if (!section.has(key)) {
    (void)section.get<std::string>(key);  // mark as known
    return Status::ok();
  }
  if (auto number = section.get<double>(key); number.is_ok() && number->has_value()) {
    if (**number <= 0) return section.error(key, "must be positive");
    out = std::chrono::milliseconds(static_cast<int64_t>(**number * 1000));
    return Status::ok();
  }
  std::string text;
  SLUICE_RETURN_IF_ERROR(section.read(key, text));
  auto duration = parse_duration(text);
  if (!duration.is_ok()) return section.error(key, duration.status().message());
  if (duration->count() <= 0) return section.error(key, "must be positive");
  out = std::chrono::duration_cast<std::chrono::milliseconds>(*duration);
  return Status::ok();
}

Status read_positive_seconds(ConfigSection& section, const char* key, std::chrono::seconds& out) {
  int64_t value = out.count();
  SLUICE_RETURN_IF_ERROR(section.read(key, value));
  if (value <= 0) return section.error(key, fmt::format("must be positive, found {}", value));
  out = std::chrono::seconds(value);
  return Status::ok();
}

Status read_byte_size(ConfigSection& section, const char* key, uint64_t& out) {
  if (!section.has(key)) {
    (void)section.get<std::string>(key);
    return Status::ok();
  }
  std::string text;
  if (auto number = section.get<int64_t>(key); number.is_ok() && number->has_value()) {
    text = std::to_string(**number);
  } else {
    SLUICE_RETURN_IF_ERROR(section.read(key, text));
  }
  auto bytes = parse_byte_size(text);
  if (!bytes.is_ok()) return section.error(key, bytes.status().message());
  out = *bytes;
  return Status::ok();
}

}  // namespace sluice::config
