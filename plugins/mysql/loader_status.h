#pragma once
// The loader reports outcomes as plugin statuses (sdk::Status: RETRY, REJECTED, FATAL, ...), as
// the sink plugin needs them; daemons that drive the loader directly (reparo, arbiter) work with
// core Status. One mapping for both: RETRY -> Unavailable, REJECTED -> InvalidArgument,
// UNSUPPORTED -> Unsupported, anything else not OK -> FailedPrecondition; the message is kept.
// Pure function; thread-safe.

#include <sluice/sdk/plugin.h>

#include "core/common/status.h"

namespace sluice::mysql {

Status to_core_status(const sdk::Status& status);

}  // namespace sluice::mysql
