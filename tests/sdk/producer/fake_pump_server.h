#pragma once
// FakePumpServer: a real gRPC server on 127.0.0.1 (port chosen by the kernel) implementing
// binlog.Pump/WriteBinlog. It records every request it receives and answers as told: success,
// an errmsg, a gRPC UNAVAILABLE or RESOURCE_EXHAUSTED status, or not at all; shutdown() closes
// the port. Owns
// its server; thread-safe (gRPC handler threads record while the test reads).

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <grpcpp/grpcpp.h>

#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"

namespace sluice::producer::testing {

// kHang: the call blocks until the behaviour changes or the client cancels it.
enum class PumpBehaviour { kOk, kErrmsg, kUnavailable, kResourceExhausted, kHang };

struct ReceivedRequest {
  binlog::WriteBinlogReq request;
  bool accepted = false;  // answered with success
};

class FakePumpServer {
 public:
  // Starts listening; aborts the test binary when the server cannot start.
  FakePumpServer();
  ~FakePumpServer();

  FakePumpServer(const FakePumpServer&) = delete;
  FakePumpServer& operator=(const FakePumpServer&) = delete;

  const std::string& address() const { return address_; }
  void set_behaviour(PumpBehaviour behaviour, std::string message = "pump refuses on purpose");
  void shutdown();

  std::vector<ReceivedRequest> received() const;
  size_t received_count() const;
  // Payloads of accepted requests with a payload (probes left out), decoded.
  std::vector<binlog::Binlog> accepted_binlogs() const;
  // Waits until `count` requests arrived; false on timeout.
  bool wait_for_requests(size_t count, std::chrono::milliseconds timeout) const;

 private:
  class Service : public binlog::Pump::Service {
   public:
    explicit Service(FakePumpServer& owner) : owner_(owner) {}
    grpc::Status WriteBinlog(grpc::ServerContext* context, const binlog::WriteBinlogReq* request,
                             binlog::WriteBinlogResp* response) override;

   private:
    FakePumpServer& owner_;
  };

  Service service_{*this};
  std::unique_ptr<grpc::Server> server_;
  std::string address_;

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  PumpBehaviour behaviour_ = PumpBehaviour::kOk;
  std::string message_;
  std::vector<ReceivedRequest> received_;
};

}  // namespace sluice::producer::testing
