// kill -9 recovery: a child process writes with several threads and reports each acknowledged
// write; after SIGKILL every acknowledged commit must be readable, joined and in order.

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>
#include <sstream>
#include <string>

#include "core/proto/binlog.pb.h"
#include "core/storage/binlog_store.h"
#include "tests/core/storage/storage_test_util.h"

namespace sluice::storage {
namespace {

struct Acked {
  std::set<int64_t> prewrites;
  std::map<int64_t, int64_t> commits;  // start_ts -> commit_ts
};

void parse_lines(const std::string& text, Acked& acked) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (in.eof()) break;  // a partial last line was not terminated: not a full report
    std::istringstream fields(line);
    char kind = 0;
    int64_t start = 0;
    int64_t commit = 0;
    fields >> kind >> start;
    if (kind == 'P') acked.prewrites.insert(start);
    if (kind == 'C' && fields >> commit) acked.commits[start] = commit;
  }
}

// Runs the writer until it has acknowledged `target` commits (or 5 s), kills it, returns all
// output it produced before dying.
std::string run_and_kill(const std::string& dir, int64_t first_ts, size_t target) {
  int fds[2];
  if (::pipe(fds) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    std::string first = std::to_string(first_ts);
    ::execl(SLUICE_STORAGE_CRASH_WRITER, "storage-crash-writer", dir.c_str(), "8", first.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string output;
  size_t commits = 0;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  char buffer[4096];
  while (commits < target && std::chrono::steady_clock::now() < deadline) {
    pollfd pfd{fds[0], POLLIN, 0};
    if (::poll(&pfd, 1, 50) <= 0) continue;
    ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    for (ssize_t i = 0; i < n; ++i)
      commits += buffer[i] == 'C';
    output.append(buffer, static_cast<size_t>(n));
  }
  ::kill(pid, SIGKILL);
  int status = 0;
  ::waitpid(pid, &status, 0);
  // Lines written before the kill are acknowledged writes too.
  while (true) {
    ssize_t n = ::read(fds[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    output.append(buffer, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "writer exited early";
  return output;
}

TEST(StorageCrash, AcknowledgedWritesSurviveKill9) {
  testing::TempDir dir;
  StorageOptions options;
  options.data_dir = dir.path();
  options.resolve_interval = std::chrono::milliseconds(0);
  options.max_txn_timeout = std::chrono::milliseconds(0);
  options.stop_write_at_available_space = 0;
  Acked all;
  int64_t last_seen = 0;
  for (int round = 0; round < 3; ++round) {
    int64_t first_ts = (round + 1) * 1'000'000;
    Acked acked;
    parse_lines(run_and_kill(dir.path(), first_ts, 300 + 200 * static_cast<size_t>(round)), acked);
    ASSERT_GT(acked.commits.size(), 0u) << "round " << round;

    auto opened = BinlogStore::open(options);
    ASSERT_TRUE(opened.is_ok()) << opened.status().to_string();
    auto& store = *opened;
    // Every acknowledged P is either still pending or committed (its C may have become durable
    // without being reported).
    auto pending_list = store->pending_prewrites();
    std::set<int64_t> pending(pending_list.begin(), pending_list.end());
    // The writer is gone: settle its open transactions as rolled back.
    ASSERT_TRUE(store->resolve_unmatched().is_ok());
    EXPECT_TRUE(store->all_matched());

    auto result = store->read(last_seen, 1'000'000, size_t{1} << 32);
    ASSERT_TRUE(result.is_ok()) << result.status().to_string();
    std::map<int64_t, int64_t> stored;  // start -> commit
    int64_t previous = last_seen;
    for (const auto& entry : result->binlogs) {
      EXPECT_GT(entry.commit_ts, previous);
      previous = entry.commit_ts;
      binlog::Binlog joined;
      ASSERT_TRUE(joined.ParseFromString(entry.payload));
      EXPECT_EQ(joined.tp(), binlog::Commit);
      EXPECT_EQ(joined.prewrite_value(), "value-" + std::to_string(joined.start_ts()));
      stored[joined.start_ts()] = joined.commit_ts();
    }
    for (const auto& [start, commit] : acked.commits) {
      auto it = stored.find(start);
      ASSERT_NE(it, stored.end()) << "acknowledged commit of start_ts " << start << " lost";
      EXPECT_EQ(it->second, commit);
    }
    for (int64_t start : acked.prewrites) {
      EXPECT_TRUE(pending.contains(start) || stored.contains(start))
          << "acknowledged prewrite " << start << " lost";
    }
    last_seen = result->max_commit_ts;
  }
}

}  // namespace
}  // namespace sluice::storage
