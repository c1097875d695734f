#include "plugins/mysql/sink_config.h"

#include <cctype>
#include <cmath>
#include <cstdlib>

#include "plugins/mysql/sql_render.h"

namespace sluice::mysql {

namespace {

[[noreturn]] void fail(std::string_view key, std::string_view why) {
  throw sdk::ConfigError("'" + std::string(key) + "' " + std::string(why));
}

int64_t positive_int(const sdk::Config& config, std::string_view key, int64_t fallback,
                     int64_t max) {
  const int64_t value = config.int_or(key, fallback);
  if (value < 1 || value > max) {
    fail(key, "must be between 1 and " + std::to_string(max) + ", not " + std::to_string(value));
  }
  return value;
}

// An enable-X key with its legacy disable-X spelling; the enable- key wins when both are set.
bool enable_flag(const sdk::Config& config, std::string_view enable, std::string_view disable) {
  const auto disabled = config.get_bool(disable);
  const auto enabled = config.get_bool(enable);
  if (enabled) return *enabled;
  if (disabled) return !*disabled;
  return true;
}

unsigned timeout_seconds(const sdk::Config& config, std::string_view key, double fallback) {
  double seconds = fallback;
  const int32_t type = config.type(key);
  if (type == SLUICE_CONFIG_INT || type == SLUICE_CONFIG_DOUBLE) {
    seconds = *config.get_double(key);
  } else if (type == SLUICE_CONFIG_STRING) {
    const auto parsed = parse_duration_seconds(*config.get_string(key));
    if (!parsed) fail(key, "must be a duration such as \"1m\", \"30s\" or \"500ms\"");
    seconds = *parsed;
  } else if (type != SLUICE_CONFIG_ABSENT) {
    fail(key, "must be a duration string or a number of seconds");
  }
  if (!(seconds > 0) || seconds > 365 * 24 * 3600.0) fail(key, "must be a positive duration");
  return static_cast<unsigned>(std::max(1.0, std::ceil(seconds)));  // the client counts seconds
}

SqlValue session_value(const sdk::Config& config, const std::string& key) {
  switch (config.type(key)) {
    case SLUICE_CONFIG_STRING:
      return std::string(*config.get_string(key));
    case SLUICE_CONFIG_INT:
      return int64_t{*config.get_int(key)};
    case SLUICE_CONFIG_BOOL:
      return int64_t{*config.get_bool(key) ? 1 : 0};
    default:
      fail(key, "must be a string, an integer or a boolean");
  }
}

}  // namespace

std::optional<double> parse_duration_seconds(std::string_view text) {
  if (text.empty()) return std::nullopt;
  double total = 0;
  while (!text.empty()) {
    size_t digits = 0;
    while (digits < text.size() &&
           (std::isdigit(static_cast<unsigned char>(text[digits])) || text[digits] == '.')) {
      ++digits;
    }
    if (digits == 0) return std::nullopt;
    char* end = nullptr;
    const std::string number(text.substr(0, digits));
    const double value = std::strtod(number.c_str(), &end);
    if (end != number.c_str() + number.size()) return std::nullopt;
    text.remove_prefix(digits);
    double unit = 0;
    if (text.starts_with("ms")) {
      unit = 0.001;
      text.remove_prefix(2);
    } else if (text.starts_with("h")) {
      unit = 3600;
      text.remove_prefix(1);
    } else if (text.starts_with("m")) {
      unit = 60;
      text.remove_prefix(1);
    } else if (text.starts_with("s")) {
      unit = 1;
      text.remove_prefix(1);
    } else {
      return std::nullopt;
    }
    total += value * unit;
  }
  return total;
}

SinkConfig parse_sink_config(const sdk::Config& config, bool with_secret) {
  SinkConfig out;
  ConnectionOptions& connection = out.applier.connection;
  connection.host = config.string_or("host", "localhost");
  if (connection.host.empty()) fail("host", "must not be empty");
  connection.user = config.string_or("user", "root");
  connection.port = static_cast<uint16_t>(positive_int(config, "port", 3306, 65535));
  const int32_t password_type = config.type("password");
  if (password_type != SLUICE_CONFIG_ABSENT && password_type != SLUICE_CONFIG_STRING) {
    fail("password", "must be a string");
  }
  const int32_t encrypted_type = config.type("encrypted_password");
  if (encrypted_type != SLUICE_CONFIG_ABSENT && encrypted_type != SLUICE_CONFIG_STRING) {
    fail("encrypted_password", "must be a string");
  }
  if (with_secret) connection.password = config.get_secret("password").value_or("");
  connection.read_timeout_seconds = timeout_seconds(config, "read-timeout", 60);
  connection.write_timeout_seconds = connection.read_timeout_seconds;

  if (auto mode = config.get_string("sql-mode")) {
    for (char c : *mode) {
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_' && c != ',') {
        fail("sql-mode", "must be a comma-separated list of sql_mode names");
      }
    }
    connection.sql_mode = *mode;
  }
  if (config.has("params") && config.type("params") != SLUICE_CONFIG_TABLE) {
    fail("params", "must be a table of session variables ([syncer.to.params])");
  }
  for (std::string_view name : kSessionParams) {
    const std::string key = "params." + std::string(name);
    if (!config.has(key)) continue;
    SqlValue value = session_value(config, key);
    if (const auto* zone = std::get_if<std::string>(&value);
        name == "time_zone" && zone != nullptr && (*zone == "SYSTEM" || *zone == "Local")) {
      fail(key, "must be an explicit zone such as \"+00:00\" or \"Asia/Shanghai\", not '" + *zone +
                    "' (as in the original drainer)");
    }
    connection.session_variables.emplace_back(std::string(name), std::move(value));
  }

  PlanOptions& plan = out.applier.plan;
  plan.txn_batch = static_cast<size_t>(positive_int(config, "txn-batch", 20, 1 << 20));
  plan.worker_count = static_cast<size_t>(positive_int(config, "worker-count", 16, 1024));
  plan.enable_dispatch = enable_flag(config, "enable-dispatch", "disable-dispatch");
  plan.enable_detect = enable_flag(config, "enable-detect", "disable-detect");
  out.sync_ddl = config.bool_or("sync-ddl", true);
  out.applier.merge = config.bool_or("merge", false);

  // 1 = SyncFullColumn, 2 = SyncPartialColumn (facts §6).
  const int64_t mode = config.int_or("sync-mode", 1);
  if (mode != 1 && mode != 2) {
    fail("sync-mode",
         "must be 1 (full columns) or 2 (partial columns), not " + std::to_string(mode));
  }
  out.applier.partial_columns = mode == 2;
  connection.strip_strict_trans_tables = mode == 2;
  out.channel_id = config.int_or("channel-id", 0);
  if (config.bool_or("loopback-control", false)) out.applier.loopback_channel = out.channel_id;
  return out;
}

}  // namespace sluice::mysql
