#include "core/drainer/pump_puller.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <climits>

#include "core/proto/pump.grpc.pb.h"
#include "core/storage/binlog_header.h"

namespace sluice::drainer {

PumpPuller::PumpPuller(std::string pump_id, std::string address, int64_t start_after,
                       merge::Merger& merger, PumpPullerOptions options, DrainerMetrics* metrics)
    : pump_id_(std::move(pump_id)),
      merger_(merger),
      options_(std::move(options)),
      metrics_(metrics),
      series_(metrics ? metrics->pump_series(pump_id_) : DrainerMetrics::PumpSeries{}),
      address_(std::move(address)),
      last_ts_(start_after) {}

PumpPuller::~PumpPuller() {
  stop();
}

void PumpPuller::start() {
  thread_ = std::thread([this] { run(); });
}

void PumpPuller::pause() {
  std::lock_guard lock(mutex_);
  if (paused_) return;
  paused_ = true;
  spdlog::warn(
      "pump {} is paused: the drainer stops pulling it and the merge waits for it (lag grows "
      "until the pump is online again or taken offline)",
      pump_id_);
  if (context_) context_->TryCancel();
  changed_.notify_all();
}

void PumpPuller::resume() {
  std::lock_guard lock(mutex_);
  if (!paused_) return;
  paused_ = false;
  spdlog::info("pump {} is online again: pulling from commit_ts {}", pump_id_, last_ts_.load());
  changed_.notify_all();
}

void PumpPuller::stop() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
    if (context_) context_->TryCancel();
    changed_.notify_all();
  }
  if (thread_.joinable()) thread_.join();
}

void PumpPuller::retry_now() {
  std::lock_guard lock(mutex_);
  retry_now_ = true;
  changed_.notify_all();
}

void PumpPuller::set_address(const std::string& address) {
  std::lock_guard lock(mutex_);
  if (address == address_) return;
  spdlog::info("pump {} moved from {} to {}", pump_id_, address_, address);
  address_ = address;
  address_changed_ = true;
  if (context_) context_->TryCancel();
  changed_.notify_all();
}

std::optional<Status> PumpPuller::failure() const {
  std::lock_guard lock(mutex_);
  return failure_;
}

bool PumpPuller::paused() const {
  std::lock_guard lock(mutex_);
  return paused_;
}

PumpPullerState PumpPuller::state() const {
  std::lock_guard lock(mutex_);
  PumpPullerState out;
  out.pump_id = pump_id_;
  out.address = address_;
  out.last_ts = last_ts_.load();
  out.state = failure_ ? "failed" : stop_ ? "stopped" : (paused_ ? "paused" : state_);
  out.last_error = last_error_;
  out.received = received_.load();
  out.reconnects = reconnects_;
  return out;
}

void PumpPuller::run() {
  auto backoff = options_.initial_backoff;
  while (true) {
    std::string address;
    {
      std::unique_lock lock(mutex_);
      changed_.wait(lock, [&] { return stop_ || !paused_; });
      if (stop_) return;
      address = address_;
      address_changed_ = false;
      state_ = "connecting";
    }
    const uint64_t before = received_.load();
    const grpc::Status status = pull_once(address);
    std::unique_lock lock(mutex_);
    if (stop_ || failure_) return;
    if (paused_ || address_changed_) continue;  // cancelled on purpose
    if (status.error_code() == grpc::StatusCode::OUT_OF_RANGE) {
      // The pump purged binlogs this drainer has not received: going on would skip them.
      failure_ = Status::failed_precondition(fmt::format(
          "pump {} at {} no longer holds the binlogs this drainer needs after commit_ts {}: {}. "
          "The drainer stops rather than skip them; restore them (e.g. with reparo from a file "
          "sink) or restart the drainer past the gap with initial-commit-ts",
          pump_id_, address, last_ts_.load(), status.error_message()));
      spdlog::error("{}", failure_->message());
      if (metrics_) metrics_->count_error("purged_binlog");
      return;
    }
    if (received_.load() != before) backoff = options_.initial_backoff;
    ++reconnects_;
    last_error_ = status.ok() ? std::string("the pump ended the stream")
                              : fmt::format("{} ({})", status.error_message(),
                                            static_cast<int>(status.error_code()));
    state_ = "retrying";
    spdlog::warn("pulling from pump {} at {} stopped: {}; reconnecting from commit_ts {} in {} ms",
                 pump_id_, address, last_error_, last_ts_.load(), backoff.count());
    if (metrics_) metrics_->count_error("pull_binlog");
    retry_now_ = false;
    if (changed_.wait_for(lock, backoff, [&] { return stop_ || address_changed_ || retry_now_; }) &&
        retry_now_) {
      spdlog::info("pump {}: its registry record shows it serves again; reconnecting now",
                   pump_id_);
    }
    backoff = std::min(backoff * 2, options_.max_backoff);
  }
}

grpc::Status PumpPuller::pull_once(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(options_.max_message_size);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, 10000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, 5000);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_PERMIT_WITHOUT_CALLS, 1);
  auto credentials =
      options_.credentials ? options_.credentials : grpc::InsecureChannelCredentials();
  auto channel = grpc::CreateCustomChannel(address, credentials, arguments);
  auto stub = binlog::Pump::NewStub(channel);

  grpc::ClientContext context;
  {
    std::lock_guard lock(mutex_);
    if (stop_ || paused_ || address_changed_) return grpc::Status::OK;
    context_ = &context;
  }
  binlog::PullBinlogReq request;
  request.set_clusterid(options_.cluster_id);
  request.mutable_startfrom()->set_offset(last_ts_.load());
  auto reader = stub->PullBinlogs(&context, request);
  binlog::PullBinlogResp response;
  bool first = true;
  while (reader->Read(&response)) {
    if (first) {
      std::lock_guard lock(mutex_);
      state_ = "pulling";
      last_error_.clear();
      first = false;
    }
    binlog::Entity* entity = response.mutable_entity();
    merge::MergeItem item;
    item.source = pump_id_;
    int64_t start_ts = entity->meta().startts();
    item.commit_ts = entity->meta().committs();
    if (item.commit_ts == 0) {
      auto header = storage::scan_binlog_header(entity->payload());
      if (!header.is_ok()) {
        Status failure =
            Status::corruption(fmt::format("pump {} sent a malformed binlog after commit_ts {}: {}",
                                           pump_id_, last_ts_.load(), header.status().message()));
        spdlog::error("{}", failure.message());
        if (metrics_) metrics_->count_error("malformed_binlog");
        {
          std::lock_guard lock(mutex_);
          failure_ = std::move(failure);
        }
        context.TryCancel();
        break;
      }
      start_ts = header->start_ts;
      item.commit_ts = header->commit_ts;
    }
    item.fake = start_ts == item.commit_ts;
    const size_t bytes = entity->payload().size();
    item.payload = std::move(*entity->mutable_payload());
    const int64_t commit_ts = item.commit_ts;
    // Back-pressure: wait for room as long as it takes; the item is pushed again, never dropped.
    Status pushed = merger_.push(std::move(item), options_.merge_stall_notice);
    for (int notices = 1; pushed.code() == StatusCode::kUnavailable; ++notices) {
      const double waited =
          std::chrono::duration<double>(options_.merge_stall_notice).count() * notices;
      if (series_.blocked)
        series_.blocked->Increment(
            std::chrono::duration<double>(options_.merge_stall_notice).count());
      spdlog::warn(
          "pump {}: the merge has had no room for commit_ts {} for {:.0f} s; waiting (a slower "
          "pump or slow sinks hold it back)",
          pump_id_, commit_ts, waited);
      {
        std::lock_guard lock(mutex_);
        if (stop_) break;
      }
      pushed = merger_.push(std::move(item), options_.merge_stall_notice);
    }
    if (!pushed.is_ok()) {
      // Stopped, or the source was retired: end the stream; nothing is marked received.
      context.TryCancel();
      break;
    }
    last_ts_.store(std::max(last_ts_.load(), commit_ts));
    received_.fetch_add(1);
    series_.observe_pulled(bytes, commit_ts);
  }
  grpc::Status status = reader->Finish();
  std::lock_guard lock(mutex_);
  context_ = nullptr;
  return status;
}

}  // namespace sluice::drainer
