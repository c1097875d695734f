// `sluice-reparo`: replays the drainer's binlog files (the file sink's, or the original drainer's
// `db-type = "file"` output) into MySQL/MariaDB, or prints them. Parses flags (the original's
// single-dash spellings too), loads reparo.toml, and runs run_reparo once; exits non-zero on any
// failure, naming the file and offset of a corrupt record.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "core/log/logging.h"
#include "core/tso/tso.h"
#include "daemons/common/command_line.h"
#include "daemons/reparo/reparo_applier.h"
#include "daemons/reparo/reparo_config.h"
#include "daemons/reparo/reparo_filter.h"
#include "daemons/reparo/reparo_runner.h"

namespace {

int fail(const std::string& message) {
  return sluice::daemon::fail("sluice-reparo", message);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app("sluice-reparo: replays TiDB Binlog files into MySQL/MariaDB, or prints them");
  std::string config_file;
  std::optional<std::string> data_dir, log_level, log_file, dest_type, start_datetime,
      stop_datetime;
  std::optional<int64_t> start_tso, stop_tso;
  std::optional<int> txn_batch, worker_count;
  std::optional<bool> safe_mode, skip_corrupt;
  bool version = false;
  app.add_option("--config", config_file, "path to reparo.toml");
  app.add_option("--data-dir", data_dir, "directory of the binlog files");
  app.add_option("-L,--log-level", log_level, "log level: debug, info, warn, error, fatal");
  app.add_option("--log-file", log_file, "log file (default: stderr)");
  app.add_option("--dest-type", dest_type, "mysql, print or memory");
  app.add_option("--start-datetime", start_datetime,
                 "replay from this local time (\"2006-01-02 15:04:05\")");
  app.add_option("--stop-datetime", stop_datetime,
                 "replay up to this local time (\"2006-01-02 15:04:05\")");
  app.add_option("--start-tso", start_tso, "replay from this commit TSO (0: the start)");
  app.add_option("--stop-tso", stop_tso, "replay up to this commit TSO (0: the end)");
  app.add_option("--txn-batch", txn_batch, "DMLs per downstream transaction");
  app.add_option("-c,--worker-count", worker_count, "parallel connections");
  app.add_option("--safe-mode", safe_mode, "apply idempotently (REPLACE, DELETE + REPLACE)");
  app.add_option("--skip-corrupt", skip_corrupt, "log and skip corrupt records");
  app.add_flag("-V,--version", version, "print the version and exit");

  if (auto exit_code = sluice::daemon::parse_command_line(app, argc, argv)) return *exit_code;
  if (version) {
    fmt::print("sluice-reparo {}\n", SLUICE_VERSION);
    return 0;
  }

  auto loaded = config_file.empty() ? sluice::reparo::parse_reparo_config("", "(no config)")
                                    : sluice::reparo::load_reparo_config(config_file);
  if (!loaded.is_ok()) return fail(fmt::format("config: {}", loaded.status().message()));
  sluice::reparo::ReparoConfig config = std::move(loaded).value();
  if (data_dir) config.data_dir = *data_dir;
  if (log_level) config.log_level = *log_level;
  if (log_file) config.log_file = *log_file;
  if (dest_type) {
    auto parsed = sluice::reparo::parse_dest_type(*dest_type, "--dest-type");
    if (!parsed.is_ok()) return fail(parsed.status().message());
    config.dest_type = *parsed;
  }
  if (start_tso) config.start_tso = *start_tso;
  if (stop_tso) config.stop_tso = *stop_tso;
  for (auto [flag, text, out] : {std::tuple{"--start-datetime", &start_datetime, &config.start_tso},
                                 std::tuple{"--stop-datetime", &stop_datetime, &config.stop_tso}}) {
    if (!*text) continue;
    auto ts = sluice::tso::parse_datetime(**text, /*utc=*/false);
    if (!ts.is_ok()) return fail(fmt::format("{}: {}", flag, ts.status().message()));
    *out = *ts;
  }
  if (txn_batch) config.txn_batch = *txn_batch;
  if (worker_count) config.worker_count = *worker_count;
  if (safe_mode) config.safe_mode = *safe_mode;
  if (skip_corrupt) config.skip_corrupt = *skip_corrupt;
  if (sluice::Status valid = sluice::reparo::validate(config); !valid.is_ok()) {
    return fail(fmt::format("config: {}", valid.message()));
  }
  auto filter = sluice::reparo::ReparoFilter::create(config);
  if (!filter.is_ok()) return fail(fmt::format("config: {}", filter.status().message()));

  sluice::log::LogOptions log_options;
  log_options.level = config.log_level;
  log_options.file = config.log_file;
  log_options.program = "reparo";
  if (sluice::Status logging = sluice::log::configure_logging(log_options); !logging.is_ok()) {
    return fail(fmt::format("logging: {}", logging.message()));
  }
  if (config.document) config.document->warn_unknown_keys();

  auto applier = sluice::reparo::make_applier(config, std::cout);
  auto summary = sluice::reparo::run_reparo(config, *filter, *applier);
  if (!summary.is_ok()) {
    spdlog::error("reparo failed: {}", summary.status().to_string());
    return fail(summary.status().to_string());
  }
  spdlog::info(
      "reparo done: {} record(s) read, {} binlog(s) and {} event(s) replayed, {} corrupt "
      "record(s) skipped{}",
      summary->records, summary->binlogs_applied, summary->events_applied, summary->skipped_corrupt,
      summary->torn_tail ? ", stopped at a torn tail" : "");
  return 0;
}
