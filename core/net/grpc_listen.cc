#include "core/net/grpc_listen.h"

#include <fmt/format.h>

namespace sluice::net {

Result<GrpcServerHandle> start_grpc_server(grpc::ServerBuilder& builder, const std::string& address,
                                           std::shared_ptr<grpc::ServerCredentials> credentials,
                                           const std::string& also) {
  GrpcServerHandle handle;
  builder.AddListeningPort(address,
                           credentials ? std::move(credentials) : grpc::InsecureServerCredentials(),
                           &handle.port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  handle.server = builder.BuildAndStart();
  if (handle.server == nullptr || handle.port == 0) {
    return Status::unavailable(
        fmt::format("cannot listen for gRPC on {}{} (address in use or "
                    "invalid?)",
                    address, also.empty() ? "" : " and " + also));
  }
  return handle;
}

}  // namespace sluice::net
