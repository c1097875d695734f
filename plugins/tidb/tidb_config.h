#pragma once
// The tidb sink's configuration: every key of the mysql sink (plugins/mysql/sink_config.h) plus
//   ts-map-interval  Go duration, default "1m": how often SHOW MASTER STATUS is asked (ts-map)
//   txn-max-rows     rows per downstream transaction, default 5000 (TiDB's stmt-count-limit)
//   txn-max-bytes    estimated bytes per downstream transaction, default 104857600 (TiDB's
//                    txn-total-size-limit, 100 MiB)
// Larger upstream transactions are split (with dispatch off; with dispatch on txn-batch is
// usually smaller). Parsing does no I/O and throws sdk::ConfigError naming the key. Value type.

#include <sluice/sdk/plugin.h>

#include <cstdint>

#include "plugins/mysql/sink_config.h"

namespace sluice::tidb {

struct TidbConfig {
  mysql::SinkConfig sql;
  int64_t ts_map_interval_ns = 60'000'000'000;
};

inline constexpr size_t kDefaultTxnMaxRows = 5000;
inline constexpr size_t kDefaultTxnMaxBytes = size_t{100} << 20;

TidbConfig parse_tidb_config(const sdk::Config& config, bool with_secret);

}  // namespace sluice::tidb
