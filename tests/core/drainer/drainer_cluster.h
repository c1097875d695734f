#pragma once
// A test cluster on loopback: three real pumps (PumpNode, in this process, gRPC on free ports)
// sharing an embedded registry and TSO, a catalog and a producer writing through TiDB's pump
// client semantics to the first two pumps (the third stays idle), and helpers to configure a
// drainer with the journal-sink test plugin.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "core/pump/pump_node.h"
#include "core/tso/embedded_tso.h"
#include "sdk/producer/catalog.h"
#include "sdk/producer/producer.h"
#include "sdk/producer/pump_client.h"
#include "sdk/producer/pump_directory.h"
#include "sdk/producer/transaction_builder.h"
#include "tests/core/drainer/recording.h"
#include "tests/support/temp_dir.h"

namespace sluice::drainer::test {

inline constexpr uint64_t kClusterId = 77;

inline bool wait_until(const std::function<bool()>& condition, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(poll);
  }
  return condition();
}

class TestCluster {
 public:
  explicit TestCluster(int pumps = 3, int written_pumps = 2) {
    for (int i = 0; i < pumps; ++i)
      pumps_.push_back(start_pump(i));
    std::vector<producer::PumpInfo> infos;
    for (int i = 0; i < written_pumps && i < pumps; ++i) {
      infos.push_back(
          {pumps_[i]->node_id(), "127.0.0.1:" + std::to_string(pumps_[i]->grpc_port()), "online"});
    }
    directory_ = std::make_shared<producer::StaticPumpDirectory>(infos);
    producer::PumpClientOptions options;
    options.cluster_id = kClusterId;
    auto client = producer::PumpClient::create(directory_, options);
    if (!client.is_ok()) throw std::runtime_error(client.status().to_string());
    client_ = std::move(client).value();
    auto tso = tso::EmbeddedTso::open(registry_dir() / "tso");
    if (!tso.is_ok()) throw std::runtime_error(tso.status().to_string());
    tso_ = std::move(tso).value();
    producer_ = std::make_unique<producer::Producer>(*tso_, *client_);
  }

  ~TestCluster() {
    client_.reset();
    pumps_.clear();
  }

  std::filesystem::path registry_dir() const { return dir_.file("registry"); }

  // Stops pump `i` (it records itself paused) and starts it again on a new port.
  void restart_pump(size_t i) {
    if (Status stopped = pumps_.at(i)->shutdown(); !stopped.is_ok()) {
      throw std::runtime_error(stopped.to_string());
    }
    pumps_.at(i).reset();
    pumps_.at(i) = start_pump(static_cast<int>(i));
  }
  std::filesystem::path path(const std::string& name) const { return dir_.file(name); }
  pump::PumpNode& pump(size_t i) { return *pumps_.at(i); }
  producer::Catalog& catalog() { return catalog_; }
  producer::Producer& producer() { return *producer_; }

  // A drainer.toml for a drainer in this cluster with one recording sink; `extra` is appended
  // at the top level (before [[sink]]), `sink_extra` into [sink.config].
  std::string drainer_toml(const std::string& name, const std::string& extra = "",
                           const std::string& sink_extra = "") const {
    return "addr = \"127.0.0.1:0\"\n"
           "status-addr = \"127.0.0.1:0\"\n"
           "data-dir = \"" +
           dir_.file(name).string() +
           "\"\n"
           "registry-dir = \"" +
           registry_dir().string() +
           "\"\n"
           "cluster-id = " +
           std::to_string(kClusterId) +
           "\n"
           "node-id = \"" +
           name + "\"\n" +
           (extra.find("detect-interval") == std::string::npos ? "detect-interval = \"300ms\"\n"
                                                               : "") +
           "checkpoint-interval = \"200ms\"\n"
           "progress-interval = \"1s\"\n"
           "plugins-dir = \"" DRAINER_TEST_PLUGIN_DIR "\"\n" +
           extra +
           "\n[[sink]]\nname = \"rec\"\nplugin = \"journal-sink\"\n[sink.config]\npath = \"" +
           dir_.file(name + ".out").string() + "\"\n" + sink_extra;
  }
  std::filesystem::path output(const std::string& name) const { return dir_.file(name + ".out"); }

  // Creates shop.items (id bigint primary key, name varchar, qty int).
  void create_items_table() {
    auto db = catalog_.create_database("shop");
    ASSERT_TRUE(db.is_ok());
    ASSERT_TRUE(producer_->execute_ddl(*db).is_ok());
    producer::TableSpec items;
    items.name = "items";
    items.columns = {{"id", schema::mysql_type::kLonglong, false, true, true},
                     {"name", schema::mysql_type::kVarchar, false, false, false, false, 64},
                     {"qty", schema::mysql_type::kLong}};
    auto table = catalog_.create_table("shop", items);
    ASSERT_TRUE(table.is_ok());
    auto done = producer_->execute_ddl(*table);
    ASSERT_TRUE(done.is_ok()) << done.status().to_string();
    ddl_ts_.push_back(done->commit_ts);
  }

  // Inserts rows [first, first + count) from `threads` threads, one row per transaction.
  // Returns the commit ts of every committed transaction.
  std::set<int64_t> insert_rows(int64_t first, int64_t count, int threads = 4,
                                std::atomic<bool>* stop = nullptr) {
    std::mutex mutex;
    std::set<int64_t> committed;
    std::atomic<int64_t> next{first};
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        while (stop == nullptr || !stop->load()) {
          const int64_t id = next.fetch_add(1);
          if (id >= first + count) return;
          producer::TransactionBuilder txn(catalog_);
          if (!txn.insert("shop", "items",
                          {{"id", id}, {"name", "item-" + std::to_string(id)}, {"qty", id % 7}})
                   .is_ok()) {
            ADD_FAILURE() << "insert " << id;
            return;
          }
          auto done = producer_->commit(txn);
          if (!done.is_ok()) {
            ADD_FAILURE() << done.status().to_string();
            return;
          }
          std::lock_guard lock(mutex);
          committed.insert(done->commit_ts);
        }
      });
    }
    for (auto& worker : workers)
      worker.join();
    return committed;
  }

  const std::vector<int64_t>& ddl_ts() const { return ddl_ts_; }
  tso::EmbeddedTso& tso() { return *tso_; }

  // One more pump in this cluster's registry, started now; the cluster's producer does not write
  // to it.
  std::unique_ptr<pump::PumpNode> start_extra_pump(const std::string& node_id) {
    return start_pump(node_id);
  }

 private:
  std::unique_ptr<pump::PumpNode> start_pump(int i) {
    return start_pump("pump-" + std::to_string(i));
  }

  std::unique_ptr<pump::PumpNode> start_pump(const std::string& node_id) {
    pump::PumpConfig config;
    config.addr = "127.0.0.1:0";
    config.status_addr = "127.0.0.1:0";
    config.data_dir = dir_.file(node_id);
    config.registry_dir = registry_dir();
    config.cluster_id = kClusterId;
    config.node_id = node_id;
    config.stop_write_at_available_space = 0;
    auto node = pump::PumpNode::start(config);
    if (!node.is_ok()) throw std::runtime_error(node.status().to_string());
    return std::move(node).value();
  }

  testing::TempDir dir_{"sluice-drainer-"};
  std::vector<std::unique_ptr<pump::PumpNode>> pumps_;
  std::shared_ptr<producer::StaticPumpDirectory> directory_;
  std::unique_ptr<producer::PumpClient> client_;
  std::unique_ptr<tso::EmbeddedTso> tso_;
  producer::Catalog catalog_;
  std::unique_ptr<producer::Producer> producer_;
  std::vector<int64_t> ddl_ts_;
};

// Commit ts of the recorded transactions, in file order.
inline std::vector<int64_t> recorded_ts(const std::filesystem::path& output) {
  std::vector<int64_t> out;
  for (const auto& line : transactions_of(read_recording(output)))
    out.push_back(line.commit_ts);
  return out;
}

// True once every ts of `wanted` is in the recording.
inline bool recorded_all(const std::filesystem::path& output, const std::set<int64_t>& wanted) {
  const auto ts = recorded_ts(output);
  const std::set<int64_t> seen(ts.begin(), ts.end());
  for (int64_t want : wanted) {
    if (seen.count(want) == 0) return false;
  }
  return true;
}

}  // namespace sluice::drainer::test
