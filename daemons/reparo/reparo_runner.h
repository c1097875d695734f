#pragma once
// run_reparo: the whole replay. Reads every record of config.data_dir in order
// (BinlogDirectoryReader), keeps binlogs with start-tso <= commit_ts <= stop-tso (0 = open; the
// first commit_ts past stop-tso ends the reading, as files are in commit order), drops the events
// the filter rejects, and hands the rest to `applier`, then finish(). A record that is not a
// pb_binlog.Binlog counts as corrupt: an error naming file and offset unless skip-corrupt.
// Runs on the calling thread.

#include <cstdint>

#include "core/common/result.h"
#include "daemons/reparo/reparo_applier.h"
#include "daemons/reparo/reparo_config.h"
#include "daemons/reparo/reparo_filter.h"

namespace sluice::reparo {

struct ReparoSummary {
  uint64_t records = 0;          // read from the files
  uint64_t binlogs_applied = 0;  // in range and with something left after filtering
  uint64_t events_applied = 0;   // row events and DDL statements handed to the applier
  uint64_t skipped_corrupt = 0;  // bad records skipped (skip-corrupt)
  bool torn_tail = false;        // the newest file ended in a torn record
};

Result<ReparoSummary> run_reparo(const ReparoConfig& config, const ReparoFilter& filter,
                                 ReparoApplier& applier);

}  // namespace sluice::reparo
