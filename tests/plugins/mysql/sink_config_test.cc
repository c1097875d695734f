// The mysql sink's config checks, through the plugin's validate as the host calls it (offline),
// and the duration parser.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/fake_host.h>

#include <string>

#include "plugins/mysql/sink_config.h"

namespace {

using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;

class SinkConfigTest : public ::testing::Test {
 protected:
  sluice::sdk::testing::CallResult validate(FakeConfig config) {
    PluginInstance sink(host_, host_.load_plugin(MYSQL_SINK_PLUGIN), "mysql-config");
    return sink.validate(config);
  }
  FakeHost host_;
};

TEST_F(SinkConfigTest, DefaultsAreTheOriginals) {
  const FakeConfig empty;
  sluice::sdk::Config config(empty.raw());
  // The SDK's Config reads through the host table the plugin entry installed; give it this one.
  sluice::sdk::detail::host_api() = host_.api();
  const auto parsed = sluice::mysql::parse_sink_config(config, false);
  EXPECT_EQ(parsed.applier.connection.host, "localhost");
  EXPECT_EQ(parsed.applier.connection.user, "root");
  EXPECT_EQ(parsed.applier.connection.port, 3306);
  EXPECT_EQ(parsed.applier.connection.read_timeout_seconds, 60u);
  EXPECT_EQ(parsed.applier.plan.txn_batch, 20u);
  EXPECT_EQ(parsed.applier.plan.worker_count, 16u);
  EXPECT_TRUE(parsed.applier.plan.enable_dispatch);
  EXPECT_TRUE(parsed.applier.plan.enable_detect);
  EXPECT_TRUE(parsed.sync_ddl);
  EXPECT_FALSE(parsed.applier.connection.sql_mode.has_value());
}

TEST_F(SinkConfigTest, AcceptsTheOriginalKeys) {
  const auto result = validate(FakeConfig{{"host", "db1"},
                                          {"user", "drainer"},
                                          {"password", "${DB_PASSWORD}"},
                                          {"port", 3307},
                                          {"read-timeout", "1m30s"},
                                          {"params.time_zone", "+08:00"},
                                          {"txn-batch", 50},
                                          {"worker-count", 4},
                                          {"disable-dispatch", false},
                                          {"enable-detect", true},
                                          {"sql-mode", "STRICT_TRANS_TABLES,NO_ZERO_DATE"},
                                          {"sync-ddl", false},
                                          {"loopback-control", false},
                                          {"channel-id", 1}});
  EXPECT_TRUE(result.ok()) << result.describe();
}

TEST_F(SinkConfigTest, SyncModeTwoAndLoopbackControl) {
  sluice::sdk::detail::host_api() = host_.api();
  const FakeConfig on{{"sync-mode", 2}, {"loopback-control", true}, {"channel-id", 7}};
  const auto parsed = sluice::mysql::parse_sink_config(sluice::sdk::Config(on.raw()), false);
  EXPECT_TRUE(parsed.applier.partial_columns);
  EXPECT_TRUE(parsed.applier.connection.strip_strict_trans_tables);
  ASSERT_TRUE(parsed.applier.loopback_channel.has_value());
  EXPECT_EQ(*parsed.applier.loopback_channel, 7);
  const FakeConfig off{{"channel-id", 7}};
  const auto plain = sluice::mysql::parse_sink_config(sluice::sdk::Config(off.raw()), false);
  EXPECT_FALSE(plain.applier.partial_columns);
  EXPECT_FALSE(plain.applier.connection.strip_strict_trans_tables);
  EXPECT_FALSE(plain.applier.loopback_channel.has_value());
  EXPECT_EQ(plain.channel_id, 7);
}

TEST_F(SinkConfigTest, ErrorsNameTheKey) {
  const std::pair<FakeConfig, std::string> cases[] = {
      {FakeConfig{{"port", 0}}, "'port'"},
      {FakeConfig{{"port", "3306"}}, "port"},
      {FakeConfig{{"txn-batch", 0}}, "'txn-batch'"},
      {FakeConfig{{"worker-count", -1}}, "'worker-count'"},
      {FakeConfig{{"read-timeout", "soon"}}, "'read-timeout'"},
      {FakeConfig{{"sql-mode", "ANSI'; DROP"}}, "'sql-mode'"},
      {FakeConfig{{"params.time_zone", "SYSTEM"}}, "'params.time_zone'"},
      {FakeConfig{{"enable-detect", "yes"}}, "enable-detect"},
      {FakeConfig{{"merge", "yes"}}, "merge"},
      {FakeConfig{{"sync-mode", 3}}, "'sync-mode'"},
      {FakeConfig{{"sync-mode", 0}}, "'sync-mode'"},
      {FakeConfig{{"loopback-control", "on"}}, "loopback-control"},
      {FakeConfig{{"channel-id", "one"}}, "channel-id"},
      {FakeConfig{{"password", 5}}, "'password'"},
  };
  for (const auto& [config, key] : cases) {
    const auto result = validate(config);
    EXPECT_EQ(result.status, SLUICE_INVALID_CONFIG) << key << ": " << result.describe();
    EXPECT_NE(result.error.find(key), std::string::npos) << key << ": " << result.error;
  }
}

TEST(DurationTest, ParsesGoDurations) {
  using sluice::mysql::parse_duration_seconds;
  EXPECT_EQ(parse_duration_seconds("1m"), 60.0);
  EXPECT_EQ(parse_duration_seconds("1m30s"), 90.0);
  EXPECT_EQ(parse_duration_seconds("500ms"), 0.5);
  EXPECT_EQ(parse_duration_seconds("2h"), 7200.0);
  EXPECT_FALSE(parse_duration_seconds("").has_value());
  EXPECT_FALSE(parse_duration_seconds("10").has_value());
  EXPECT_FALSE(parse_duration_seconds("1x").has_value());
}

}  // namespace
