// End to end, every component a real process: sluice-loadgen -> two sluice-pump -> sluice-drainer
// with the mysql sink (a second MariaDB) and the file sink (restored by sluice-reparo into a
// third). Each scenario ends with the drainer caught up and both copies equal to the upstream
// (sync-diff), after crashes of a pump, of the drainer, of the downstream MariaDB, or a seeded
// random series of them (SLUICE_E2E_SEED, SLUICE_E2E_SECONDS: docs/loadgen.md).
#include <gtest/gtest.h>

#include <iostream>
#include <random>
#include <thread>

#include "tests/e2e/pipeline.h"

namespace sluice::e2e {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Replication, LoadReachesBothSinksExactly) {
  Pipeline pipeline;
  pipeline.start_load(LoadSpec{.seconds = 15, .seed = 1});
  ASSERT_TRUE(pipeline.load_finished());
  pipeline.expect_replicated_exactly();
}

TEST(Replication, PumpKilledMidLoadAndRestarted) {
  Pipeline pipeline;
  pipeline.start_load(LoadSpec{.seconds = 20, .seed = 2});
  std::this_thread::sleep_for(seconds(6));
  ASSERT_TRUE(pipeline.load_running());
  pipeline.kill_pump(1);
  std::this_thread::sleep_for(seconds(3));
  pipeline.start_pump(1);
  // Transactions whose P-binlog the dead pump held wait for it (the C-binlog is retried);
  // P-binlogs meanwhile go to the other pump.
  ASSERT_TRUE(pipeline.load_finished(false));
  pipeline.expect_replicated_exactly();
}

TEST(Replication, DrainerKilledMidLoadAndRestarted) {
  Pipeline pipeline;
  pipeline.start_load(LoadSpec{.seconds = 20, .seed = 3});
  std::this_thread::sleep_for(seconds(6));
  ASSERT_TRUE(pipeline.load_running());
  pipeline.kill_drainer();
  std::this_thread::sleep_for(seconds(3));
  pipeline.start_drainer();  // resumes from its checkpoint, in safe mode
  ASSERT_TRUE(pipeline.load_finished());
  pipeline.expect_replicated_exactly();
}

TEST(Replication, DownstreamMariadbKilledMidLoadAndRestarted) {
  Pipeline pipeline;
  pipeline.start_load(LoadSpec{.seconds = 20, .seed = 4});
  std::this_thread::sleep_for(seconds(6));
  ASSERT_TRUE(pipeline.load_running());
  pipeline.kill_downstream();
  std::this_thread::sleep_for(seconds(3));
  pipeline.restart_downstream();  // the mysql sink retries until it answers
  ASSERT_TRUE(pipeline.load_finished());
  pipeline.expect_replicated_exactly();
}

// Every 2..5 s one fault, for the length of the load: kill -9 of pump-0, pump-1, the drainer or
// the downstream MariaDB (which holds the drainer's checkpoint too), SIGSTOP of a pump, or
// pump-1's disk filling up; each ends 0.5..2 s later (restart, SIGCONT, space freed). After each,
// the time until the drainer has caught up is measured; more than a minute fails. CI: seed 7,
// 60 s; scripts/chaos.sh runs it for as long as asked.
TEST(Replication, RandomFaultsDuringTheLoad) {
  const uint64_t seed = env_seed(7);
  const int load_seconds = env_seconds(60);
  std::cout << "random faults: SLUICE_E2E_SEED=" << seed << " SLUICE_E2E_SECONDS=" << load_seconds
            << std::endl;
  std::mt19937_64 random(seed);
  Pipeline pipeline;
  pipeline.start_load(LoadSpec{.seconds = load_seconds, .seed = seed});
  const char* names[] = {"kill pump-0",         "kill pump-1",    "kill the drainer",
                         "kill the downstream", "SIGSTOP pump-0", "fill pump-1's disk"};
  int faults = 0;
  std::chrono::milliseconds worst{0};
  std::string worst_fault;
  while (true) {
    std::this_thread::sleep_for(milliseconds(2000 + random() % 3000));
    if (!pipeline.load_running()) break;
    const int victim = static_cast<int>(random() % 6);
    const auto down = milliseconds(500 + random() % 1500);
    const std::string fault =
        std::string(names[victim]) + " for " + std::to_string(down.count()) + " ms";
    std::cout << "fault " << ++faults << ": " << fault << std::endl;
    switch (victim) {
      case 0:
      case 1:
        pipeline.kill_pump(victim);
        std::this_thread::sleep_for(down);
        pipeline.start_pump(victim);
        break;
      case 2:
        pipeline.kill_drainer();
        std::this_thread::sleep_for(down);
        pipeline.start_drainer();
        break;
      case 3:
        pipeline.kill_downstream();
        std::this_thread::sleep_for(down);
        pipeline.restart_downstream();
        break;
      case 4:
        pipeline.pause_pump(0);
        std::this_thread::sleep_for(down);
        pipeline.resume_pump(0);
        break;
      default:
        if (!pipeline.fill_pump_disk()) {
          std::cout << "  (no tmpfs: skipped)" << std::endl;
          continue;
        }
        std::this_thread::sleep_for(down);
        pipeline.free_pump_disk();
    }
    if (::testing::Test::HasFatalFailure()) return;
    const auto caught_up = pipeline.time_to_catch_up(std::chrono::seconds(60));
    ASSERT_TRUE(caught_up.has_value()) << "no catch-up within a minute after " << fault;
    std::cout << "  caught up in " << caught_up->count() << " ms" << std::endl;
    if (*caught_up > worst) {
      worst = *caught_up;
      worst_fault = fault;
    }
  }
  EXPECT_GT(faults, 0);
  std::cout << "worst catch-up: " << worst.count() << " ms, after " << worst_fault << std::endl;
  ASSERT_TRUE(pipeline.load_finished(false));
  pipeline.expect_replicated_exactly();
}

}  // namespace
}  // namespace sluice::e2e
