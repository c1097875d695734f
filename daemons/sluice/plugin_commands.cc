#include "daemons/sluice/plugin_commands.h"

#include <fmt/format.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <spdlog/spdlog.h>

#include <chrono>

#include "core/config/config_document.h"
#include "core/plugin_host/plugin_catalog.h"
#include "core/plugin_host/plugin_host.h"
#include "core/tso/tso.h"

namespace sluice::tools {
namespace {

using sdk::testing::BatchBuilder;
using sdk::testing::ColumnSpec;
using sdk::testing::KeySpec;
using sdk::testing::TableSpec;

// demo.orders(id BIGINT PRIMARY KEY, customer VARCHAR(32), amount DECIMAL(10,2), created DATETIME)
TableSpec demo_table() {
  TableSpec table;
  table.schema_name = "demo";
  table.table_name = "orders";
  table.table_id = 100;
  table.columns = {
      ColumnSpec{"id", 8, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "bigint", 20, 0,
                 "binary", ""},
      ColumnSpec{"customer", 15, 0, "varchar", 32, -1, "utf8mb4", ""},
      ColumnSpec{"amount", 246, 0, "decimal", 10, 2, "binary", ""},
      ColumnSpec{"created", 12, 0, "datetime", 19, 0, "binary", ""},
  };
  table.keys = {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}};
  return table;
}

}  // namespace

int list_plugins(const std::filesystem::path& plugins_dir) {
  const auto directory = plugins_dir.empty() ? plugin_host::default_plugins_dir() : plugins_dir;
  const auto catalog = plugin_host::PluginCatalog::scan(directory);
  fmt::print("plugins directory: {}\n", catalog.directory().string());
  if (!catalog.directory_status().is_ok()) {
    fmt::print("  refused: {}\n", catalog.directory_status().message());
    return 1;
  }
  for (const auto& plugin : catalog.plugins()) {
    fmt::print("  {:<24} {:<10} {:<10} abi {}.{}  {}\n", plugin.name,
               plugin_host::plugin_kind_name(plugin.kind), plugin.version, plugin.abi_major,
               plugin.abi_minor, plugin.library_path.filename().string());
  }
  for (const auto& refusal : catalog.refusals()) {
    fmt::print("  refused: {}\n", refusal.reason.message());
  }
  if (catalog.plugins().empty() && catalog.refusals().empty()) fmt::print("  (empty)\n");
  return 0;
}

int feed_plugins(const std::filesystem::path& config_file, int transactions, int batch_size) {
  auto document = config::ConfigDocument::load_file(config_file);
  if (!document.is_ok()) {
    spdlog::error("{}", document.status().message());
    return 2;
  }
  plugin_host::PluginHost host;
  if (Status status = host.configure((*document)->root()); !status.is_ok()) {
    spdlog::error("{}", status.message());
    return 2;
  }
  if (Status status = host.create_all(); !status.is_ok()) {
    spdlog::error("{}", status.message());
    return 2;
  }
  if (host.sinks().empty()) {
    spdlog::error("config {}: no [[sink]] configured", config_file.string());
    return 2;
  }
  for (auto* sink : host.sinks()) {
    if (Status status = sink->open(0); !status.is_ok()) {
      spdlog::error("{}", status.message());
      return 1;
    }
  }
  int64_t ts = tso::from_time(std::chrono::system_clock::now());
  int64_t last_ts = 0;
  uint64_t position = 0;
  int failures = 0;
  for (int sent = 0; sent < transactions;) {
    BatchBuilder builder;
    builder.set_first_position(position);
    const size_t table = builder.add_table(demo_table());
    for (int i = 0; i < batch_size && sent < transactions; ++i, ++sent) {
      const int64_t start_ts = ++ts;
      last_ts = ++ts;
      builder.begin_transaction(last_ts, start_ts)
          .insert(table, {int64_t{sent + 1}, std::string("customer-") + std::to_string(sent % 7),
                          std::to_string(10 + sent) + ".50", std::string("2026-11-21 08:00:00")});
    }
    position = builder.next_position();
    const sluice_batch_t* batch = builder.build();
    for (auto* sink : host.sinks()) {
      if (Status status = sink->write(*batch); !status.is_ok()) {
        spdlog::error("{}", status.message());
        ++failures;
      }
    }
  }
  for (auto* sink : host.sinks()) {
    int64_t durable = 0;
    if (Status status = sink->flush(&durable); !status.is_ok()) {
      spdlog::error("{}", status.message());
      ++failures;
    }
    fmt::print("sink {:<16} durable up to {} ({}), last sent {}: {}\n", sink->name(), durable,
               durable > 0 ? tso::format(durable) : "nothing", last_ts,
               durable >= last_ts ? "all acknowledged" : "NOT all acknowledged");
    if (durable < last_ts) ++failures;
    if (Status status = sink->close(); !status.is_ok()) {
      spdlog::error("{}", status.message());
      ++failures;
    }
  }
  return failures == 0 ? 0 : 1;
}

}  // namespace sluice::tools
