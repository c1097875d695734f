#include "tests/sdk/producer/fake_pump_server.h"

#include <cstdio>
#include <cstdlib>

namespace sluice::producer::testing {

FakePumpServer::FakePumpServer() {
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service_);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || port <= 0) {
    std::fprintf(stderr, "fake pump server did not start\n");
    std::abort();
  }
  address_ = "127.0.0.1:" + std::to_string(port);
}

FakePumpServer::~FakePumpServer() {
  shutdown();
}

void FakePumpServer::shutdown() {
  if (server_ == nullptr) return;
  set_behaviour(PumpBehaviour::kOk);  // release hanging calls
  server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  server_->Wait();
  server_.reset();
}

void FakePumpServer::set_behaviour(PumpBehaviour behaviour, std::string message) {
  std::lock_guard lock(mutex_);
  behaviour_ = behaviour;
  message_ = std::move(message);
  arrived_.notify_all();
}

grpc::Status FakePumpServer::Service::WriteBinlog(grpc::ServerContext* context,
                                                  const binlog::WriteBinlogReq* request,
                                                  binlog::WriteBinlogResp* response) {
  std::unique_lock lock(owner_.mutex_);
  const PumpBehaviour behaviour = owner_.behaviour_;
  owner_.received_.push_back({*request, behaviour == PumpBehaviour::kOk});
  owner_.arrived_.notify_all();
  switch (behaviour) {
    case PumpBehaviour::kHang:
      while (owner_.behaviour_ == PumpBehaviour::kHang && !context->IsCancelled()) {
        owner_.arrived_.wait_for(lock, std::chrono::milliseconds(10));
      }
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, "released");
    case PumpBehaviour::kOk:
      return grpc::Status::OK;
    case PumpBehaviour::kErrmsg:
      // Like the original pump on a storage error: errmsg filled, status OK.
      response->set_errmsg(owner_.message_);
      return grpc::Status::OK;
    case PumpBehaviour::kUnavailable:
      return grpc::Status(grpc::StatusCode::UNAVAILABLE, owner_.message_);
    case PumpBehaviour::kResourceExhausted:
      return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, owner_.message_);
  }
  return grpc::Status::OK;
}

std::vector<ReceivedRequest> FakePumpServer::received() const {
  std::lock_guard lock(mutex_);
  return received_;
}

size_t FakePumpServer::received_count() const {
  std::lock_guard lock(mutex_);
  return received_.size();
}

std::vector<binlog::Binlog> FakePumpServer::accepted_binlogs() const {
  std::lock_guard lock(mutex_);
  std::vector<binlog::Binlog> out;
  for (const auto& entry : received_) {
    if (!entry.accepted || entry.request.payload().empty()) continue;
    binlog::Binlog binlog;
    if (binlog.ParseFromString(entry.request.payload())) out.push_back(std::move(binlog));
  }
  return out;
}

bool FakePumpServer::wait_for_requests(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return arrived_.wait_for(lock, timeout, [&] { return received_.size() >= count; });
}

}  // namespace sluice::producer::testing
