#pragma once
// MutationDecoder: turns a binlog TableMutation (rows as TiDB-encoded datums keyed by column id)
// into RowChanges with typed values, using the table layout valid at the DML's schema version.
// Rows come out in the mutation's `sequence` order. String values point into the mutation's row
// bytes; formatted text into `arena`: both must outlive the RowChanges. Caches layouts per
// (table, version). Borrows the tracker, which must outlive the decoder. Not thread-safe.

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/codec/datum_view.h"
#include "core/decode/row_change.h"
#include "core/decode/text_arena.h"
#include "core/proto/binlog.pb.h"
#include "core/schema/schema_tracker.h"

namespace sluice::decode {

class MutationDecoder {
 public:
  explicit MutationDecoder(const schema::SchemaTracker& tracker) : tracker_(tracker) {}

  // Appends the rows of `mutation` to `out`. Errors name the table and the row.
  Status decode(const binlog::TableMutation& mutation, int64_t schema_version,
                std::vector<RowChange>& out, TextArena& arena);

  // The layout of a physical table id at a schema version (cached).
  Result<std::shared_ptr<const TableLayout>> layout_for(int64_t table_id, int64_t schema_version);

  void clear_cache() { cache_.clear(); }

 private:
  // Decodes one row image (either format) into `values`, marking `filled`; for updates, the second
  // occurrence of a column goes to `second_values` (when given).
  Status read_row(std::string_view bytes, const TableLayout& layout, TextArena& arena,
                  std::vector<sluice_value_t>& values, std::vector<uint8_t>& filled,
                  std::vector<sluice_value_t>* second_values, std::vector<uint8_t>* second_filled);

  const schema::SchemaTracker& tracker_;
  std::map<std::pair<int64_t, int64_t>, std::shared_ptr<const TableLayout>> cache_;
  std::vector<uint8_t> filled_;
  std::vector<uint8_t> second_filled_;
  std::vector<codec::DatumView> handles_;
  std::string scratch_;
};

}  // namespace sluice::decode
