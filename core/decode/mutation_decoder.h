#pragma once
// MutationDecoder: turns a binlog TableMutation (rows as TiDB-encoded datums keyed by column id)
// into RowChanges with named, typed values, using the table layout valid at the DML's schema
// version. Rows come out in the mutation's `sequence` order. Caches layouts per (table, version).
// Borrows the tracker, which must outlive the decoder. Not thread-safe.

#include <map>
#include <memory>
#include <utility>
#include <vector>

#include "core/decode/row_change.h"
#include "core/proto/binlog.pb.h"
#include "core/schema/schema_tracker.h"

namespace sluice::decode {

class MutationDecoder {
 public:
  explicit MutationDecoder(const schema::SchemaTracker& tracker) : tracker_(tracker) {}

  // Appends the rows of `mutation` to `out`. Errors name the table and the row.
  Status decode(const binlog::TableMutation& mutation, int64_t schema_version,
                std::vector<RowChange>& out);

  // The layout of a physical table id at a schema version (cached).
  Result<std::shared_ptr<const TableLayout>> layout_for(int64_t table_id, int64_t schema_version);

  // Forgets cached layouts (after DDL changes a table, old entries stay correct but unused).
  void clear_cache() { cache_.clear(); }

 private:
  const schema::SchemaTracker& tracker_;
  std::map<std::pair<int64_t, int64_t>, std::shared_ptr<const TableLayout>> cache_;
};

}  // namespace sluice::decode
