#pragma once
// ABI row events (SDK views, valid only during a host call) -> owned Dml values. Table layouts are
// interned per ABI table pointer within one TableCache lifetime, which the caller keeps to one
// write() call. Thread-compatible.

#include <sluice/sdk/plugin.h>

#include <memory>
#include <unordered_map>

#include "plugins/mysql/dml.h"

namespace sluice::mysql {

class TableCache {
 public:
  // The owned layout of `table` (keys ordered PRIMARY first).
  std::shared_ptr<const TableInfo> get(const sdk::Table& table, const sluice_table_t* raw);

 private:
  std::unordered_map<const sluice_table_t*, std::shared_ptr<const TableInfo>> tables_;
};

// A copy of a row event. Fails (REJECTED) for an event without a table or with a missing row.
sdk::Status to_dml(const sdk::Event& event, int64_t commit_ts, bool safe_mode, TableCache& tables,
                   Dml& out);

}  // namespace sluice::mysql
