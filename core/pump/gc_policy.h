#pragma once
// How far the pump may purge (issue: "GC never deletes what an alive drainer has not pulled,
// stale drainers do not hold it back, and operators are warned before a drainer falls behind").
// The original swung between two failures: GC that waited for forgotten drainers filled disks;
// GC that did not wait purged binlogs a live drainer still needed. Here:
//   gc_ts           = now - retention                       (the original's gcTS)
//   protect_from_ts = min checkpoint (maxCommitTS) of the drainers that are not offline and whose
//                     heartbeat (updateTS) is fresh; the store never deletes at or above it
//   at risk         = alive drainers within `warn_margin` of gc_ts: a log line and a metric
//   stale           = not offline but silent longer than `fresh_within`: they do not hold GC back;
//                     if their checkpoint is below gc_ts, binlogs they never pulled are purged
//                     (the original's binlog_pump_detected_drainer_binlog_purge_count).
// Pure function; thread-safe.

#include <chrono>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/registry/node_status.h"

namespace sluice::pump {

struct GcPolicyOptions {
  std::chrono::hours retention{7 * 24};
  std::chrono::milliseconds fresh_within{std::chrono::minutes(10)};
  std::chrono::milliseconds warn_margin{std::chrono::hours(20)};  // the original's 20 h
};

struct GcDecision {
  int64_t gc_ts = 0;
  int64_t protect_from_ts = std::numeric_limits<int64_t>::max();
  std::vector<std::string> protecting;  // alive drainers
  std::vector<std::string> at_risk;     // alive, within warn_margin of gc_ts
  std::vector<std::string> stale;       // silent too long, not protected
  std::vector<std::string> purged_for;  // stale drainers whose unpulled binlogs gc_ts purges
  // The point the store will actually purge below.
  int64_t effective_ts() const { return gc_ts < protect_from_ts ? gc_ts : protect_from_ts; }
};

GcDecision decide_gc(int64_t now_ts, const std::vector<registry::NodeStatus>& drainers,
                     const GcPolicyOptions& options);

}  // namespace sluice::pump
