// Cluster mode end to end on loopback: a real etcd as the registry, two in-process pumps and a
// drainer registered there (the journal-sink test plugin records what reaches the sink), and a
// producer that finds the pumps through etcd as TiDB's pump client does. Timestamps come from the
// embedded TSO shared through the test's registry directory, so etcd outages touch only the
// registry.
#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/drainer/drainer_node.h"
#include "core/pump/pump_node.h"
#include "core/registry/etcd_registry.h"
#include "core/tso/embedded_tso.h"
#include "daemons/binlogctl/binlogctl.h"
#include "sdk/producer/catalog.h"
#include "sdk/producer/producer.h"
#include "sdk/producer/pump_client.h"
#include "sdk/producer/pump_directory.h"
#include "sdk/producer/transaction_builder.h"
#include "tests/core/drainer/drainer_cluster.h"
#include "tests/support/etcd_server.h"
#include "tests/support/temp_dir.h"

namespace sluice::drainer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::kClusterId;
using test::recorded_all;
using test::recorded_ts;
using test::wait_until;

// The pumps as the registry in etcd lists them (TiDB's pump client watches the same prefix);
// keeps the last list while etcd cannot be read.
class EtcdPumpDirectory : public producer::PumpDirectory {
 public:
  explicit EtcdPumpDirectory(const std::string& urls)
      : registry_(registry::EtcdRegistry::open(urls, milliseconds(500)).value()) {}

  std::vector<producer::PumpInfo> list() const override {
    std::lock_guard lock(mutex_);
    const auto now = std::chrono::steady_clock::now();
    if (now - listed_at_ >= milliseconds(100)) {
      listed_at_ = now;
      auto pumps = registry_->list(registry::NodeKind::kPump);
      if (pumps.is_ok()) {
        cached_.clear();
        for (const auto& pump : *pumps)
          cached_.push_back({pump.node_id, pump.host, pump.state});
      }
    }
    return cached_;
  }

 private:
  std::unique_ptr<registry::EtcdRegistry> registry_;
  mutable std::mutex mutex_;
  mutable std::chrono::steady_clock::time_point listed_at_{};
  mutable std::vector<producer::PumpInfo> cached_;
};

class DrainerEtcdTest : public ::testing::Test {
 protected:
  void SetUp() override {
    log_ = std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096);
    spdlog::default_logger()->sinks().push_back(log_);
    auto tso = tso::EmbeddedTso::open(registry_dir() / "tso");
    ASSERT_TRUE(tso.is_ok()) << tso.status().to_string();
    tso_ = std::move(tso).value();
  }
  void TearDown() override {
    producer_.reset();
    client_.reset();
    auto& sinks = spdlog::default_logger()->sinks();
    sinks.erase(std::remove(sinks.begin(), sinks.end(), log_), sinks.end());
  }

  std::filesystem::path registry_dir() const { return dir_.file("registry"); }

  pump::PumpConfig pump_config(const std::string& name) const {
    pump::PumpConfig config;
    config.addr = "127.0.0.1:0";
    config.status_addr = "127.0.0.1:0";
    config.data_dir = dir_.file(name);
    config.registry_dir = registry_dir();
    config.registry = "etcd";
    config.pd_urls = etcd_.client_url();
    config.tso = "embedded";
    config.cluster_id = kClusterId;
    config.node_id = name;
    config.heartbeat_interval = seconds(1);
    config.stop_write_at_available_space = 0;
    return config;
  }

  std::unique_ptr<pump::PumpNode> start_pump(const std::string& name) {
    auto node = pump::PumpNode::start(pump_config(name));
    EXPECT_TRUE(node.is_ok()) << node.status().to_string();
    return node.is_ok() ? std::move(node).value() : nullptr;
  }

  std::string drainer_toml(const std::string& name, const std::string& detect = "300ms") const {
    return "addr = \"127.0.0.1:0\"\nstatus-addr = \"127.0.0.1:0\"\n"
           "data-dir = \"" +
           dir_.file(name).string() + "\"\nregistry-dir = \"" + registry_dir().string() +
           "\"\nregistry = \"etcd\"\ntso = \"embedded\"\npd-urls = \"" + etcd_.client_url() +
           "\"\ncluster-id = " + std::to_string(kClusterId) + "\nnode-id = \"" + name +
           "\"\ndetect-interval = \"" + detect +
           "\"\nheartbeat-interval = 1\ncheckpoint-interval = \"200ms\"\n"
           "progress-interval = \"5s\"\nplugins-dir = \"" DRAINER_TEST_PLUGIN_DIR
           "\"\n[[sink]]\nname = \"rec\"\nplugin = \"journal-sink\"\n[sink.config]\npath = \"" +
           output(name).string() + "\"\n";
  }
  std::filesystem::path output(const std::string& name) const { return dir_.file(name + ".out"); }

  std::unique_ptr<DrainerNode> start_drainer(const std::string& toml) {
    auto config = parse_drainer_config(toml, "drainer.toml");
    EXPECT_TRUE(config.is_ok()) << config.status().to_string();
    if (!config.is_ok()) return nullptr;
    EXPECT_TRUE(apply_legacy_mapping(*config).is_ok());
    auto node = DrainerNode::start(std::move(config).value());
    EXPECT_TRUE(node.is_ok()) << node.status().to_string();
    return node.is_ok() ? std::move(node).value() : nullptr;
  }

  void start_producer() {
    producer::PumpClientOptions options;
    options.cluster_id = kClusterId;
    auto client = producer::PumpClient::create(
        std::make_shared<EtcdPumpDirectory>(etcd_.client_url()), options);
    ASSERT_TRUE(client.is_ok()) << client.status().to_string();
    client_ = std::move(client).value();
    producer_ = std::make_unique<producer::Producer>(*tso_, *client_);
    auto db = catalog_.create_database("shop");
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE(producer_->execute_ddl(*db).is_ok());
    producer::TableSpec items;
    items.name = "items";
    items.columns = {{"id", schema::mysql_type::kLonglong, false, true, true},
                     {"name", schema::mysql_type::kVarchar, false, false, false, false, 64}};
    auto table = catalog_.create_table("shop", items);
    ASSERT_TRUE(table.is_ok());
    ASSERT_TRUE(producer_->execute_ddl(*table).is_ok());
  }

  // Writers committing one row per transaction until stop_writers().
  void start_writers(int threads) {
    for (int t = 0; t < threads; ++t) {
      writers_.emplace_back([this] {
        while (!stop_.load()) {
          const int64_t id = next_id_.fetch_add(1);
          producer::TransactionBuilder txn(catalog_);
          if (!txn.insert("shop", "items", {{"id", id}, {"name", "item-" + std::to_string(id)}})
                   .is_ok()) {
            ADD_FAILURE() << "insert " << id;
            return;
          }
          auto done = producer_->commit(txn);
          if (!done.is_ok()) {
            ADD_FAILURE() << done.status().to_string();
            return;
          }
          std::lock_guard lock(committed_mutex_);
          committed_.insert(done->commit_ts);
        }
      });
    }
  }
  void stop_writers() {
    stop_ = true;
    for (auto& writer : writers_)
      writer.join();
    writers_.clear();
  }
  size_t committed_count() {
    std::lock_guard lock(committed_mutex_);
    return committed_.size();
  }
  std::set<int64_t> committed() {
    std::lock_guard lock(committed_mutex_);
    return committed_;
  }

  registry::NodeStatus record(registry::NodeKind kind, const std::string& id) {
    auto registry = registry::EtcdRegistry::open(etcd_.client_url()).value();
    auto found = registry->get(kind, id);
    EXPECT_TRUE(found.is_ok() && found->has_value()) << id;
    return found.is_ok() && found->has_value() ? **found : registry::NodeStatus{};
  }

  bool logged(const std::string& a, const std::string& b) {
    for (const auto& line : log_->last_formatted()) {
      if (line.find(a) != std::string::npos && line.find(b) != std::string::npos) return true;
    }
    return false;
  }

  // Every committed transaction reached the sink, and the sink saw strictly increasing ts.
  void expect_all_delivered_in_order(const std::string& drainer) {
    const auto wanted = committed();
    EXPECT_TRUE(wait_until([&] { return recorded_all(output(drainer), wanted); }, seconds(60)))
        << "committed " << wanted.size() << ", recorded " << recorded_ts(output(drainer)).size();
    const auto ts = recorded_ts(output(drainer));
    for (size_t i = 1; i < ts.size(); ++i)
      ASSERT_LT(ts[i - 1], ts[i]) << "at " << i;
  }

  testing::EtcdServer etcd_;
  testing::TempDir dir_{"sluice-drainer-etcd-"};
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> log_;
  std::unique_ptr<tso::EmbeddedTso> tso_;
  producer::Catalog catalog_;
  std::unique_ptr<producer::PumpClient> client_;
  std::unique_ptr<producer::Producer> producer_;
  std::vector<std::thread> writers_;
  std::atomic<bool> stop_{false};
  std::atomic<int64_t> next_id_{1};
  std::mutex committed_mutex_;
  std::set<int64_t> committed_;
};

TEST_F(DrainerEtcdTest, OfflinePumpMidStreamLosesNothing) {
  auto pump0 = start_pump("pump-0");
  auto pump1 = start_pump("pump-1");
  ASSERT_TRUE(pump0 && pump1);
  EXPECT_EQ(record(registry::NodeKind::kPump, "pump-1").state, "online");
  auto drainer = start_drainer(drainer_toml("d1"));
  ASSERT_TRUE(drainer);
  EXPECT_EQ(record(registry::NodeKind::kDrainer, "d1").state, "online");
  start_producer();
  start_writers(4);
  ASSERT_TRUE(wait_until([&] { return committed_count() >= 200; }, seconds(60)));

  const int64_t last_before_close = *committed().rbegin();
  // binlogctl offline-pump: PUT /state/pump-1/close on the pump's HTTP port (gRPC port + 1 is
  // only the default; the test's ports are free ones, so the address is given).
  auto closed = binlogctl::run({.cmd = "offline-pump",
                                .pd_urls = etcd_.client_url(),
                                .node_id = "pump-1",
                                .http_addr = "127.0.0.1:" + std::to_string(pump1->http_port())});
  ASSERT_TRUE(closed.is_ok()) << closed.status().to_string();
  ASSERT_TRUE(pump1->wait_stop_requested(seconds(5)));
  EXPECT_EQ(record(registry::NodeKind::kPump, "pump-1").state, "closing");
  // The pump's shutdown waits until the drainer has consumed every binlog it holds.
  ASSERT_TRUE(pump1->shutdown().is_ok());
  const registry::NodeStatus offline = record(registry::NodeKind::kPump, "pump-1");
  EXPECT_EQ(offline.state, "offline");
  // Everything committed before the close is below the pump's flushing fake binlog, which the
  // drainer's checkpoint had passed before the pump went offline.
  EXPECT_GT(record(registry::NodeKind::kDrainer, "d1").max_commit_ts, last_before_close);
  pump1.reset();

  // Writing goes on through the remaining pump.
  const size_t before = committed_count();
  ASSERT_TRUE(wait_until([&] { return committed_count() >= before + 200; }, seconds(60)));
  stop_writers();
  expect_all_delivered_in_order("d1");
  ASSERT_FALSE(drainer->failure().has_value()) << drainer->failure()->to_string();
}

TEST_F(DrainerEtcdTest, DrainerWakesOnPumpRegistrationThroughTheWatch) {
  // detect-interval of 10 minutes: only the watch can make the drainer see the pump soon.
  auto drainer = start_drainer(drainer_toml("d2", "600s"));
  ASSERT_TRUE(drainer);
  auto registry = registry::EtcdRegistry::open(etcd_.client_url()).value();
  registry::NodeStatus ghost;
  ghost.node_id = "pump-watched";
  ghost.host = "127.0.0.1:1";
  ghost.state = "online";
  ASSERT_TRUE(registry->create(registry::NodeKind::kPump, ghost).is_ok());
  httplib::Client http("127.0.0.1", drainer->http_port());
  EXPECT_TRUE(wait_until(
      [&] {
        auto status = http.Get("/status");
        return status && status->body.find("pump-watched") != std::string::npos;
      },
      seconds(10)));
}

TEST_F(DrainerEtcdTest, EtcdRestartMidStreamIsRiddenOut) {
  auto pump0 = start_pump("pump-0");
  auto pump1 = start_pump("pump-1");
  ASSERT_TRUE(pump0 && pump1);
  auto drainer = start_drainer(drainer_toml("d3"));
  ASSERT_TRUE(drainer);
  start_producer();
  start_writers(4);
  ASSERT_TRUE(wait_until([&] { return committed_count() >= 100; }, seconds(60)));

  etcd_.stop();
  // Pumps and drainer keep working; their heartbeats fail with the endpoint in the message.
  const size_t during = committed_count();
  ASSERT_TRUE(wait_until([&] { return committed_count() >= during + 100; }, seconds(60)));
  EXPECT_TRUE(wait_until(
      [&] {
        return logged("pump pump-0: heartbeat", etcd_.endpoint()) &&
               logged("drainer d3: heartbeat", etcd_.endpoint());
      },
      seconds(30)));

  etcd_.restart();
  const int64_t restarted_at = tso_->next().value();
  // Heartbeats resume: records newer than the restart.
  EXPECT_TRUE(wait_until(
      [&] {
        return record(registry::NodeKind::kPump, "pump-0").update_ts > restarted_at &&
               record(registry::NodeKind::kPump, "pump-1").update_ts > restarted_at &&
               record(registry::NodeKind::kDrainer, "d3").update_ts > restarted_at;
      },
      seconds(30)));
  EXPECT_TRUE(logged("the registry answers again", "pump-0"));
  stop_writers();
  expect_all_delivered_in_order("d3");
  EXPECT_EQ(record(registry::NodeKind::kPump, "pump-0").state, "online");
  ASSERT_FALSE(drainer->failure().has_value()) << drainer->failure()->to_string();
}

}  // namespace
}  // namespace sluice::drainer
