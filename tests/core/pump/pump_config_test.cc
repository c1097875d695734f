#include "core/pump/pump_config.h"
#include "core/config/legacy_flags.h"

#include <gtest/gtest.h>

namespace sluice::pump {
namespace {

// The sample pump.toml shipped with the original (trimmed comments), which must load unchanged.
constexpr const char* kOriginalSample = R"(
addr = "127.0.0.1:8250"
advertise-addr = ""
data-dir = "data.pump"
pd-urls = "http://127.0.0.1:2379"
heartbeat-interval = 2
gc = 7
log-file = ""
log-level = "info"

[security]
ssl-ca = ""
ssl-cert = ""
ssl-key = ""

[storage]
sync-log = true
stop-write-at-available-space = "10 gib"
kv_chan_cap = 1048576
slow_write_threshold = 1.0

[storage.kv]
block-cache-capacity = 8388608
write-buffer = 67108864
)";

TEST(PumpConfig, LoadsTheOriginalsSampleUnchanged) {
  auto config = parse_pump_config(kOriginalSample, "pump.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->addr, "127.0.0.1:8250");
  EXPECT_EQ(config->advertised(), "127.0.0.1:8250");
  EXPECT_EQ(config->pd_urls, "http://127.0.0.1:2379");
  EXPECT_EQ(config->gc, std::chrono::hours(7 * 24));
  EXPECT_EQ(config->heartbeat_interval, std::chrono::seconds(2));
  EXPECT_EQ(config->stop_write_at_available_space, 10ull << 30);
  EXPECT_EQ(config->slow_write_threshold, std::chrono::milliseconds(1000));
  EXPECT_TRUE(config->sync_log);
  EXPECT_FALSE(config->security.enabled());
}

TEST(PumpConfig, DefaultsWhenEmpty) {
  auto config = parse_pump_config("", "pump.toml");
  ASSERT_TRUE(config.is_ok());
  EXPECT_EQ(config->gen_binlog_interval, std::chrono::seconds(3));
  EXPECT_EQ(config->idle_watermark_interval, std::chrono::milliseconds(200));
  EXPECT_EQ(config->max_txn_timeout, std::chrono::seconds(600));
}

TEST(PumpConfig, GcAcceptsDaysOrHours) {
  EXPECT_EQ(parse_gc("7").value(), std::chrono::hours(168));
  EXPECT_EQ(parse_gc("8h").value(), std::chrono::hours(8));
  EXPECT_EQ(parse_gc("36h").value(), std::chrono::hours(36));
  EXPECT_FALSE(parse_gc("0").is_ok());
  EXPECT_FALSE(parse_gc("30m").is_ok());
  EXPECT_FALSE(parse_gc("weekly").is_ok());
  auto config = parse_pump_config("gc = \"12h\"\n", "pump.toml");
  ASSERT_TRUE(config.is_ok());
  EXPECT_EQ(config->gc, std::chrono::hours(12));
}

TEST(PumpConfig, InvalidValuesNameTheKeyAndLine) {
  auto bad_gc = parse_pump_config("addr = \"127.0.0.1:8250\"\ngc = -1\n", "pump.toml");
  ASSERT_FALSE(bad_gc.is_ok());
  EXPECT_NE(bad_gc.status().message().find("pump.toml:2: key 'gc'"), std::string::npos)
      << bad_gc.status().message();
  auto bad_type = parse_pump_config("[storage]\nsync-log = \"yes\"\n", "pump.toml");
  ASSERT_FALSE(bad_type.is_ok());
  EXPECT_NE(bad_type.status().message().find("'storage.sync-log'"), std::string::npos);
  auto bad_size =
      parse_pump_config("[storage]\nstop-write-at-available-space = \"lots\"\n", "p.toml");
  ASSERT_FALSE(bad_size.is_ok());
  EXPECT_NE(bad_size.status().message().find("stop-write-at-available-space"), std::string::npos);
  auto wildcard = parse_pump_config("addr = \"0.0.0.0:8250\"\n", "pump.toml");
  ASSERT_FALSE(wildcard.is_ok());
  EXPECT_NE(wildcard.status().message().find("advertise-addr"), std::string::npos);
  auto half_tls = parse_pump_config("[security]\nssl-ca = \"ca.pem\"\n", "pump.toml");
  ASSERT_FALSE(half_tls.is_ok());
  EXPECT_NE(half_tls.status().message().find("ssl-cert"), std::string::npos);
  auto bad_interval = parse_pump_config("heartbeat-interval = 0\n", "pump.toml");
  EXPECT_FALSE(bad_interval.is_ok());
}

TEST(PumpConfig, WildcardListenWithAdvertiseAddrIsFine) {
  auto config = parse_pump_config(
      "addr = \"0.0.0.0:8250\"\nadvertise-addr = \"10.1.2.3:8250\"\nidle-watermark-interval = "
      "\"150ms\"\n",
      "pump.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().to_string();
  EXPECT_EQ(config->advertised(), "10.1.2.3:8250");
  EXPECT_EQ(config->idle_watermark_interval, std::chrono::milliseconds(150));
}

TEST(PumpConfig, SingleDashFlagsOfTheOriginalAreNormalised) {
  const char* raw[] = {"pump", "-config", "pump.toml", "-L=debug", "--data-dir", "d", "-x"};
  std::vector<char*> argv;
  for (const char* arg : raw)
    argv.push_back(const_cast<char*>(arg));
  const auto normalized = config::normalize_flags(static_cast<int>(argv.size()), argv.data(),
                                                  {"config", "addr", "data-dir", "node-id", "L"});
  EXPECT_EQ(normalized, (std::vector<std::string>{"pump", "--config", "pump.toml", "--L=debug",
                                                  "--data-dir", "d", "-x"}));
}

}  // namespace
}  // namespace sluice::pump
