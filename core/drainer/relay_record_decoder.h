#pragma once
// RelayRecordDecoder: turns one relay-log record (a marshalled slave.binlog.Binlog, the secondary
// binlog the relay writer stores) back into a DrainerTransaction the sinks can apply, without the
// upstream: the table layouts are rebuilt from the record's own column_info and unique_keys.
//
// The value mapping is the inverse of the secondary binlog encoder's: is_null -> NULL;
// int64_value / uint64_value / double_value as they are; string_value -> bytes, except YEAR
// columns, whose decimal text becomes the int64 the decoder produced; bytes_value -> bytes,
// except BIT columns, whose big-endian bytes become the uint64 the decoder produced.
// An integer column is UNSIGNED when its values travel as uint64_value.
//
// Caches layouts by table definition, so the rows of one table share one AbiTable. Not
// thread-safe: one replay thread.

#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "core/common/result.h"
#include "core/drainer/abi_table.h"
#include "core/drainer/drainer_transaction.h"

namespace sluice::drainer {

class RelayRecordDecoder {
 public:
  // A malformed record is kCorruption naming what is wrong.
  Result<std::unique_ptr<DrainerTransaction>> decode(std::string_view record);

  // The commit_ts of a record without decoding its rows.
  static Result<int64_t> commit_ts_of(std::string_view record);

 private:
  std::map<std::string, std::shared_ptr<const AbiTable>> tables_;  // definition -> table
};

}  // namespace sluice::drainer
