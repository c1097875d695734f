#pragma once
// Reading the relay log back (RelayLogWriter's files) for the drainer's recovery replay: every
// record with commit_ts above a checkpoint, in file and record order. A torn last record (a write
// cut short by a crash in the newest file) is ignored with a warning: the transaction it held was
// never handed to a sink. Any other bad record is kCorruption naming the file and offset.
// Functions; one thread at a time.

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string_view>

#include "core/common/result.h"

namespace sluice::drainer {

struct RelayReadSummary {
  uint64_t files = 0;
  uint64_t records = 0;        // handed to `visit`
  uint64_t skipped = 0;        // at or below the checkpoint
  bool torn_tail = false;      // the newest file ended in a torn record
  int64_t last_commit_ts = 0;  // of the last record handed to `visit`
};

// Calls `visit(record, commit_ts)` for each record with commit_ts > `after_ts`; stops at the
// first error `visit` returns. A missing directory reads as empty.
Result<RelayReadSummary> read_relay_log(
    const std::filesystem::path& dir, int64_t after_ts,
    const std::function<Status(std::string_view record, int64_t commit_ts)>& visit,
    const std::function<void(std::string_view warning)>& warn);

}  // namespace sluice::drainer
