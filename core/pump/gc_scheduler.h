#pragma once
// GcScheduler: runs the pump's GC every `interval` (the original: hourly) and on demand
// (POST /debug/gc/trigger): reads the drainers from the registry, decides with decide_gc() and
// purges the store below the decision's effective point. Logs and counts what it decided.
// Borrows the store, registry and TSO, which must outlive it. Thread-safe; stops in the destructor.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "core/metrics/metrics_registry.h"
#include "core/pump/gc_policy.h"
#include "core/registry/registry.h"
#include "core/storage/binlog_store.h"
#include "core/tso/tso_source.h"

namespace sluice::pump {

class GcScheduler {
 public:
  GcScheduler(storage::BinlogStore& store, registry::Registry& registry, tso::TsoSource& tso,
              metrics::MetricsRegistry* metrics, GcPolicyOptions policy,
              std::chrono::milliseconds interval);
  ~GcScheduler();
  GcScheduler(const GcScheduler&) = delete;
  GcScheduler& operator=(const GcScheduler&) = delete;

  // Starts the periodic thread (interval 0: no thread, run_once() only).
  void start();
  // One GC pass now; returns the decision it applied.
  Result<GcDecision> run_once();
  void stop();

 private:
  void loop();

  storage::BinlogStore& store_;
  registry::Registry& registry_;
  tso::TsoSource& tso_;
  GcPolicyOptions policy_;
  std::chrono::milliseconds interval_;
  prometheus::Family<prometheus::Counter>* purge_detected_ = nullptr;
  prometheus::Family<prometheus::Counter>* at_risk_ = nullptr;
  prometheus::Gauge* protect_gauge_ = nullptr;
  std::mutex run_mutex_;  // one pass at a time
  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace sluice::pump
