#include "core/drainer/drainer_node.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <limits>

#include "core/drainer/relay_replay.h"
#include "core/net/grpc_tls.h"
#include "core/registry/node_backend.h"
#include "core/registry/node_status.h"
#include "core/schema/schema_tracker.h"
#include "core/tso/tso.h"

namespace sluice::drainer {

namespace {

using Clock = std::chrono::steady_clock;

// Heartbeats that fail back off from heartbeat-interval, doubling up to this.
constexpr std::chrono::seconds kHeartbeatBackoffLimit{10};

std::string error_body(const std::string& error) {
  nlohmann::json body;
  body["ErrMsg"] = error;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

double lag_seconds(int64_t ts) {
  if (ts <= 0) return 0;
  const int64_t now = tso::from_time(std::chrono::system_clock::now());
  const double lag = static_cast<double>(tso::physical_ms(now) - tso::physical_ms(ts)) / 1000.0;
  return std::max(0.0, lag);
}

plugin_host::PluginHostOptions plugin_options(metrics::MetricsRegistry& metrics) {
  plugin_host::PluginHostOptions options;
  options.metrics = metrics;
  return options;
}

}  // namespace

std::vector<Status> DrainerNode::check_config(DrainerConfig& config) {
  std::vector<Status> problems;
  if (Status valid = validate(config); !valid.is_ok()) problems.push_back(valid);
  if (config.security.enabled()) {
    auto tls = net::load_tls_material(config.security);
    if (!tls.is_ok()) problems.push_back(tls.status());
  }
  metrics::MetricsRegistry metrics;
  plugin_host::PluginHost host(plugin_options(metrics));
  Status configured = host.configure(config.document->root());
  if (!configured.is_ok()) problems.push_back(configured);
  if (!config.document->root().has("sink")) {
    problems.push_back(Status::invalid_argument(fmt::format(
        "config {}: no sink configured: add a [[sink]] entry (or the original's [syncer] db-type)",
        config.document->source_name())));
  }
  for (Status& status : host.validate_all())
    problems.push_back(std::move(status));
  config.document->warn_unknown_keys();
  return problems;
}

Result<std::unique_ptr<DrainerNode>> DrainerNode::start(
    DrainerConfig config, std::unique_ptr<checkpoint::CheckpointStore> store) {
  if (!store && config.checkpoint.type != "file") {
    return Status::invalid_argument(fmt::format(
        "checkpoint type \"{}\" needs its store from the daemon (this build only passes "
        "the file store)",
        config.checkpoint.type));
  }
  auto node = std::make_unique<DrainerNode>(PrivateKey(), std::move(config));
  node->checkpoint_store_ = std::move(store);
  Status opened = node->open();
  if (!opened.is_ok()) {
    (void)node->shutdown();
    return opened;
  }
  return node;
}

DrainerNode::DrainerNode(PrivateKey, DrainerConfig config) : config_(std::move(config)) {}

DrainerNode::~DrainerNode() {
  Status status = shutdown();
  if (!status.is_ok()) spdlog::error("drainer shutdown: {}", status.to_string());
}

Status DrainerNode::open() {
  SLUICE_RETURN_IF_ERROR(validate(config_));
  if (config_.security.enabled()) {
    auto tls = net::load_tls_material(config_.security);
    if (!tls.is_ok()) return tls.status();
    tls_ = std::move(tls).value();
  }
  drainer_metrics_ = std::make_unique<DrainerMetrics>(&metrics_);
  {
    SLUICE_ASSIGN_OR_RETURN(
        registry::NodeBackend node,
        registry::open_node_backend(registry::node_backend_options("drainer", config_)));
    data_lock_.emplace(std::move(node.data_lock));
    backend_description_ = node.describe();
    etcd_ = node.etcd;
    registry_ = std::move(node.registry);
    tso_ = std::move(node.tso);
    cluster_id_ = node.cluster_id;
    node_id_ = std::move(node.node_id);
  }
  record_ = std::make_unique<registry::NodeRecord>(*registry_, registry::NodeKind::kDrainer);

  // Plugins first: a bad plugin config should fail before anything connects.
  plugins_ = std::make_unique<plugin_host::PluginHost>(plugin_options(metrics_));
  SLUICE_RETURN_IF_ERROR(plugins_->configure(config_.document->root()));
  config_.document->warn_unknown_keys();
  SLUICE_RETURN_IF_ERROR(plugins_->create_all());
  if (plugins_->sinks().empty()) {
    return Status::invalid_argument(fmt::format(
        "config {}: no sink configured: add a [[sink]] entry (or the original's [syncer] "
        "db-type)",
        config_.document->source_name()));
  }

  // Where to start.
  if (!checkpoint_store_) {
    checkpoint_store_ = std::make_unique<checkpoint::FileCheckpointStore>(config_.data_dir);
  }
  checkpoint::Checkpoint start;
  bool unclean = false;
  schema::SchemaTracker tracker;
  {
    auto loaded = checkpoint_store_->load();
    if (!loaded.is_ok()) return loaded.status().with_context("loading the checkpoint");
    if (loaded->has_value()) {
      start = **loaded;
      unclean = !start.consistent;
      if (!start.schema_snapshot.empty()) {
        auto restored = schema::SchemaTracker::restore(start.schema_snapshot);
        if (!restored.is_ok()) {
          return restored.status().with_context(
              fmt::format("restoring the schema snapshot saved with the checkpoint in {}",
                          checkpoint_store_->describe()));
        }
        tracker = std::move(restored).value();
      }
      spdlog::info("resuming from checkpoint commit_ts {} ({}), schema version {}{}",
                   start.commit_ts, tso::format(start.commit_ts), start.schema_version,
                   unclean ? "; the last run did not stop cleanly: safe mode for a while" : "");
    }
    if (start.commit_ts == 0) {
      if (config_.initial_commit_ts >= 0) {
        start.commit_ts = config_.initial_commit_ts;
      } else {
        SLUICE_ASSIGN_OR_RETURN(start.commit_ts, tso_->next());
      }
      spdlog::info("no checkpoint: starting after commit_ts {} ({})", start.commit_ts,
                   tso::format(start.commit_ts));
    }
  }
  start.consistent = false;
  start.schema_version = tracker.version();
  start.schema_snapshot = tracker.snapshot();
  SLUICE_RETURN_IF_ERROR(checkpoint_store_->save(start).with_context("saving the checkpoint"));

  // Sinks.
  SinkRunnerOptions runner_options;
  runner_options.queue_capacity = config_.sink_queue;
  runner_options.queue_bytes = config_.sink_queue_bytes;
  runner_options.flush_interval = config_.sink_flush_interval;
  runner_options.skip_rejected = config_.skip_rejected;
  std::vector<SinkRunner*> runners;
  for (plugin_host::SinkInstance* sink : plugins_->sinks()) {
    auto runner = std::make_unique<SinkRunner>(*sink, runner_options, drainer_metrics_.get());
    Status started = runner->start(start.commit_ts, unclean);
    if (!started.is_ok()) return started;
    runners.push_back(runner.get());
    runners_.push_back(std::move(runner));
  }

  // The relay log: replay it when the last run ended uncleanly and the upstream is gone;
  // otherwise write every batch to it before the sinks see it.
  if (!config_.relay_log_dir.empty()) {
    if (unclean && !upstream_reachable()) return replay_relay(start, runners);
    RelayLogOptions relay_options;
    relay_options.dir = config_.relay_log_dir;
    relay_options.max_file_size = config_.relay_max_file_size;
    SLUICE_ASSIGN_OR_RETURN(relay_, RelayLogWriter::open(std::move(relay_options)));
    spdlog::info("relay log in {} (files of {} bytes at most)", config_.relay_log_dir.string(),
                 config_.relay_max_file_size);
  }

  // Pumps and the merge.
  merger_ = std::make_unique<merge::Merger>(config_.merge_queue, config_.merge_queue_bytes);
  PumpPullerOptions puller_options;
  puller_options.cluster_id = cluster_id_;
  puller_options.max_message_size = static_cast<int>(config_.max_message_size);
  puller_options.credentials = net::channel_credentials_or_insecure(tls_ ? &*tls_ : nullptr);
  collector_ = std::make_unique<PumpCollector>(*registry_, *merger_, puller_options,
                                               start.commit_ts, drainer_metrics_.get());
  if (etcd_ != nullptr) {
    // Watch first, then list: a pump registering in between wakes discovery too.
    pump_watch_ =
        etcd_->watch(registry::NodeKind::kPump,
                     [this](const std::vector<registry::VersionedNodeStatus>&) { notify(); });
    if (!pump_watch_->wait_until_established(std::chrono::seconds(3))) {
      spdlog::warn(
          "the watch on the pumps in etcd is not established yet (it keeps trying); "
          "pumps are found every detect-interval meanwhile");
    }
  }
  SLUICE_RETURN_IF_ERROR(collector_->refresh());

  SyncerOptions syncer_options;
  syncer_options.batch_max_transactions = config_.batch_transactions;
  syncer_options.checkpoint_interval = config_.checkpoint_interval;
  syncer_options.safe_mode = config_.safe_mode;
  if (unclean) syncer_options.safe_mode_until = Clock::now() + config_.safe_mode_duration;
  syncer_options.ignore_txn_commit_ts = config_.ignore_txn_commit_ts;
  syncer_options.relay = relay_.get();
  std::unique_ptr<DdlJobSource> job_source;
  if (!config_.tidb_status_url.empty()) {
    job_source = std::make_unique<TidbDdlJobSource>(config_.tidb_status_url);
  }
  syncer_ = std::make_unique<Syncer>(*merger_, plugins_->filters(), std::move(runners),
                                     *checkpoint_store_, std::move(tracker), std::move(job_source),
                                     start, syncer_options, drainer_metrics_.get());
  syncer_->start();

  cistern_ = std::make_unique<CisternServer>([this] { return refresh_pumps(); },
                                             tls_ ? net::make_server_credentials(*tls_) : nullptr);
  SLUICE_RETURN_IF_ERROR(cistern_->start(config_.addr));
  http_ = tls_ ? std::make_unique<net::HttpServer>(*tls_) : std::make_unique<net::HttpServer>();
  setup_http();
  {
    auto status_address = net::split_host_port(config_.effective_status_addr());
    if (!status_address.is_ok()) return status_address.status().with_context("status-addr");
    SLUICE_RETURN_IF_ERROR(http_->start(status_address->first, status_address->second));
  }
  SLUICE_RETURN_IF_ERROR(register_online());
  last_progress_ = Clock::now();
  last_progress_stats_ = syncer_->stats();
  housekeeping_ = std::thread([this] { housekeeping_loop(); });
  spdlog::info("drainer {} (cluster {}) started: {} sink(s), {} filter(s), {} pump(s); {}",
               node_id_, cluster_id_, runners_.size(), plugins_->filters().size(),
               collector_->size(), backend_description_);
  return Status::ok();
}

bool DrainerNode::upstream_reachable() {
  auto pumps = registry_->list(registry::NodeKind::kPump);
  if (!pumps.is_ok()) {
    spdlog::warn("the registry cannot be read: {}", pumps.status().to_string());
    return false;
  }
  auto credentials = net::channel_credentials_or_insecure(tls_ ? &*tls_ : nullptr);
  for (const registry::NodeStatus& pump : *pumps) {
    if (pump.state == registry::kOffline) continue;
    auto channel = grpc::CreateChannel(pump.host, credentials);
    if (channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(3))) {
      return true;
    }
    spdlog::warn("pump {} at {} cannot be reached", pump.node_id, pump.host);
  }
  return false;
}

Status DrainerNode::replay_relay(checkpoint::Checkpoint start,
                                 const std::vector<SinkRunner*>& runners) {
  spdlog::warn(
      "the last run did not stop cleanly (checkpoint {} not consistent) and no pump can be "
      "reached: replaying the relay log in {} in safe mode",
      start.commit_ts, config_.relay_log_dir.string());
  replayed_relay_ = true;
  SLUICE_ASSIGN_OR_RETURN(RelayReplayResult replayed,
                          replay_relay_log(config_.relay_log_dir, start.commit_ts, runners,
                                           config_.batch_transactions));
  start.commit_ts = std::max(start.commit_ts, replayed.durable_ts);
  start.consistent = true;
  SLUICE_RETURN_IF_ERROR(
      checkpoint_store_->save(start).with_context("saving the checkpoint after the relay replay"));
  relay_summary_ = fmt::format(
      "relay log replayed: {} transaction(s) from {} file(s) applied in safe mode{}; the "
      "downstream is at commit_ts {} ({}), a transaction boundary; checkpoint saved consistent "
      "in {}",
      replayed.transactions, replayed.read.files,
      replayed.read.torn_tail ? " (a torn last record was ignored)" : "", start.commit_ts,
      tso::format(start.commit_ts), checkpoint_store_->describe());
  spdlog::info("{}", relay_summary_);
  return Status::ok();
}

Status DrainerNode::register_online() {
  auto previous = record_->register_node(make_status(std::string(registry::kOnline)));
  if (!previous.is_ok()) return previous.status().with_context("registering in the registry");
  if (previous->has_value() && (*previous)->state == registry::kOnline) {
    spdlog::info("drainer {}: the registry still said online (the last run did not stop cleanly)",
                 node_id_);
  }
  return Status::ok();
}

registry::NodeStatus DrainerNode::make_status(const std::string& state) const {
  registry::NodeStatus status;
  status.node_id = node_id_;
  status.host =
      net::advertised_with_bound_port(config_.advertised(), cistern_ ? cistern_->port() : 0);
  status.state = state;
  status.is_alive = state == registry::kOnline;
  status.max_commit_ts = checkpoint_ts();
  // 0 when the TSO cannot answer: the record still says the state; the next beat has the time.
  status.update_ts = tso_->next().value_or(0);
  return status;
}

bool DrainerNode::begin_end_locked(std::string_view transitional, std::string_view final_state) {
  if (state_ != registry::kOnline) return false;
  state_ = std::string(transitional);
  final_state_ = std::string(final_state);
  stop_requested_ = true;
  cv_.notify_all();
  return true;
}

void DrainerNode::obey_registry(const registry::NodeStatus& found) {
  std::lock_guard lock(mutex_);
  if (found.state == state_) return;
  spdlog::warn(
      "drainer {}: the registry record was changed by someone else (state {}, host {}); "
      "this drainer is {}",
      node_id_, found.state, found.host, state_);
  bool stopping = false;
  if (found.state == registry::kPaused || found.state == registry::kPausing) {
    stopping = begin_end_locked(registry::kPausing, registry::kPaused);
  } else if (found.state == registry::kClosing || found.state == registry::kOffline) {
    stopping = begin_end_locked(registry::kClosing, registry::kOffline);
  }
  if (stopping) {
    spdlog::warn("drainer {}: stopping as the registry says, to end {}", node_id_, final_state_);
  }
}

void DrainerNode::notify() {
  std::lock_guard lock(mutex_);
  notified_ = true;
  cv_.notify_all();
}

Status DrainerNode::refresh_pumps() {
  std::lock_guard refresh(refresh_mutex_);
  {
    std::lock_guard lock(mutex_);
    if (housekeeping_stop_) return Status::unavailable("the drainer is stopping");
  }
  return collector_->refresh();
}

void DrainerNode::housekeeping_loop() {
  auto next_detect = Clock::now() + config_.detect_interval;
  auto next_heartbeat = Clock::now() + config_.heartbeat_interval;
  auto next_progress = Clock::now() + config_.progress_interval;
  int heartbeat_failures = 0;
  std::unique_lock lock(mutex_);
  while (!housekeeping_stop_) {
    const auto wake = std::min({next_detect, next_heartbeat, next_progress,
                                Clock::now() + std::chrono::milliseconds(200)});
    cv_.wait_until(lock, wake, [&] { return housekeeping_stop_ || notified_; });
    if (housekeeping_stop_) break;
    const bool notified = std::exchange(notified_, false);
    const std::string state = state_;
    lock.unlock();
    // A failure anywhere ends the node.
    std::optional<Status> failed = syncer_->failure();
    if (!failed) failed = collector_->failure();
    if (failed) {
      lock.lock();
      if (!failure_) {
        failure_ = *failed;
        stop_requested_ = true;
        cv_.notify_all();
      }
      continue;
    }
    const auto now = Clock::now();
    if (notified || now >= next_detect) {
      if (Status refreshed = refresh_pumps(); !refreshed.is_ok()) {
        spdlog::warn("pump discovery failed: {}", refreshed.to_string());
      }
      next_detect = now + config_.detect_interval;
    }
    {
      // The merge's dropped binlogs (out of order or repeated) into the original's counter.
      const merge::MergeStats merged = merger_->stats();
      const uint64_t dropped = merged.disorder + merged.duplicates;
      if (dropped > merge_dropped_reported_) {
        drainer_metrics_->count_disorder(static_cast<double>(dropped - merge_dropped_reported_));
        spdlog::warn("the merge dropped {} binlog(s) that came out of order or twice",
                     dropped - merge_dropped_reported_);
        merge_dropped_reported_ = dropped;
      }
    }
    if (now >= next_heartbeat) {
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(config_.heartbeat_interval);
      auto written = record_->write(make_status(state));
      if (!written.is_ok()) {
        ++heartbeat_failures;
        for (int i = 1; i < heartbeat_failures && wait < kHeartbeatBackoffLimit; ++i)
          wait *= 2;
        wait = std::min<std::chrono::milliseconds>(wait, kHeartbeatBackoffLimit);
        spdlog::warn("drainer {}: heartbeat {} failed (next try in {} ms): {}", node_id_,
                     heartbeat_failures, wait.count(), written.status().to_string());
      } else {
        if (heartbeat_failures > 0) {
          spdlog::info("drainer {}: the registry answers again after {} failed heartbeat(s)",
                       node_id_, heartbeat_failures);
        }
        heartbeat_failures = 0;
        if (written->has_value()) obey_registry(**written);
      }
      next_heartbeat = Clock::now() + wait;
    }
    if (now >= next_progress) {
      log_progress();
      next_progress = now + config_.progress_interval;
    }
    lock.lock();
  }
}

void DrainerNode::log_progress() {
  const SyncerStats stats = syncer_->stats();
  const auto now = Clock::now();
  const double seconds = std::chrono::duration<double>(now - last_progress_).count();
  const auto rate = [&](uint64_t current, uint64_t before) {
    return seconds > 0 ? static_cast<double>(current - before) / seconds : 0.0;
  };
  std::string pumps;
  for (const auto& pump : collector_->states()) {
    if (!pumps.empty()) pumps += ", ";
    pumps += fmt::format("{}={}({})", pump.pump_id, pump.last_ts, pump.state);
  }
  std::string stalled;
  for (const auto& id : merger_->stalled_sources()) {
    stalled += (stalled.empty() ? "" : ",") + id;
  }
  spdlog::info(
      "progress: {:.0f} binlogs/s, {:.0f} txns/s, {:.0f} rows/s; checkpoint {} (lag {:.1f} s); "
      "pumps: {}{}",
      rate(stats.binlogs, last_progress_stats_.binlogs),
      rate(stats.transactions, last_progress_stats_.transactions),
      rate(stats.events, last_progress_stats_.events), stats.checkpoint_ts,
      lag_seconds(stats.checkpoint_ts), pumps.empty() ? "none" : pumps,
      stalled.empty() ? "" : "; waiting for: " + stalled);
  last_progress_ = now;
  last_progress_stats_ = stats;
}

std::string DrainerNode::status_json() const {
  nlohmann::json body;
  const SyncerStats stats = syncer_ ? syncer_->stats() : SyncerStats{};
  nlohmann::json positions = nlohmann::json::object();
  nlohmann::json pumps = nlohmann::json::object();
  if (collector_) {
    for (const auto& pump : collector_->states()) {
      positions[pump.pump_id] = pump.last_ts;
      pumps[pump.pump_id] = {{"address", pump.address},       {"state", pump.state},
                             {"position", pump.last_ts},      {"received", pump.received},
                             {"reconnects", pump.reconnects}, {"error", pump.last_error}};
    }
  }
  int64_t lowest = std::numeric_limits<int64_t>::max();
  nlohmann::json sinks = nlohmann::json::object();
  for (const auto& runner : runners_) {
    const int64_t watermark = runner->watermark();
    lowest = std::min(lowest, watermark);
    auto failed = runner->failure();
    sinks[runner->name()] = {{"watermark", watermark},
                             {"written", runner->written_ts()},
                             {"lag_seconds", lag_seconds(watermark)},
                             {"queued_batches", runner->queued()},
                             {"transactions", runner->transactions_written()},
                             {"error", failed ? failed->message() : std::string()}};
  }
  if (runners_.empty()) lowest = 0;
  body["PumpPos"] = positions;
  // Sluice's Synced: everything merged so far is durable in every sink.
  body["Synced"] = lowest >= stats.merged_ts;
  body["LastTS"] = stats.checkpoint_ts;
  body["TsMap"] = "";
  body["NodeID"] = node_id_;
  body["State"] = state();
  body["Checkpoint"] = stats.checkpoint_ts;
  body["MergedTS"] = stats.merged_ts;
  body["SchemaVersion"] = stats.schema_version;
  body["Pumps"] = pumps;
  body["Stalled"] = merger_ ? merger_->stalled_sources() : std::vector<std::string>();
  body["Sinks"] = sinks;
  auto failed = failure();
  body["ErrMsg"] = failed ? failed->message() : std::string();
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void DrainerNode::setup_http() {
  http_->serve_metrics(metrics_);
  http_->handle_get("/status", [this](const httplib::Request&, httplib::Response& response) {
    response.set_content(status_json(), "application/json");
  });
  http_->handle_get("/commit_ts", [this](const httplib::Request&, httplib::Response& response) {
    nlohmann::json body;
    body["CommitTS"] = checkpoint_ts();
    response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         "application/json");
  });
  http_->handle_put(R"(/state/([^/]+)/(pause|close))", [this](const httplib::Request& request,
                                                              httplib::Response& response) {
    auto applied = apply_action(request.matches[1], request.matches[2]);
    if (!applied.is_ok()) {
      response.status = 400;
      response.set_content(error_body(applied.status().message()), "application/json");
      return;
    }
    response.set_content(error_body(""), "application/json");
  });
}

Result<std::string> DrainerNode::apply_action(const std::string& node_id,
                                              const std::string& action) {
  if (node_id != node_id_) {
    return Status::not_found(fmt::format(
        "this drainer is {}, not {}; send the request to that node", node_id_, node_id));
  }
  std::lock_guard lock(mutex_);
  const bool pause = action == "pause";
  if (!begin_end_locked(pause ? registry::kPausing : registry::kClosing,
                        pause ? registry::kPaused : registry::kOffline)) {
    return Status::failed_precondition(
        fmt::format("drainer {} is {}, not online", node_id_, state_));
  }
  spdlog::info("drainer {}: {} requested over HTTP", node_id_, action);
  return state_;
}

void DrainerNode::request_stop() {
  std::lock_guard lock(mutex_);
  if (stop_requested_) return;
  stop_requested_ = true;
  if (state_ == registry::kOnline) state_ = std::string(registry::kPausing);
  cv_.notify_all();
}

bool DrainerNode::stop_requested() const {
  std::lock_guard lock(mutex_);
  return stop_requested_;
}

bool DrainerNode::wait_stop_requested(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [&] { return stop_requested_; });
}

std::optional<Status> DrainerNode::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

std::string DrainerNode::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

int64_t DrainerNode::checkpoint_ts() const {
  return syncer_ ? syncer_->stats().checkpoint_ts : 0;
}

int64_t DrainerNode::durable_ts() const {
  if (runners_.empty()) return 0;
  int64_t lowest = std::numeric_limits<int64_t>::max();
  for (const auto& runner : runners_)
    lowest = std::min(lowest, runner->watermark());
  return lowest;
}

SyncerStats DrainerNode::stats() const {
  return syncer_ ? syncer_->stats() : SyncerStats{};
}

Status DrainerNode::shutdown() {
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return failure_.value_or(Status::ok());
    shut_down_ = true;
    housekeeping_stop_ = true;
    cv_.notify_all();
  }
  if (housekeeping_.joinable()) housekeeping_.join();
  // The stop is bounded: past stop-timeout the sinks are told to give up what is not durable.
  std::thread stop_watchdog([this] {
    std::unique_lock lock(mutex_);
    if (cv_.wait_for(lock, config_.stop_timeout, [&] { return stop_finished_; })) return;
    lock.unlock();
    abandon_undrained();
  });
  Status status = shutdown_parts();
  {
    std::lock_guard lock(mutex_);
    stop_finished_ = true;
    cv_.notify_all();
  }
  stop_watchdog.join();
  return status;
}

void DrainerNode::abandon_undrained() {
  spdlog::warn(
      "stop: the sinks did not drain within stop-timeout ({} ms); giving up on what is not durable "
      "(the checkpoint stays at what every sink made durable, commit_ts {}; a restart replays "
      "the rest in safe mode)",
      config_.stop_timeout.count(), durable_ts());
  for (auto& runner : runners_)
    runner->request_stop();
  if (plugins_) plugins_->request_stop();
}

std::vector<std::string> DrainerNode::calls_in_progress() const {
  std::vector<std::string> out;
  for (const auto& runner : runners_) {
    if (auto call = runner->call_in_progress()) out.push_back(*call);
  }
  return out;
}

Status DrainerNode::shutdown_parts() {
  pump_watch_.reset();  // its callback wakes housekeeping, which is gone
  // Stop pulling: the merger first, so pullers blocked on a full queue let go.
  if (merger_) merger_->stop();
  if (collector_) {
    std::lock_guard refresh(refresh_mutex_);  // no Notify adds a puller after this
    collector_->stop_all();
  }
  Status status = Status::ok();
  std::optional<Status> failed = failure();
  if (!failed && syncer_) failed = syncer_->failure();
  if (!failed && collector_) failed = collector_->failure();
  if (syncer_) {
    status = syncer_->finish(!failed.has_value());
  } else if (!replayed_relay_) {  // a replay finished its runners itself
    for (auto& runner : runners_)
      (void)runner->finish(false);
  }
  if (failed) status = *failed;
  if (cistern_) cistern_->stop();
  if (http_) http_->stop();
  if (record_ && tso_ && !node_id_.empty() && syncer_) {
    std::string final_state;
    {
      std::lock_guard lock(mutex_);
      state_ = final_state_;
      final_state = state_;
      if (!status.is_ok() && !failure_) failure_ = status;
    }
    if (Status recorded = record_->force_write(make_status(final_state)); !recorded.is_ok()) {
      spdlog::warn("recording state {} failed: {}", final_state, recorded.to_string());
    }
    spdlog::info("drainer {} is {} at checkpoint {}", node_id_, final_state, checkpoint_ts());
  }
  data_lock_.reset();
  return status;
}

}  // namespace sluice::drainer
