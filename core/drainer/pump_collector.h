#pragma once
// PumpCollector: keeps one PumpPuller per pump the registry lists (facts §6 "Pump discovery"),
// refreshed every detect-interval and at once on Notify:
//   new pump, not offline   -> a merge source and a puller from max(start ts, last merged ts)
//   paused                  -> stop pulling (the merge waits for it: logged, shown on /status)
//   online                  -> pull (again)
//   pausing, closing        -> no change
//   offline, or its record removed -> stop pulling and retire its merge source (what it sent
//                              is still merged; the pump only goes offline once drained)
// Thread-safety: refresh() from one thread at a time (the node's housekeeping thread); the
// accessors from any thread.

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"
#include "core/drainer/drainer_metrics.h"
#include "core/drainer/pump_puller.h"
#include "core/merge/merger.h"
#include "core/registry/registry.h"

namespace sluice::drainer {

class PumpCollector {
 public:
  PumpCollector(registry::Registry& registry, merge::Merger& merger, PumpPullerOptions options,
                int64_t start_ts, DrainerMetrics* metrics = nullptr)
      : registry_(registry),
        merger_(merger),
        options_(std::move(options)),
        start_ts_(start_ts),
        metrics_(metrics) {}
  ~PumpCollector() { stop_all(); }

  // One discovery pass over the registry.
  Status refresh();
  // Stops every puller (the merge sources stay until the merger stops).
  void stop_all();

  std::vector<PumpPullerState> states() const;
  // A puller's fatal error (a pump sent something that is not a binlog).
  std::optional<Status> failure() const;
  size_t size() const;

 private:
  registry::Registry& registry_;
  merge::Merger& merger_;
  const PumpPullerOptions options_;
  const int64_t start_ts_;
  DrainerMetrics* metrics_;
  mutable std::mutex mutex_;
  std::map<std::string, std::unique_ptr<PumpPuller>> pullers_;
  std::map<std::string, int64_t> update_ts_;  // each pump's record as last seen
};

}  // namespace sluice::drainer
