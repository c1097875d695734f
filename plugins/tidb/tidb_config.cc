#include "plugins/tidb/tidb_config.h"

#include <cmath>
#include <string>

namespace sluice::tidb {

namespace {

[[noreturn]] void fail(const std::string& key, const std::string& what) {
  throw sdk::ConfigError("'" + key + "' " + what);
}

size_t positive_size(const sdk::Config& config, const char* key, size_t fallback) {
  if (!config.has(key)) return fallback;
  const int64_t value = config.int_or(key, 0);
  if (value <= 0) fail(key, "must be a positive integer, not " + std::to_string(value));
  return static_cast<size_t>(value);
}

}  // namespace

TidbConfig parse_tidb_config(const sdk::Config& config, bool with_secret) {
  TidbConfig out;
  out.sql = mysql::parse_sink_config(config, with_secret);
  if (config.has("ts-map-interval")) {
    const auto text = config.get_string("ts-map-interval");
    const auto seconds = text ? mysql::parse_duration_seconds(*text) : std::nullopt;
    if (!seconds || *seconds <= 0 || !std::isfinite(*seconds)) {
      fail("ts-map-interval", "must be a positive Go duration such as \"1m\" or \"30s\"");
    }
    out.ts_map_interval_ns = static_cast<int64_t>(*seconds * 1e9);
  }
  mysql::PlanOptions& plan = out.sql.applier.plan;
  plan.max_txn_rows = positive_size(config, "txn-max-rows", kDefaultTxnMaxRows);
  plan.max_txn_bytes = positive_size(config, "txn-max-bytes", kDefaultTxnMaxBytes);
  return out;
}

}  // namespace sluice::tidb
