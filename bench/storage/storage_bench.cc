// bench_storage: 1 KB P+C pairs from 64 writer threads with sync on, through BinlogStore, against
// plain RocksDB writing the same bytes (one sync Put per P and per C, RocksDB's own group commit)
// in the same run on a temporary directory. Prints pairs/s, p50/p99 write latency and the ratio.
// Usage: bench_storage [seconds_per_case=3] [threads=64]

#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "core/proto/binlog.pb.h"
#include "core/storage/binlog_store.h"
#include "core/storage/storage_keys.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Outcome {
  double pairs_per_second = 0;
  double p50_us = 0;
  double p99_us = 0;
  uint64_t wal_syncs = 0;
  uint64_t writes = 0;
};

std::string prewrite(int64_t start_ts) {
  binlog::Binlog b;
  b.set_tp(binlog::Prewrite);
  b.set_start_ts(start_ts);
  b.set_prewrite_key("primary-key");
  b.set_prewrite_value(std::string(1000, 'v'));
  return b.SerializeAsString();
}

std::string commit(int64_t start_ts, int64_t commit_ts) {
  binlog::Binlog b;
  b.set_tp(binlog::Commit);
  b.set_start_ts(start_ts);
  b.set_commit_ts(commit_ts);
  return b.SerializeAsString();
}

// write_p / write_c return false on failure.
template <typename WriteP, typename WriteC>
Outcome run(int threads, std::chrono::seconds duration, WriteP write_p, WriteC write_c) {
  std::atomic<int64_t> clock{1};
  std::atomic<bool> stop{false};
  std::atomic<uint64_t> pairs{0};
  std::vector<std::vector<uint32_t>> latencies(static_cast<size_t>(threads));
  std::vector<std::thread> workers;
  auto begin = Clock::now();
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      auto& mine = latencies[static_cast<size_t>(t)];
      while (!stop.load(std::memory_order_relaxed)) {
        int64_t start = clock.fetch_add(1);
        std::string p = prewrite(start);
        auto t0 = Clock::now();
        if (!write_p(start, p)) std::abort();
        auto t1 = Clock::now();
        int64_t commit_ts = clock.fetch_add(1);
        std::string c = commit(start, commit_ts);
        if (!write_c(start, commit_ts, c)) std::abort();
        auto t2 = Clock::now();
        mine.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(t1 - t0).count()));
        mine.push_back(static_cast<uint32_t>(
            std::chrono::duration_cast<std::chrono::microseconds>(t2 - t1).count()));
        pairs.fetch_add(1, std::memory_order_relaxed);
      }
    });
  }
  std::this_thread::sleep_for(duration);
  stop = true;
  for (auto& worker : workers)
    worker.join();
  double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  std::vector<uint32_t> all;
  for (auto& v : latencies)
    all.insert(all.end(), v.begin(), v.end());
  std::sort(all.begin(), all.end());
  Outcome out;
  out.pairs_per_second = static_cast<double>(pairs.load()) / seconds;
  if (!all.empty()) {
    out.p50_us = all[all.size() / 2];
    out.p99_us = all[std::min(all.size() - 1, all.size() * 99 / 100)];
  }
  out.writes = all.size();
  return out;
}

void print(const char* name, const Outcome& o) {
  std::printf(
      "%-14s %10.0f pairs/s   write p50 %7.0f us   p99 %7.0f us   writes %8llu   "
      "WAL syncs %8llu\n",
      name, o.pairs_per_second, o.p50_us, o.p99_us, static_cast<unsigned long long>(o.writes),
      static_cast<unsigned long long>(o.wal_syncs));
}

}  // namespace

int main(int argc, char** argv) {
  std::chrono::seconds duration(argc > 1 ? std::atoi(argv[1]) : 3);
  int threads = argc > 2 ? std::atoi(argv[2]) : 64;
  std::string pattern = (std::filesystem::temp_directory_path() / "bench-storage-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return 1;
  std::filesystem::path root(pattern);

  // Baseline: plain RocksDB, same bytes, a sync Put per P and per C.
  Outcome plain;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    options.write_buffer_size = 64ull << 20;
    options.max_background_jobs = 2;
    options.statistics = rocksdb::CreateDBStatistics();
    rocksdb::DB* raw = nullptr;
    rocksdb::Status status = rocksdb::DB::Open(options, (root / "plain").string(), &raw);
    std::unique_ptr<rocksdb::DB> db(raw);
    if (!status.ok()) {
      std::fprintf(stderr, "open plain RocksDB: %s\n", status.ToString().c_str());
      return 1;
    }
    rocksdb::WriteOptions sync;
    sync.sync = true;
    plain = run(
        threads, duration,
        [&](int64_t start, const std::string& p) {
          return db->Put(sync, "p" + sluice::storage::encode_ts_key(start), p).ok();
        },
        [&](int64_t, int64_t commit_ts, const std::string& c) {
          return db->Put(sync, "c" + sluice::storage::encode_ts_key(commit_ts), c).ok();
        });
    plain.wal_syncs = options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  }

  Outcome store_outcome;
  {
    sluice::storage::StorageOptions options;
    options.data_dir = (root / "store").string();
    options.stop_write_at_available_space = 0;
    auto store = sluice::storage::BinlogStore::open(options, nullptr, nullptr, true);
    if (!store.is_ok()) {
      std::fprintf(stderr, "open store: %s\n", store.status().to_string().c_str());
      return 1;
    }
    auto& s = *store;
    store_outcome = run(
        threads, duration, [&](int64_t, const std::string& p) { return s->write(p).is_ok(); },
        [&](int64_t, int64_t, const std::string& c) { return s->write(c).is_ok(); });
    store_outcome.wal_syncs = s->statistics()->wal_syncs;
    auto stats = *s->statistics();
    std::printf("store write groups: leaders %llu, carried by a leader %llu\n",
                static_cast<unsigned long long>(stats.writes_by_self),
                static_cast<unsigned long long>(stats.writes_by_other));
  }
  std::error_code ec;
  std::filesystem::remove_all(root, ec);

  std::printf("1 KB P+C pairs, %d threads, sync on, %lld s per case\n", threads,
              static_cast<long long>(duration.count()));
  print("plain RocksDB", plain);
  print("BinlogStore", store_outcome);
  std::printf("ratio store/plain: %.2f (target >= 0.80)\n",
              store_outcome.pairs_per_second / plain.pairs_per_second);
  return 0;
}
