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
  size_t size() const { return groups_.size(); }

 private:
  std::unordered_map<std::string, std::string> groups_;  // key -> group name
};

// A downstream transaction: DMLs applied in one BEGIN ... COMMIT.
struct Chunk {
  std::vector<Dml> dmls;
  size_t bytes = 0;         // dml_bytes() of dmls
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
  // Caps on one downstream transaction (0: none), e.g. the tidb sink's TiDB transaction size
  // limits; with dispatch off a larger upstream transaction is split.
  size_t max_txn_rows = 0;
  size_t max_txn_bytes = 0;
};

// The size of a DML's values (bytes of strings, 8 per number, old and new rows) plus its table
// name: what a downstream transaction's size is estimated from.
size_t dml_bytes(const Dml& dml);

// Whether `dml` (of `bytes`) may join `chunk` under `options` (txn-batch with dispatch on, the
// same upstream transaction with dispatch off, and the max_txn_* caps). An empty chunk takes any
// DML.
bool chunk_accepts(const Chunk& chunk, const Dml& dml, size_t bytes, const PlanOptions& options);

// Incremental dispatch: the worker bucket of each DML in commit order. place() sets `barrier`
// when the DML's keys join two groups: everything placed before it must be committed before it
// runs (the caller waits, then the groups start afresh). With dispatch off every DML goes to
// bucket 0. Thread-compatible.
class Dispatcher {
 public:
  explicit Dispatcher(const PlanOptions& options);
  size_t place(const Dml& dml, bool& barrier);
  // Forgets the groups (after everything placed so far has committed).
  void reset() { causality_.reset(); }
  // Keys remembered (the caller bounds memory by committing and resetting).
  size_t keys() const { return causality_.size(); }
  size_t workers() const { return workers_; }

 private:
  PlanOptions options_;
  size_t workers_;
  Causality causality_;
};

// Splits `dmls` (in commit order) into rounds (Dispatcher placement; a barrier starts a round).
std::deque<Round> plan_rounds(std::vector<Dml> dmls, const PlanOptions& options);

}  // namespace sluice::mysql
