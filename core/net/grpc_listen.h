#pragma once
// Starting a gRPC server the way every Sluice daemon does: listen on "host:port" (port 0 = any
// free port) with the given credentials, without SO_REUSEPORT (gRPC's default would let a second
// daemon bind the same port silently), and fail naming the address when it cannot be bound.

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "core/common/result.h"

namespace sluice::net {

struct GrpcServerHandle {
  std::unique_ptr<grpc::Server> server;
  int port = 0;
};

// `builder` carries the services and any other options already; `credentials` null means
// plaintext. `also` names extra listening addresses for the message (e.g. a unix socket).
Result<GrpcServerHandle> start_grpc_server(grpc::ServerBuilder& builder, const std::string& address,
                                           std::shared_ptr<grpc::ServerCredentials> credentials,
                                           const std::string& also = "");

}  // namespace sluice::net
