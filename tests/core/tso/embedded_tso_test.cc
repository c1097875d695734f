#include "core/tso/embedded_tso.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "core/tso/tso.h"
#include "tests/support/temp_dir.h"

namespace sluice::tso {
namespace {

TEST(EmbeddedTso, StrictlyIncreasingAndPersistsAWindowAhead) {
  testing::TempDir dir;
  auto tso = EmbeddedTso::open(dir.path() / "tso");
  ASSERT_TRUE(tso.is_ok()) << tso.status().to_string();
  int64_t previous = 0;
  for (int i = 0; i < 100000; ++i) {
    auto ts = (*tso)->next();
    ASSERT_TRUE(ts.is_ok());
    ASSERT_GT(*ts, previous);
    previous = *ts;
  }
  EXPECT_GT((*tso)->persisted_limit(), previous);
  // Near the wall clock.
  const int64_t now = from_time(std::chrono::system_clock::now());
  EXPECT_LT(std::abs(physical_ms(previous) - physical_ms(now)), 5000);
}

TEST(EmbeddedTso, ThreadsNeverShareATimestamp) {
  testing::TempDir dir;
  auto tso = EmbeddedTso::open(dir.path() / "tso");
  ASSERT_TRUE(tso.is_ok());
  std::vector<std::vector<int64_t>> issued(4);
  std::vector<std::thread> threads;
  for (auto& out : issued) {
    threads.emplace_back([&tso, &out] {
      for (int i = 0; i < 20000; ++i)
        out.push_back((*tso)->next().value());
    });
  }
  for (auto& thread : threads)
    thread.join();
  std::set<int64_t> all;
  for (const auto& out : issued) {
    EXPECT_TRUE(std::is_sorted(out.begin(), out.end()));
    all.insert(out.begin(), out.end());
  }
  EXPECT_EQ(all.size(), 80000u);
}

TEST(EmbeddedTso, ProcessesSharingTheFileNeverShareATimestamp) {
  testing::TempDir dir;
  const auto path = dir.path() / "tso";
  constexpr int kChildren = 3;
  constexpr int kEach = 20000;
  std::vector<int> pipes;
  std::vector<pid_t> children;
  for (int c = 0; c < kChildren; ++c) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      ::close(fds[0]);
      auto tso = EmbeddedTso::open(path);
      if (!tso.is_ok()) ::_exit(2);
      for (int i = 0; i < kEach; ++i) {
        const int64_t ts = (*tso)->next().value();
        if (::write(fds[1], &ts, sizeof(ts)) != sizeof(ts)) ::_exit(3);
      }
      ::_exit(0);
    }
    ::close(fds[1]);
    pipes.push_back(fds[0]);
    children.push_back(pid);
  }
  std::set<int64_t> all;
  for (int fd : pipes) {
    std::vector<int64_t> mine;
    int64_t ts = 0;
    while (::read(fd, &ts, sizeof(ts)) == sizeof(ts))
      mine.push_back(ts);
    ::close(fd);
    EXPECT_EQ(mine.size(), static_cast<size_t>(kEach));
    EXPECT_TRUE(std::is_sorted(mine.begin(), mine.end()));
    all.insert(mine.begin(), mine.end());
  }
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kChildren * kEach));
}

TEST(EmbeddedTso, NeverGoesBackwardsAcrossRestartsEvenWithAClockJumpingBack) {
  testing::TempDir dir;
  const auto path = dir.path() / "tso";
  std::atomic<int64_t> clock_ms{1'700'000'000'000};
  EmbeddedTsoOptions options;
  options.now_ms = [&clock_ms] { return clock_ms.load(); };
  std::string boot = "boot-1";
  options.boot_id = [&boot] { return boot; };
  int64_t last = 0;
  {
    auto tso = EmbeddedTso::open(path, options);
    ASSERT_TRUE(tso.is_ok());
    for (int i = 0; i < 10; ++i)
      last = (*tso)->next().value();
  }
  clock_ms -= 60'000;  // the clock jumps back a minute
  {
    auto tso = EmbeddedTso::open(path, options);  // same boot: shared state is exact
    ASSERT_TRUE(tso.is_ok());
    EXPECT_GT((*tso)->next().value(), last);
    last = (*tso)->last();
  }
  boot = "boot-2";  // a reboot: resume above the persisted bound
  auto tso = EmbeddedTso::open(path, options);
  ASSERT_TRUE(tso.is_ok());
  const int64_t after_reboot = (*tso)->next().value();
  EXPECT_GT(after_reboot, last);
  EXPECT_GE(after_reboot, compose(physical_ms(last), 0));
}

TEST(EmbeddedTso, RefusesAFileThatIsNotItsState) {
  testing::TempDir dir;
  const auto path = dir.path() / "tso";
  {
    std::FILE* file = std::fopen(path.c_str(), "w");
    std::fputs("definitely not a tso state file", file);
    std::fclose(file);
  }
  auto tso = EmbeddedTso::open(path);
  ASSERT_FALSE(tso.is_ok());
  EXPECT_NE(tso.status().message().find("not a Sluice TSO state file"), std::string::npos);
}

}  // namespace
}  // namespace sluice::tso
