#include <gtest/gtest.h>

#include "core/pump/gc_policy.h"
#include "core/pump/gc_scheduler.h"
#include "core/registry/directory_registry.h"
#include "core/tso/tso.h"
#include "tests/core/storage/storage_test_util.h"
#include "tests/support/temp_dir.h"

namespace sluice::pump {
namespace {

using std::chrono::hours;
using std::chrono::minutes;

constexpr int64_t kNowMs = 1'800'000'000'000;
const int64_t kNow = tso::compose(kNowMs, 0);

int64_t days_ago(int days) {
  return tso::compose(kNowMs - int64_t{days} * 24 * 3600 * 1000, 0);
}

registry::NodeStatus drainer(std::string id, int64_t checkpoint, int64_t heartbeat,
                             std::string state = "online") {
  registry::NodeStatus status;
  status.node_id = std::move(id);
  status.host = "127.0.0.1:8249";
  status.state = std::move(state);
  status.max_commit_ts = checkpoint;
  status.update_ts = heartbeat;
  return status;
}

TEST(GcPolicy, AliveDrainersProtectStaleOnesDoNot) {
  GcPolicyOptions options;
  options.retention = hours(7 * 24);
  const auto decision = decide_gc(
      kNow,
      {drainer("alive-behind", days_ago(9), kNow), drainer("alive-current", days_ago(0), kNow),
       drainer("stale", days_ago(20), days_ago(3)),
       drainer("gone", days_ago(30), days_ago(30), "offline")},
      options);
  EXPECT_EQ(decision.gc_ts, days_ago(7));
  EXPECT_EQ(decision.protect_from_ts, days_ago(9));
  EXPECT_EQ(decision.effective_ts(), days_ago(9));
  EXPECT_EQ(decision.protecting, (std::vector<std::string>{"alive-behind", "alive-current"}));
  EXPECT_EQ(decision.at_risk, std::vector<std::string>{"alive-behind"});
  EXPECT_EQ(decision.stale, std::vector<std::string>{"stale"});
  EXPECT_EQ(decision.purged_for, std::vector<std::string>{"stale"});
}

TEST(GcPolicy, NoDrainersMeansPlainRetentionAndAWarningMarginAheadOfIt) {
  GcPolicyOptions options;
  options.retention = hours(8);
  const auto none = decide_gc(kNow, {}, options);
  EXPECT_EQ(none.effective_ts(), tso::compose(kNowMs - 8 * 3600 * 1000, 0));
  // 20 h margin: a drainer 10 h behind with 8 h retention is at risk (but protected).
  const auto close =
      decide_gc(kNow, {drainer("d", tso::compose(kNowMs - 10 * 3600 * 1000, 0), kNow)}, options);
  EXPECT_EQ(close.at_risk, std::vector<std::string>{"d"});
  EXPECT_EQ(close.effective_ts(), tso::compose(kNowMs - 10 * 3600 * 1000, 0));
}

class FixedTso : public tso::TsoSource {
 public:
  Result<int64_t> next() override { return kNow + ++count_; }

 private:
  int64_t count_ = 0;
};

TEST(GcScheduler, PurgesOldBinlogsUnlessAnAliveDrainerStillNeedsThem) {
  testing::TempDir dir;
  storage::StorageOptions options;
  options.data_dir = (dir.path() / "pump").string();
  metrics::MetricsRegistry metrics;
  auto store = storage::BinlogStore::open(options, nullptr, &metrics);
  ASSERT_TRUE(store.is_ok()) << store.status().to_string();
  for (int64_t ts : {days_ago(10), days_ago(8), days_ago(1)}) {
    ASSERT_TRUE((*store)->write(storage::testing::fake_bytes(ts)).is_ok());
  }
  auto registry = registry::DirectoryRegistry::open(dir.path() / "registry");
  ASSERT_TRUE(registry.is_ok());
  FixedTso tso;
  GcPolicyOptions policy;
  policy.retention = hours(7 * 24);
  GcScheduler gc(**store, **registry, tso, &metrics, policy, std::chrono::milliseconds(0));

  auto visible = [&] {
    std::vector<int64_t> out;
    auto result = (*store)->read(0, 100, 1 << 20);  // held: the loop must not outlive it
    EXPECT_TRUE(result.is_ok());
    for (const auto& binlog : result->binlogs)
      out.push_back(binlog.commit_ts);
    return out;
  };
  // An alive drainer that has pulled up to 9 days ago keeps the 8-days-ago binlog.
  ASSERT_TRUE(
      (*registry)->put(registry::NodeKind::kDrainer, drainer("d1", days_ago(9), kNow)).is_ok());
  auto first = gc.run_once();
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(visible(), (std::vector<int64_t>{days_ago(8), days_ago(1)}));

  // The drainer goes silent: it no longer holds GC back, and the purge is counted.
  ASSERT_TRUE((*registry)
                  ->put(registry::NodeKind::kDrainer, drainer("d1", days_ago(9), days_ago(2)))
                  .is_ok());
  auto second = gc.run_once();
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(second->purged_for, std::vector<std::string>{"d1"});
  EXPECT_EQ(visible(), (std::vector<int64_t>{days_ago(1)}));
  EXPECT_NE(
      metrics.render_text().find("binlog_pump_detected_drainer_binlog_purge_count{id=\"d1\"} 1"),
      std::string::npos);
}

}  // namespace
}  // namespace sluice::pump
