// `sluice-loadgen`: emulates a cluster of SQL nodes writing to MariaDB and, for each transaction,
// the binlogs a TiDB server would write to the pumps (workload.h). Parses flags, finds the pumps
// (a list, or the embedded registry) and the TSO, runs the load and prints a summary. Exit status:
// 0 when every transaction either committed with its binlogs or was cleanly rolled back, 1 on any
// error.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>

#include "core/registry/node_identity.h"
#include "core/tso/embedded_tso.h"
#include "daemons/common/command_line.h"
#include "daemons/common/stop_signals.h"
#include "daemons/loadgen/registry_pump_directory.h"
#include "daemons/loadgen/workload.h"
#include "sdk/producer/pump_client.h"

namespace {

int fail(const std::string& message) {
  return sluice::daemon::fail("sluice-loadgen", message);
}

}  // namespace

int main(int argc, char** argv) {
  sluice::daemon::StopSignals signals;
  CLI::App app(
      "sluice-loadgen: runs a sysbench-shaped load against MariaDB and writes the same "
      "transactions' binlogs to the pumps");
  sluice::loadgen::LoadOptions options;
  options.mysql.host = "127.0.0.1";
  std::string pumps_text;
  std::string registry_dir;
  std::string tso_file;
  uint64_t cluster_id = 0;
  double seconds = 0;
  std::string log_level = "warn";
  app.add_option("--host", options.mysql.host, "MariaDB host")->capture_default_str();
  app.add_option("--port", options.mysql.port, "MariaDB port")->capture_default_str();
  app.add_option("--user", options.mysql.user, "MariaDB user")->capture_default_str();
  app.add_option("--password", options.mysql.password, "MariaDB password")
      ->envname("LOADGEN_PASSWORD");
  app.add_option("--database", options.database, "database the load creates and writes")
      ->capture_default_str();
  app.add_flag("--recreate", options.recreate, "drop the database first when it exists");
  app.add_option("--pumps", pumps_text, "pump addresses host:port,... (default: the registry's)");
  app.add_option("--registry-dir", registry_dir,
                 "embedded registry directory shared with the pumps (pumps, TSO, cluster id)");
  app.add_option("--tso-file", tso_file, "embedded TSO state file (default: <registry-dir>/tso)");
  app.add_option("--cluster-id", cluster_id,
                 "cluster id the pumps expect (default: <registry-dir>/cluster_id)");
  app.add_option("-t,--threads", options.threads, "worker threads (SQL nodes)")
      ->capture_default_str();
  app.add_option("--tables", options.tables, "sbtest tables created at the start")
      ->capture_default_str();
  app.add_option("--row-size", options.row_size, "bytes of c + pad per row (2..510)")
      ->capture_default_str();
  app.add_option("--statements", options.max_statements, "DML statements per transaction, 1..N")
      ->capture_default_str();
  app.add_option("--rate", options.rate, "transactions per second, all threads (0: unlimited)")
      ->capture_default_str();
  app.add_option("--duration", seconds, "seconds to run (0: until the transaction count)");
  app.add_option("-n,--transactions", options.transactions,
                 "transactions to run (0: until the duration)");
  app.add_option("--ddl-every", options.ddl_every,
                 "a DDL (add column, create table, add index, in turn) after every N transactions "
                 "(0: none)")
      ->capture_default_str();
  app.add_option("--seed", options.seed, "random seed")->capture_default_str();
  app.add_option("-L,--log-level", log_level, "log level: debug, info, warn, error")
      ->capture_default_str();

  if (auto exit_code = sluice::daemon::parse_command_line(app, argc, argv)) return *exit_code;
  spdlog::set_level(spdlog::level::from_str(log_level));
  options.duration = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
  if (sluice::Status status = sluice::loadgen::validate(options); !status.is_ok()) {
    return fail(status.message());
  }
  if (registry_dir.empty() && (pumps_text.empty() || tso_file.empty() || cluster_id == 0)) {
    return fail("give --registry-dir, or all of --pumps, --tso-file and --cluster-id");
  }

  // Pumps.
  std::shared_ptr<const sluice::producer::PumpDirectory> directory;
  if (!pumps_text.empty()) {
    auto pumps = sluice::loadgen::parse_pump_list(pumps_text);
    if (!pumps.is_ok()) return fail(pumps.status().message());
    directory = std::make_shared<sluice::producer::StaticPumpDirectory>(*pumps);
  } else {
    auto registry = sluice::loadgen::RegistryPumpDirectory::open(registry_dir);
    if (!registry.is_ok()) return fail(registry.status().message());
    directory = *registry;
  }
  // Cluster id and TSO.
  if (cluster_id == 0) {
    if (!std::filesystem::exists(std::filesystem::path(registry_dir) / "cluster_id")) {
      return fail(fmt::format("no cluster id in {} (start a pump first, or give --cluster-id)",
                              registry_dir));
    }
    auto id = sluice::registry::load_or_create_cluster_id(registry_dir);
    if (!id.is_ok()) return fail(id.status().to_string());
    cluster_id = *id;
  }
  if (tso_file.empty()) tso_file = (std::filesystem::path(registry_dir) / "tso").string();
  auto tso = sluice::tso::EmbeddedTso::open(tso_file);
  if (!tso.is_ok()) return fail(tso.status().with_context("embedded TSO " + tso_file).to_string());
  sluice::producer::PumpClientOptions client_options;
  client_options.cluster_id = cluster_id;
  auto client = sluice::producer::PumpClient::create(directory, client_options);
  if (!client.is_ok()) return fail(client.status().to_string());

  const bool terminal = isatty(STDOUT_FILENO) != 0;
  if (terminal) {
    options.on_progress = [](const sluice::loadgen::LoadProgress& progress) {
      static sluice::loadgen::LoadProgress previous;
      const double interval = std::max(1e-3, progress.seconds - previous.seconds);
      fmt::print(
          "\r{:>6.0f} s  {:>9} txns  {:>7.0f} txn/s  {:>8.0f} rows/s  {} rolled back  {} "
          "errors   ",
          progress.seconds, progress.committed,
          (progress.committed - previous.committed) / interval,
          (progress.rows - previous.rows) / interval, progress.rolled_back, progress.errors);
      std::fflush(stdout);
      previous = progress;
    };
  }

  std::atomic<bool> stop{false};
  std::atomic<bool> finished{false};
  std::optional<sluice::Result<sluice::loadgen::LoadReport>> result;
  std::thread runner([&] {
    result.emplace(sluice::loadgen::run_load(options, **tso, **client, &stop));
    finished = true;
  });
  signals.wait_for_stop([&] { return finished.load(); }, [&] { stop = true; });
  runner.join();
  (*client)->stop();
  if (terminal) fmt::print("\n");
  if (!result->is_ok()) return fail(result->status().to_string());
  const auto& report = **result;
  const double seconds_run = std::max(report.seconds, 1e-3);
  fmt::print(
      "committed {} transactions ({} rows) in {:.1f} s: {:.0f} txn/s, {:.0f} rows/s; {} DDL; {} "
      "rolled back by MariaDB; {} errors\n",
      report.committed, report.rows, report.seconds, report.committed / seconds_run,
      report.rows / seconds_run, report.ddls, report.rolled_back, report.errors);
  for (const auto& message : report.first_errors)
    fmt::print(stderr, "  error: {}\n", message);
  if (report.binlogs_lost > 0) {
    return fail(fmt::format("{} transactions committed in MariaDB lack their commit binlog",
                            report.binlogs_lost));
  }
  return report.errors == 0 ? 0 : 1;
}
