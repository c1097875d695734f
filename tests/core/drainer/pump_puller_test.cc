// PumpPuller against a real pump: a merge that stays full for longer than any notice interval
// makes the puller wait (back-pressure, a warning and a metric each interval), never skip.
#include "core/drainer/pump_puller.h"

#include <gtest/gtest.h>

#include <set>

#include "core/metrics/metrics_registry.h"
#include "tests/core/drainer/drainer_cluster.h"

namespace sluice::drainer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::TestCluster;

TEST(PumpPullerTest, AMergeThatStaysFullMakesThePullerWaitNeverSkip) {
  TestCluster cluster(1, 1);
  cluster.create_items_table();
  const std::set<int64_t> committed = cluster.insert_rows(1, 30, 1);

  metrics::MetricsRegistry registry;
  DrainerMetrics metrics(&registry);
  merge::Merger merger(2);  // a tiny queue: the puller blocks after two items
  ASSERT_TRUE(merger.add_source("pump-0", 0).is_ok());
  PumpPullerOptions options;
  options.cluster_id = test::kClusterId;
  options.merge_stall_notice = milliseconds(100);
  PumpPuller puller("pump-0", "127.0.0.1:" + std::to_string(cluster.pump(0).grpc_port()), 0, merger,
                    options, &metrics);
  puller.start();
  // Nobody pops for ten notice intervals.
  std::this_thread::sleep_for(seconds(1));

  std::set<int64_t> merged;
  const auto deadline = std::chrono::steady_clock::now() + seconds(30);
  while (std::chrono::steady_clock::now() < deadline &&
         !std::includes(merged.begin(), merged.end(), committed.begin(), committed.end())) {
    auto item = merger.pop(milliseconds(200));
    if (item && !item->fake) merged.insert(item->commit_ts);
  }
  puller.stop();
  merger.stop();
  // The DDLs of create_items_table come first; every row transaction must follow.
  EXPECT_TRUE(std::includes(merged.begin(), merged.end(), committed.begin(), committed.end()))
      << merged.size() << " merged of " << committed.size() << " committed";
  EXPECT_EQ(merger.stats().disorder, 0u);
  // Blocked time was counted (ten notices of 0.1 s at least, give or take scheduling).
  const std::string text = registry.render_text();
  const std::string series = "sluice_drainer_merge_blocked_seconds_total{nodeID=\"pump-0\"} ";
  const size_t at = text.find(series);
  ASSERT_NE(at, std::string::npos) << text;
  EXPECT_GE(std::stod(text.substr(at + series.size())), 0.5) << text.substr(at, 100);
  EXPECT_FALSE(puller.failure().has_value());
}

}  // namespace
}  // namespace sluice::drainer
