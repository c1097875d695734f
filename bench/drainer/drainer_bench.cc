// bench_drainer: where the drainer's throughput ceiling is, and its end-to-end lag.
//
//   bench_drainer throughput [binlogs=200000] [payload_bytes=900]
//     Pre-encodes `binlogs` one-row insert transactions (~1 KB joined binlogs, as pumps stream
//     them) spread over 3 sources, then measures in this process, each on the same binlogs:
//       merge only     3 pusher threads -> Merger -> a popping thread
//       decode only    one thread: parse + decode + ABI view (TransactionAssembler)
//       pipeline       3 pushers -> Merger -> Syncer (decode, batches) -> SinkRunner -> no-op
//                      sink plugin, timed until the sink has every transaction
//   bench_drainer relay [transactions=50000] [payload_bytes=200] [repetitions=3]
//     The pipeline into the mysql sink and a private MariaDB, alternately without and with the
//     relay log ([syncer.relay]), timed until the sink made the last transaction durable.
//   bench_drainer lag <txns_per_second> <seconds>
//     Three real pumps (in this process), a drainer node with the no-op sink, and producer
//     threads committing one-row transactions at a steady rate through TiDB's pump-client
//     semantics; reports the delay from commit to the sink's write call (p50, p99, max).
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "core/checkpoint/checkpoint_store.h"
#include "core/config/config_document.h"
#include "core/drainer/drainer_node.h"
#include "core/drainer/relay_log_writer.h"
#include "core/drainer/sink_runner.h"
#include "core/drainer/syncer.h"
#include "core/drainer/transaction_assembler.h"
#include "core/merge/merger.h"
#include "core/plugin_host/plugin_host.h"
#include "core/pump/pump_node.h"
#include "core/tso/embedded_tso.h"
#include "sdk/producer/catalog.h"
#include "sdk/producer/producer.h"
#include "sdk/producer/pump_client.h"
#include "sdk/producer/transaction_builder.h"
#include "tests/support/mariadb_server.h"

namespace {

using namespace sluice;
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string joined(binlog::Binlog prewrite, int64_t commit_ts) {
  prewrite.set_tp(binlog::Commit);
  prewrite.set_commit_ts(commit_ts);
  return prewrite.SerializeAsString();
}

producer::TableSpec items_table() {
  producer::TableSpec items;
  items.name = "items";
  items.columns = {{"id", schema::mysql_type::kLonglong, false, true, true},
                   {"qty", schema::mysql_type::kLong},
                   {"payload", schema::mysql_type::kVarchar, false, false, false, false, 2048}};
  return items;
}

struct Workload {
  std::vector<std::string> ddl;         // joined DDL binlogs, commit ts 1 and 2 (well, small)
  std::vector<merge::MergeItem> items;  // in commit order
  size_t bytes = 0;
};

Workload build_workload(size_t count, size_t payload_bytes) {
  Workload workload;
  producer::Catalog catalog;
  int64_t ts = 1000;
  auto db = catalog.create_database("bench");
  auto table = catalog.create_table("bench", items_table());
  for (const auto& job : {*db, *table}) {
    auto prewrite = producer::make_ddl_prewrite_binlog(job, producer::ddl_schema_state_of(job), ts);
    workload.ddl.push_back(joined(*prewrite, ts + 1));
    ts += 2;
  }
  const std::string payload(payload_bytes, 'x');
  workload.items.reserve(count);
  for (size_t i = 0; i < count; ++i) {
    producer::TransactionBuilder txn(catalog);
    (void)txn.insert("bench", "items",
                     {{"id", static_cast<int64_t>(i)}, {"qty", 7}, {"payload", payload}});
    auto prewrite = producer::make_prewrite_binlog(txn, ts);
    merge::MergeItem item;
    item.commit_ts = ts + 1;
    item.source = "p" + std::to_string(i % 3);
    item.payload = joined(*prewrite, ts + 1);
    workload.bytes += item.payload.size();
    workload.items.push_back(std::move(item));
    ts += 2;
  }
  return workload;
}

// Pushes every source's items from its own thread, then a fake binlog above everything.
void push_all(merge::Merger& merger, std::vector<merge::MergeItem> items) {
  std::vector<std::vector<merge::MergeItem>> per_source(3);
  int64_t last = 0;
  for (auto& item : items) {
    last = item.commit_ts;
    per_source[static_cast<size_t>(item.source[1] - '0')].push_back(std::move(item));
  }
  std::vector<std::thread> pushers;
  for (size_t s = 0; s < 3; ++s) {
    pushers.emplace_back([&, s] {
      for (auto& item : per_source[s])
        (void)merger.push(std::move(item));
      merge::MergeItem fake;
      fake.source = "p" + std::to_string(s);
      fake.commit_ts = last + 1 + static_cast<int64_t>(s);
      fake.fake = true;
      (void)merger.push(std::move(fake));
    });
  }
  for (auto& pusher : pushers)
    pusher.join();
}

void add_sources(merge::Merger& merger) {
  for (int s = 0; s < 3; ++s)
    (void)merger.add_source("p" + std::to_string(s), 0);
}

double bench_merge(const Workload& workload) {
  merge::Merger merger(1024);
  add_sources(merger);
  const size_t total = workload.items.size();
  auto items = workload.items;
  const auto start = Clock::now();
  std::thread producer([&] { push_all(merger, std::move(items)); });
  size_t popped = 0;
  while (popped < total) {
    if (auto item = merger.pop(std::chrono::milliseconds(100)); item && !item->fake) ++popped;
  }
  const double elapsed = seconds_since(start);
  producer.join();
  return static_cast<double>(total) / elapsed;
}

double bench_decode(const Workload& workload) {
  schema::SchemaTracker tracker;
  drainer::TransactionAssembler assembler(tracker, nullptr);
  for (const auto& ddl : workload.ddl)
    (void)assembler.assemble(ddl, "p0");
  size_t rows = 0;
  const auto start = Clock::now();
  for (const auto& item : workload.items) {
    auto assembled = assembler.assemble(item.payload, item.source);
    if (!assembled.is_ok() || !assembled->transaction) {
      fmt::print(stderr, "decode failed: {}\n", assembled.status().to_string());
      std::exit(1);
    }
    rows += assembled->transaction->events.size();
  }
  const double elapsed = seconds_since(start);
  return static_cast<double>(rows) / elapsed;
}

constexpr const char* kNoopSinkToml =
    "plugins-dir = \"" BENCH_PLUGIN_DIR "\"\n[[sink]]\nname = \"noop\"\nplugin = \"noop-sink\"\n";

// The pipeline into the sink `sink_toml` configures; with `relay` set, every batch goes through
// the relay log first, as the drainer does with [syncer.relay]. With `wait_durable`, timed until
// the sink has made the last transaction durable (a SQL sink), else until it was handed over.
double bench_pipeline(const Workload& workload, const std::filesystem::path& work_dir,
                      const std::string& sink_toml = kNoopSinkToml,
                      drainer::RelayLogWriter* relay = nullptr, bool wait_durable = false) {
  auto document = config::ConfigDocument::parse_string(sink_toml, "bench.toml");
  plugin_host::PluginHost host;
  if (Status s = host.configure((*document)->root()); !s.is_ok() || !host.create_all().is_ok()) {
    fmt::print(stderr, "plugin host: {}\n", s.to_string());
    std::exit(1);
  }
  drainer::SinkRunner runner(*host.sinks()[0], drainer::SinkRunnerOptions{});
  (void)runner.start(0, false);
  merge::Merger merger(1024);
  checkpoint::FileCheckpointStore store(work_dir);
  drainer::SyncerOptions options;
  options.checkpoint_interval = std::chrono::milliseconds(1000);
  options.relay = relay;
  drainer::Syncer syncer(merger, {}, {&runner}, store, schema::SchemaTracker(), nullptr,
                         checkpoint::Checkpoint{}, options);
  add_sources(merger);
  // The DDLs first, through source p0, with watermarks on the others.
  int64_t ts = 0;
  for (const auto& ddl : workload.ddl) {
    binlog::Binlog parsed;
    parsed.ParseFromString(ddl);
    ts = parsed.commit_ts();
    (void)merger.push({ts, "p0", ddl, false});
  }
  (void)merger.push({ts, "p1", "", true});
  (void)merger.push({ts, "p2", "", true});
  syncer.start();
  const size_t total = workload.items.size() + workload.ddl.size();
  auto items = workload.items;
  const auto start = Clock::now();
  std::thread producer([&] { push_all(merger, std::move(items)); });
  const int64_t last_ts = workload.items.back().commit_ts;
  while (wait_durable ? runner.watermark() < last_ts : syncer.stats().transactions < total) {
    std::this_thread::sleep_for(std::chrono::microseconds(500));
    if (auto failed = runner.failure()) {
      fmt::print(stderr, "sink failed: {}\n", failed->to_string());
      std::exit(1);
    }
    if (syncer.failure()) {
      fmt::print(stderr, "pipeline failed: {}\n", syncer.failure()->to_string());
      std::exit(1);
    }
  }
  const double elapsed = seconds_since(start);
  producer.join();
  merger.stop();
  (void)syncer.finish(true);
  return static_cast<double>(workload.items.size()) / elapsed;
}

int throughput(size_t count, size_t payload_bytes) {
  spdlog::set_level(spdlog::level::warn);
  fmt::print("building {} binlogs of {} payload bytes...\n", count, payload_bytes);
  const Workload workload = build_workload(count, payload_bytes);
  fmt::print("average joined binlog: {} bytes\n", workload.bytes / count);
  const auto work_dir = std::filesystem::temp_directory_path() / "sluice-bench-drainer";
  std::filesystem::remove_all(work_dir);
  std::filesystem::create_directories(work_dir);
  const double merge_rate = bench_merge(workload);
  const double decode_rate = bench_decode(workload);
  const double pipeline_rate = bench_pipeline(workload, work_dir);
  fmt::print("merge only (3 sources):            {:>10.0f} binlogs/s\n", merge_rate);
  fmt::print("decode only (1 thread):            {:>10.0f} binlogs/s ({:.0f} MB/s)\n", decode_rate,
             decode_rate * static_cast<double>(workload.bytes / count) / 1e6);
  fmt::print("pipeline (merge+decode+no-op sink): {:>9.0f} binlogs/s ({:.0f} MB/s)\n",
             pipeline_rate, pipeline_rate * static_cast<double>(workload.bytes / count) / 1e6);
  std::filesystem::remove_all(work_dir);
  return 0;
}

int lag(double rate, double seconds) {
  spdlog::set_level(spdlog::level::warn);
  const auto dir = std::filesystem::temp_directory_path() / "sluice-bench-lag";
  std::filesystem::remove_all(dir);
  std::vector<std::unique_ptr<pump::PumpNode>> pumps;
  std::vector<producer::PumpInfo> infos;
  for (int i = 0; i < 3; ++i) {
    pump::PumpConfig config;
    config.addr = "127.0.0.1:0";
    config.status_addr = "127.0.0.1:0";
    config.data_dir = dir / ("pump-" + std::to_string(i));
    config.registry_dir = dir / "registry";
    config.cluster_id = 5;
    config.node_id = "pump-" + std::to_string(i);
    config.stop_write_at_available_space = 0;
    auto node = pump::PumpNode::start(config);
    if (!node.is_ok()) {
      fmt::print(stderr, "pump: {}\n", node.status().to_string());
      return 1;
    }
    infos.push_back(
        {(*node)->node_id(), "127.0.0.1:" + std::to_string((*node)->grpc_port()), "online"});
    pumps.push_back(std::move(node).value());
  }
  const auto lag_file = dir / "lag.txt";
  auto config = drainer::parse_drainer_config(
      fmt::format("addr = \"127.0.0.1:0\"\nstatus-addr = \"127.0.0.1:0\"\ndata-dir = \"{}\"\n"
                  "registry-dir = \"{}\"\ncluster-id = 5\nnode-id = \"bench\"\n"
                  "plugins-dir = \"{}\"\n[[sink]]\nplugin = \"noop-sink\"\n[sink.config]\n"
                  "lag-file = \"{}\"\n",
                  (dir / "drainer").string(), (dir / "registry").string(), BENCH_PLUGIN_DIR,
                  lag_file.string()),
      "bench.toml");
  auto drainer = drainer::DrainerNode::start(std::move(config).value());
  if (!drainer.is_ok()) {
    fmt::print(stderr, "drainer: {}\n", drainer.status().to_string());
    return 1;
  }
  auto tso = tso::EmbeddedTso::open(dir / "registry" / "tso");
  producer::PumpClientOptions client_options;
  client_options.cluster_id = 5;
  auto client = producer::PumpClient::create(std::make_shared<producer::StaticPumpDirectory>(infos),
                                             client_options);
  producer::Producer producer(**tso, **client);
  producer::Catalog catalog;
  (void)producer.execute_ddl(*catalog.create_database("bench"));
  (void)producer.execute_ddl(*catalog.create_table("bench", items_table()));

  // Paced writers: each thread commits its share on a fixed schedule.
  const int threads = 16;
  const double per_thread = rate / threads;
  const auto start = Clock::now();
  std::atomic<int64_t> next_id{0};
  std::atomic<int64_t> committed{0};
  std::vector<std::thread> writers;
  const std::string payload(900, 'x');
  for (int t = 0; t < threads; ++t) {
    writers.emplace_back([&] {
      for (int64_t n = 0;; ++n) {
        const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(n / per_thread));
        if (seconds_since(start) >= seconds) return;
        std::this_thread::sleep_until(due);
        producer::TransactionBuilder txn(catalog);
        (void)txn.insert("bench", "items", {{"id", next_id.fetch_add(1)}, {"payload", payload}});
        if (producer.commit(txn).is_ok()) committed.fetch_add(1);
      }
    });
  }
  for (auto& writer : writers)
    writer.join();
  const double achieved = static_cast<double>(committed.load()) / seconds_since(start);
  std::this_thread::sleep_for(std::chrono::seconds(2));
  (void)(*drainer)->shutdown();
  std::ifstream in(lag_file);
  std::string report((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fmt::print("target {:.0f} txn/s for {:.0f} s; committed {} ({:.0f} txn/s)\n{}", rate, seconds,
             committed.load(), achieved, report);
  drainer->reset();
  client->reset();
  pumps.clear();
  std::filesystem::remove_all(dir);
  return 0;
}

// The relay log's cost on the mysql sink (issue 12 item 5): the same workload through the
// pipeline into a private MariaDB, alternately without and with the relay log, `repetitions`
// times each; prints every run and the medians.
int relay(size_t count, size_t payload_bytes, int repetitions) {
  spdlog::set_level(spdlog::level::warn);
  const Workload workload = build_workload(count, payload_bytes);
  testing::MariadbServer mariadb;
  const auto work_dir = std::filesystem::temp_directory_path() / "sluice-bench-relay";
  const std::string sink_toml = fmt::format(
      "plugins-dir = \"{}\"\n[[sink]]\nname = \"mysql\"\nplugin = \"mysql\"\n[sink.config]\n"
      "host = \"{}\"\nport = {}\nuser = \"{}\"\npassword = \"{}\"\nworker-count = 4\n"
      "txn-batch = 64\n",
      SLUICE_PLUGIN_DIR, mariadb.host(), mariadb.port(), mariadb.user(), mariadb.password());
  std::vector<double> without;
  std::vector<double> with;
  uint64_t relay_bytes = 0;
  for (int r = 0; r < 2 * repetitions; ++r) {
    const bool use_relay = r % 2 == 1;
    mariadb.execute("DROP DATABASE IF EXISTS bench");
    std::filesystem::remove_all(work_dir);
    std::filesystem::create_directories(work_dir);
    std::unique_ptr<drainer::RelayLogWriter> writer;
    if (use_relay) {
      auto opened = drainer::RelayLogWriter::open({work_dir / "relay", 10 << 20});
      if (!opened.is_ok()) {
        fmt::print(stderr, "relay log: {}\n", opened.status().to_string());
        return 1;
      }
      writer = std::move(opened).value();
    }
    const double rate =
        bench_pipeline(workload, work_dir / "checkpoint", sink_toml, writer.get(), true);
    if (writer) relay_bytes = writer->bytes_written();
    (use_relay ? with : without).push_back(rate);
    fmt::print("run {}: {:<16} {:>8.0f} txn/s\n", r + 1, use_relay ? "with relay log" : "without",
               rate);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  };
  fmt::print(
      "median without relay log: {:.0f} txn/s; with: {:.0f} txn/s; ratio {:.2f} "
      "({} relay bytes per run)\n",
      median(without), median(with), median(with) / median(without), relay_bytes);
  std::filesystem::remove_all(work_dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "throughput";
  if (mode == "throughput") {
    const size_t count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 200000;
    const size_t payload = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 900;
    return throughput(count, payload);
  }
  if (mode == "lag" && argc > 3) return lag(std::atof(argv[2]), std::atof(argv[3]));
  if (mode == "relay") {
    const size_t count = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 50000;
    const size_t payload = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 200;
    const int repetitions = argc > 4 ? std::atoi(argv[4]) : 3;
    return relay(count, payload, repetitions);
  }
  fmt::print(stderr,
             "usage: bench_drainer throughput [binlogs] [payload_bytes]\n"
             "       bench_drainer lag <txns_per_second> <seconds>\n"
             "       bench_drainer relay [transactions] [payload_bytes] [repetitions]\n");
  return 2;
}
