#pragma once
// Which checkpoint store the drainer daemon uses: the file store (DrainerNode's default) for
// [checkpoint] type = "file", the downstream's tidb_binlog.checkpoint table for "mysql"/"tidb".

#include <memory>

#include "core/checkpoint/checkpoint_store.h"
#include "core/common/result.h"
#include "core/drainer/drainer_config.h"

namespace sluice::drainer {

// null for the file store; the table store otherwise. `cluster_id` is the drainer's.
Result<std::unique_ptr<checkpoint::CheckpointStore>> make_checkpoint_store(
    const DrainerConfig& config, uint64_t cluster_id);

}  // namespace sluice::drainer
