#pragma once
// Conflict detection and dispatch (facts §6, "Dispatch" and "Causality"): each DML is keyed by the
// values of its unique keys (new and old values; a key-less row by all its values); DMLs sharing a
// key join one group, and a group always goes to the same worker bucket, so rows that conflict
// apply in order while independent rows apply in parallel. A DML whose keys fall into two
// existing groups ends the round: everything planned before it is applied first. Pure planning;
// thread-compatible.

#include <cstddef>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "plugins/mysql/dml.h"

namespace sluice::mysql {

// The causality keys of `dml`: one per unique key whose values are all non-NULL, for the new
// values (insert, update) and the old values (update, delete); if there is none, the whole row.
// Keys include the table, so equal values in different tables do not conflict.
std::vector<std::string> dml_keys(const Dml& dml);

class Causality {
 public:
  // True when `keys` belong to more than one existing group.
  bool detect_conflict(const std::vector<std::string>& keys) const;
  // Puts all `keys` into one group (the existing group of any of them, or a new one named after
  // keys[0]); returns the group's name.
  const std::string& add(const std::vector<std::string>& keys);
  void reset() { groups_.clear(); }

 private:
  std::unordered_map<std::string, std::string> groups_;  // key -> group name
};

// A downstream transaction: DMLs applied in one BEGIN ... COMMIT.
struct Chunk {
  std::vector<Dml> dmls;
  bool force_safe = false;  // replay idempotently (its first attempt may have committed)
};

// Buckets that may run in parallel; each bucket's chunks run in order.
struct Round {
  std::vector<std::deque<Chunk>> buckets;
  bool done() const {
    for (const auto& bucket : buckets) {
      if (!bucket.empty()) return false;
    }
    return true;
  }
};

struct PlanOptions {
  size_t worker_count = 16;
  size_t txn_batch = 20;
  bool enable_dispatch = true;  // false: one bucket, one chunk per upstream transaction
  bool enable_detect = true;    // false: bucket by the first key only, no cross-key conflicts
};

// Splits `dmls` (in commit order) into rounds.
std::deque<Round> plan_rounds(std::vector<Dml> dmls, const PlanOptions& options);

}  // namespace sluice::mysql
