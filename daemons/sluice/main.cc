// `sluice`: the umbrella command.
//   sluice version                       the version and build facts
//   sluice demo [--dir D] [--seconds S]  the embedded pipeline: pumps, drainer, load, two sinks
//   sluice plugins list [--plugins-dir]  the plugins directory: what loads, what is refused
//   sluice plugins feed --config FILE    feeds synthetic transactions to the configured sinks
//   sluice tso --etcd-urls U [--addr A]  one of Sluice's own TSO servers (docs/cluster.md)
#include <fmt/format.h>
#include <sluice/plugin_abi.h>
#include <CLI/CLI.hpp>

#include "core/checksum/crc32c.h"
#include "daemons/sluice/demo_command.h"
#include "daemons/sluice/plugin_commands.h"
#include "daemons/sluice/tso_command.h"

namespace {

void print_version() {
  fmt::print("sluice {} (TiDB Binlog compatible; plugin ABI {}.{})\n", SLUICE_VERSION,
             SLUICE_ABI_VERSION_MAJOR, SLUICE_ABI_VERSION_MINOR);
  fmt::print("crc32c: {}\n", sluice::checksum::crc32c_uses_hardware() ? "sse4.2" : "portable");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("Sluice: TiDB Binlog-compatible replication with sink plugins");
  app.require_subcommand(1);
  auto* version = app.add_subcommand("version", "print the version");
  auto* demo = app.add_subcommand("demo", "run the embedded demo pipeline");
  sluice::tools::DemoOptions demo_options;
  std::string demo_dir = demo_options.dir.string();
  demo->add_option("--dir", demo_dir, "working directory (wiped at start)");
  demo->add_option("--seconds", demo_options.seconds, "how long the load runs")
      ->check(CLI::PositiveNumber);
  demo->add_option("--writers", demo_options.writers, "concurrent writer threads")
      ->check(CLI::PositiveNumber);
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
  auto* tso = app.add_subcommand("tso", "run a Sluice TSO server (leader elected through etcd)");
  sluice::tools::TsoCommandOptions tso_options;
  tso->add_option("--etcd-urls", tso_options.etcd_urls, "etcd endpoints, comma separated")
      ->required();
  tso->add_option("--addr", tso_options.addr, "gRPC listen address host:port")
      ->capture_default_str();
  tso->add_option("--advertise-addr", tso_options.advertise_addr,
                  "address reported to clients (default: the bound address)");
  tso->add_option("--name", tso_options.name, "member name (default: the advertise address)");
  tso->add_option("-L,--log-level", tso_options.log_level, "log level")->capture_default_str();
  CLI11_PARSE(app, argc, argv);

  if (version->parsed()) {
    print_version();
    return 0;
  }
  if (demo->parsed()) {
    print_version();
    demo_options.dir = demo_dir;
    return sluice::tools::run_demo(demo_options);
  }
  if (list->parsed()) return sluice::tools::list_plugins(plugins_dir);
  if (tso->parsed()) return sluice::tools::run_tso(tso_options);
  if (feed->parsed()) return sluice::tools::feed_plugins(config_file, transactions, batch_size);
  return 1;
}
