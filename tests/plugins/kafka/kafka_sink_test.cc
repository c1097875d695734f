// The kafka sink plugin, loaded as the host loads it, producing to a real-Kafka-protocol mock
// cluster (tests/support/kafka_mock_cluster.h) in a child process; what it produced is read back
// by a separate consumer process (sluice-kafka-test-consumer) and decoded. Covers the original's
// format and topic, the ordered watermark, a broker going down mid-stream and coming back
// (nothing lost, order kept), an unreachable broker, a message too large, partition-by
// primary-key with per-key order, topics per table and the canal-json translator.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>

#include <chrono>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "core/proto/secondary_binlog.pb.h"
#include "tests/support/child_process.h"
#include "tests/support/free_port.h"
#include "tests/support/kafka_mock_cluster.h"
#include "tests/support/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeBuffer;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;
using sluice::testing::ChildProcess;
using sluice::testing::ChildProcessOptions;
using sluice::testing::KafkaMockCluster;
using sluice::testing::KafkaMockClusterOptions;

std::string plugin(const std::string& name) {
  return std::string(KAFKA_PLUGIN_DIR) + "/" + name + ".so";
}

std::string unhex(const std::string& text) {
  std::string bytes;
  for (size_t i = 0; i + 1 < text.size(); i += 2)
    bytes.push_back(static_cast<char>(std::stoi(text.substr(i, 2), nullptr, 16)));
  return bytes;
}

struct Record {
  int partition = 0;
  int64_t offset = 0;
  bool has_key = false;
  std::string key;
  std::map<std::string, std::string> headers;
  std::string value;
};

// Runs the consumer process until it read `count` messages of `topic`.
std::vector<Record> consume(const KafkaMockCluster& cluster, const std::string& topic,
                            size_t count) {
  ChildProcessOptions options;
  options.argv = {std::string(KAFKA_TEST_CONSUMER), cluster.bootstrap_servers(), topic,
                  std::to_string(count), "30000"};
  options.pipe_stdout = true;
  options.log_file = cluster.base_dir() / ("consumer-" + topic + ".log");
  ChildProcess consumer(options);
  std::vector<Record> records;
  while (auto line = consumer.read_stdout_line(40s)) {
    if (*line == "END") break;
    std::istringstream in(*line);
    Record record;
    std::string key, headers, value;
    in >> record.partition >> record.offset >> key >> headers >> value;
    record.has_key = key != "-";
    if (record.has_key) record.key = unhex(key);
    if (headers != "-") {
      std::istringstream list(headers);
      std::string item;
      while (std::getline(list, item, ',')) {
        const size_t equals = item.find('=');
        record.headers[item.substr(0, equals)] = unhex(item.substr(equals + 1));
      }
    }
    record.value = unhex(value);
    records.push_back(std::move(record));
  }
  const auto status = consumer.wait_for_exit(10s);
  EXPECT_TRUE(status && *status == 0) << consumer.log_tail();
  return records;
}

// shop.orders (id bigint primary key, note varchar(20)).
struct Workload {
  BatchBuilder builder;
  size_t orders = builder.add_table(
      {"shop",
       "orders",
       1,
       {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint", 20, 0}, {"note", 15, 0, "varchar", 20, 0}},
       {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  size_t items = builder.add_table({"shop",
                                    "items",
                                    2,
                                    {{"sku", 15, SLUICE_COLUMN_PRIMARY_KEY, "varchar", 10, 0}},
                                    {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  uint64_t position = 0;

  // Transactions commit_ts = first, first + 10, ...; each inserts order i and updates order i - 1.
  const sluice_batch_t* batch(int64_t first, int count) {
    builder = BatchBuilder();
    orders = builder.add_table(
        {"shop",
         "orders",
         1,
         {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint", 20, 0}, {"note", 15, 0, "varchar", 20, 0}},
         {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
    items = builder.add_table({"shop",
                               "items",
                               2,
                               {{"sku", 15, SLUICE_COLUMN_PRIMARY_KEY, "varchar", 10, 0}},
                               {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
    builder.set_first_position(position);
    for (int i = 0; i < count; ++i) {
      const int64_t ts = first + 10 * i;
      builder.begin_transaction(ts, ts - 1)
          .insert(orders, {ts, std::string("new ") + std::to_string(ts)})
          .update(orders, {ts - 10, std::string("old")}, {ts - 10, std::string("paid")});
    }
    position += static_cast<uint64_t>(count);
    return builder.build();
  }
};

// Flushes until the watermark reaches `target` (or 30 s pass); returns the last watermark.
int64_t flush_until(PluginInstance& sink, int64_t target) {
  int64_t durable = 0;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (std::chrono::steady_clock::now() < deadline) {
    const auto result = sink.flush(durable);
    EXPECT_TRUE(result.ok()) << result.error;
    if (durable >= target || !result.ok()) break;
  }
  return durable;
}

std::vector<int64_t> commit_timestamps(const std::vector<Record>& records) {
  std::vector<int64_t> out;
  for (const Record& record : records) {
    slave::binlog::Binlog binlog;
    EXPECT_TRUE(binlog.ParseFromString(record.value));
    out.push_back(binlog.commit_ts());
  }
  return out;
}

std::vector<int64_t> expected_timestamps(int64_t first, int count) {
  std::vector<int64_t> out;
  for (int i = 0; i < count; ++i)
    out.push_back(first + 10 * i);
  return out;
}

// A mock cluster with `topics`, a fake host, and the kafka sink on it, created with `config` plus
// kafka-addrs and opened; `problem` says what failed.
struct SinkOnMock {
  SinkOnMock(std::vector<sluice::testing::KafkaTopicSpec> topics, FakeConfig config)
      : cluster(KafkaMockClusterOptions{1, std::move(topics)}),
        sink(host, host.load_plugin(plugin("kafka")), "kafka") {
    config.set("kafka-addrs", cluster.bootstrap_servers());
    auto result = sink.create(config);
    if (result.ok()) result = sink.open(0);
    if (!result.ok()) problem = result.describe();
  }
  KafkaMockCluster cluster;
  FakeHost host;
  PluginInstance sink;
  std::string problem;
};

TEST(KafkaSink, OriginalFormatOneMessagePerTransactionOnPartitionZero) {
  KafkaMockCluster cluster(KafkaMockClusterOptions{1, {{"6895_obinlog", 2}}});
  FakeHost host;
  PluginInstance sink(host, host.load_plugin(plugin("kafka")), "kafka");
  EXPECT_EQ(sink.descriptor()->capabilities & SLUICE_CAP_ASYNC_ACK,
            static_cast<uint32_t>(SLUICE_CAP_ASYNC_ACK));
  const auto created = sink.create(FakeConfig{{"kafka-addrs", cluster.bootstrap_servers()},
                                              {"cluster-id", int64_t{6895}},
                                              {"kafka-version", "0.8.2.0"}});
  ASSERT_TRUE(created.ok()) << created.error;
  bool version_notice = false;
  for (const auto& line : host.logs())
    version_notice |= line.message.find("kafka-version \"0.8.2.0\" is accepted") == 0;
  EXPECT_TRUE(version_notice);
  ASSERT_TRUE(sink.open(0).ok());
  Workload workload;
  ASSERT_TRUE(sink.write(workload.batch(1000, 10)).ok());
  ASSERT_TRUE(sink.write(workload.batch(1100, 10)).ok());
  EXPECT_EQ(flush_until(sink, 1190), 1190);
  // The ack callback runs on librdkafka's delivery thread and may land just after the flush.
  for (int i = 0; i < 100 && (sink.context().acks().empty() ||
                              sink.context().acks().back() != 1190);
       ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  ASSERT_FALSE(sink.context().acks().empty());
  EXPECT_EQ(sink.context().acks().back(), 1190);
  ASSERT_TRUE(sink.close().ok());

  const auto records = consume(cluster, "6895_obinlog", 20);
  ASSERT_EQ(records.size(), 20u);
  for (const Record& record : records) {
    EXPECT_EQ(record.partition, 0);
    EXPECT_FALSE(record.has_key);
    EXPECT_TRUE(record.headers.empty());
  }
  EXPECT_EQ(commit_timestamps(records), expected_timestamps(1000, 20));
  // The payload is exactly the secondary-binlog translator's encoding of the transaction.
  PluginInstance translator(host, host.load_plugin(plugin("secondary-binlog")), "sb");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  Workload again;
  const sluice_batch_t* batch = again.batch(1000, 1);
  FakeBuffer expected;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], expected).ok());
  EXPECT_EQ(records[0].value, expected.bytes());
  slave::binlog::Binlog first;
  ASSERT_TRUE(first.ParseFromString(records[0].value));
  const auto& update = first.dml_data().tables(0).mutations(1);
  EXPECT_EQ(update.type(), slave::binlog::Update);
  EXPECT_EQ(update.row().columns(1).string_value(), "paid");        // row = new
  EXPECT_EQ(update.change_row().columns(1).string_value(), "old");  // change_row = old
}

TEST(KafkaSink, BrokerDownMidStreamLosesNothingAndKeepsOrder) {
  SinkOnMock run({{"binlog", 1}}, FakeConfig{{"topic-name", "binlog"},
                                             {"retry-backoff-ms", int64_t{100}},
                                             {"flush-timeout-ms", int64_t{300}}});
  ASSERT_TRUE(run.problem.empty()) << run.problem;
  auto& [cluster, host, sink, problem] = run;
  Workload workload;
  ASSERT_TRUE(sink.write(workload.batch(1000, 10)).ok());
  ASSERT_EQ(flush_until(sink, 1090), 1090);

  cluster.set_broker_down(1);
  ASSERT_TRUE(sink.write(workload.batch(1100, 10)).ok());
  ASSERT_TRUE(sink.write(workload.batch(1200, 10)).ok());
  int64_t durable = 0;
  ASSERT_TRUE(sink.flush(durable).ok());
  EXPECT_LT(durable, 1290);         // nothing past what the broker confirmed
  std::this_thread::sleep_for(1s);  // several retry rounds against the down broker
  cluster.set_broker_up(1);
  ASSERT_TRUE(sink.write(workload.batch(1300, 10)).ok());
  EXPECT_EQ(flush_until(sink, 1390), 1390);
  ASSERT_TRUE(sink.close().ok());

  const auto records = consume(cluster, "binlog", 40);
  EXPECT_EQ(commit_timestamps(records), expected_timestamps(1000, 40));
}

TEST(KafkaSink, UnreachableBrokerIsARetryNamingTheAddress) {
  const int port = sluice::testing::free_tcp_port();
  FakeHost host;
  PluginInstance sink(host, host.load_plugin(plugin("kafka")), "kafka");
  const std::string address = "127.0.0.1:" + std::to_string(port);
  ASSERT_TRUE(sink.create(FakeConfig{{"kafka-addrs", address},
                                     {"topic-name", "binlog"},
                                     {"connect-timeout-ms", int64_t{500}}})
                  .ok());
  const auto opened = sink.open(0);
  EXPECT_EQ(opened.status, SLUICE_RETRY);
  EXPECT_NE(opened.error.find("no Kafka broker answered at kafka-addrs \"" + address + "\""),
            std::string::npos)
      << opened.error;
}

TEST(KafkaSink, InvalidConfigIsRefusedByValidate) {
  FakeHost host;
  PluginInstance sink(host, host.load_plugin(plugin("kafka")), "kafka");
  const auto result = sink.validate(FakeConfig{{"kafka-addrs", "127.0.0.1:9092"}});
  EXPECT_EQ(result.status, SLUICE_INVALID_CONFIG);
  EXPECT_NE(result.error.find("'cluster-id'"), std::string::npos) << result.error;
  // librdkafka's own refusal of a property, found without I/O.
  const auto property = sink.validate(
      FakeConfig{{"topic-name", "t"}, {"librdkafka", std::vector<std::string>{"no.such.thing=1"}}});
  EXPECT_EQ(property.status, SLUICE_INVALID_CONFIG);
  EXPECT_NE(property.error.find("librdkafka property no.such.thing=\"1\""), std::string::npos)
      << property.error;
}

TEST(KafkaSink, MessageTooLargeNamesTheTransactionAndTheSetting) {
  SinkOnMock run({{"binlog", 1}},
                 FakeConfig{{"topic-name", "binlog"}, {"kafka-max-message-size", int64_t{1000}}});
  ASSERT_TRUE(run.problem.empty()) << run.problem;
  auto& [cluster, host, sink, problem] = run;
  BatchBuilder builder;
  const size_t table = builder.add_table({"s", "big", 1, {{"v", 252, 0, "text"}}, {}});
  builder.begin_transaction(500, 499).insert(table, {std::string(2000, 'x')});
  const auto written = sink.write(builder.build());
  EXPECT_EQ(written.status, SLUICE_FATAL);
  EXPECT_NE(written.error.find("commit_ts=500"), std::string::npos) << written.error;
  EXPECT_NE(written.error.find("kafka-max-message-size"), std::string::npos);
  EXPECT_NE(written.error.find("message.max.bytes"), std::string::npos);
  int64_t durable = 0;
  sink.flush(durable);
  EXPECT_EQ(durable, 0);  // never passed
}

TEST(KafkaSink, PartitionByPrimaryKeyKeepsPerKeyOrder) {
  SinkOnMock run({{"rows", 3}},
                 FakeConfig{{"topic-name", "rows"}, {"partition-by", "primary-key"}});
  ASSERT_TRUE(run.problem.empty()) << run.problem;
  auto& [cluster, host, sink, problem] = run;
  // 30 transactions, each updating the five keys 1..5 once.
  BatchBuilder builder;
  const size_t table =
      builder.add_table({"s",
                         "k",
                         1,
                         {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint"}, {"n", 8, 0, "bigint"}},
                         {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  for (int64_t t = 0; t < 30; ++t) {
    builder.begin_transaction(100 + t, 99 + t);
    for (int64_t key = 1; key <= 5; ++key)
      builder.update(table, {key, t - 1}, {key, t});
  }
  ASSERT_TRUE(sink.write(builder.build()).ok());
  EXPECT_EQ(flush_until(sink, 129), 129);
  ASSERT_TRUE(sink.close().ok());

  const auto records = consume(cluster, "rows", 150);
  ASSERT_EQ(records.size(), 150u);
  std::map<std::string, std::vector<int64_t>> by_key;  // in consumed (per-partition) order
  std::map<std::string, int> partition_of;
  std::set<int> partitions;
  for (const Record& record : records) {
    ASSERT_TRUE(record.has_key);
    slave::binlog::Binlog binlog;
    ASSERT_TRUE(binlog.ParseFromString(record.value));
    ASSERT_EQ(binlog.dml_data().tables(0).mutations_size(), 1);
    by_key[record.key].push_back(
        binlog.dml_data().tables(0).mutations(0).row().columns(1).int64_value());
    EXPECT_EQ(record.headers.at("sluice-commit-ts"), std::to_string(binlog.commit_ts()));
    EXPECT_EQ(record.headers.at("sluice-part").substr(1), "/5");
    auto [it, inserted] = partition_of.try_emplace(record.key, record.partition);
    EXPECT_EQ(it->second, record.partition) << record.key;  // one key, one partition
    partitions.insert(record.partition);
  }
  ASSERT_EQ(by_key.size(), 5u);
  EXPECT_EQ(by_key.begin()->first, "s.k/1");
  std::vector<int64_t> in_order(30);
  for (int64_t t = 0; t < 30; ++t)
    in_order[static_cast<size_t>(t)] = t;
  for (const auto& [key, values] : by_key)
    EXPECT_EQ(values, in_order) << key;
  EXPECT_GT(partitions.size(), 1u);  // five keys over three partitions
}

TEST(KafkaSink, TopicPerTableWithTheCanalJsonTranslator) {
  SinkOnMock run({{"cj_shop_orders", 1}, {"cj_shop_items", 1}},
                 FakeConfig{{"topic-name", "cj_{schema}_{table}"},
                            {"partition-by", "table"},
                            {"enable-idempotence", false},  // and acks = 1: the other path
                            {"acks", "1"}});
  ASSERT_TRUE(run.problem.empty()) << run.problem;
  auto& [cluster, host, sink, problem] = run;
  PluginInstance translator(host, host.load_plugin(plugin("canal-json")), "canal");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  host.set_translate_hook([&](const sluice_transaction_t& transaction, std::string& out) {
    FakeBuffer buffer;
    const auto result = translator.encode(&transaction, buffer);
    out = buffer.bytes();
    return result.status;
  });
  Workload workload;
  workload.batch(0, 0);
  workload.builder.begin_transaction(2000, 1999)
      .insert(workload.orders, {int64_t{1}, std::string("a")})
      .insert(workload.items, {std::string("sku-9")})
      .update(workload.orders, {int64_t{1}, std::string("a")}, {int64_t{1}, std::string("b")});
  ASSERT_TRUE(sink.write(workload.builder.build()).ok());
  EXPECT_EQ(flush_until(sink, 2000), 2000);
  ASSERT_TRUE(sink.close().ok());

  const auto orders = consume(cluster, "cj_shop_orders", 1);
  ASSERT_EQ(orders.size(), 1u);
  EXPECT_EQ(orders[0].key, "shop.orders");
  EXPECT_EQ(orders[0].headers.at("sluice-part"), "1/2");
  // Two canal lines: the insert, then the update.
  std::istringstream lines(orders[0].value);
  std::string line;
  std::vector<nlohmann::json> messages;
  while (std::getline(lines, line))
    messages.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["type"], "INSERT");
  EXPECT_EQ(messages[1]["type"], "UPDATE");
  EXPECT_EQ(messages[1]["data"][0]["note"], "b");
  EXPECT_EQ(messages[1]["old"][0]["note"], "a");
  const auto items = consume(cluster, "cj_shop_items", 1);
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0].headers.at("sluice-part"), "2/2");
  EXPECT_EQ(nlohmann::json::parse(items[0].value)["data"][0]["sku"], "sku-9");
}

// The SDK's conformance tool (a separate process) drives kafka.so against the mock cluster:
// failed create, several instances, watermarks, statuses, exceptions, shutdown.
TEST(KafkaSink, PassesTheConformanceTool) {
  KafkaMockCluster cluster(KafkaMockClusterOptions{1, {{"conformance", 1}}});
  ChildProcessOptions options;
  options.argv = {std::string(KAFKA_CONFORMANCE_TOOL),
                  plugin("kafka"),
                  "--set",
                  "kafka-addrs=" + cluster.bootstrap_servers(),
                  "--set",
                  "topic-name=conformance",
                  "--invalid-set",
                  "partition-by=row"};
  options.log_file = cluster.base_dir() / "conformance.log";
  ChildProcess tool(options);
  const auto status = tool.wait_for_exit(240s);
  ASSERT_TRUE(status.has_value()) << tool.log_tail();
  EXPECT_EQ(*status, 0) << tool.log_tail();
  EXPECT_NE(sluice::testing::read_file_tail(options.log_file).find("9 passed, 0 failed"),
            std::string::npos)
      << tool.log_tail();
}

// Back-pressure with the broker down: writes stop at max-unacked-bytes; a stopping host gets
// RETRY; the same batch sent again after the broker is back enqueues only what was not enqueued,
// so every transaction arrives exactly once, in order.
TEST(KafkaSink, BackPressureRetryResendsOnlyWhatWasNotEnqueued) {
  SinkOnMock run({{"pressure", 1}}, FakeConfig{{"topic-name", "pressure"},
                                               {"max-unacked-bytes", int64_t{2000}},
                                               {"retry-backoff-ms", int64_t{100}}});
  ASSERT_TRUE(run.problem.empty()) << run.problem;
  auto& [cluster, host, sink, problem] = run;
  cluster.set_broker_down(1);
  Workload workload;
  const sluice_batch_t* batch = workload.batch(1000, 30);  // ~100 bytes each: blocks part way
  std::thread stopper([&] {
    std::this_thread::sleep_for(1s);
    host.request_stop();
  });
  const auto written = sink.write(batch);
  stopper.join();
  EXPECT_EQ(written.status, SLUICE_RETRY) << written.error;
  EXPECT_NE(written.error.find("unacknowledged"), std::string::npos) << written.error;
  host.request_stop(false);
  cluster.set_broker_up(1);
  ASSERT_TRUE(sink.write(batch).ok());  // the same batch again, as the host retries
  EXPECT_EQ(flush_until(sink, 1290), 1290);
  ASSERT_TRUE(sink.close().ok());
  const auto records = consume(cluster, "pressure", 30);
  EXPECT_EQ(commit_timestamps(records), expected_timestamps(1000, 30));
}

// max-events-per-message: a big transaction becomes several complete Binlog messages with the
// same commit_ts and the reassembly headers (lz4-compressed batches on the way).
TEST(KafkaSink, BigTransactionSplitWithReassemblyHeaders) {
  SinkOnMock run({{"split", 1}}, FakeConfig{{"topic-name", "split"},
                                            {"max-events-per-message", int64_t{2}},
                                            {"compression", "lz4"}});
  ASSERT_TRUE(run.problem.empty()) << run.problem;
  auto& [cluster, host, sink, problem] = run;
  Workload workload;
  workload.batch(0, 0);
  workload.builder.begin_transaction(3000, 2999);
  for (int64_t id = 1; id <= 5; ++id)
    workload.builder.insert(workload.orders, {id, std::string("n")});
  workload.builder.begin_transaction(3010, 3009)
      .insert(workload.orders, {int64_t{6}, std::string("m")});
  ASSERT_TRUE(sink.write(workload.builder.build()).ok());
  EXPECT_EQ(flush_until(sink, 3010), 3010);
  ASSERT_TRUE(sink.close().ok());
  const auto records = consume(cluster, "split", 4);
  ASSERT_EQ(records.size(), 4u);
  const std::vector<std::string> parts = {"1/3", "2/3", "3/3"};
  std::vector<int64_t> ids;
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(records[i].headers.at("sluice-commit-ts"), "3000");
    EXPECT_EQ(records[i].headers.at("sluice-part"), parts[i]);
    slave::binlog::Binlog binlog;
    ASSERT_TRUE(binlog.ParseFromString(records[i].value));
    EXPECT_EQ(binlog.commit_ts(), 3000);
    for (const auto& mutation : binlog.dml_data().tables(0).mutations())
      ids.push_back(mutation.row().columns(0).int64_value());
  }
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 3, 4, 5}));
  EXPECT_TRUE(records[3].headers.empty());  // small enough: the original's shape
}

}  // namespace
