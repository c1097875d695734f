#include "core/drainer/pump_collector.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <set>

#include "core/registry/node_status.h"

namespace sluice::drainer {

Status PumpCollector::refresh() {
  auto listed = registry_.list(registry::NodeKind::kPump);
  if (!listed.is_ok()) return listed.status().with_context("listing pumps in the registry");
  const std::vector<registry::NodeStatus> pumps = std::move(listed).value();
  std::set<std::string> seen;
  std::vector<std::unique_ptr<PumpPuller>> retired;
  {
    std::lock_guard lock(mutex_);
    for (const registry::NodeStatus& pump : pumps) {
      seen.insert(pump.node_id);
      auto last_seen = update_ts_.find(pump.node_id);
      const bool record_changed =
          last_seen != update_ts_.end() && last_seen->second != pump.update_ts;
      update_ts_[pump.node_id] = pump.update_ts;
      auto found = pullers_.find(pump.node_id);
      if (pump.state == registry::kOffline) {
        if (found == pullers_.end()) continue;
        spdlog::info("pump {} is offline: merging what it sent, then no longer waiting for it",
                     pump.node_id);
        retired.push_back(std::move(found->second));
        pullers_.erase(found);
        continue;
      }
      if (found == pullers_.end()) {
        const int64_t start = std::max(start_ts_, merger_.last_emitted_ts());
        Status added = merger_.add_source(pump.node_id, start);
        if (!added.is_ok() && added.code() != StatusCode::kAlreadyExists) return added;
        auto puller = std::make_unique<PumpPuller>(pump.node_id, pump.host, start, merger_,
                                                   options_, metrics_);
        spdlog::info("found pump {} at {} ({}): pulling binlogs after commit_ts {}", pump.node_id,
                     pump.host, pump.state, start);
        if (pump.state == registry::kPaused) puller->pause();
        puller->start();
        pullers_.emplace(pump.node_id, std::move(puller));
        continue;
      }
      PumpPuller& puller = *found->second;
      puller.set_address(pump.host);
      // A restarted pump writes a new record (a new updateTS) once it serves: a puller waiting
      // out a back-off after losing it reconnects now.
      if (record_changed && pump.state == registry::kOnline && puller.state().state == "retrying") {
        puller.retry_now();
      }
      if (pump.state == registry::kPaused) {
        puller.pause();
      } else if (pump.state == registry::kOnline) {
        puller.resume();
      }
    }
    for (auto it = pullers_.begin(); it != pullers_.end();) {
      if (seen.count(it->first) != 0) {
        ++it;
        continue;
      }
      spdlog::warn("pump {}'s record is gone from the registry: treating it as offline", it->first);
      retired.push_back(std::move(it->second));
      it = pullers_.erase(it);
    }
  }
  for (auto& puller : retired) {
    const std::string id = puller->pump_id();
    puller->stop();
    (void)merger_.retire_source(id);
  }
  return Status::ok();
}

void PumpCollector::stop_all() {
  std::map<std::string, std::unique_ptr<PumpPuller>> pullers;
  {
    std::lock_guard lock(mutex_);
    pullers.swap(pullers_);
  }
  for (auto& [id, puller] : pullers)
    puller->stop();
}

std::vector<PumpPullerState> PumpCollector::states() const {
  std::lock_guard lock(mutex_);
  std::vector<PumpPullerState> out;
  for (const auto& [id, puller] : pullers_)
    out.push_back(puller->state());
  return out;
}

std::optional<Status> PumpCollector::failure() const {
  std::lock_guard lock(mutex_);
  for (const auto& [id, puller] : pullers_) {
    if (auto failed = puller->failure()) return failed;
  }
  return std::nullopt;
}

size_t PumpCollector::size() const {
  std::lock_guard lock(mutex_);
  return pullers_.size();
}

}  // namespace sluice::drainer
