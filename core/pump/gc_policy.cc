#include "core/pump/gc_policy.h"

#include "core/tso/tso.h"

namespace sluice::pump {

GcDecision decide_gc(int64_t now_ts, const std::vector<registry::NodeStatus>& drainers,
                     const GcPolicyOptions& options) {
  GcDecision decision;
  decision.gc_ts = tso::subtract(now_ts, options.retention);
  const int64_t now_ms = tso::physical_ms(now_ts);
  const int64_t warn_until =
      tso::compose(tso::physical_ms(decision.gc_ts) + options.warn_margin.count(), 0);
  for (const auto& drainer : drainers) {
    if (drainer.state == registry::kOffline) continue;
    const bool fresh = now_ms - tso::physical_ms(drainer.update_ts) <= options.fresh_within.count();
    if (!fresh) {
      decision.stale.push_back(drainer.node_id);
      if (drainer.max_commit_ts < decision.gc_ts) decision.purged_for.push_back(drainer.node_id);
      continue;
    }
    decision.protecting.push_back(drainer.node_id);
    if (drainer.max_commit_ts < decision.protect_from_ts) {
      decision.protect_from_ts = drainer.max_commit_ts;
    }
    if (drainer.max_commit_ts < warn_until) decision.at_risk.push_back(drainer.node_id);
  }
  return decision;
}

}  // namespace sluice::pump
