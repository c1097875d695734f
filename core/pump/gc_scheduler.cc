#include "core/pump/gc_scheduler.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include "core/tso/tso.h"

namespace sluice::pump {

GcScheduler::GcScheduler(storage::BinlogStore& store, registry::Registry& registry,
                         tso::TsoSource& tso, metrics::MetricsRegistry* metrics,
                         GcPolicyOptions policy, std::chrono::milliseconds interval)
    : store_(store), registry_(registry), tso_(tso), policy_(policy), interval_(interval) {
  if (metrics != nullptr) {
    purge_detected_ =
        &prometheus::BuildCounter()
             .Name("binlog_pump_detected_drainer_binlog_purge_count")
             .Help("GC passes that purged binlogs a silent (stale) drainer had not pulled")
             .Register(metrics->get());
    at_risk_ = &prometheus::BuildCounter()
                    .Name("sluice_pump_gc_drainer_at_risk_total")
                    .Help("GC passes that found an alive drainer close to the GC point")
                    .Register(metrics->get());
    protect_gauge_ = &prometheus::BuildGauge()
                          .Name("sluice_pump_gc_protected_from_ts")
                          .Help("physical ms of the oldest checkpoint an alive drainer holds GC at")
                          .Register(metrics->get())
                          .Add({});
  }
}

GcScheduler::~GcScheduler() {
  stop();
}

void GcScheduler::start() {
  if (interval_.count() <= 0 || thread_.joinable()) return;
  thread_ = std::thread([this] { loop(); });
}

void GcScheduler::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void GcScheduler::loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    auto decision = run_once();
    if (!decision.is_ok()) spdlog::error("gc: {}", decision.status().message());
    lock.lock();
  }
}

Result<GcDecision> GcScheduler::run_once() {
  std::lock_guard run(run_mutex_);
  SLUICE_ASSIGN_OR_RETURN(int64_t now, tso_.next());
  SLUICE_ASSIGN_OR_RETURN(auto drainers, registry_.list(registry::NodeKind::kDrainer));
  GcDecision decision = decide_gc(now, drainers, policy_);
  for (const auto& id : decision.stale) {
    spdlog::warn("gc: drainer {} has not sent a heartbeat for over {} s; it does not hold GC back",
                 id,
                 std::chrono::duration_cast<std::chrono::seconds>(policy_.fresh_within).count());
  }
  for (const auto& id : decision.purged_for) {
    spdlog::error("gc: purging binlogs below {} that silent drainer {} has not pulled",
                  tso::format(decision.gc_ts), id);
    if (purge_detected_ != nullptr) purge_detected_->Add({{"id", id}}).Increment();
  }
  for (const auto& id : decision.at_risk) {
    spdlog::warn(
        "gc: drainer {} is close to the GC point {}: while it is alive GC waits for it, "
        "but if it stops its unpulled binlogs will be purged",
        id, tso::format(decision.gc_ts));
    if (at_risk_ != nullptr) at_risk_->Add({{"id", id}}).Increment();
  }
  if (protect_gauge_ != nullptr &&
      decision.protect_from_ts != std::numeric_limits<int64_t>::max()) {
    protect_gauge_->Set(static_cast<double>(tso::physical_ms(decision.protect_from_ts)));
  }
  SLUICE_RETURN_IF_ERROR(store_.gc(decision.gc_ts, decision.protect_from_ts));
  spdlog::info("gc: gc_ts {} ({}), held at {} by {} alive drainer(s)", decision.gc_ts,
               tso::format(decision.gc_ts),
               decision.protect_from_ts == std::numeric_limits<int64_t>::max()
                   ? std::string("nothing")
                   : std::to_string(decision.protect_from_ts),
               decision.protecting.size());
  return decision;
}

}  // namespace sluice::pump
