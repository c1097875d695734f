#pragma once
// `sluice plugins ...`: operator commands that run plugins through the real plugin host.
//   list  what the plugins directory holds, and what was refused and why
//   feed  loads the sinks of a config file and feeds them synthetic transactions, reporting each
//         sink's durable watermark: the quickest way to see a new sink receive data

#include <filesystem>
#include <string>

namespace sluice::tools {

// Prints the catalog of `plugins_dir` (empty: the default beside the binary); returns an exit code.
int list_plugins(const std::filesystem::path& plugins_dir);

// Loads `config_file` ([[sink]]/[[filter]]/[[translator]] tables, optional plugins-dir), creates
// the instances and writes `transactions` synthetic transactions in batches of `batch_size` to
// every sink; returns an exit code (0 when every sink acknowledged every transaction).
int feed_plugins(const std::filesystem::path& config_file, int transactions, int batch_size);

}  // namespace sluice::tools
