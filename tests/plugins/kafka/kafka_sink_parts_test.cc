// The Kafka sink's parts without a broker: the config keys (defaults of the original, clear
// errors), the ordered acknowledgement window, and how transactions become messages.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>

#include <string>

#include "plugins/kafka/ack_window.h"
#include "plugins/kafka/kafka_sink_config.h"
#include "plugins/kafka/message_plan.h"

namespace {

using sluice::kafka::AckWindow;
using sluice::kafka::KafkaSinkConfig;
using sluice::kafka::PartitionBy;
using sluice::sdk::ConfigError;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;

// The SDK's Config reads through the host table a plugin's entry point installs; this binary
// links the parts directly, so the test installs the fake host's table itself.
KafkaSinkConfig read(const FakeConfig& config) {
  static FakeHost host;
  sluice::sdk::detail::host_api() = host.api();
  return sluice::kafka::read_kafka_sink_config(sluice::sdk::Config(config.raw()));
}

std::string error_of(const FakeConfig& config) {
  read(FakeConfig{{"topic-name", "t"}});  // installs the host table
  try {
    read(config);
  } catch (const ConfigError& error) {
    return error.what();
  }
  return "";
}

TEST(KafkaSinkConfig, DefaultsAreTheOriginals) {
  ::unsetenv("KAFKA_ADDRS");
  const KafkaSinkConfig config = read(FakeConfig{{"cluster-id", int64_t{6895}}});
  EXPECT_EQ(config.topic, "6895_obinlog");
  EXPECT_EQ(config.brokers, "127.0.0.1:9092");
  EXPECT_EQ(config.client_id, "tidb_binlog");
  EXPECT_EQ(config.max_messages, 1024);
  EXPECT_EQ(config.max_message_size, 1073741824);
  EXPECT_EQ(config.partition_by, PartitionBy::kNone);
  EXPECT_EQ(config.partition, 0);
  EXPECT_EQ(config.acks, "all");
  EXPECT_EQ(config.max_unacked_bytes, 90 << 20);
  EXPECT_EQ(config.retry_backoff_ms, 500);
}

TEST(KafkaSinkConfig, OriginalKeysAreRead) {
  const KafkaSinkConfig config = read(FakeConfig{{"kafka-addrs", "10.0.0.1:9092,10.0.0.2:9093"},
                                                 {"kafka-version", "2.0.0"},
                                                 {"kafka-max-messages", int64_t{64}},
                                                 {"kafka-max-message-size", int64_t{2000000}},
                                                 {"kafka-client-id", "me"},
                                                 {"topic-name", "binlog"}});
  EXPECT_EQ(config.brokers, "10.0.0.1:9092,10.0.0.2:9093");
  EXPECT_EQ(config.kafka_version, "2.0.0");
  EXPECT_EQ(config.max_messages, 64);
  EXPECT_EQ(config.max_message_size, 2000000);
  EXPECT_EQ(config.client_id, "me");
  EXPECT_EQ(config.topic, "binlog");
}

TEST(KafkaSinkConfig, BadValuesNameTheKey) {
  EXPECT_NE(error_of(FakeConfig{}).find("'topic-name', or 'cluster-id'"), std::string::npos);
  EXPECT_NE(error_of(FakeConfig{{"topic-name", "t"}, {"kafka-addrs", "nohost"}})
                .find("'kafka-addrs': \"nohost\" is not host:port"),
            std::string::npos);
  EXPECT_NE(error_of(FakeConfig{{"topic-name", "t"}, {"partition-by", "row"}})
                .find("'partition-by' must be"),
            std::string::npos);
  EXPECT_NE(error_of(FakeConfig{{"topic-name", "t_{table}"}}).find("set 'partition-by'"),
            std::string::npos);
  EXPECT_NE(error_of(FakeConfig{{"topic-name", "t"}, {"acks", "1"}}).find("'enable-idempotence'"),
            std::string::npos);
  EXPECT_NE(error_of(FakeConfig{{"topic-name", "t"}, {"kafka-max-messages", int64_t{0}}})
                .find("'kafka-max-messages' must be greater than 0"),
            std::string::npos);
  EXPECT_NE(
      error_of(FakeConfig{{"topic-name", "t"}, {"compression", "brotli"}}).find("'compression'"),
      std::string::npos);
  EXPECT_NE(error_of(FakeConfig{{"topic-name", "t"}, {"zookeeper-addrs", "zk:2181"}})
                .find("'zookeeper-addrs' is not supported"),
            std::string::npos);
  EXPECT_NE(error_of(FakeConfig{{"topic-name", "t"}, {"kafka-max-messages", "many"}})
                .find("kafka-max-messages"),
            std::string::npos);
}

TEST(KafkaSinkConfig, TopicPatternPerTable) {
  const KafkaSinkConfig config =
      read(FakeConfig{{"topic-name", "bl_{schema}_{table}"}, {"partition-by", "table"}});
  EXPECT_EQ(sluice::kafka::topic_for(config, "shop", "orders"), "bl_shop_orders");
  EXPECT_EQ(sluice::kafka::topic_for(config, "shop", ""), "bl_shop_");
}

TEST(AckWindow, WatermarkMovesOnlyOverTheAcknowledgedPrefix) {
  AckWindow window(100);
  const uint64_t a = window.add(110, 105, 2, 0);
  window.add_bytes(30);
  const uint64_t b = window.add(120, 115, 1, 0);
  window.add_bytes(10);
  const uint64_t c = window.add(130, 125, 1, 0);
  window.add_bytes(5);
  EXPECT_EQ(window.unacked_bytes(), 45u);
  EXPECT_EQ(window.unacked_messages(), 4u);
  EXPECT_EQ(window.acknowledge(c, 5), std::nullopt);   // out of order: held back
  EXPECT_EQ(window.acknowledge(a, 15), std::nullopt);  // one of a's two messages
  EXPECT_EQ(window.durable_ts(), 100);
  EXPECT_EQ(window.acknowledge(a, 15), std::optional<int64_t>(110));
  EXPECT_EQ(window.acknowledge(b, 10), std::optional<int64_t>(130));  // b, then c already acked
  EXPECT_EQ(window.unacked_bytes(), 0u);
  EXPECT_TRUE(window.wait_empty(std::chrono::milliseconds(0)));
  // A transaction with no messages completes in order.
  window.add(140, 139, 0, 0);
  EXPECT_EQ(window.durable_ts(), 140);
}

TEST(AckWindow, CancelledTransactionDoesNotMoveTheWatermarkPastIt) {
  AckWindow window(0);
  const uint64_t a = window.add(10, 9, 1, 0);
  const uint64_t b = window.add(20, 19, 3, 0);
  window.cancel_last(b, 2, 0);                        // one part sent, two could not be
  EXPECT_EQ(window.acknowledge(b, 0), std::nullopt);  // the sent part: a is still pending
  EXPECT_EQ(window.acknowledge(a, 0), std::optional<int64_t>(10));  // not 20
  const uint64_t again = window.add(20, 19, 1, 0);                  // sent again
  EXPECT_EQ(window.acknowledge(again, 0), std::optional<int64_t>(20));
}

TEST(AckWindow, AFailureHoldsTheWatermark) {
  AckWindow window(0);
  const uint64_t a = window.add(10, 9, 1, 0);
  const uint64_t b = window.add(20, 19, 1, 0);
  window.fail(a, "commit_ts=10: too large");
  EXPECT_EQ(window.acknowledge(b, 0), std::nullopt);
  EXPECT_EQ(window.durable_ts(), 0);
  EXPECT_EQ(window.error(), std::optional<std::string>("commit_ts=10: too large"));
  EXPECT_FALSE(window.wait_below(1, std::chrono::milliseconds(0)));
}

struct PlanFixture {
  BatchBuilder builder;
  size_t orders = builder.add_table({"shop",
                                     "orders",
                                     1,
                                     {{"id", 3, SLUICE_COLUMN_PRIMARY_KEY}, {"note", 15}},
                                     {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  size_t logs = builder.add_table({"shop", "logs", 2, {{"line", 15}}, {}});
};

TEST(MessagePlan, OneMessagePerTransactionByDefault) {
  PlanFixture f;
  f.builder.begin_transaction(10, 9)
      .insert(f.orders, {int64_t{1}, std::string("a")})
      .insert(f.logs, {std::string("x")});
  const sluice_batch_t* batch = f.builder.build();
  const KafkaSinkConfig config = read(FakeConfig{{"topic-name", "t"}});
  const auto plan =
      sluice::kafka::plan_messages(config, sluice::sdk::Transaction(&batch->transactions[0]));
  ASSERT_EQ(plan.size(), 1u);
  EXPECT_TRUE(plan[0].whole);
  EXPECT_FALSE(plan[0].has_key);
  EXPECT_EQ(plan[0].topic, "t");
}

TEST(MessagePlan, ByTableThenByPrimaryKeyThenSplit) {
  PlanFixture f;
  f.builder.begin_transaction(10, 9)
      .insert(f.orders, {int64_t{1}, std::string("a")})
      .insert(f.logs, {std::string("x")})
      .update(f.orders, {int64_t{1}, std::string("a")}, {int64_t{2}, std::string("b")})
      .erase(f.orders, {int64_t{7}, std::monostate{}});
  const sluice_batch_t* batch = f.builder.build();
  const sluice::sdk::Transaction transaction(&batch->transactions[0]);

  auto plan = sluice::kafka::plan_messages(
      read(FakeConfig{{"topic-name", "bl_{table}"}, {"partition-by", "table"}}), transaction);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].topic, "bl_orders");
  EXPECT_EQ(plan[0].key, "shop.orders");
  EXPECT_EQ(plan[0].events, (std::vector<size_t>{0, 2, 3}));
  EXPECT_EQ(plan[1].topic, "bl_logs");
  EXPECT_EQ(plan[1].events, (std::vector<size_t>{1}));

  plan = sluice::kafka::plan_messages(
      read(FakeConfig{{"topic-name", "t"}, {"partition-by", "primary-key"}}), transaction);
  ASSERT_EQ(plan.size(), 4u);
  EXPECT_EQ(plan[0].key, "shop.orders/1");
  EXPECT_EQ(plan[1].key, "shop.logs");      // no key columns: the table
  EXPECT_EQ(plan[2].key, "shop.orders/2");  // update: the new row's key
  EXPECT_EQ(plan[3].key, "shop.orders/7");  // delete: the old row's key

  plan = sluice::kafka::plan_messages(
      read(FakeConfig{{"topic-name", "t"}, {"max-events-per-message", int64_t{3}}}), transaction);
  ASSERT_EQ(plan.size(), 2u);
  EXPECT_EQ(plan[0].events, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(plan[1].events, (std::vector<size_t>{3}));
  EXPECT_FALSE(plan[0].whole);
}

}  // namespace
