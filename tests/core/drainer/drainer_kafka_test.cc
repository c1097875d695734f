// An original drainer.toml with db-type = "kafka" and no topic-name, run by the sluice-drainer
// binary against librdkafka's mock cluster: the drainer hands its cluster id to the kafka sink,
// so the messages land in the original's default topic "<cluster-id>_obinlog", one per
// transaction, each a secondary binlog whose commit_ts is a committed transaction's.
#include <gtest/gtest.h>

#include <fstream>
#include <set>
#include <sstream>

#include "core/proto/secondary_binlog.pb.h"
#include "tests/core/drainer/drainer_cluster.h"
#include "tests/core/drainer/drainer_daemon.h"
#include "tests/support/child_process.h"
#include "tests/support/kafka_mock_cluster.h"

namespace sluice::drainer {
namespace {

using std::chrono::seconds;

std::string unhex(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  return out;
}

TEST(DrainerKafkaTest, TheOriginalsKafkaConfigWritesToTheClusterIdTopic) {
  test::TestCluster cluster;
  const std::string topic = std::to_string(test::kClusterId) + "_obinlog";
  testing::KafkaMockCluster kafka({.brokers = 1, .topics = {{topic, 1}}});
  std::ofstream(cluster.path("drainer.toml"))
      << "addr = \"127.0.0.1:0\"\n"
      << "data-dir = \"" << cluster.path("dk").string() << "\"\n"
      << "detect-interval = 1\n"
      << "node-id = \"dk\"\n"
      << "registry-dir = \"" << cluster.registry_dir().string() << "\"\n"
      << "cluster-id = " << test::kClusterId << "\n"
      << "status-addr = \"127.0.0.1:0\"\n"
      << "[syncer]\n"
      << "db-type = \"kafka\"\n"
      << "[syncer.to]\n"
      << "kafka-addrs = \"" << kafka.bootstrap_servers() << "\"\n"
      << "kafka-version = \"0.8.2.0\"\n";
  auto drainer = test::launch_drainer(cluster.path("drainer.toml"), cluster.path("drainer.log"));
  cluster.create_items_table();
  std::set<int64_t> committed = cluster.insert_rows(1, 10, 2);
  committed.insert(cluster.ddl_ts().begin(), cluster.ddl_ts().end());

  testing::ChildProcessOptions options;
  options.argv = {std::string(KAFKA_TEST_CONSUMER), kafka.bootstrap_servers(), topic,
                  std::to_string(committed.size() + 1), "60000"};  // + CREATE DATABASE
  options.pipe_stdout = true;
  options.log_file = cluster.path("consumer.log");
  testing::ChildProcess consumer(options);
  std::set<int64_t> received;
  while (auto line = consumer.read_stdout_line(seconds(70))) {
    if (*line == "END") break;
    std::istringstream fields(*line);
    std::string partition, offset, key, headers, value;
    fields >> partition >> offset >> key >> headers >> value;
    slave::binlog::Binlog binlog;
    ASSERT_TRUE(binlog.ParseFromString(unhex(value))) << *line;
    received.insert(binlog.commit_ts());
  }
  EXPECT_EQ(consumer.wait_for_exit(seconds(10)).value_or(-1), 0) << consumer.log_tail();
  for (int64_t ts : committed)
    EXPECT_TRUE(received.count(ts)) << "commit_ts " << ts << " missing from " << topic;
  EXPECT_EQ(drainer->terminate(seconds(20)), 0) << drainer->log_tail();
}

}  // namespace
}  // namespace sluice::drainer
