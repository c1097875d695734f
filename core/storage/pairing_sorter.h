#pragma once
// PairingSorter: the in-memory half of P/C matching (facts §5, pump/storage/sorter.go).
//
// Items are kept in ARRIVAL order. A Prewrite item blocks the head until its transaction is
// matched (Commit), rolled back or resolved; a Commit (or fake) item blocks until its RocksDB
// write is durable. Popping the head moves the safe point max_commit_ts over durable commits.
//
// Why this is correct: TiDB acknowledges the P-binlog write before it fetches its commit_ts
// (store/tikv/2pc.go). So if transaction A commits at ca < cb, A's commit_ts was allocated after
// A's P was acknowledged, and B's C-binlog is sent after cb was allocated; hence A's P arrived
// (was registered here, which happens before the write is acknowledged) before B's C. While A is
// unmatched its P sits ahead of B's C and keeps the safe point below cb, so a reader that has
// seen everything <= max_commit_ts never receives a smaller commit_ts later. A commit item also
// blocks until durable, so a reader never skips a commit that is still being written.
//
// The pending set maps start_ts to the P payload, kept in memory so a Commit joins without a
// RocksDB read, or null when the store keeps it on disk only (its memory bound was reached).
// Not thread-safe: BinlogStore guards it with its mutex.

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace sluice::storage {

class PairingSorter {
 public:
  enum class PrewriteState {
    kWriting,    // its RocksDB write is in flight; not yet acknowledged
    kDurable,    // acknowledged; waiting for Commit/Rollback
    kFinishing,  // a Commit/Rollback/resolution for it is being written
  };
  struct Pending {
    std::shared_ptr<const std::string> payload;  // the P-binlog bytes; null: on disk only
    uint64_t item = 0;                           // its arrival item
    PrewriteState state = PrewriteState::kWriting;
  };

  // Registers an arrived Prewrite; false if start_ts is already pending.
  bool add_prewrite(int64_t start_ts, std::shared_ptr<const std::string> payload,
                    PrewriteState state);
  // The pending entry for start_ts, or nullptr. Valid until the next mutating call.
  Pending* find_pending(int64_t start_ts);
  // Removes start_ts from the pending set and unblocks its item (matched, rolled back, resolved,
  // or its own write failed). No-op if not pending.
  void finish_prewrite(int64_t start_ts);

  // Registers an arrived Commit or fake binlog whose write is in flight; returns its item id.
  uint64_t add_commit(int64_t commit_ts);
  // The commit item's write is durable: the safe point may pass it.
  void commit_durable(uint64_t item);
  // The commit item's write failed: drop it without advancing.
  void commit_failed(uint64_t item);

  // Pops every non-blocking item from the head; true when max_commit_ts grew.
  bool advance();

  int64_t max_commit_ts() const { return max_commit_ts_; }
  // Recovery: the persisted safe point.
  void restore_max_commit_ts(int64_t ts) {
    if (ts > max_commit_ts_) max_commit_ts_ = ts;
  }

  size_t pending_count() const { return pending_.size(); }
  // Bytes of the pending payloads held in memory.
  uint64_t payload_bytes() const { return payload_bytes_; }
  std::vector<int64_t> pending_start_ts() const;
  size_t queued_items() const { return items_.size(); }

 private:
  enum class Kind { kPrewrite, kCommit };
  enum class State { kBlocking, kDurable, kDone };
  struct Item {
    Kind kind;
    int64_t ts;
    State state;
  };
  Item* item(uint64_t id);

  std::deque<Item> items_;
  uint64_t payload_bytes_ = 0;
  uint64_t first_id_ = 0;  // id of items_.front()
  std::unordered_map<int64_t, Pending> pending_;
  int64_t max_commit_ts_ = 0;
};

}  // namespace sluice::storage
