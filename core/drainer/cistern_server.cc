#include "core/drainer/cistern_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/net/grpc_listen.h"

namespace sluice::drainer {

CisternServer::~CisternServer() {
  stop();
}

Status CisternServer::start(const std::string& address) {
  grpc::ServerBuilder builder;
  builder.RegisterService(this);
  SLUICE_ASSIGN_OR_RETURN(net::GrpcServerHandle handle,
                          net::start_grpc_server(builder, address, credentials_));
  server_ = std::move(handle.server);
  port_ = handle.port;
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
  if (!on_notify_) return grpc::Status::OK;
  Status refreshed = on_notify_();
  if (refreshed.is_ok()) return grpc::Status::OK;
  spdlog::warn("Notify from {}: looking for pumps failed: {}", context->peer(),
               refreshed.to_string());
  return grpc::Status(grpc::StatusCode::UNAVAILABLE, refreshed.message());
}

}  // namespace sluice::drainer
