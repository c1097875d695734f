// The "tidb" sink: the mysql sink's loader (plugins/mysql/sql_sink.h) with TiDB's specifics:
//   - the ts-map (ts_map.h): after a flush, at most every ts-map-interval, the downstream TSO
//     from SHOW MASTER STATUS paired with the committed upstream commit_ts; against a server that
//     is not TiDB this degrades, once, with one log line;
//   - TiDB comment syntax in DDL (`/*T! ... */`, `/*!90000 ... */`) goes through unchanged, as
//     every DDL does (plugins/mysql/ddl.h);
//   - downstream transactions capped by TiDB's size limits (tidb_config.h), splitting large
//     upstream transactions.
// The plugin ABI has no way yet to hand the ts-map to the host's checkpoint; it is kept here,
// logged (debug) and exported as gauges.
#include <sluice/sdk/plugin.h>

#include <string>

#include "plugins/mysql/sql_sink.h"
#include "plugins/tidb/tidb_config.h"
#include "plugins/tidb/ts_map.h"

namespace sluice::tidb {
namespace {

class TidbSink : public mysql::SqlSink {
 public:
  static sdk::Status validate(const sdk::Config& config) {
    parse_tidb_config(config, /*with_secret=*/false);
    return sdk::Status::ok();
  }

  TidbSink(sdk::Host host, const sdk::Config& config)
      : TidbSink(host, parse_tidb_config(config, /*with_secret=*/true)) {}

 protected:
  void after_commit(mysql::MysqlConnection& connection, int64_t committed_ts) override {
    std::string error;
    const auto query = [&connection](std::vector<mysql::SqlRow>& rows) {
      return connection.query("SHOW MASTER STATUS", rows);
    };
    switch (probe_.probe(query, committed_ts, host_.monotonic_clock_ns(), error)) {
      case TsMapProbe::Outcome::kNotDue:
        return;
      case TsMapProbe::Outcome::kMapped: {
        const TsMap& map = *probe_.last();
        primary_gauge_.set(static_cast<double>(map.primary_ts));
        secondary_gauge_.set(static_cast<double>(map.secondary_ts));
        host_.report_ts_map(map.primary_ts, map.secondary_ts);
        host_.debug("ts-map primary-ts=" + std::to_string(map.primary_ts) +
                    " secondary-ts=" + std::to_string(map.secondary_ts));
        return;
      }
      case TsMapProbe::Outcome::kNotTidb:
        host_.warn("downstream is not TiDB (SHOW MASTER STATUS gave no TSO: " + error +
                   "); no ts-map will be kept");
        return;
      case TsMapProbe::Outcome::kQueryFailed:
        host_.warn("SHOW MASTER STATUS failed, ts-map not updated: " + error);
        return;
    }
  }

 private:
  TidbSink(sdk::Host host, TidbConfig config)
      : SqlSink(host, std::move(config.sql), "tidb_sink"),
        probe_(config.ts_map_interval_ns),
        primary_gauge_(host.gauge("tidb_sink_ts_map_primary_ts",
                                  "Upstream commit_ts of the last ts-map (approximate: a double)")),
        secondary_gauge_(host.gauge("tidb_sink_ts_map_secondary_ts",
                                    "Downstream TiDB TSO of the last ts-map (approximate)")) {}

  TsMapProbe probe_;
  sdk::Metric primary_gauge_;
  sdk::Metric secondary_gauge_;
};

}  // namespace
}  // namespace sluice::tidb

SLUICE_SINK_PLUGIN(sluice::tidb::TidbSink, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                   "Applies transactions to TiDB as SQL (the original drainer's tidb loader: "
                   "ts-map, TiDB transaction limits)",
                   0)
