#include "daemons/sluice/demo_command.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <map>
#include <random>
#include <thread>
#include <vector>

#include "core/drainer/drainer_config.h"
#include "core/drainer/drainer_node.h"
#include "core/pump/pump_node.h"
#include "core/tso/embedded_tso.h"
#include "core/tso/tso.h"
#include "sdk/producer/catalog.h"
#include "sdk/producer/producer.h"
#include "sdk/producer/pump_client.h"
#include "sdk/producer/transaction_builder.h"

namespace sluice::tools {

namespace {

using Clock = std::chrono::steady_clock;
namespace type = schema::mysql_type;
constexpr uint64_t kClusterId = 4242;

producer::TableSpec orders_table() {
  producer::TableSpec orders;
  orders.name = "orders";
  orders.columns = {{"id", type::kLonglong, false, true, true},
                    {"customer", type::kVarchar, false, false, false, false, 32},
                    {"amount", type::kNewDecimal, false, false, false, false, 10, 2},
                    {"status", type::kVarchar, false, false, false, false, 16},
                    {"note", type::kVarchar, false, false, false, false, 255}};
  return orders;
}

// One writer's workload: new orders, status changes of its own earlier orders, some deletes.
class Writer {
 public:
  Writer(int index, producer::Catalog& catalog, producer::Producer& producer)
      : index_(index), catalog_(catalog), producer_(producer), random_(index * 7919 + 1) {}

  // Commits one transaction of 1-3 changes; false on error (printed).
  bool commit_one() {
    producer::TransactionBuilder txn(catalog_);
    const int changes = 1 + static_cast<int>(random_() % 3);
    std::vector<std::pair<int64_t, producer::Row>> inserted;
    std::vector<int64_t> erased;
    for (int i = 0; i < changes; ++i) {
      const unsigned pick = random_() % 10;
      if (pick < 6 || rows_.empty()) {
        const int64_t id = (static_cast<int64_t>(index_) << 40) | next_id_++;
        producer::Row row = {{"id", id},
                             {"customer", fmt::format("customer-{}", random_() % 1000)},
                             {"amount", producer::Value::decimal(fmt::format(
                                            "{}.{:02}", random_() % 1000, random_() % 100))},
                             {"status", "new"},
                             {"note", std::string(64 + random_() % 128, 'n')}};
        if (!ok(txn.insert("demo", "orders", row).status())) return false;
        inserted.emplace_back(id, std::move(row));
      } else {
        auto it = rows_.begin();
        std::advance(it, random_() % rows_.size());
        if (pick < 9) {
          producer::Row updated = it->second;
          updated["status"] = it->second["status"].text() == "new" ? "paid" : "shipped";
          if (!ok(txn.update("demo", "orders", it->second, updated))) return false;
          it->second = std::move(updated);
        } else {
          if (!ok(txn.erase("demo", "orders", it->second))) return false;
          erased.push_back(it->first);
          rows_.erase(it);
        }
      }
    }
    auto done = producer_.commit(txn);
    if (!ok(done.status())) return false;
    for (auto& [id, row] : inserted)
      rows_.emplace(id, std::move(row));
    // Keep the working set bounded.
    while (rows_.size() > 2000)
      rows_.erase(rows_.begin());
    last_commit_ts_ = done->commit_ts;
    return true;
  }
  int64_t last_commit_ts() const { return last_commit_ts_; }

 private:
  bool ok(const Status& status) {
    if (status.is_ok()) return true;
    fmt::print(stderr, "writer {}: {}\n", index_, status.to_string());
    return false;
  }

  int index_;
  producer::Catalog& catalog_;
  producer::Producer& producer_;
  std::mt19937_64 random_;
  int64_t next_id_ = 1;
  std::map<int64_t, producer::Row> rows_;
  int64_t last_commit_ts_ = 0;
};

std::string drainer_toml(const std::filesystem::path& dir) {
  return fmt::format(
      R"(# The demo's drainer: two sinks, the original's binlog files and the same as JSON lines.
addr = "127.0.0.1:0"
status-addr = "127.0.0.1:0"
data-dir = "{0}/drainer"
registry-dir = "{0}/registry"
cluster-id = {1}
node-id = "demo-drainer"
detect-interval = "1s"
progress-interval = "5s"

[[sink]]
name = "binlog"
plugin = "file"
[sink.config]
dir = "{0}/binlog"

[[sink]]
name = "jsonl"
plugin = "file"
translator = "jsonl"
[sink.config]
dir = "{0}/jsonl"
)",
      dir.string(), kClusterId);
}

uintmax_t directory_bytes(const std::filesystem::path& dir, size_t* files) {
  uintmax_t bytes = 0;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (!entry.is_regular_file() || entry.path().filename().string().rfind("binlog-", 0) != 0)
      continue;
    bytes += entry.file_size();
    ++*files;
  }
  return bytes;
}

}  // namespace

int run_demo(const DemoOptions& options) {
  const std::filesystem::path dir = std::filesystem::absolute(options.dir);
  std::error_code error;
  std::filesystem::remove_all(dir, error);
  std::filesystem::create_directories(dir, error);
  if (error) {
    fmt::print(stderr, "sluice demo: cannot create {}: {}\n", dir.string(), error.message());
    return 1;
  }
  spdlog::set_level(spdlog::level::warn);
  fmt::print("sluice demo in {} for {:.0f} s with {} writers\n", dir.string(), options.seconds,
             options.writers);

  // Two pumps.
  std::vector<std::unique_ptr<pump::PumpNode>> pumps;
  std::vector<producer::PumpInfo> infos;
  for (int i = 0; i < 2; ++i) {
    pump::PumpConfig config;
    config.addr = "127.0.0.1:0";
    config.status_addr = "127.0.0.1:0";
    config.data_dir = dir / fmt::format("pump-{}", i);
    config.registry_dir = dir / "registry";
    config.cluster_id = kClusterId;
    config.node_id = fmt::format("demo-pump-{}", i);
    config.stop_write_at_available_space = 1ull << 30;
    auto node = pump::PumpNode::start(config);
    if (!node.is_ok()) {
      fmt::print(stderr, "sluice demo: pump: {}\n", node.status().to_string());
      return 1;
    }
    infos.push_back(
        {(*node)->node_id(), fmt::format("127.0.0.1:{}", (*node)->grpc_port()), "online"});
    fmt::print("  pump {} on gRPC port {}\n", (*node)->node_id(), (*node)->grpc_port());
    pumps.push_back(std::move(node).value());
  }

  // The drainer, from a drainer.toml written beside the data so it can be read and reused.
  const auto toml_path = dir / "drainer.toml";
  std::ofstream(toml_path) << drainer_toml(dir);
  auto config = drainer::load_drainer_config(toml_path);
  if (!config.is_ok() || !drainer::apply_legacy_mapping(*config).is_ok()) {
    fmt::print(stderr, "sluice demo: {}\n", config.status().to_string());
    return 1;
  }
  auto drainer = drainer::DrainerNode::start(std::move(config).value());
  if (!drainer.is_ok()) {
    fmt::print(stderr, "sluice demo: drainer: {}\n", drainer.status().to_string());
    return 1;
  }
  fmt::print(
      "  drainer {} with sinks 'binlog' ({}/binlog) and 'jsonl' ({}/jsonl); status on "
      "http://127.0.0.1:{}/status\n",
      (*drainer)->node_id(), dir.string(), dir.string(), (*drainer)->http_port());

  // The load generator.
  auto tso = tso::EmbeddedTso::open(dir / "registry" / "tso");
  producer::PumpClientOptions client_options;
  client_options.cluster_id = kClusterId;
  auto client = producer::PumpClient::create(std::make_shared<producer::StaticPumpDirectory>(infos),
                                             client_options);
  if (!tso.is_ok() || !client.is_ok()) {
    fmt::print(stderr, "sluice demo: producer set-up failed\n");
    return 1;
  }
  producer::Producer producer(**tso, **client);
  producer::Catalog catalog;
  for (auto job : {catalog.create_database("demo"), catalog.create_table("demo", orders_table())}) {
    if (!job.is_ok() || !producer.execute_ddl(*job).is_ok()) {
      fmt::print(stderr, "sluice demo: DDL failed\n");
      return 1;
    }
  }
  std::atomic<uint64_t> committed{0};
  std::atomic<bool> failed{false};
  std::atomic<int64_t> last_ts{0};
  const auto start = Clock::now();
  const auto until = start + std::chrono::duration_cast<Clock::duration>(
                                 std::chrono::duration<double>(options.seconds));
  std::vector<std::thread> writers;
  for (int w = 0; w < options.writers; ++w) {
    writers.emplace_back([&, w] {
      Writer writer(w, catalog, producer);
      while (Clock::now() < until && !failed.load()) {
        if (!writer.commit_one()) {
          failed = true;
          return;
        }
        committed.fetch_add(1);
      }
      int64_t mine = writer.last_commit_ts();
      int64_t seen = last_ts.load();
      while (mine > seen && !last_ts.compare_exchange_weak(seen, mine)) {
      }
    });
  }
  uint64_t reported = 0;
  while (Clock::now() < until && !failed.load()) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    const auto stats = (*drainer)->stats();
    const uint64_t now_committed = committed.load();
    const int64_t now_ts = tso::from_time(std::chrono::system_clock::now());
    const int64_t durable = (*drainer)->durable_ts();
    fmt::print(
        "  {:>4.0f} s: committed {:>8} txns ({:>6} /s); handed to the sinks {:>8}; "
        "durable lag {:.2f} s\n",
        std::chrono::duration<double>(Clock::now() - start).count(), now_committed,
        now_committed - reported, stats.transactions,
        durable > 0 ? (tso::physical_ms(now_ts) - tso::physical_ms(durable)) / 1000.0 : 0.0);
    reported = now_committed;
  }
  for (auto& writer : writers)
    writer.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();

  // Wait for the sinks to make everything durable, then stop cleanly.
  const int64_t final_ts = last_ts.load();
  const auto deadline = Clock::now() + std::chrono::seconds(30);
  while ((*drainer)->durable_ts() < final_ts && Clock::now() < deadline && !(*drainer)->failure()) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  const auto caught_up = Clock::now();
  const auto stats = (*drainer)->stats();
  Status stopped = (*drainer)->shutdown();
  (*client)->stop();
  pumps.clear();

  size_t binlog_files = 0;
  size_t jsonl_files = 0;
  const uintmax_t binlog_bytes = directory_bytes(dir / "binlog", &binlog_files);
  const uintmax_t jsonl_bytes = directory_bytes(dir / "jsonl", &jsonl_files);
  const uint64_t delivered = stats.transactions - stats.ddls;
  fmt::print(
      "\ncommitted {} transactions in {:.1f} s ({:.0f} txn/s, {} rows written to the sinks)\n",
      committed.load(), elapsed, committed.load() / elapsed, stats.events);
  fmt::print("durable in both sinks: {} transactions + {} DDLs, up to commit_ts {} ({})\n",
             delivered, stats.ddls, (*drainer)->checkpoint_ts(),
             tso::format((*drainer)->checkpoint_ts()));
  fmt::print(
      "binlog files: {} file(s), {} bytes in {}/binlog (the original drainer's format; "
      "reparo reads it)\n",
      binlog_files, binlog_bytes, dir.string());
  fmt::print("JSON lines:   {} file(s), {} bytes in {}/jsonl\n", jsonl_files, jsonl_bytes,
             dir.string());
  fmt::print("the sinks were durable {:.2f} s after the writers stopped; drainer config: {}\n",
             std::chrono::duration<double>(caught_up - until).count(), toml_path.string());
  if (failed.load() || !stopped.is_ok() || delivered != committed.load()) {
    fmt::print(stderr, "sluice demo: FAILED: {}\n",
               !stopped.is_ok()
                   ? stopped.to_string()
                   : fmt::format("{} committed, {} delivered", committed.load(), delivered));
    return 1;
  }
  fmt::print("OK: every committed transaction reached both sinks.\n");
  return 0;
}

}  // namespace sluice::tools
