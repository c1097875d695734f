#pragma once
// merge = true (facts §6, "[syncer.to] merge"): the DMLs of a batch on tables with a PRIMARY key
// collapse to each key's final state, applied as bulk DELETEs (keys whose row is gone, or whose
// primary key moved away) and then bulk REPLACEs (every key's final row); DMLs of tables without
// a primary key pass through in order, after them. Pure function; thread-safe.

#include <vector>

#include "plugins/mysql/dml.h"

namespace sluice::mysql {

// `dmls` in commit order (layouts already resolved against the downstream table). The result's
// deletes come first (grouped by table), then the REPLACE rows (inserts with safe_mode set,
// grouped by table), then the pass-through DMLs.
std::vector<Dml> merge_by_primary_key(std::vector<Dml> dmls);

}  // namespace sluice::mysql
