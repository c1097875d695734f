#include "core/log/logging.h"

#include <fmt/format.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

namespace sluice::log {

Result<spdlog::level::level_enum> parse_level(std::string_view name) {
  std::string lowered(name);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lowered == "trace") return spdlog::level::trace;
  if (lowered == "debug") return spdlog::level::debug;
  if (lowered == "info") return spdlog::level::info;
  if (lowered == "warn" || lowered == "warning") return spdlog::level::warn;
  if (lowered == "error") return spdlog::level::err;
  if (lowered == "fatal" || lowered == "critical") return spdlog::level::critical;
  if (lowered == "off") return spdlog::level::off;
  return Status::invalid_argument(fmt::format(
      "unknown log level '{}' (use trace, debug, info, warn, error, fatal or off)", name));
}

Status configure_logging(const LogOptions& options) {
  SLUICE_ASSIGN_OR_RETURN(const auto level, parse_level(options.level));
  std::shared_ptr<spdlog::logger> logger;
  try {
    if (options.file.empty()) {
      logger = std::make_shared<spdlog::logger>(
          options.program, std::make_shared<spdlog::sinks::stderr_color_sink_mt>());
    } else {
      const std::filesystem::path path(options.file);
      if (path.has_parent_path()) {
        std::error_code error;
        std::filesystem::create_directories(path.parent_path(), error);
        if (error) {
          return Status::io_error(fmt::format("log file {}: cannot create its directory: {}",
                                              options.file, error.message()));
        }
      }
      logger = std::make_shared<spdlog::logger>(
          options.program, std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                               options.file, static_cast<size_t>(options.max_file_bytes),
                               static_cast<size_t>(std::max(options.max_files, 0))));
    }
  } catch (const spdlog::spdlog_ex& error) {
    return Status::io_error(fmt::format("log file {}: {}", options.file, error.what()));
  }
  spdlog::drop(logger->name());
  logger->set_level(level);
  logger->set_pattern("[%Y/%m/%d %H:%M:%S.%e %z] [%l] [" + options.program + "] %v");
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(logger);
  spdlog::flush_every(std::chrono::seconds(1));
  return Status::ok();
}

}  // namespace sluice::log
