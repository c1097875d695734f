#include "core/pump/drainer_notifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <set>

#include "core/proto/pump.grpc.pb.h"

namespace sluice::pump {

DrainerNotifier::DrainerNotifier(registry::Registry& registry,
                                 std::shared_ptr<grpc::ChannelCredentials> credentials,
                                 std::chrono::milliseconds deadline)
    : registry_(registry), credentials_(std::move(credentials)), deadline_(deadline) {}

DrainerNotifier::~DrainerNotifier() {
  cancel();
  if (thread_.joinable()) thread_.join();
}

void DrainerNotifier::start() {
  thread_ = std::thread([this] { (void)notify_all(); });
}

void DrainerNotifier::start_until_acknowledged(
    std::function<bool(const registry::NodeStatus&)> counts,
    std::function<void()> on_all_acknowledged) {
  thread_ = std::thread([this, counts = std::move(counts), done = std::move(on_all_acknowledged)] {
    notify_until_acknowledged(counts, done);
  });
}

void DrainerNotifier::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  if (in_flight_ != nullptr) in_flight_->TryCancel();
  cancelled_cv_.notify_all();
}

bool DrainerNotifier::wait_unless_cancelled(std::chrono::milliseconds delay) {
  std::unique_lock lock(mutex_);
  return !cancelled_cv_.wait_for(lock, delay, [&] { return cancelled_; });
}

void DrainerNotifier::notify_until_acknowledged(
    const std::function<bool(const registry::NodeStatus&)>& counts,
    const std::function<void()>& on_all_acknowledged) {
  std::set<std::string> acknowledged;  // node id @ host
  auto backoff = std::chrono::milliseconds(1000);
  for (int round = 1;; ++round) {
    std::vector<std::string> waiting;
    auto drainers = registry_.list(registry::NodeKind::kDrainer);
    if (!drainers.is_ok()) {
      waiting.push_back("(the registry cannot be read: " + drainers.status().message() + ")");
    } else {
      for (const registry::NodeStatus& drainer : *drainers) {
        if (drainer.state != registry::kOnline || !counts(drainer)) continue;
        const std::string key = drainer.node_id + "@" + drainer.host;
        if (acknowledged.count(key) != 0) continue;
        Status status = notify_one(drainer.host);
        if (status.code() == StatusCode::kAborted) return;
        if (status.is_ok()) {
          spdlog::info("drainer {} at {} acknowledged this pump", drainer.node_id, drainer.host);
          acknowledged.insert(key);
          continue;
        }
        waiting.push_back(
            fmt::format("{} at {} ({})", drainer.node_id, drainer.host, status.message()));
      }
    }
    if (waiting.empty()) {
      on_all_acknowledged();
      return;
    }
    std::string names;
    for (const std::string& name : waiting)
      names += (names.empty() ? "" : ", ") + name;
    spdlog::warn(
        "pump refuses prewrites until every live drainer has acknowledged it; still waiting for "
        "{} (try {}, next in {} ms)",
        names, round, backoff.count());
    if (!wait_unless_cancelled(backoff)) return;
    backoff = std::min(backoff * 2, std::chrono::milliseconds(5000));
  }
}

std::vector<NotifyOutcome> DrainerNotifier::notify_all() {
  std::vector<NotifyOutcome> outcomes;
  auto drainers = registry_.list(registry::NodeKind::kDrainer);
  if (!drainers.is_ok()) {
    spdlog::warn("notify drainers: cannot list drainers: {}", drainers.status().to_string());
    return outcomes;
  }
  for (const registry::NodeStatus& drainer : *drainers) {
    if (drainer.state != registry::kOnline) continue;
    Status status = notify_one(drainer.host);
    if (status.is_ok()) {
      spdlog::info("notified drainer {} at {}", drainer.node_id, drainer.host);
    } else {
      spdlog::warn("notify drainer {} at {} failed: {}", drainer.node_id, drainer.host,
                   status.message());
    }
    outcomes.push_back({drainer.node_id, drainer.host, std::move(status)});
  }
  return outcomes;
}

Status DrainerNotifier::notify_one(const std::string& host) {
  std::shared_ptr<grpc::Channel> channel = grpc::CreateChannel(host, credentials_);
  std::unique_ptr<binlog::Cistern::Stub> stub = binlog::Cistern::NewStub(channel);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + deadline_);
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return Status::aborted("cancelled: the pump is stopping");
    in_flight_ = &context;
  }
  binlog::NotifyReq request;
  binlog::NotifyResp response;
  grpc::Status status = stub->Notify(&context, request, &response);
  {
    std::lock_guard lock(mutex_);
    in_flight_ = nullptr;
  }
  if (status.ok()) return Status::ok();
  return Status::unavailable(
      fmt::format("gRPC {}: {}", static_cast<int>(status.error_code()), status.error_message()));
}

}  // namespace sluice::pump
