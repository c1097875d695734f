#pragma once
// EtcdWatcher: follows a key range of etcd on a background thread and calls back with every
// change, reconnecting (to the next endpoint when the current one is gone) from the revision
// after the last one delivered, so no change is missed across an etcd restart. When etcd has
// compacted the revisions the watcher needed, it calls back once with no events ("changed in an
// unknown way: list again") and continues from the compaction point.
// Owns its thread; the destructor cancels the stream and joins. The client must outlive the
// watcher. The callback runs on the watcher's thread, one call at a time; it must not destroy
// the watcher.

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "core/proto/etcd_kv.pb.h"
#include "core/registry/etcd_client.h"

namespace sluice::registry {

class EtcdWatcher {
 public:
  // `events` empty: a compaction hid what changed. `revision`: the store revision they bring.
  using Callback = std::function<void(const std::vector<mvccpb::Event>& events, int64_t revision)>;

  // Watches [key, range_end) (range_end "" = the key alone) from `start_revision` (0 = from the
  // moment the watch is set up).
  EtcdWatcher(EtcdClient& client, std::string key, std::string range_end, int64_t start_revision,
              Callback callback);
  ~EtcdWatcher();
  EtcdWatcher(const EtcdWatcher&) = delete;
  EtcdWatcher& operator=(const EtcdWatcher&) = delete;

  // True once the first watch stream is established (for callers that must not miss the change
  // they are about to make; start_revision is the other way).
  bool wait_until_established(std::chrono::milliseconds timeout);

 private:
  void run();
  // One stream: returns when it breaks or stop is asked.
  void watch_once(size_t endpoint);

  EtcdClient& client_;
  std::string key_;
  std::string range_end_;
  int64_t next_revision_;
  Callback callback_;
  // The watcher's own channels, one per endpoint: a long-lived stream and its reconnects stay
  // apart from the client's requests.
  std::vector<std::shared_ptr<grpc::Channel>> channels_;

  std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  bool established_ = false;
  grpc::ClientContext* active_ = nullptr;  // the running stream's context, for TryCancel
  std::thread thread_;
};

}  // namespace sluice::registry
