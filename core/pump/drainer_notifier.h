#pragma once
// DrainerNotifier: what a pump does when it registers for the first time (no record, or its
// record says offline; facts §5 "States"): call binlog.Cistern/Notify on every drainer whose
// registry record is online, at the record's host, so the drainer re-reads the pump list at once
// instead of at its next poll. Each call has a short deadline; a drainer that does not answer is
// logged and skipped (deviation: the original retries three times and then refuses to start,
// but Sluice's drainers also find new pumps by polling the registry, so a missed Notify only
// delays them).
//
// Ownership: borrows the registry, which must outlive the notifier. Lifetime: start() once; the
// destructor cancels a call in flight and joins the thread. notify_all() may instead be run on
// the caller's thread. Thread-safety: cancel() may be called from any thread.

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/common/result.h"
#include "core/registry/registry.h"

namespace sluice::pump {

struct NotifyOutcome {
  std::string node_id;
  std::string host;
  Status status;
};

class DrainerNotifier {
 public:
  // 3 s: short enough that shutdown right after start is not held up long; a drainer on the
  // same network answers in milliseconds.
  static constexpr std::chrono::milliseconds kDefaultDeadline{3000};

  DrainerNotifier(registry::Registry& registry,
                  std::shared_ptr<grpc::ChannelCredentials> credentials,
                  std::chrono::milliseconds deadline = kDefaultDeadline);
  ~DrainerNotifier();
  DrainerNotifier(const DrainerNotifier&) = delete;
  DrainerNotifier& operator=(const DrainerNotifier&) = delete;

  // Runs notify_all() on a background thread.
  void start();
  // On a background thread: notifies every online drainer for which `counts` is true (a live
  // one), retrying those that fail (every 1 s, doubling to 5 s, logged) until each has answered,
  // then calls `on_all_acknowledged` once. Drainers that stop counting meanwhile (offline, or
  // silent past their heartbeat timeout) are no longer waited for. A Sluice drainer answers
  // Notify only once it pulls the pump, so after the callback no live drainer can miss a binlog
  // this pump takes. Ends early on cancel() without calling back.
  void start_until_acknowledged(std::function<bool(const registry::NodeStatus&)> counts,
                                std::function<void()> on_all_acknowledged);
  // Notifies every online drainer in turn and logs each outcome; returns them. Drainers in any
  // other state are not called.
  std::vector<NotifyOutcome> notify_all();
  // Cancels the call in flight and skips the rest.
  void cancel();

 private:
  Status notify_one(const std::string& host);
  void notify_until_acknowledged(const std::function<bool(const registry::NodeStatus&)>& counts,
                                 const std::function<void()>& on_all_acknowledged);
  // Waits `delay` unless cancelled first; false when cancelled.
  bool wait_unless_cancelled(std::chrono::milliseconds delay);

  registry::Registry& registry_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const std::chrono::milliseconds deadline_;
  std::thread thread_;
  std::mutex mutex_;
  std::condition_variable cancelled_cv_;
  bool cancelled_ = false;                    // guarded by mutex_
  grpc::ClientContext* in_flight_ = nullptr;  // guarded by mutex_
};

}  // namespace sluice::pump
