#pragma once
// BinlogStore: the pump's durable binlog store (facts §5), on RocksDB at <data_dir>/kv.
//
// Column families: "commit" (BE commit_ts -> joined Commit binlog, or a fake binlog as is),
// "prewrite" (BE start_ts -> P-binlog, only while unmatched), "meta" (max_commit_ts, gc_ts,
// purged_ts, caller keys such as the cluster id).
//
// write() returns OK only after a RocksDB write with WriteOptions.sync completed, so an
// acknowledged binlog survives kill -9 and power loss; write_async() reports the same outcome
// through a callback, so no caller thread waits for the disk. The store group-commits itself: a
// binlog's pairing bookkeeping runs on the caller's thread (under the store's mutex), then its
// WAL record joins a queue; one commit thread takes everything queued (up to 1 MiB, RocksDB's
// default write group size), writes it as one RocksDB batch with WriteOptions.sync (one WAL append
// and one fsync), then settles each binlog and runs its callback, while the next group queues.
// bench_storage prints the WAL sync count next to the write count.
//
// Readers see commits in strictly increasing commit_ts up to max_commit_ts(), the safe point the
// PairingSorter computes (see pairing_sorter.h for why it is correct).
//
// Ownership: open() returns the only handle; the RocksDB lock (<data_dir>/kv/LOCK) keeps a second
// open, in this or another process, out. Thread-safety: every public method may be called from
// any thread concurrently; the destructor must not race with other calls. write_async()
// callbacks run on the caller's thread or on the store's commit thread; none runs on the commit
// thread after shutdown() (or the destructor) returned.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/common/result.h"
#include "core/metrics/metrics_registry.h"
#include "core/storage/binlog_header.h"
#include "core/storage/disk_guard.h"
#include "core/storage/pairing_sorter.h"
#include "core/storage/storage_metrics.h"
#include "core/storage/storage_options.h"
#include "core/storage/transaction_resolver.h"

namespace rocksdb {
class DB;
class Env;
class WriteBatch;
class ColumnFamilyHandle;
class Statistics;
}  // namespace rocksdb

namespace sluice::storage {

struct StoredBinlog {
  int64_t start_ts = 0;
  int64_t commit_ts = 0;
  std::string payload;  // serialized binlog.Binlog: joined Commit, or fake binlog
};

struct ReadResult {
  std::vector<StoredBinlog> binlogs;  // after_ts < commit_ts <= max_commit_ts, increasing
  int64_t max_commit_ts = 0;          // the safe point the read was bounded by
  // The caller asked for binlogs already purged by gc(); the read started at the first one kept.
  bool clamped_to_gc = false;
  int64_t purged_ts = 0;  // every commit_ts below this is gone
};

struct StoreStatistics {
  uint64_t wal_syncs = 0;        // RocksDB WAL_FILE_SYNCED
  uint64_t writes_by_self = 0;   // WRITE_DONE_BY_SELF: group leaders
  uint64_t writes_by_other = 0;  // WRITE_DONE_BY_OTHER: writes carried by a leader's group
};

class BinlogStore {
  struct PrivateKey {
    explicit PrivateKey() = default;
  };

 public:
  // Opens (creating if needed) the store and recovers its state. `resolver` settles prewrites
  // older than max_txn_timeout (null: RollbackResolver). `metrics` may be null; it must outlive
  // the store.
  static Result<std::unique_ptr<BinlogStore>> open(
      StorageOptions options, std::shared_ptr<TransactionStatusResolver> resolver = nullptr,
      metrics::MetricsRegistry* metrics = nullptr, bool collect_statistics = false);

  // Use open(); public only for std::make_unique.
  BinlogStore(PrivateKey, StorageOptions options,
              std::shared_ptr<TransactionStatusResolver> resolver,
              metrics::MetricsRegistry* metrics);
  ~BinlogStore();
  BinlogStore(const BinlogStore&) = delete;
  BinlogStore& operator=(const BinlogStore&) = delete;

  // Stores one serialized binlog.Binlog according to its type (Prewrite, Commit, Rollback, fake,
  // or an empty probe). OK means durable. Malformed bytes: InvalidArgument, nothing stored.
  // Waits for the commit thread: must not be called from a write_async() callback.
  Status write(std::string_view binlog_bytes);

  using WriteCallback = std::function<void(Status)>;
  // write() without waiting: `done` runs exactly once with the Status write() would return. It
  // runs on the calling thread, before write_async() returns, when the outcome needs no disk write
  // (probe, malformed bytes, duplicate, disk guard, shutting down); otherwise on the store's commit
  // thread once the binlog's group was written (and fsync'd with sync on). `done` must be quick
  // (the commit thread starts the next group after it), must not throw, and must not call
  // write() or shutdown(); calling write_async() from it is fine. The bytes are copied before
  // write_async() returns.
  void write_async(std::string_view binlog_bytes, WriteCallback done);

  // Joined binlogs with after_ts < commit_ts <= max_commit_ts(), increasing, at most max_items
  // and about max_bytes (at least one binlog when any is visible).
  Result<ReadResult> read(int64_t after_ts, size_t max_items, size_t max_bytes) const;

  int64_t max_commit_ts() const;
  int64_t gc_ts() const;
  int64_t purged_ts() const;

  // Blocks until max_commit_ts() > after_ts, the timeout passes or the store shuts down; true if
  // progress is available.
  bool wait_for_progress(int64_t after_ts, std::chrono::milliseconds timeout) const;

  // Raises gc_ts (persisted) and deletes commits below min(gc_ts, protect_from_ts), never above
  // the safe point. protect_from_ts: the lowest position a live drainer still needs.
  Status gc(int64_t gc_ts, int64_t protect_from_ts = std::numeric_limits<int64_t>::max());

  // One resolver pass over prewrites older than max_txn_timeout; returns how many were settled.
  Result<size_t> resolve_unmatched();

  // start_ts of every unmatched prewrite, ascending.
  std::vector<int64_t> pending_prewrites() const;
  bool all_matched() const { return pending_prewrites().empty(); }
  // Set while the disk refuses writes (full, failed fsync): every write is refused with it
  // (kIoError) until a recovery attempt succeeds (StorageOptions::recovery_interval).
  std::optional<Status> disk_failure() const;

  // Bytes of unmatched prewrite payloads held in memory (at most max_pending_prewrite_memory).
  uint64_t pending_prewrite_memory() const;

  // Caller-owned meta values (e.g. "cluster_id"); nullopt when absent.
  Result<std::optional<std::string>> get_meta(std::string_view key) const;
  Status put_meta(std::string_view key, std::string_view value);

  // RocksDB write-group counters; nullopt unless opened with collect_statistics.
  std::optional<StoreStatistics> statistics() const;

  // Wakes wait_for_progress() callers and stops the resolver thread; further writes fail
  // (Aborted). Writes already queued are still committed; shutdown() returns after their
  // callbacks ran.
  void shutdown();

 private:
  struct DbCloser {
    void operator()(rocksdb::DB* db) const;
  };
  struct HandleCloser {
    rocksdb::DB* db;
    void operator()(rocksdb::ColumnFamilyHandle* handle) const;
  };
  using Handle = std::unique_ptr<rocksdb::ColumnFamilyHandle, HandleCloser>;

  // One binlog's WAL record for the commit thread, what to do once it is durable (or failed),
  // and the caller's callback. Defined in the .cc.
  struct Job;
  using Staged = Result<std::unique_ptr<Job>>;  // null job: done, nothing to write

  Status recover();
  // Pairing bookkeeping before the write; an error or null job is the outcome.
  Staged stage_write(std::string_view bytes, const BinlogHeader& header);
  Staged stage_prewrite(std::string_view bytes, int64_t start_ts);
  Staged stage_commit(std::string_view bytes, const BinlogHeader& header);
  Staged stage_fake(std::string_view bytes, int64_t ts);
  Staged stage_rollback(int64_t start_ts);
  // Queues the job for the commit thread, or fails it (Aborted) when shutting down.
  void enqueue(std::unique_ptr<Job> job);
  // Runs a staged write to its end on this thread (the resolver's writes).
  Status wait_for(Staged staged);
  void commit_loop();
  void commit_group(std::vector<std::unique_ptr<Job>>& group);
  // Builds a batch (the column family handles are valid inside `build`) and writes it synced.
  Status sync_write(const std::function<void(rocksdb::WriteBatch&)>& build,
                    const std::string& what);
  enum class Family { kDefault, kCommit, kPrewrite, kMeta };
  // Requires db_mutex_ (shared at least).
  rocksdb::ColumnFamilyHandle* handle(Family family) const;
  // Opens RocksDB at kv_path_ and sets db_ and the handles (at open, and by reopen_db()).
  Status open_db();
  // Closes and opens RocksDB again (a failure RocksDB cannot resume from); takes db_mutex_.
  Status reopen_db();
  // Under mutex_: advance the sorter; publish and wake readers when the safe point moved.
  void advance_locked();
  void remember_commit_locked(int64_t start_ts, int64_t commit_ts);
  void resolver_loop();
  // While disk_failure_ is set: Resume + a synced probe write every recovery_interval.
  void health_loop();
  void record_disk_failure(const Status& failure);
  int64_t now_tso() const;

  const StorageOptions options_;
  const std::string kv_path_;
  std::shared_ptr<TransactionStatusResolver> resolver_;
  StorageMetrics metrics_;
  DiskGuard disk_guard_;
  std::shared_ptr<rocksdb::Statistics> statistics_;

  // Declared before the handles: handles are destroyed first.
  std::unique_ptr<rocksdb::Env> env_;  // over options_.file_system; outlives db_
  // Shared by every use of db_ and the handles; exclusive while reopen_db() replaces them.
  mutable std::shared_mutex db_mutex_;
  std::unique_ptr<rocksdb::DB, DbCloser> db_;
  Handle commit_cf_{nullptr, {nullptr}};
  Handle prewrite_cf_{nullptr, {nullptr}};
  Handle meta_cf_{nullptr, {nullptr}};
  Handle default_cf_{nullptr, {nullptr}};

  mutable std::mutex mutex_;
  mutable std::condition_variable progress_cv_;
  std::condition_variable resolver_cv_;
  PairingSorter sorter_;
  std::unordered_map<int64_t, int64_t> recent_commits_;  // start_ts -> commit_ts
  std::deque<int64_t> recent_order_;                     // start_ts, oldest first
  int64_t gc_ts_ = 0;
  int64_t purged_ts_ = 0;
  bool stopping_ = false;
  std::thread resolver_thread_;
  std::optional<Status> disk_failure_;  // guarded by mutex_
  std::condition_variable health_cv_;
  std::thread health_thread_;

  // The commit queue; queue_mutex_ is never held while taking mutex_ or running a callback.
  std::mutex queue_mutex_;
  std::condition_variable queue_cv_;    // work queued, or closed
  std::condition_variable drained_cv_;  // queue empty and no group in flight
  std::deque<std::unique_ptr<Job>> queue_;
  std::atomic<uint64_t> queued_bytes_{0};  // of the jobs queued or being committed
  bool queue_closed_ = false;
  bool committing_ = false;  // the commit thread holds a group taken from queue_
  std::thread commit_thread_;
};

}  // namespace sluice::storage
