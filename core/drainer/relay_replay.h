#pragma once
// Relay replay: the drainer's disaster-recovery path (facts §4c). When the last run did not stop
// cleanly (checkpoint consistent = false) and the upstream cannot be reached, the transactions
// the relay log holds above the checkpoint are applied to every sink, in order and in safe mode,
// so the downstream ends at a transaction boundary; the caller then saves the checkpoint with
// consistent = true.
//
// Borrows the runners (started, with unclean = true) for the call; drains and closes them.
// Runs on the calling thread.

#include <cstdint>
#include <filesystem>
#include <vector>

#include "core/common/result.h"
#include "core/drainer/relay_log_reader.h"
#include "core/drainer/sink_runner.h"

namespace sluice::drainer {

struct RelayReplayResult {
  RelayReadSummary read;
  uint64_t transactions = 0;  // applied (DDL included)
  int64_t durable_ts = 0;     // every sink's watermark after the drain
};

// Applies the relay log in `dir` above `checkpoint_ts` to `runners`, `batch_transactions` DML
// transactions per batch (a DDL alone), then finishes (drains and closes) every runner.
Result<RelayReplayResult> replay_relay_log(const std::filesystem::path& dir, int64_t checkpoint_ts,
                                           const std::vector<SinkRunner*>& runners,
                                           size_t batch_transactions);

}  // namespace sluice::drainer
