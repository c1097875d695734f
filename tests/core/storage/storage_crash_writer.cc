// storage-crash-writer <data_dir> <threads> <first_ts>: writes P+C pairs into a BinlogStore from
// several threads until killed, printing each acknowledged write on its own flushed stdout line:
// "P <start_ts>" or "C <start_ts> <commit_ts>". storage_crash_test kills it with SIGKILL and checks
// that everything printed survived.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/storage/binlog_store.h"
#include "tests/core/storage/storage_test_util.h"

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s <data_dir> <threads> <first_ts>\n", argv[0]);
    return 2;
  }
  sluice::storage::StorageOptions options;
  options.data_dir = argv[1];
  options.resolve_interval = std::chrono::milliseconds(0);
  options.stop_write_at_available_space = 0;
  options.write_buffer_size = 1 << 20;  // small memtables: flushes happen during the run too
  auto store = sluice::storage::BinlogStore::open(options);
  if (!store.is_ok()) {
    std::fprintf(stderr, "open: %s\n", store.status().to_string().c_str());
    return 1;
  }
  int threads = std::atoi(argv[2]);
  std::atomic<int64_t> clock{std::atoll(argv[3])};
  std::mutex out_mutex;
  auto say = [&](const std::string& line) {
    std::lock_guard lock(out_mutex);
    std::fputs(line.c_str(), stdout);
    std::fflush(stdout);
  };
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (true) {
        int64_t start = clock.fetch_add(1);
        auto p = sluice::storage::testing::prewrite_bytes(start, "value-" + std::to_string(start));
        if (!(*store)->write(p).is_ok()) std::abort();
        say("P " + std::to_string(start) + "\n");
        int64_t commit = clock.fetch_add(1);  // after the P was acknowledged, as TiDB does
        if (!(*store)->write(sluice::storage::testing::commit_bytes(start, commit)).is_ok()) {
          std::abort();
        }
        say("C " + std::to_string(start) + " " + std::to_string(commit) + "\n");
      }
    });
  }
  for (auto& worker : workers)
    worker.join();
  return 0;
}
