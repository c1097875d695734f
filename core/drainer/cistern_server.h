#pragma once
// CisternServer: the drainer's gRPC service (binlog.Cistern, facts §1). Notify is what a pump
// calls when it registers for the first time: the drainer looks for pumps before it answers, so
// an OK means "this drainer pulls you now" (the pump takes prewrites only then); an error from
// the callback is answered UNAVAILABLE and the pump asks again. DumpBinlog and DumpDDLJobs answer
// UNIMPLEMENTED, as the original drainer does in practice (nothing calls them). Lifetime: start()
// once, stop() (also the destructor) once. The notify callback runs on a gRPC thread and must be
// thread-safe; it may take as long as one registry read.

#include <grpcpp/grpcpp.h>

#include <functional>
#include <memory>
#include <string>

#include "core/common/result.h"
#include "core/proto/pump.grpc.pb.h"

namespace sluice::drainer {

class CisternServer final : public binlog::Cistern::Service {
 public:
  // `credentials` null: plaintext.
  explicit CisternServer(std::function<Status()> on_notify,
                         std::shared_ptr<grpc::ServerCredentials> credentials = nullptr)
      : on_notify_(std::move(on_notify)),
        tls_(credentials != nullptr),
        credentials_(std::move(credentials)) {}
  ~CisternServer() override;

  // Listens on `address` ("host:port"; port 0 = any free port).
  Status start(const std::string& address);
  int port() const { return port_; }
  void stop();

  grpc::Status Notify(grpc::ServerContext* context, const binlog::NotifyReq* request,
                      binlog::NotifyResp* response) override;

 private:
  std::function<Status()> on_notify_;
  bool tls_;
  std::shared_ptr<grpc::ServerCredentials> credentials_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace sluice::drainer
