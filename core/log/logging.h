#pragma once
// Process-wide logging on spdlog: every daemon calls configure_logging() once at start, then logs
// through spdlog's default logger. With a file, the log rotates by size and keeps a bounded
// number of old files. Thread-safe after configuration (spdlog's *_mt sinks).

#include <spdlog/common.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::log {

struct LogOptions {
  std::string level = "info";  // trace, debug, info, warn (warning), error, fatal (critical), off
  std::string file;            // empty: standard error
  uint64_t max_file_bytes = 300ull << 20;  // rotate when the file reaches this size
  int max_files = 7;                       // rotated files kept beside the current one
  std::string program = "sluice";          // logger name shown in each line
};

// The level names the original daemons accept (case-insensitive); errors list the valid ones.
Result<spdlog::level::level_enum> parse_level(std::string_view name);

// Replaces spdlog's default logger according to `options`. Fails (and keeps the previous logger)
// when the level is unknown or the file cannot be opened, naming the cause.
Status configure_logging(const LogOptions& options);

}  // namespace sluice::log
