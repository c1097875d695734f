#include "plugins/tidb/ts_map.h"

#include <charconv>

namespace sluice::tidb {

std::optional<int64_t> tso_from_master_status(const std::vector<mysql::SqlRow>& rows) {
  if (rows.empty() || rows[0].size() < 2) return std::nullopt;
  const mysql::SqlRow& row = rows[0];
  if (!row[0] || *row[0] != "tidb-binlog" || !row[1]) return std::nullopt;
  const std::string& text = *row[1];
  int64_t tso = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), tso);
  if (error != std::errc() || end != text.data() + text.size() || tso <= 0) return std::nullopt;
  return tso;
}

TsMapProbe::Outcome TsMapProbe::probe(const Query& query, int64_t committed_ts, int64_t now_ns,
                                      std::string& error) {
  if (disabled_) return Outcome::kNotDue;
  if (last_probe_ns_ && now_ns - *last_probe_ns_ < interval_ns_) return Outcome::kNotDue;
  last_probe_ns_ = now_ns;
  std::vector<mysql::SqlRow> rows;
  if (auto failed = query(rows)) {
    error = "MySQL error " + std::to_string(failed->code) + ": " + failed->message;
    if (failed->transient()) return Outcome::kQueryFailed;
    // Refused (a syntax error, missing privilege): not a TiDB answer, and it will not change.
    disabled_ = true;
    return Outcome::kNotTidb;
  }
  const std::optional<int64_t> tso = tso_from_master_status(rows);
  if (!tso) {
    error = rows.empty() ? "no row" : "File '" + rows[0][0].value_or("NULL") + "'";
    disabled_ = true;
    return Outcome::kNotTidb;
  }
  last_ = TsMap{committed_ts, *tso};
  return Outcome::kMapped;
}

}  // namespace sluice::tidb
