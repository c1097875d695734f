// `sluice-arbiter`: applies the Kafka sink's topic (secondary binlogs) to MySQL/MariaDB/TiDB, as
// the original arbiter. Parses flags (the original's single-dash spellings too), loads
// arbiter.toml, serves /status and /metrics on `addr`, and runs the Arbiter on a thread until
// SIGTERM/SIGINT (a clean stop: checkpoint status normal) or a failure (exit code 1).
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>

#include "core/log/logging.h"
#include "core/metrics/metrics_registry.h"
#include "core/net/host_port.h"
#include "core/net/http_server.h"
#include "daemons/arbiter/arbiter.h"
#include "daemons/arbiter/arbiter_config.h"
#include "daemons/common/command_line.h"
#include "daemons/common/stop_signals.h"

namespace {

int fail(const std::string& message) {
  return sluice::daemon::fail("sluice-arbiter", message);
}

}  // namespace

int main(int argc, char** argv) {
  const sluice::daemon::StopSignals stop_signals;

  CLI::App app("sluice-arbiter: applies the Kafka sink's secondary binlogs to MySQL/MariaDB");
  std::string config_file;
  std::optional<std::string> addr, log_level, log_file, kafka_addrs, topic;
  std::optional<int64_t> initial_commit_ts;
  bool version = false;
  app.add_option("--config", config_file, "path to arbiter.toml");
  app.add_option("--addr", addr, "HTTP status and metrics address host:port");
  app.add_option("-L,--log-level", log_level, "log level: debug, info, warn, error, fatal");
  app.add_option("--log-file", log_file, "log file (default: stderr)");
  app.add_option("--kafka-addrs", kafka_addrs, "[up] kafka-addrs");
  app.add_option("--topic", topic, "[up] topic");
  app.add_option("--initial-commit-ts", initial_commit_ts,
                 "[up] initial-commit-ts: start after it when there is no checkpoint");
  app.add_flag("-V,--version", version, "print the version and exit");
  if (auto exit_code = sluice::daemon::parse_command_line(app, argc, argv)) return *exit_code;
  if (version) {
    fmt::print("sluice-arbiter {}\n", SLUICE_VERSION);
    return 0;
  }

  auto loaded = config_file.empty() ? sluice::arbiter::parse_arbiter_config("", "(no config)")
                                    : sluice::arbiter::load_arbiter_config(config_file);
  if (!loaded.is_ok()) return fail(fmt::format("config: {}", loaded.status().message()));
  sluice::arbiter::ArbiterConfig config = std::move(loaded).value();
  if (addr) config.addr = *addr;
  if (log_level) config.log_level = *log_level;
  if (log_file) config.log_file = *log_file;
  if (kafka_addrs) config.up.kafka_addrs = *kafka_addrs;
  if (topic) config.up.topic = *topic;
  if (initial_commit_ts) config.up.initial_commit_ts = *initial_commit_ts;
  if (sluice::Status valid = sluice::arbiter::validate(config); !valid.is_ok()) {
    return fail(fmt::format("config: {}", valid.message()));
  }

  sluice::log::LogOptions log_options;
  log_options.level = config.log_level;
  log_options.file = config.log_file;
  log_options.program = "arbiter";
  if (sluice::Status logging = sluice::log::configure_logging(log_options); !logging.is_ok()) {
    return fail(fmt::format("logging: {}", logging.message()));
  }
  if (config.document) config.document->warn_unknown_keys();

  sluice::metrics::MetricsRegistry metrics;
  sluice::arbiter::Arbiter arbiter(config, metrics);
  std::atomic<bool> finished{false};
  sluice::Status result;

  sluice::net::HttpServer http;
  http.serve_metrics(metrics);
  http.handle_get("/status", [&](const httplib::Request&, httplib::Response& response) {
    nlohmann::json body;
    body["topic"] = config.up.topic;
    body["checkpoint_ts"] = arbiter.checkpoint_ts();
    body["safe_mode"] = arbiter.in_safe_mode();
    response.set_content(body.dump(), "application/json");
  });
  auto host_port = sluice::net::split_host_port(config.addr);
  if (!host_port.is_ok()) return fail(fmt::format("addr: {}", host_port.status().message()));
  if (sluice::Status started = http.start(host_port->first, host_port->second); !started.is_ok()) {
    return fail(fmt::format("addr {}: {}", config.addr, started.message()));
  }
  spdlog::info("sluice-arbiter {}: topic {} at \"{}\" -> {}:{}, HTTP on port {}", SLUICE_VERSION,
               config.up.topic, config.up.kafka_addrs, config.down.host, config.down.port,
               http.port());

  std::thread runner([&] {
    result = arbiter.run();
    finished.store(true);
  });
  stop_signals.wait_for_stop([&] { return finished.load(); }, [&] { arbiter.stop(); });
  runner.join();
  http.stop();
  if (!result.is_ok()) {
    spdlog::error("arbiter failed: {}", result.to_string());
    return fail(result.to_string());
  }
  return 0;
}
