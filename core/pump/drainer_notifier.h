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
  // Notifies every online drainer in turn and logs each outcome; returns them. Drainers in any
  // other state are not called.
  std::vector<NotifyOutcome> notify_all();
  // Cancels the call in flight and skips the rest.
  void cancel();

 private:
  Status notify_one(const std::string& host);

  registry::Registry& registry_;
  const std::shared_ptr<grpc::ChannelCredentials> credentials_;
  const std::chrono::milliseconds deadline_;
  std::thread thread_;
  std::mutex mutex_;
  bool cancelled_ = false;                    // guarded by mutex_
  grpc::ClientContext* in_flight_ = nullptr;  // guarded by mutex_
};

}  // namespace sluice::pump
