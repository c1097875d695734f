#pragma once
// PumpClient: writes binlogs to pumps with the semantics of TiDB's pump client (tidb-tools
// tidb-binlog/pump_client; tidb-binlog-facts.md §5):
// - a pump is usable while its registry state is "online" and it has failed fewer than 10 times
//   in a row; selectors "range" (round-robin over usable pumps, the default) and "hash"
//   ((start_ts + retry) % usable pumps);
// - write_prewrite: the P-binlog goes to a selected pump; on failure other pumps are tried every
//   100 ms until more than write-timeout (15 s) has passed AND more attempts were made than there
//   are usable pumps; an error containing "ResourceExhausted" is not retried; gRPC UNAVAILABLE
//   drops the pump's channel so the next call reconnects; then every online pump that is
//   unusable for its errors is tried once; the final error names every pump tried and its last
//   error;
// - write_commit (Commit or Rollback binlog): to the pump that took the P-binlog of the same
//   start_ts, retried every second for up to 10 minutes; it returns early only when the client is
//   stopped; the start_ts is forgotten afterwards;
// - pumps unusable for their errors are probed every 30 s with an empty-payload WriteBinlogReq (a
//   pump answers it without storing anything) and usable again once one succeeds;
// - a non-empty WriteBinlogResp.errmsg is a failure, as is any gRPC error.
// Channels are insecure (TLS later), one per pump, created on first use.
//
// Create with create(); the client owns a probe thread, stopped and joined by the destructor.
// Thread-safe: any number of threads may write at once. The directory is shared and must be
// thread-safe.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/common/result.h"
#include "core/proto/binlog.pb.h"
#include "core/proto/pump.pb.h"
#include "sdk/producer/pump_directory.h"

namespace grpc {
class ClientContext;
}  // namespace grpc

namespace sluice::producer {

enum class PumpSelector { kRange, kHash };

// "range" or "hash" (TiDB's [binlog] strategy); "score" is as unimplemented here as in TiDB.
Result<PumpSelector> parse_pump_selector(std::string_view name);

struct PumpClientOptions {
  uint64_t cluster_id = 0;  // WriteBinlogReq.clusterID; pumps refuse other clusters' binlogs
  PumpSelector selector = PumpSelector::kRange;
  // TiDB [binlog] write-timeout: how long a P-binlog is retried on other pumps.
  std::chrono::milliseconds write_timeout{15'000};
  // Deadline of one WriteBinlog call; 0: write_timeout, as TiDB's client uses.
  std::chrono::milliseconds rpc_timeout{0};
  std::chrono::milliseconds retry_interval{100};           // between P-binlog attempts
  std::chrono::milliseconds commit_retry_interval{1'000};  // between C-binlog attempts
  std::chrono::milliseconds commit_timeout{600'000};       // C-binlog retries stop after 10 min
  std::chrono::milliseconds probe_interval{30'000};        // re-probe of unusable pumps
  int max_consecutive_errors = 10;                         // TiDB's defaultMaxErrNums
};

struct PumpStatus {
  PumpInfo info;
  int consecutive_errors = 0;
  bool usable = false;
};

class PumpClient {
  struct Token {
    explicit Token() = default;
  };

 public:
  static Result<std::unique_ptr<PumpClient>> create(std::shared_ptr<const PumpDirectory> directory,
                                                    PumpClientOptions options);
  // For create() only (the token is private): options are validated there.
  PumpClient(Token, std::shared_ptr<const PumpDirectory> directory, PumpClientOptions options);
  ~PumpClient();

  PumpClient(const PumpClient&) = delete;
  PumpClient& operator=(const PumpClient&) = delete;

  // Writes a Prewrite binlog; on success remembers the pump for its start_ts.
  Status write_prewrite(const binlog::Binlog& binlog);
  // Writes a Commit or Rollback binlog to the pump of its start_ts (any usable pump when that is
  // unknown). Aborted when the client is stopped meanwhile.
  Status write_commit(const binlog::Binlog& binlog);

  // Cancels calls in flight, makes waiting writes return Aborted and stops the probe thread;
  // later writes still run once.
  void stop();

  // The node id of the pump holding the P-binlog of `start_ts`, until its C-binlog is written.
  std::optional<std::string> pump_for(int64_t start_ts) const;
  // Every pump of the last directory listing, in its order.
  std::vector<PumpStatus> pumps() const;

 private:
  struct Pump;  // one pump: info, error count, gRPC channel
  struct Attempts;

  void refresh();
  bool usable(const Pump& pump) const;
  PumpInfo info_of(const Pump& pump) const;
  size_t usable_count() const;
  std::shared_ptr<Pump> select(int64_t start_ts, int retry);
  Status attempt(Pump& pump, const binlog::WriteBinlogReq& request);
  // Waits `interval` unless stopped; false when stopped.
  bool wait(std::chrono::milliseconds interval);
  void probe_loop();
  binlog::WriteBinlogReq request_for(const binlog::Binlog& binlog) const;

  const std::shared_ptr<const PumpDirectory> directory_;
  const PumpClientOptions options_;

  mutable std::mutex mutex_;
  std::condition_variable stop_cv_;
  bool stopping_ = false;
  std::vector<std::shared_ptr<Pump>> pumps_;              // directory order
  std::map<int64_t, std::shared_ptr<Pump>> by_start_ts_;  // TiDB's tsMap
  size_t range_offset_ = 0;
  std::set<grpc::ClientContext*> calls_;  // in flight, cancelled by stop()
  std::thread prober_;                    // last: started once everything above exists
};

}  // namespace sluice::producer
