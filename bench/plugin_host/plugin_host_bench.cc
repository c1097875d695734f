// Events/s through a no-op sink: via the plugin host (C ABI, SDK trampolines, host bookkeeping)
// against a direct C++ virtual call into the same sink class, on the same batches, same run.
// Issue target: host >= 0.9x direct. Batches of 256 transactions x 4 row events.
#include <benchmark/benchmark.h>
#include <sluice/sdk/testing/batch_builder.h>

#include <filesystem>
#include <memory>

#include "core/config/config_document.h"
#include "core/plugin_host/plugin_host.h"
#include "counting_sink.h"

namespace {

using namespace sluice;
using sdk::testing::BatchBuilder;

constexpr int kTransactions = 256;
constexpr int kEventsPerTransaction = 4;

BatchBuilder& shared_batch() {
  static BatchBuilder builder = [] {
    BatchBuilder b;
    sdk::testing::TableSpec table;
    table.schema_name = "bench";
    table.table_name = "t";
    table.table_id = 1;
    table.columns = {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint"},
                     {"name", 15, 0, "varchar"},
                     {"amount", 246, 0, "decimal"},
                     {"score", 5, 0, "double"}};
    const size_t t = b.add_table(table);
    for (int i = 0; i < kTransactions; ++i) {
      b.begin_transaction(1000 + 2 * i, 999 + 2 * i);
      for (int e = 0; e < kEventsPerTransaction; ++e) {
        b.insert(t, {int64_t{i * 10 + e}, std::string("name"), std::string("1.50"), 2.5});
      }
    }
    return b;
  }();
  return builder;
}

void BM_DirectVirtualCall(benchmark::State& state) {
  const sluice_batch_t* batch = shared_batch().build();
  std::unique_ptr<sdk::Sink> sink = std::make_unique<bench::CountingSink>();
  for (auto _ : state) {
    auto status = sink->write(sdk::Batch(batch));
    benchmark::DoNotOptimize(status);
  }
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kTransactions * kEventsPerTransaction,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_DirectVirtualCall);

void BM_ThroughPluginHost(benchmark::State& state) {
  const sluice_batch_t* batch = shared_batch().build();
  auto document = config::ConfigDocument::parse_string(
      "plugins-dir = \"" SLUICE_BENCH_PLUGINS_DIR
      "\"\n[[sink]]\nname = \"count\"\nplugin = \"bench-counting-sink\"\n",
      "bench.toml");
  plugin_host::PluginHost host;
  Status status = host.configure((*document)->root());
  if (status.is_ok()) status = host.create_all();
  if (status.is_ok()) status = host.sink("count")->open(0);
  if (!status.is_ok()) {
    state.SkipWithError(status.message().c_str());
    return;
  }
  plugin_host::SinkInstance* sink = host.sink("count");
  for (auto _ : state) {
    Status written = sink->write(*batch);
    benchmark::DoNotOptimize(written);
  }
  state.counters["events/s"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * kTransactions * kEventsPerTransaction,
      benchmark::Counter::kIsRate);
  (void)sink->close();
}
BENCHMARK(BM_ThroughPluginHost);

}  // namespace

BENCHMARK_MAIN();
