#pragma once
// DrainerTransaction: one upstream transaction on its way to the sinks, owning everything its
// plugin-ABI view points at: the parsed prewrite value (row bytes), the decoder's text arena, the
// decoded rows, the ABI tables and the event array. Built by the TransactionAssembler, filtered
// in place by the syncer, then shared read-only by every sink (via TransactionBatch).

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/decode/row_change.h"
#include "core/decode/text_arena.h"
#include "core/drainer/abi_table.h"
#include "core/proto/binlog.pb.h"

namespace sluice::drainer {

struct DrainerTransaction {
  int64_t commit_ts = 0;
  int64_t start_ts = 0;
  int64_t schema_version = 0;
  bool ddl = false;
  size_t payload_bytes = 0;  // size of the binlog as pulled, for metrics

  // DML: the rows and what they point into.
  binlog::PrewriteValue prewrite;
  decode::TextArena arena{4096};
  std::vector<decode::RowChange> rows;
  std::vector<std::shared_ptr<const AbiTable>> row_tables;  // one per row

  // DDL: the statement and the names it applies to (table empty for database-level DDL).
  std::string ddl_schema;
  std::string ddl_table;
  std::string ddl_query;

  // The ABI view, pointing into the members above. Filters shrink it in place.
  std::vector<sluice_event_t> events;

  // Fills `events` from the rows (or the DDL fields). Call once, after the rows are final.
  void build_events();
  size_t row_count() const { return rows.size(); }
};

}  // namespace sluice::drainer
