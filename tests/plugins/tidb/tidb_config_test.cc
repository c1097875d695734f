// The tidb sink's own keys on top of the mysql sink's.
#include "plugins/tidb/tidb_config.h"

#include <gtest/gtest.h>
#include <sluice/sdk/testing/fake_host.h>

#include <string>

namespace sluice::tidb {
namespace {

using sdk::testing::FakeConfig;

class TidbConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { sdk::detail::host_api() = host_.api(); }
  TidbConfig parse(const FakeConfig& config) {
    return parse_tidb_config(sdk::Config(config.raw()), false);
  }
  sdk::testing::FakeHost host_;
};

TEST_F(TidbConfigTest, DefaultsAreTidbsLimits) {
  const TidbConfig parsed = parse(FakeConfig{});
  EXPECT_EQ(parsed.ts_map_interval_ns, 60'000'000'000);
  EXPECT_EQ(parsed.sql.applier.plan.max_txn_rows, 5000u);
  EXPECT_EQ(parsed.sql.applier.plan.max_txn_bytes, 104857600u);
  EXPECT_EQ(parsed.sql.applier.plan.txn_batch, 20u);  // the mysql sink's keys still apply
}

TEST_F(TidbConfigTest, KeysAreReadAndChecked) {
  const TidbConfig parsed = parse(FakeConfig{{"ts-map-interval", "1m30s"},
                                             {"txn-max-rows", 100},
                                             {"txn-max-bytes", 1 << 20},
                                             {"worker-count", 2}});
  EXPECT_EQ(parsed.ts_map_interval_ns, 90'000'000'000);
  EXPECT_EQ(parsed.sql.applier.plan.max_txn_rows, 100u);
  EXPECT_EQ(parsed.sql.applier.plan.max_txn_bytes, 1u << 20);
  EXPECT_EQ(parsed.sql.applier.plan.worker_count, 2u);

  const std::pair<FakeConfig, std::string> bad[] = {
      {FakeConfig{{"ts-map-interval", "soon"}}, "'ts-map-interval'"},
      {FakeConfig{{"ts-map-interval", "0s"}}, "'ts-map-interval'"},
      {FakeConfig{{"txn-max-rows", 0}}, "'txn-max-rows'"},
      {FakeConfig{{"txn-max-bytes", -1}}, "'txn-max-bytes'"},
      {FakeConfig{{"txn-batch", 0}}, "'txn-batch'"},
  };
  for (const auto& [config, key] : bad) {
    try {
      parse(config);
      ADD_FAILURE() << key << " accepted";
    } catch (const sdk::ConfigError& error) {
      EXPECT_NE(std::string(error.what()).find(key), std::string::npos) << error.what();
    }
  }
}

}  // namespace
}  // namespace sluice::tidb
