#include "core/drainer/cistern_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sluice::drainer {

CisternServer::~CisternServer() {
  stop();
}

Status CisternServer::start(const std::string& address) {
  grpc::ServerBuilder builder;
  int selected_port = 0;
  builder.AddListeningPort(address, credentials_ ? credentials_ : grpc::InsecureServerCredentials(),
                           &selected_port);
  // gRPC sets SO_REUSEPORT by default, which would let a second drainer bind the same port.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.RegisterService(this);
  server_ = builder.BuildAndStart();
  if (server_ == nullptr || selected_port == 0) {
    server_.reset();
    return Status::unavailable(
        fmt::format("cannot listen for gRPC on {} (address in use or invalid?)", address));
  }
  port_ = selected_port;
  spdlog::info("drainer gRPC (Cistern) listening on {} (port {}{})", address, port_,
               tls_ ? ", TLS" : "");
  return Status::ok();
}

void CisternServer::stop() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_.reset();
  }
}

grpc::Status CisternServer::Notify(grpc::ServerContext* context, const binlog::NotifyReq*,
                                   binlog::NotifyResp*) {
  spdlog::info("Notify from {}: looking for pumps now", context->peer());
  if (on_notify_) on_notify_();
  return grpc::Status::OK;
}

}  // namespace sluice::drainer
