#pragma once
// The ts-map of the original's TiDB sink (facts §6, "SQL sinks" and "Checkpoint"): every
// `ts-map-interval` (1 min by default) after a flush, `SHOW MASTER STATUS` downstream gives the
// downstream TiDB's current TSO (File "tidb-binlog", Position = the TSO), which, paired with the
// upstream commit_ts committed at that point, is the checkpoint's {"primary-ts", "secondary-ts"}.
// A downstream that answers without a TSO (MySQL, MariaDB: a binlog file and byte position, or
// no row) or refuses the statement is not TiDB: the probe stops for good after one such answer.
// Thread-compatible: owned by one sink, called from the host's thread.

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "plugins/mysql/mysql_connection.h"

namespace sluice::tidb {

struct TsMap {
  int64_t primary_ts = 0;    // upstream commit_ts, everything at or below committed downstream
  int64_t secondary_ts = 0;  // the downstream TiDB's TSO read after that commit
  bool operator==(const TsMap&) const = default;
};

// The TSO in SHOW MASTER STATUS rows (columns File, Position, ...): set only for TiDB's answer,
// File "tidb-binlog" and a positive integer Position.
std::optional<int64_t> tso_from_master_status(const std::vector<mysql::SqlRow>& rows);

class TsMapProbe {
 public:
  // Runs SHOW MASTER STATUS and fills the rows (the sink passes its connection; tests a stand-in
  // for a TiDB server, which cannot run here).
  using Query = std::function<std::optional<mysql::SqlError>(std::vector<mysql::SqlRow>&)>;

  enum class Outcome {
    kNotDue,       // the interval has not passed, or the downstream is known not to be TiDB
    kMapped,       // last() is the new ts-map
    kNotTidb,      // first answer without a TSO: probing stops (log once)
    kQueryFailed,  // a transient error: tried again at the next interval (`error` filled)
  };

  explicit TsMapProbe(int64_t interval_ns) : interval_ns_(interval_ns) {}

  Outcome probe(const Query& query, int64_t committed_ts, int64_t now_ns, std::string& error);

  const std::optional<TsMap>& last() const { return last_; }
  bool disabled() const { return disabled_; }

 private:
  int64_t interval_ns_;
  std::optional<int64_t> last_probe_ns_;
  std::optional<TsMap> last_;
  bool disabled_ = false;
};

}  // namespace sluice::tidb
