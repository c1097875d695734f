#include "core/pump/pump_node.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <charconv>
#include <random>

#include "core/common/atomic_file.h"
#include "core/net/grpc_tls.h"
#include "core/proto/binlog.pb.h"
#include "core/registry/embedded_node.h"
#include "core/registry/node_status.h"

namespace sluice::pump {
namespace {

// How long closing waits for the store to flush and for drainers to catch up before it goes
// offline anyway (the original waits without limit).
constexpr std::chrono::seconds kOfflineWaitLimit{60};

std::string json_body(const std::string& error) {
  nlohmann::json body;
  body["ErrMsg"] = error;
  return body.dump();
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
        registry::EmbeddedNode node,
        registry::open_embedded_node(registry::embedded_node_options("pump", config_)));
    data_lock_.emplace(std::move(node.data_lock));
    registry_ = std::move(node.registry);
    tso_ = std::move(node.tso);
    cluster_id_ = node.cluster_id;
    node_id_ = std::move(node.node_id);
  }

  storage::StorageOptions options;
  options.data_dir = config_.data_dir.string();
  options.sync = config_.sync_log;
  options.stop_write_at_available_space = config_.stop_write_at_available_space;
  options.max_txn_timeout = config_.max_txn_timeout;
  tso::EmbeddedTso* tso = tso_.get();
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
  if (tls_) server_options.credentials = net::make_server_credentials(*tls_);
  server_ = std::make_unique<PumpServer>(*store_, *tso_, &metrics_, server_options);
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
    // In the background: an unreachable drainer must not hold up (or fail) the start.
    notifier_ =
        std::make_unique<DrainerNotifier>(*registry_, net::channel_credentials_or_insecure(tls()));
    notifier_->start();
  }
  spdlog::info("pump {} online: cluster id {}, gRPC port {}, HTTP port {}{}, data dir {}", node_id_,
               cluster_id_, server_->port(), http_->port(), tls_ ? " (TLS)" : "",
               config_.data_dir.string());
  return Status::ok();
}

Status PumpNode::register_online() {
  auto previous = registry_->get(registry::NodeKind::kPump, node_id_);
  if (!previous.is_ok()) return previous.status().with_context("registry");
  if (!previous->has_value() || (*previous)->state == registry::kOffline) {
    // The original's rule: a pump whose previous state is offline (or that has no record) is
    // new to the drainers, which are told through Cistern.Notify once it serves.
    spdlog::info("pump {} registers for the first time (or after going offline)", node_id_);
    first_registration_ = true;
  }
  return put_status(std::string(registry::kOnline));
}

Status PumpNode::put_status(const std::string& state) {
  registry::NodeStatus status;
  status.node_id = node_id_;
  status.host =
      net::advertised_with_bound_port(config_.advertised(), server_ ? server_->port() : 0);
  status.state = state;
  status.is_alive = state == registry::kOnline;
  status.max_commit_ts = store_ != nullptr ? store_->max_commit_ts() : 0;
  SLUICE_ASSIGN_OR_RETURN(status.update_ts, tso_->next());
  return registry_->put(registry::NodeKind::kPump, status);
}

void PumpNode::heartbeat_loop() {
  std::unique_lock lock(mutex_);
  while (!heartbeat_stop_) {
    cv_.wait_for(lock, config_.heartbeat_interval, [this] { return heartbeat_stop_; });
    if (heartbeat_stop_) break;
    const std::string state = state_;
    lock.unlock();
    Status status = put_status(state);
    if (!status.is_ok()) spdlog::warn("heartbeat failed: {}", status.to_string());
    lock.lock();
  }
}

void PumpNode::request_stop() {
  std::lock_guard lock(mutex_);
  if (stop_requested_) return;
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
  std::string state;
  {
    std::lock_guard lock(mutex_);
    if (state_ != registry::kOnline || stop_requested_) {
      return Status::failed_precondition(
          fmt::format("this pump's state is {}, apply {} failed!", state_, action));
    }
    if (action == "pause") {
      state_ = std::string(registry::kPausing);
      final_state_ = std::string(registry::kPaused);
    } else {
      state_ = std::string(registry::kClosing);
      final_state_ = std::string(registry::kOffline);
    }
    state = state_;
  }
  if (server_ != nullptr) server_->set_state(state);
  Status put = put_status(state);
  if (!put.is_ok()) spdlog::warn("registry update to {} failed: {}", state, put.to_string());
  {
    std::lock_guard lock(mutex_);
    stop_requested_ = true;
  }
  cv_.notify_all();
  spdlog::info("pump {}: {} requested, state {}", node_id_, action, state);
  return state;
}

void PumpNode::wait_safe_to_offline() {
  const auto deadline = std::chrono::steady_clock::now() + kOfflineWaitLimit;
  auto fake = server_->write_fake_binlog();
  if (!fake.is_ok()) {
    spdlog::warn("closing: fake binlog failed: {}", fake.status().to_string());
    return;
  }
  while (std::chrono::steady_clock::now() < deadline &&
         (store_->max_commit_ts() < *fake || !store_->all_matched())) {
    store_->wait_for_progress(*fake - 1, std::chrono::milliseconds(200));
  }
  const int64_t target = store_->max_commit_ts();
  while (std::chrono::steady_clock::now() < deadline) {
    auto drainers = registry_->list(registry::NodeKind::kDrainer);
    if (!drainers.is_ok()) break;
    bool caught_up = true;
    for (const auto& drainer : *drainers) {
      if (drainer.state != registry::kOffline && drainer.max_commit_ts < target) caught_up = false;
    }
    if (caught_up) return;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  spdlog::warn("closing: drainers did not catch up with {} within {} s; going offline anyway",
               target, kOfflineWaitLimit.count());
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
  if (final_state == registry::kOffline && server_ != nullptr && store_ != nullptr) {
    wait_safe_to_offline();
  }
  if (server_ != nullptr) server_->stop();
  if (http_ != nullptr) http_->stop();
  gc_.reset();  // joins the GC thread before the store goes
  if (store_ != nullptr) store_->shutdown();
  Status status;
  if (registered_ && !final_state.empty()) {
    status = put_status(final_state);
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
  http_->handle_post("/debug/gc/trigger",
                     [this](const httplib::Request&, httplib::Response& response) {
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
                       response.set_content(body.dump(), "application/json");
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
    body["ErrMsg"] = error;
    response.set_content(body.dump(), "application/json");
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
