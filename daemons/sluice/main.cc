// `sluice`: the umbrella command.
//   sluice version                       the version and build facts
//   sluice demo                          the embedded demo pipeline (once pump and drainer exist)
//   sluice plugins list [--plugins-dir]  the plugins directory: what loads, what is refused
//   sluice plugins feed --config FILE    feeds synthetic transactions to the configured sinks
#include <fmt/format.h>
#include <sluice/plugin_abi.h>
#include <CLI/CLI.hpp>

#include <chrono>

#include "core/checksum/crc32c.h"
#include "core/tso/tso.h"
#include "daemons/sluice/plugin_commands.h"

namespace {

void print_version() {
  fmt::print("sluice {} (TiDB Binlog compatible; plugin ABI {}.{})\n", SLUICE_VERSION,
             SLUICE_ABI_VERSION_MAJOR, SLUICE_ABI_VERSION_MINOR);
  fmt::print("crc32c: {}\n", sluice::checksum::crc32c_uses_hardware() ? "sse4.2" : "portable");
}

int run_demo() {
  print_version();
  const int64_t now = sluice::tso::from_time(std::chrono::system_clock::now());
  fmt::print("current embedded TSO: {} ({})\n", now, sluice::tso::format(now));
  fmt::print(
      "\nThe drainer, load generator and file sink are not built yet, so there is no pipeline\n"
      "to run. Built so far (docs/status.md): the pump (`sluice-pump`, docs/pump.md), plugins\n"
      "(`sluice plugins list`, `sluice plugins feed --config FILE`, docs/plugin-guide.md).\n"
      "`scripts/test.sh` runs every test.\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Sluice: TiDB Binlog-compatible replication with sink plugins");
  app.require_subcommand(1);
  auto* version = app.add_subcommand("version", "print the version");
  auto* demo = app.add_subcommand("demo", "run the embedded demo pipeline");
  auto* plugins = app.add_subcommand("plugins", "inspect and try plugins");
  plugins->require_subcommand(1);
  std::string plugins_dir;
  auto* list = plugins->add_subcommand("list", "list the plugins directory");
  list->add_option("--plugins-dir", plugins_dir, "default: plugins/ beside this binary");
  std::string config_file;
  int transactions = 10;
  int batch_size = 5;
  auto* feed = plugins->add_subcommand("feed", "feed synthetic transactions to configured sinks");
  feed->add_option("--config", config_file, "TOML with [[sink]] (and optional plugins-dir)")
      ->required()
      ->check(CLI::ExistingFile);
  feed->add_option("--transactions", transactions, "how many transactions")
      ->check(CLI::PositiveNumber);
  feed->add_option("--batch-size", batch_size, "transactions per batch")
      ->check(CLI::PositiveNumber);
  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    print_version();
    return 0;
  }
  if (demo->parsed()) return run_demo();
  if (list->parsed()) return sluice::tools::list_plugins(plugins_dir);
  if (feed->parsed()) return sluice::tools::feed_plugins(config_file, transactions, batch_size);
  return 1;
}
