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

// Every 2..5 s one of pump-0, pump-1, the drainer, the downstream MariaDB is killed and started
// again 0.5..2 s later, for the length of the load. CI: seed 7, 60 s.
TEST(Replication, RandomFaultsDuringTheLoad) {
  const uint64_t seed = env_seed(7);
  const int load_seconds = env_seconds(60);
  std::cout << "random faults: SLUICE_E2E_SEED=" << seed << " SLUICE_E2E_SECONDS=" << load_seconds
            << std::endl;
  std::mt19937_64 random(seed);
  Pipeline pipeline;
  pipeline.start_load(LoadSpec{.seconds = load_seconds, .seed = seed});
  const char* names[] = {"pump-0", "pump-1", "drainer", "downstream MariaDB"};
  int faults = 0;
  while (true) {
    std::this_thread::sleep_for(milliseconds(2000 + random() % 3000));
    if (!pipeline.load_running()) break;
    const int victim = static_cast<int>(random() % 4);
    const auto down = milliseconds(500 + random() % 1500);
    std::cout << "fault " << ++faults << ": kill " << names[victim] << ", restart after "
              << down.count() << " ms" << std::endl;
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
      default:
        pipeline.kill_downstream();
        std::this_thread::sleep_for(down);
        pipeline.restart_downstream();
    }
    if (::testing::Test::HasFatalFailure()) return;
  }
  EXPECT_GT(faults, 0);
  ASSERT_TRUE(pipeline.load_finished(false));
  pipeline.expect_replicated_exactly();
}

}  // namespace
}  // namespace sluice::e2e
