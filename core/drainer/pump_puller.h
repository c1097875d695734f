#pragma once
// PumpPuller: one pump's stream into the merge (facts §6 "Pump discovery & pulling"). A thread
// calls binlog.Pump/PullBinlogs{clusterID, startFrom.offset = last received commit_ts} and pushes
// each entity into the Merger under the pump's node id; after any stream error it reconnects
// from the last received commit_ts after a back-off (1 s doubling to 2 s, reset by data; at once
// when the pump's registry record shows a restart), so
// nothing is skipped and nothing repeats. pause() ends the stream but keeps the pump's merge
// source (a paused pump stalls the merge, as in the original); resume() reconnects.
// Thread-safety: every public method may be called from any thread.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "core/common/result.h"
#include "core/drainer/drainer_metrics.h"
#include "core/merge/merger.h"

namespace sluice::drainer {

struct PumpPullerOptions {
  uint64_t cluster_id = 0;
  // Between reconnects: 1 s, doubling to 2 s (a connection attempt to a pump that is down costs
  // next to nothing, and a pump that is back is pulled within 2 s), or at once on retry_now().
  std::chrono::milliseconds initial_backoff{1000};
  std::chrono::milliseconds max_backoff{2000};
  // While the merge has no room for this pump's next binlog, a warning (and the blocked-seconds
  // metric) every this long; the puller waits for as long as it takes.
  std::chrono::milliseconds merge_stall_notice{10000};
  // gRPC receive limit of the pull stream (one binlog per message).
  int max_message_size = 256 << 20;
  // Credentials for the pump's gRPC port (TLS when [security] is set); null: insecure.
  std::shared_ptr<grpc::ChannelCredentials> credentials;
};

struct PumpPullerState {
  std::string pump_id;
  std::string address;
  int64_t last_ts = 0;     // last commit_ts received (the reconnect point)
  std::string state;       // "pulling", "paused", "connecting", "retrying", "failed", "stopped"
  std::string last_error;  // the last stream error, "" when none since the last data
  uint64_t received = 0;   // entities received
  uint64_t reconnects = 0;
};

class PumpPuller {
 public:
  PumpPuller(std::string pump_id, std::string address, int64_t start_after, merge::Merger& merger,
             PumpPullerOptions options, DrainerMetrics* metrics = nullptr);
  ~PumpPuller();
  PumpPuller(const PumpPuller&) = delete;
  PumpPuller& operator=(const PumpPuller&) = delete;

  void start();
  void pause();
  void resume();
  // Ends the stream and joins the thread. Idempotent.
  void stop();
  // The pump moved (its registry record has another address): reconnect there.
  void set_address(const std::string& address);
  // The pump's registry record says it serves again (a restart): a back-off under way ends now.
  void retry_now();

  PumpPullerState state() const;
  const std::string& pump_id() const { return pump_id_; }
  bool paused() const;
  // Set when the pump sent bytes that are not a binlog: fatal to the drainer, as in the original.
  std::optional<Status> failure() const;

 private:
  void run();
  // One stream: returns its final gRPC status (OK when cancelled on purpose).
  grpc::Status pull_once(const std::string& address);
  void cancel_stream();

  const std::string pump_id_;
  merge::Merger& merger_;
  const PumpPullerOptions options_;
  DrainerMetrics* metrics_;
  DrainerMetrics::PumpSeries series_;

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::string address_;
  bool paused_ = false;
  bool stop_ = false;
  bool address_changed_ = false;
  bool retry_now_ = false;
  std::string state_ = "connecting";
  std::string last_error_;
  std::optional<Status> failure_;
  uint64_t reconnects_ = 0;
  grpc::ClientContext* context_ = nullptr;  // the live stream's, to cancel it
  std::atomic<int64_t> last_ts_;
  std::atomic<uint64_t> received_{0};
  std::thread thread_;
};

}  // namespace sluice::drainer
