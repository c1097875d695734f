#include "core/pump/pump_node.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <fmt/ranges.h>

#include <charconv>
#include <random>

#include "core/common/atomic_file.h"
#include "core/net/grpc_tls.h"
#include "core/proto/binlog.pb.h"
#include "core/registry/node_backend.h"
#include "core/registry/node_status.h"
#include "core/tso/tso.h"

namespace sluice::pump {
namespace {

// Heartbeats that fail back off from heartbeat-interval, doubling up to this.
constexpr std::chrono::seconds kHeartbeatBackoffLimit{10};
// While closing, how often the drainers still behind are logged.
constexpr std::chrono::seconds kOfflineWaitLogInterval{10};

std::string json_body(const std::string& error) {
  nlohmann::json body;
  body["ErrMsg"] = error;
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace

Result<std::unique_ptr<PumpNode>> PumpNode::start(const PumpConfig& config) {
  auto node = std::make_unique<PumpNode>(PrivateKey(), config);
  Status opened = node->open();
  if (!opened.is_ok()) {
    (void)node->shutdown();  // releases what was opened; the open error is the one to report
    return opened;
  }
  return node;
}

PumpNode::PumpNode(PrivateKey, PumpConfig config) : config_(std::move(config)) {}

PumpNode::~PumpNode() {
  Status status = shutdown();
  if (!status.is_ok()) spdlog::error("pump shutdown: {}", status.to_string());
}

Status PumpNode::open() {
  if (config_.security.enabled()) {
    auto tls = net::load_tls_material(config_.security);
    if (!tls.is_ok()) return tls.status();
    tls_ = std::move(tls).value();
  }
  {
    SLUICE_ASSIGN_OR_RETURN(
        registry::NodeBackend node,
        registry::open_node_backend(registry::node_backend_options("pump", config_)));
    data_lock_.emplace(std::move(node.data_lock));
    backend_description_ = node.describe();
    registry_ = std::move(node.registry);
    tso_ = std::move(node.tso);
    cluster_id_ = node.cluster_id;
    node_id_ = std::move(node.node_id);
  }
  record_ = std::make_unique<registry::NodeRecord>(*registry_, registry::NodeKind::kPump);

  storage::StorageOptions options;
  options.data_dir = config_.data_dir.string();
  options.sync = config_.sync_log;
  options.stop_write_at_available_space = config_.stop_write_at_available_space;
  options.max_txn_timeout = config_.max_txn_timeout;
  options.max_pending_prewrite_memory = config_.max_pending_prewrite_memory;
  options.max_queued_write_bytes = config_.max_queued_write_bytes;
  tso::TsoSource* tso = tso_.get();
  options.now_tso = [tso] { return tso->next().value_or(0); };
  {
    auto store = storage::BinlogStore::open(options, nullptr, &metrics_);
    if (!store.is_ok()) return store.status().with_context("open storage");
    store_ = std::move(store).value();
  }

  PumpServerOptions server_options;
  server_options.cluster_id = cluster_id_;
  server_options.fake_binlog_interval = config_.gen_binlog_interval;
  server_options.idle_watermark_interval = config_.idle_watermark_interval;
  server_options.unix_socket = config_.socket;
  server_options.max_receive_message_size = static_cast<int>(config_.max_message_size);
  if (tls_) server_options.credentials = net::make_server_credentials(*tls_);
  server_ = std::make_unique<PumpServer>(*store_, *tso_, &metrics_, server_options);
  // No prewrite is taken before the registry says whether the drainers know this pump.
  server_->hold_prewrites(fmt::format("pump {} is starting", node_id_));
  SLUICE_RETURN_IF_ERROR(server_->start(config_.addr));

  http_ = tls_ ? std::make_unique<net::HttpServer>(*tls_) : std::make_unique<net::HttpServer>();
  setup_http();
  const std::string status_addr = config_.effective_status_addr();
  SLUICE_ASSIGN_OR_RETURN(auto http_host_port, net::split_host_port(status_addr));
  Status http_started = http_->start(http_host_port.first, http_host_port.second);
  if (!http_started.is_ok()) {
    return http_started.with_context(fmt::format("HTTP status server on {}", status_addr));
  }

  SLUICE_RETURN_IF_ERROR(register_online());
  registered_ = true;
  heartbeat_ = std::thread([this] { heartbeat_loop(); });
  GcPolicyOptions gc_policy;
  gc_policy.retention = config_.gc;
  gc_policy.fresh_within = config_.drainer_heartbeat_timeout;
  gc_ = std::make_unique<GcScheduler>(*store_, *registry_, *tso_, &metrics_, gc_policy,
                                      config_.gc_interval);
  gc_->start();
  if (first_registration_) {
    // A drainer that does not know this pump yet would start pulling it at its merge position,
    // past whatever the pump took meanwhile: prewrites wait until every live drainer has
    // answered Notify (it answers once it pulls this pump). In the background, so the pump
    // serves (and SQL nodes fail over to other pumps) while a drainer is unreachable.
    server_->hold_prewrites(fmt::format(
        "pump {} has just joined and waits for every live drainer to acknowledge it", node_id_));
    notifier_ =
        std::make_unique<DrainerNotifier>(*registry_, net::channel_credentials_or_insecure(tls()));
    const auto timeout = config_.drainer_heartbeat_timeout;
    tso::TsoSource* tso_source = tso_.get();
    notifier_->start_until_acknowledged(
        [tso_source, timeout](const registry::NodeStatus& drainer) {
          if (drainer.update_ts == 0) return true;
          const int64_t now = tso_source->next().value_or(0);
          if (now == 0) return true;
          return tso::physical_ms(now) - tso::physical_ms(drainer.update_ts) <= timeout.count();
        },
        [this] {
          server_->release_prewrites();
          spdlog::info("pump {}: every live drainer knows this pump; taking prewrites", node_id_);
        });
  } else {
    server_->release_prewrites();
  }
  spdlog::info("pump {} online: cluster id {}, gRPC port {}, HTTP port {}{}, data dir {}, {}",
               node_id_, cluster_id_, server_->port(), http_->port(), tls_ ? " (TLS)" : "",
               config_.data_dir.string(), backend_description_);
  return Status::ok();
}

Status PumpNode::register_online() {
  auto previous = record_->register_node(make_status(std::string(registry::kOnline)));
  if (!previous.is_ok()) return previous.status().with_context("registering in the registry");
  if (!previous->has_value() || (*previous)->state == registry::kOffline) {
    // The original's rule: a pump whose previous state is offline (or that has no record) is
    // new to the drainers, which are told through Cistern.Notify once it serves.
    spdlog::info("pump {} registers for the first time (or after going offline)", node_id_);
    first_registration_ = true;
  } else if ((*previous)->state == registry::kOnline) {
    // A crash leaves the record online; the new process takes it over.
    spdlog::info("pump {}: the registry still said online (the last run did not stop cleanly)",
                 node_id_);
  }
  return Status::ok();
}

registry::NodeStatus PumpNode::make_status(const std::string& state) const {
  registry::NodeStatus status;
  status.node_id = node_id_;
  status.host =
      net::advertised_with_bound_port(config_.advertised(), server_ ? server_->port() : 0);
  status.state = state;
  status.is_alive = state == registry::kOnline;
  status.max_commit_ts = store_ != nullptr ? store_->max_commit_ts() : 0;
  // A failing disk is shown in the record too (the original's tools ignore the extra label key).
  if (store_ != nullptr) {
    if (auto failed = store_->disk_failure()) {
      nlohmann::json label;
      label["storage_error"] = failed->message();
      status.label_json = label.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    }
  }
  // 0 when the TSO cannot answer: the record still says the state; the next beat has the time.
  status.update_ts = tso_->next().value_or(0);
  return status;
}

void PumpNode::heartbeat_loop() {
  std::unique_lock lock(mutex_);
  int failures = 0;
  auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(config_.heartbeat_interval);
  while (!heartbeat_stop_) {
    cv_.wait_for(lock, wait, [this] { return heartbeat_stop_; });
    if (heartbeat_stop_) break;
    const std::string state = state_;
    lock.unlock();
    auto written = record_->write(make_status(state));
    wait = std::chrono::duration_cast<std::chrono::milliseconds>(config_.heartbeat_interval);
    if (!written.is_ok()) {
      ++failures;
      for (int i = 1; i < failures && wait < kHeartbeatBackoffLimit; ++i)
        wait *= 2;
      wait = std::min<std::chrono::milliseconds>(wait, kHeartbeatBackoffLimit);
      spdlog::warn("pump {}: heartbeat {} failed (next try in {} ms): {}", node_id_, failures,
                   wait.count(), written.status().to_string());
    } else {
      if (failures > 0) {
        spdlog::info("pump {}: the registry answers again after {} failed heartbeat(s)", node_id_,
                     failures);
      }
      failures = 0;
      if (written->has_value()) obey_registry(**written);
    }
    lock.lock();
  }
}

void PumpNode::obey_registry(const registry::NodeStatus& found) {
  const std::string current = state();
  if (found.state == current) return;
  spdlog::warn(
      "pump {}: the registry record was changed by someone else (state {}, host {}); "
      "this pump is {}",
      node_id_, found.state, found.host, current);
  if (found.state == registry::kPaused || found.state == registry::kPausing) {
    if (begin_end(registry::kPausing, registry::kPaused, false)) {
      spdlog::warn("pump {}: pausing as the registry says", node_id_);
    }
  } else if (found.state == registry::kClosing) {
    if (begin_end(registry::kClosing, registry::kOffline, false)) {
      spdlog::warn("pump {}: closing as the registry says (waiting for drainers first)", node_id_);
    }
  } else if (found.state == registry::kOffline) {
    // Stays offline (drainers may already have let it go): no closing in between.
    if (begin_end(registry::kOffline, registry::kOffline, true)) {
      spdlog::warn(
          "pump {}: set offline in the registry: stopping without waiting for drainers "
          "(binlogs they have not pulled are given up)",
          node_id_);
    }
  }
  // online while this pump is pausing/closing: its own state is written over at the next beat.
}

bool PumpNode::begin_end(std::string_view transitional, std::string_view final_state,
                         bool skip_offline_wait) {
  std::string state;
  {
    std::lock_guard lock(mutex_);
    if (state_ != registry::kOnline || stop_requested_) return false;
    state_ = std::string(transitional);
    final_state_ = std::string(final_state);
    skip_offline_wait_ = skip_offline_wait;
    state = state_;
  }
  if (server_ != nullptr) server_->set_state(state);
  if (Status put = record_->force_write(make_status(state)); !put.is_ok()) {
    spdlog::warn("registry update to {} failed: {}", state, put.to_string());
  }
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  cv_.notify_all();
  return true;
}

void PumpNode::request_stop() {
  std::lock_guard lock(mutex_);
  if (stop_requested_) {
    if (state_ == registry::kClosing && !offline_abandoned_) {
      // A second stop while the close waits for drainers: give the close up, end paused.
      offline_abandoned_ = true;
      spdlog::warn("pump {}: stop requested while closing: giving up the close, ending paused",
                   node_id_);
      cv_.notify_all();
    }
    return;
  }
  stop_requested_ = true;
  if (state_ == registry::kOnline) {
    state_ = std::string(registry::kPausing);
    final_state_ = std::string(registry::kPaused);
  }
  cv_.notify_all();
}

bool PumpNode::stop_requested() const {
  std::lock_guard lock(mutex_);
  return stop_requested_;
}

bool PumpNode::wait_stop_requested(std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return cv_.wait_for(lock, timeout, [this] { return stop_requested_; });
}

int PumpNode::grpc_port() const {
  return server_ != nullptr ? server_->port() : 0;
}
int PumpNode::http_port() const {
  return http_ != nullptr ? http_->port() : 0;
}

std::string PumpNode::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

Result<std::string> PumpNode::apply_action(const std::string& node_id, const std::string& action) {
  if (node_id != node_id_) {
    return Status::invalid_argument(
        fmt::format("invalid nodeID {}, this pump's nodeID is {}", node_id, node_id_));
  }
  const bool pause = action == "pause";
  if (!begin_end(pause ? registry::kPausing : registry::kClosing,
                 pause ? registry::kPaused : registry::kOffline, false)) {
    return Status::failed_precondition(
        fmt::format("this pump's state is {}, apply {} failed!", state(), action));
  }
  const std::string state_now = state();
  spdlog::info("pump {}: {} requested, state {}", node_id_, action, state_now);
  return state_now;
}

bool PumpNode::offline_abandoned() const {
  std::lock_guard lock(mutex_);
  return offline_abandoned_;
}

bool PumpNode::wait_safe_to_offline() {
  // The original's wait-safe-to-offline: a fake binlog flushes the store (every prewrite before
  // it matched), then wait until every drainer that is not offline has a checkpoint at or past
  // the store's max commit ts. No time limit, as in the original: going offline earlier would
  // lose binlogs; a stop request gives up instead, and the node ends paused.
  int64_t fake = 0;
  while (!offline_abandoned()) {
    auto written = server_->write_fake_binlog();
    if (written.is_ok()) {
      fake = *written;
      break;
    }
    spdlog::warn("closing: fake binlog failed (retrying): {}", written.status().to_string());
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::seconds(1), [this] { return offline_abandoned_; });
  }
  while (!offline_abandoned() && (store_->max_commit_ts() < fake || !store_->all_matched())) {
    store_->wait_for_progress(fake - 1, std::chrono::milliseconds(200));
  }
  const int64_t target = store_->max_commit_ts();
  auto next_log = std::chrono::steady_clock::now();
  while (!offline_abandoned()) {
    auto drainers = registry_->list(registry::NodeKind::kDrainer);
    std::vector<std::string> behind;
    if (drainers.is_ok()) {
      for (const auto& drainer : *drainers) {
        if (drainer.state != registry::kOffline && drainer.max_commit_ts < target) {
          behind.push_back(
              fmt::format("{} ({}, at {})", drainer.node_id, drainer.state, drainer.max_commit_ts));
        }
      }
      if (behind.empty()) {
        spdlog::info("pump {}: every drainer has consumed up to {}: safe to go offline", node_id_,
                     target);
        return true;
      }
    }
    if (std::chrono::steady_clock::now() >= next_log) {
      if (drainers.is_ok()) {
        spdlog::info(
            "pump {} closing: waiting for drainers to reach commit ts {}: {} (a drainer that "
            "is gone for good must be set offline: binlogctl -cmd update-drainer)",
            node_id_, target, fmt::join(behind, ", "));
      } else {
        spdlog::warn("pump {} closing: cannot read the drainers: {}", node_id_,
                     drainers.status().to_string());
      }
      next_log = std::chrono::steady_clock::now() + kOfflineWaitLogInterval;
    }
    std::unique_lock lock(mutex_);
    cv_.wait_for(lock, std::chrono::milliseconds(500), [this] { return offline_abandoned_; });
  }
  return false;
}

Status PumpNode::shutdown() {
  std::string final_state;
  {
    std::lock_guard lock(mutex_);
    if (shut_down_) return Status::ok();
    shut_down_ = true;
    heartbeat_stop_ = true;
    if (final_state_.empty() && state_ == registry::kOnline) {
      state_ = std::string(registry::kPausing);
      final_state_ = std::string(registry::kPaused);
    }
    final_state = final_state_;
  }
  cv_.notify_all();
  if (heartbeat_.joinable()) heartbeat_.join();
  notifier_.reset();  // cancels a Notify in flight and joins
  if (server_ != nullptr) server_->set_state(state());
  bool skip_wait = false;
  {
    std::lock_guard lock(mutex_);
    skip_wait = skip_offline_wait_;
  }
  if (final_state == registry::kOffline && !skip_wait && server_ != nullptr && store_ != nullptr &&
      !wait_safe_to_offline()) {
    final_state = std::string(registry::kPaused);
    std::lock_guard lock(mutex_);
    final_state_ = final_state;
  }
  if (server_ != nullptr) server_->stop();
  if (http_ != nullptr) http_->stop();
  gc_.reset();  // joins the GC thread before the store goes
  if (store_ != nullptr) store_->shutdown();
  Status status;
  if (registered_ && !final_state.empty()) {
    status = record_->force_write(make_status(final_state));
    std::lock_guard lock(mutex_);
    state_ = final_state;
  }
  server_.reset();
  http_.reset();
  store_.reset();
  data_lock_.reset();
  if (!node_id_.empty()) spdlog::info("pump {} stopped, state {}", node_id_, final_state);
  return status;
}

void PumpNode::setup_http() {
  http_->serve_metrics(metrics_);
  http_->handle_post(
      "/debug/gc/trigger", [this](const httplib::Request&, httplib::Response& response) {
        if (gc_ == nullptr) {
          response.status = 503;
          response.set_content("gc is not running\n", "text/plain");
          return;
        }
        auto decision = gc_->run_once();
        if (!decision.is_ok()) {
          response.status = 500;
          response.set_content(decision.status().message() + "\n", "text/plain");
          return;
        }
        nlohmann::json body = {{"gc_ts", decision->gc_ts},
                               {"purged_below", decision->effective_ts()},
                               {"protecting", decision->protecting},
                               {"at_risk", decision->at_risk},
                               {"stale", decision->stale}};
        response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                             "application/json");
      });
  http_->handle_get("/status", [this](const httplib::Request&, httplib::Response& response) {
    nlohmann::json body;
    body["status"] = nlohmann::json::object();
    auto pumps = registry_->list(registry::NodeKind::kPump);
    std::string error;
    if (pumps.is_ok()) {
      for (const auto& pump : *pumps) {
        registry::NodeStatus copy = pump;
        if (pump.node_id == node_id_) {
          copy.state = state();
          if (store_ != nullptr) copy.max_commit_ts = store_->max_commit_ts();
        }
        body["status"][copy.node_id] = nlohmann::json::parse(registry::to_json(copy));
      }
    } else {
      error = pumps.status().to_string();
    }
    body["CommitTS"] = tso_->next().value_or(0);
    body["Checkpoint"] = nlohmann::json::object();
    if (store_ != nullptr) {
      if (auto failed = store_->disk_failure()) {
        // Writes are refused until the disk takes them again.
        body["StorageError"] = failed->message();  // dumped with invalid UTF-8 replaced
        if (error.empty()) error = failed->message();
      }
    }
    body["ErrMsg"] = error;
    response.set_content(body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         "application/json");
  });
  http_->handle_put(R"(/state/([^/]+)/(pause|close))", [this](const httplib::Request& request,
                                                              httplib::Response& response) {
    auto applied = apply_action(request.matches[1], request.matches[2]);
    if (!applied.is_ok()) {
      response.status = 400;
      response.set_content(json_body(applied.status().message()), "application/json");
      return;
    }
    response.set_content(json_body(""), "application/json");
  });
  http_->handle_get(R"(/debug/binlog/(\d+))", [this](const httplib::Request& request,
                                                     httplib::Response& response) {
    int64_t ts = 0;
    const std::string text = request.matches[1];
    std::from_chars(text.data(), text.data() + text.size(), ts);
    if (store_ == nullptr || ts <= 0) {
      response.status = 404;
      return;
    }
    auto read = store_->read(ts - 1, 1, 1);
    if (!read.is_ok() || read->binlogs.empty() || read->binlogs.front().commit_ts != ts) {
      response.status = 404;
      response.set_content(fmt::format("no binlog with commit ts {}\n", ts), "text/plain");
      return;
    }
    binlog::Binlog parsed;
    if (!parsed.ParseFromString(read->binlogs.front().payload)) {
      response.status = 500;
      response.set_content("stored binlog does not parse\n", "text/plain");
      return;
    }
    response.set_content(parsed.DebugString(), "text/plain");
  });
}

}  // namespace sluice::pump
