#pragma once
// PumpServer: the pump's gRPC service (binlog.Pump: WriteBinlog, PullBinlogs; facts §1, §5) on
// top of a BinlogStore, with the fake binlogs that let drainers advance past an idle pump:
//   - every fake_binlog_interval (the original's gen-binlog-interval, 3 s) when no WriteBinlog
//     arrived since the previous tick;
//   - when a PullBinlogs stream has sent nothing for idle_watermark_interval (Sluice, 200 ms)
//     and the store has no unmatched prewrite (so the fake moves the safe point at once).
// Fakes are {tp=Rollback, start_ts=commit_ts=TSO} written through the store, so they are durable
// and visible to every drainer.
//
// WriteBinlog uses gRPC's callback API: the handler stages the binlog with
// BinlogStore::write_async() and returns; the store's commit thread finishes the call after the
// fsync, so no gRPC thread waits for the disk. PullBinlogs (one long-lived stream per drainer)
// stays on the synchronous API; the wire paths are the same either way.
//
// Ownership: the store, the TSO source and the metrics registry are borrowed and must outlive
// the server. Lifetime: start() once, stop() (also run by the destructor) once; stop() returns
// after every WriteBinlog completion has run. Thread-safety: the RPC handlers run on gRPC's
// threads, WriteBinlog completions on the store's commit thread; set_state(), state(),
// write_fake_binlog() and port() may be called from any thread.

#include <grpcpp/grpcpp.h>
#include <prometheus/counter.h>
#include <prometheus/histogram.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/common/result.h"
#include "core/metrics/metrics_registry.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/storage/binlog_store.h"
#include "core/tso/tso_source.h"

namespace sluice::pump {

struct PumpServerOptions {
  uint64_t cluster_id = 0;
  // 0 disables; the original's gen-binlog-interval default is 3 s.
  std::chrono::milliseconds fake_binlog_interval{3000};
  // 0 disables the idle watermark.
  std::chrono::milliseconds idle_watermark_interval{200};
  // One store read per batch sent on a pull stream.
  size_t pull_batch_items = 256;
  size_t pull_batch_bytes = 4u << 20;
  // The largest WriteBinlog request taken (the original's max-message-size, whose default is
  // math.MaxInt32 - 4 MiB). 128 MiB here: TiDB caps a transaction at 100 MB when binlog is on,
  // and a 2 GiB request would be held in memory whole.
  int max_receive_message_size = 128 << 20;
  // Also listen on this unix socket ("unix:///tmp/pump.sock", the original's `socket`); "" none.
  std::string unix_socket;
  // TLS ([security], net::make_server_credentials); null serves plaintext.
  std::shared_ptr<grpc::ServerCredentials> credentials;
};

// The gRPC status a store failure maps to (UNKNOWN for a full or failing disk, as the original,
// so TiDB's pump client retries and fails over; UNAVAILABLE for "try again"; ...).
grpc::StatusCode to_grpc_code(StatusCode code);

class PumpServer final
    : public binlog::Pump::WithCallbackMethod_WriteBinlog<binlog::Pump::Service> {
 public:
  PumpServer(storage::BinlogStore& store, tso::TsoSource& tso, metrics::MetricsRegistry* metrics,
             PumpServerOptions options);
  ~PumpServer() override;
  PumpServer(const PumpServer&) = delete;
  PumpServer& operator=(const PumpServer&) = delete;

  // Listens on `address` ("host:port", port 0 = any free port) and starts the fake binlog
  // ticker. Fails naming the address when it cannot be bound (e.g. in use).
  Status start(const std::string& address);
  // The bound port (after start()).
  int port() const { return port_; }
  // Ends pull streams, stops the ticker and the gRPC server. Idempotent.
  void stop();

  // The node state ("online", "pausing", ...); prewrites are accepted only while online.
  void set_state(std::string state);
  std::string state() const;

  // While held (`why` non-empty), prewrites are refused with UNAVAILABLE and `why`, which TiDB's
  // pump client treats as "try another pump"; commits are still taken. A pump joining the
  // cluster is held until every live drainer knows it (pump_node.h).
  void hold_prewrites(std::string why);
  void release_prewrites() { hold_prewrites(""); }
  std::string prewrite_hold() const;

  // Writes one fake binlog through the store; returns its ts.
  Result<int64_t> write_fake_binlog();

  grpc::ServerUnaryReactor* WriteBinlog(grpc::CallbackServerContext* context,
                                        const binlog::WriteBinlogReq* request,
                                        binlog::WriteBinlogResp* response) override;
  grpc::Status PullBinlogs(grpc::ServerContext* context, const binlog::PullBinlogReq* request,
                           grpc::ServerWriter<binlog::PullBinlogResp>* writer) override;

 private:
  // Calls `done` exactly once, on this thread or on the store's commit thread; `response` must
  // stay valid until then.
  void write_binlog(const binlog::WriteBinlogReq& request, binlog::WriteBinlogResp& response,
                    std::function<void(grpc::Status)> done);
  grpc::Status pull_binlogs(grpc::ServerContext& context, const binlog::PullBinlogReq& request,
                            grpc::ServerWriter<binlog::PullBinlogResp>& writer);
  // Idle watermark: writes a fake unless another stream did so within half the interval.
  void maybe_write_watermark();
  void ticker_loop();
  void observe(const char* method, bool ok, std::chrono::steady_clock::time_point started);

  storage::BinlogStore& store_;
  tso::TsoSource& tso_;
  const PumpServerOptions options_;
  prometheus::Family<prometheus::Histogram>* rpc_duration_ = nullptr;
  prometheus::Counter* loss_binlog_ = nullptr;

  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
  std::thread ticker_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> written_since_tick_{false};

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  std::string state_ = "online";
  std::string prewrite_hold_;
  std::chrono::steady_clock::time_point last_watermark_{};
  std::mutex watermark_mutex_;  // one watermark writer at a time

  // WriteBinlog calls whose completion has not finished running; stop() waits for zero.
  std::mutex calls_mutex_;
  std::condition_variable calls_cv_;
  size_t calls_in_flight_ = 0;
};

}  // namespace sluice::pump
