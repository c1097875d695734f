#pragma once
// The three fields of a serialized binlog.Binlog the store routes on (tp, start_ts, commit_ts),
// read without copying the bulky bytes fields. Pure functions; thread-safe.

#include <cstdint>
#include <string_view>

#include "core/common/result.h"

namespace sluice::storage {

struct BinlogHeader {
  int tp = 0;  // binlog::BinlogType value; absent means Prewrite (0), as proto2 defaults
  int64_t start_ts = 0;
  int64_t commit_ts = 0;
};

// Scans the wire format; InvalidArgument naming the problem when the bytes are not a well-formed
// protobuf message. Does not check unknown fields beyond skipping them.
Result<BinlogHeader> scan_binlog_header(std::string_view bytes);

}  // namespace sluice::storage
