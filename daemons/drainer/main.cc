// `sluice-drainer`: the drainer daemon. Parses flags (the original's single-dash spellings too),
// loads drainer.toml (an original file works: [syncer] db-type maps onto a sink plugin), and runs
// a DrainerNode until SIGTERM/SIGINT, an HTTP pause/close, or a failure. `--check-config`
// validates the file and every plugin's config without connecting anywhere.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "core/drainer/drainer_config.h"
#include "core/drainer/drainer_node.h"
#include "core/log/logging.h"
#include "core/registry/node_backend.h"
#include "daemons/common/command_line.h"
#include "daemons/common/stop_signals.h"
#include "daemons/drainer/checkpoint_store_choice.h"
#include "daemons/drainer/kafka_default_topic.h"

namespace {

int fail(const std::string& message) {
  return sluice::daemon::fail("sluice-drainer", message);
}

// After stop-timeout the sinks are told to give up; this much longer is left for them to return
// from the calls they are in before the process ends regardless.
constexpr std::chrono::seconds kStopGrace{10};

}  // namespace

int main(int argc, char** argv) {
  const sluice::daemon::StopSignals stop_signals;

  CLI::App app("sluice-drainer: the TiDB Binlog-compatible drainer with sink plugins");
  std::string config_file;
  std::optional<std::string> addr, advertise_addr, data_dir, node_id, log_level, log_file,
      registry_dir, status_addr, dest_db_type, pd_urls, registry, tso, tso_urls;
  std::optional<int64_t> initial_commit_ts;
  bool version = false;
  bool check_config = false;
  app.add_option("--config", config_file, "path to drainer.toml");
  app.add_option("--addr", addr, "gRPC listen address host:port");
  app.add_option("--advertise-addr", advertise_addr, "address registered for pumps");
  app.add_option("--data-dir", data_dir, "data directory (checkpoint, schema snapshot)");
  app.add_option("--node-id", node_id, "node id (default: hostname:port)");
  app.add_option("-L,--log-level", log_level, "log level: debug, info, warn, error, fatal");
  app.add_option("--log-file", log_file, "log file (default: stderr)");
  app.add_option("--initial-commit-ts", initial_commit_ts,
                 "start after this TSO when there is no checkpoint (-1: now)");
  app.add_option("--dest-db-type", dest_db_type, "the original's [syncer] db-type, as a flag");
  app.add_option("--registry-dir", registry_dir, "embedded registry and TSO directory");
  app.add_option("--status-addr", status_addr, "HTTP status address (default: addr port + 1)");
  app.add_option("--pd-urls", pd_urls, "etcd/PD endpoints, comma separated (cluster mode)");
  app.add_option("--registry", registry, "registry: embedded or etcd (default: etcd with pd-urls)");
  app.add_option("--tso", tso, "timestamps: embedded, pd or sluice");
  app.add_option("--tso-urls", tso_urls, "the Sluice TSO servers (tso = sluice)");
  app.add_flag("--check-config", check_config,
               "validate the config and every plugin's config, then exit");
  app.add_flag("-V,--version", version, "print the version and exit");

  if (auto exit_code = sluice::daemon::parse_command_line(app, argc, argv)) return *exit_code;
  if (version) {
    fmt::print("sluice-drainer {}\n", SLUICE_VERSION);
    return 0;
  }

  auto loaded = config_file.empty() ? sluice::drainer::parse_drainer_config("", "(no config)")
                                    : sluice::drainer::load_drainer_config(config_file);
  if (!loaded.is_ok()) return fail(fmt::format("config: {}", loaded.status().message()));
  sluice::drainer::DrainerConfig config = std::move(loaded).value();
  if (addr) config.addr = *addr;
  if (advertise_addr) config.advertise_addr = *advertise_addr;
  if (data_dir) config.data_dir = *data_dir;
  if (node_id) config.node_id = *node_id;
  if (log_level) config.log_level = *log_level;
  if (log_file) config.log_file = *log_file;
  if (initial_commit_ts) config.initial_commit_ts = *initial_commit_ts;
  if (registry_dir) config.registry_dir = *registry_dir;
  if (status_addr) config.status_addr = *status_addr;
  if (pd_urls) config.pd_urls = *pd_urls;
  if (registry) config.registry = *registry;
  if (tso) config.tso = *tso;
  if (tso_urls) config.tso_urls = *tso_urls;
  if (dest_db_type) {
    auto& root = config.document->mutable_root();
    if (!root.is_table()) root = toml::value(toml::table{});
    if (!root.contains("syncer")) root.as_table()["syncer"] = toml::value(toml::table{});
    root.as_table()["syncer"].as_table()["db-type"] = *dest_db_type;
  }
  if (sluice::Status valid = sluice::drainer::validate(config); !valid.is_ok()) {
    return fail(fmt::format("config: {}", valid.message()));
  }
  if (sluice::Status mapped = sluice::drainer::apply_legacy_mapping(config); !mapped.is_ok()) {
    return fail(fmt::format("config: {}", mapped.message()));
  }

  // The original's default Kafka topic "<cluster-id>_obinlog" needs the cluster id in the sink.
  if (sluice::drainer::kafka_sink_needs_cluster_id(config.document->mutable_root())) {
    if (config.cluster_id == 0) {
      auto id = sluice::registry::resolve_cluster_id(
          sluice::registry::node_backend_options("drainer", config));
      if (!id.is_ok()) {
        return fail(
            fmt::format("cluster id (for the default Kafka topic): {}", id.status().message()));
      }
      config.cluster_id = *id;
    }
    sluice::drainer::give_kafka_sinks_the_cluster_id(config.document->mutable_root(),
                                                     config.cluster_id);
  }

  sluice::log::LogOptions log_options;
  log_options.level = config.log_level;
  log_options.file = check_config ? std::string() : config.log_file;
  log_options.program = "drainer";
  if (sluice::Status logging = sluice::log::configure_logging(log_options); !logging.is_ok()) {
    return fail(fmt::format("logging: {}", logging.message()));
  }

  if (check_config) {
    const auto problems = sluice::drainer::DrainerNode::check_config(config);
    for (const auto& problem : problems)
      fmt::print(stderr, "{}\n", problem.message());
    if (!problems.empty()) {
      fmt::print(stderr, "sluice-drainer: config {} has {} problem(s)\n", config_file,
                 problems.size());
      return 1;
    }
    fmt::print("config {} is valid\n", config_file.empty() ? "(defaults)" : config_file);
    return 0;
  }

  // The checkpoint table (db-type mysql/tidb, or [checkpoint] type) needs the cluster id first.
  uint64_t cluster_id = config.cluster_id;
  if (cluster_id == 0 && config.checkpoint.type != "file") {
    auto id = sluice::registry::resolve_cluster_id(
        sluice::registry::node_backend_options("drainer", config));
    if (!id.is_ok()) return fail(fmt::format("cluster id: {}", id.status().message()));
    cluster_id = *id;
    config.cluster_id = cluster_id;
  }
  auto store = sluice::drainer::make_checkpoint_store(config, cluster_id);
  if (!store.is_ok()) return fail(fmt::format("config: {}", store.status().message()));
  const std::chrono::milliseconds stop_timeout = config.stop_timeout;
  auto node = sluice::drainer::DrainerNode::start(std::move(config), std::move(store).value());
  if (!node.is_ok()) {
    spdlog::error("drainer failed to start: {}", node.status().to_string());
    return fail(node.status().to_string());
  }
  if ((*node)->replayed_relay()) {
    sluice::Status closed = (*node)->shutdown();
    if (!closed.is_ok()) return fail(closed.to_string());
    fmt::print("sluice-drainer: {}\n", (*node)->relay_summary());
    return 0;
  }
  fmt::print("sluice-drainer {} serving gRPC on port {}, HTTP on port {}\n", (*node)->node_id(),
             (*node)->grpc_port(), (*node)->http_port());
  std::fflush(stdout);

  stop_signals.wait_for_stop([&] { return (*node)->stop_requested(); },
                             [&] { (*node)->request_stop(); });
  // The stop is bounded (stop-timeout, then the sinks give up what is not durable); past a grace
  // period, or at a second signal, the process ends without waiting for a plugin stuck in a call.
  // Nothing acknowledged is lost either way: the saved checkpoint never passes what the sinks
  // made durable, and a restart replays from it in safe mode.
  std::atomic<bool> finished{false};
  sluice::Status stopped;
  std::thread stopper([&] {
    stopped = (*node)->shutdown();
    finished = true;
  });
  const auto give_up_at = std::chrono::steady_clock::now() + stop_timeout + kStopGrace;
  auto exit_now = [&](const std::string& why) {
    std::string stuck;
    for (const std::string& call : (*node)->calls_in_progress())
      stuck += "; " + call;
    spdlog::error(
        "{}: exiting without waiting for the stop to finish{}; the checkpoint stays at commit_ts "
        "{} and a restart replays what follows in safe mode",
        why, stuck, (*node)->checkpoint_ts());
    spdlog::default_logger()->flush();
    std::fflush(stderr);
    std::_Exit(2);
  };
  stop_signals.wait_for_stop(
      [&] { return finished.load() || std::chrono::steady_clock::now() >= give_up_at; },
      [&] { exit_now("a second signal during the stop"); });
  if (!finished.load()) {
    exit_now(fmt::format("the stop did not finish within stop-timeout + {} s",
                         std::chrono::duration_cast<std::chrono::seconds>(kStopGrace).count()));
  }
  stopper.join();
  if (!stopped.is_ok()) return fail(stopped.to_string());
  return 0;
}
