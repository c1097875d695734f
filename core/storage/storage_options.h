#pragma once
// StorageOptions: configuration of one BinlogStore. A plain value; copied into the store at open.

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "core/common/result.h"

namespace rocksdb {
class FileSystem;
}  // namespace rocksdb

namespace sluice::storage {

struct StorageOptions {
  // The pump's data directory; the RocksDB lives in <data_dir>/kv.
  std::string data_dir;

  // WriteOptions.sync for every acknowledged write. Off only for experiments: with it off an
  // acknowledged write can be lost by a power failure (not by kill -9).
  bool sync = true;

  // RocksDB tuning.
  uint64_t write_buffer_size = 64ull << 20;
  int max_background_jobs = 2;
  bool enable_blob_files = true;         // large binlogs go to blob files, not through compaction
  uint64_t min_blob_size = 64ull << 10;  // values at least this big become blobs
  bool prefer_lz4 = true;                // lz4 when this librocksdb supports it, else none

  // Unmatched prewrites older than this (TSO physical part of start_ts vs now_tso) are handed to
  // the TransactionStatusResolver. 600 s: the original's maxTxnTimeoutSecond.
  std::chrono::milliseconds max_txn_timeout{600'000};
  // How often the background resolver looks at pending prewrites; 0 disables the thread (call
  // BinlogStore::resolve_unmatched() yourself). 1 s: the original sorter's resolve tick.
  std::chrono::milliseconds resolve_interval{1000};
  // The current TSO; empty: the wall clock (tso::from_time(system_clock::now())).
  std::function<int64_t()> now_tso;

  // Prewrites are refused while the data dir's free space is below this many bytes. 10 GiB: the
  // original's stop-write-at-available-space default. 0 disables the guard.
  uint64_t stop_write_at_available_space = 10ull << 30;
  // The free space is probed at most this often; 0: before every prewrite. 3 s: the original.
  std::chrono::milliseconds disk_check_interval{3000};
  // Free bytes of a directory; empty: statvfs.
  std::function<Result<uint64_t>(const std::string&)> available_space_probe;

  // Pending (unmatched) prewrite payloads are kept in memory up to this many bytes; past it a
  // prewrite is kept on disk only and its Commit reads it back. Bounds the pump's memory however
  // many prewrites wait for their commits.
  uint64_t max_pending_prewrite_memory = 256ull << 20;
  // Bytes waiting for the commit thread (written, not yet fsync'd) before new writes are refused
  // with Unavailable (retryable: TiDB's pump client tries again or another pump).
  uint64_t max_queued_write_bytes = 512ull << 20;

  // The file system RocksDB reads and writes through; null: the operating system's. The
  // injection point for disk faults in tests (tests/core/storage/faulty_file_system.h).
  std::shared_ptr<rocksdb::FileSystem> file_system;
  // After a failed write (a full disk, a failed fsync) the store refuses writes and tries to
  // recover (RocksDB Resume and a synced probe write) this often.
  std::chrono::milliseconds recovery_interval{1000};

  // How many recent (start_ts -> commit_ts) pairs are remembered to answer a duplicate Commit
  // without a RocksDB read.
  size_t recent_commits_capacity = 1 << 16;
};

}  // namespace sluice::storage
