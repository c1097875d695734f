// `sluice-pump`: the pump daemon. Parses flags (the original's single-dash spellings too), loads
// pump.toml, and runs a PumpNode until SIGTERM/SIGINT or an HTTP pause/close.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/log/logging.h"
#include "core/pump/pump_config.h"
#include "core/pump/pump_node.h"
#include "daemons/common/command_line.h"
#include "daemons/common/stop_signals.h"

namespace {

int fail(const std::string& message) {
  return sluice::daemon::fail("sluice-pump", message);
}

}  // namespace

int main(int argc, char** argv) {
  const sluice::daemon::StopSignals stop_signals;

  CLI::App app("sluice-pump: the TiDB Binlog-compatible pump");
  std::string config_file;
  std::optional<std::string> addr, advertise_addr, data_dir, node_id, log_level, log_file,
      registry_dir, status_addr, pd_urls, registry, tso, tso_urls;
  bool version = false;
  app.add_option("--config", config_file, "path to pump.toml");
  app.add_option("--addr", addr, "gRPC listen address host:port");
  app.add_option("--advertise-addr", advertise_addr, "address registered for clients");
  app.add_option("--data-dir", data_dir, "data directory");
  app.add_option("--node-id", node_id, "node id (default: hostname:port)");
  app.add_option("-L,--log-level", log_level, "log level: debug, info, warn, error, fatal");
  app.add_option("--log-file", log_file, "log file (default: stderr)");
  app.add_option("--registry-dir", registry_dir, "embedded registry and TSO directory");
  app.add_option("--status-addr", status_addr, "HTTP status address (default: addr port + 1)");
  app.add_option("--pd-urls", pd_urls, "etcd/PD endpoints, comma separated (cluster mode)");
  app.add_option("--registry", registry, "registry: embedded or etcd (default: etcd with pd-urls)");
  app.add_option("--tso", tso, "timestamps: embedded, pd or sluice");
  app.add_option("--tso-urls", tso_urls, "the Sluice TSO servers (tso = sluice)");
  app.add_flag("-V,--version", version, "print the version and exit");

  if (auto exit_code = sluice::daemon::parse_command_line(app, argc, argv)) return *exit_code;
  if (version) {
    fmt::print("sluice-pump {}\n", SLUICE_VERSION);
    return 0;
  }

  sluice::pump::PumpConfig config;
  if (!config_file.empty()) {
    auto loaded = sluice::pump::load_pump_config(config_file);
    if (!loaded.is_ok()) return fail(fmt::format("config: {}", loaded.status().message()));
    config = std::move(loaded).value();
  }
  if (addr) config.addr = *addr;
  if (advertise_addr) config.advertise_addr = *advertise_addr;
  if (data_dir) config.data_dir = *data_dir;
  if (node_id) config.node_id = *node_id;
  if (log_level) config.log_level = *log_level;
  if (log_file) config.log_file = *log_file;
  if (registry_dir) config.registry_dir = *registry_dir;
  if (status_addr) config.status_addr = *status_addr;
  if (pd_urls) config.pd_urls = *pd_urls;
  if (registry) config.registry = *registry;
  if (tso) config.tso = *tso;
  if (tso_urls) config.tso_urls = *tso_urls;
  if (sluice::Status valid = sluice::pump::validate(config); !valid.is_ok()) {
    return fail(fmt::format("config: {}", valid.message()));
  }

  sluice::log::LogOptions log_options;
  log_options.level = config.log_level;
  log_options.file = config.log_file;
  log_options.program = "pump";
  if (sluice::Status logging = sluice::log::configure_logging(log_options); !logging.is_ok()) {
    return fail(fmt::format("logging: {}", logging.message()));
  }

  auto node = sluice::pump::PumpNode::start(config);
  if (!node.is_ok()) {
    spdlog::error("pump failed to start: {}", node.status().to_string());
    return fail(node.status().to_string());
  }
  // With [security] both ports speak TLS only; say so where an operator looks first.
  fmt::print("sluice-pump {} serving gRPC on port {}, HTTP on port {}{}\n", (*node)->node_id(),
             (*node)->grpc_port(), (*node)->http_port(),
             (*node)->tls() != nullptr ? " (TLS, client certificates required)" : "");
  std::fflush(stdout);

  stop_signals.wait_for_stop([&] { return (*node)->stop_requested(); },
                             [&] { (*node)->request_stop(); });
  // Shutdown may wait (closing waits until the drainers have every binlog); a signal meanwhile
  // gives the close up and the pump ends paused.
  std::atomic<bool> finished{false};
  sluice::Status stopped;
  std::thread stopper([&] {
    stopped = (*node)->shutdown();
    finished = true;
  });
  stop_signals.wait_for_stop([&] { return finished.load(); }, [&] { (*node)->request_stop(); });
  stopper.join();
  if (!stopped.is_ok()) return fail(fmt::format("shutdown: {}", stopped.to_string()));
  return 0;
}
