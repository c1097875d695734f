#include "core/pump/drainer_notifier.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

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

void DrainerNotifier::cancel() {
  std::lock_guard lock(mutex_);
  cancelled_ = true;
  if (in_flight_ != nullptr) in_flight_->TryCancel();
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
