#pragma once
// The arbiter's configuration: the original arbiter.toml keys (facts §8) plus Sluice's
// `[up] skip-invalid-message`. Parsing reads the file only; the password is resolved
// ("${ENV}", encrypted_password with BINLOG_SECRET_KEY) but never appears in a message. Every
// error names the key. Value type; any thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/config/config_document.h"

namespace sluice::arbiter {

struct UpConfig {
  std::string kafka_addrs = "127.0.0.1:9092";
  std::string kafka_version = "0.8.2.0";  // accepted, ignored: librdkafka negotiates
  std::string topic;
  int64_t initial_commit_ts = 0;
  // Sluice's own: a message that is not a secondary binlog is logged and skipped instead of
  // stopping the arbiter.
  bool skip_invalid_message = false;
};

struct DownConfig {
  std::string host = "localhost";
  uint16_t port = 3306;
  std::string user = "root";
  std::string password;  // resolved; never logged
  int worker_count = 16;
  int batch_size = 64;
  bool safe_mode = false;
};

struct ArbiterConfig {
  std::string addr = "127.0.0.1:8251";
  std::string log_level = "info";
  std::string log_file;
  UpConfig up;
  DownConfig down;
  // The parsed file, kept so unknown keys are reported once logging is set up.
  std::shared_ptr<config::ConfigDocument> document;
};

Result<ArbiterConfig> parse_arbiter_config(std::string_view text, std::string source_name);
Result<ArbiterConfig> load_arbiter_config(const std::filesystem::path& path);

// Checks what flags may have changed after parsing.
Status validate(const ArbiterConfig& config);

}  // namespace sluice::arbiter
