#include "core/merge/merger.h"

#include <fmt/format.h>

#include <algorithm>

namespace sluice::merge {

Status Merger::add_source(const std::string& id, int64_t after_ts) {
  std::lock_guard lock(mutex_);
  if (sources_.count(id) != 0) {
    return Status::already_exists(fmt::format("merge source {} exists already", id));
  }
  Source source;
  source.last_pushed_ts = after_ts;
  sources_.emplace(id, std::move(source));
  pushed_.notify_all();
  return Status::ok();
}

Status Merger::retire_source(const std::string& id) {
  std::lock_guard lock(mutex_);
  auto it = sources_.find(id);
  if (it == sources_.end()) return Status::not_found(fmt::format("no merge source {}", id));
  it->second.retiring = true;
  if (it->second.queue.empty()) sources_.erase(it);
  pushed_.notify_all();  // a retired source may have been the one the merge waited for
  popped_.notify_all();
  return Status::ok();
}

bool Merger::has_source(const std::string& id) const {
  std::lock_guard lock(mutex_);
  return sources_.count(id) != 0;
}

Status Merger::push(MergeItem&& item, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  auto it = sources_.find(item.source);
  if (it == sources_.end()) {
    return Status::not_found(fmt::format("no merge source {}", item.source));
  }
  if (item.commit_ts <= it->second.last_pushed_ts) {
    // A pump's stream is strictly increasing; anything else is a replay after a reconnect.
    ++stats_.disorder;
    return Status::ok();
  }
  auto has_room = [&] {
    auto current = sources_.find(item.source);
    if (stopped_ || current == sources_.end()) return true;
    const Source& source = current->second;
    // One item always fits, however large, so a binlog above the byte bound still passes.
    return source.queue.size() < capacity_ &&
           (source.queue.empty() || source.bytes + item.payload.size() <= max_bytes_);
  };
  bool room = true;
  if (timeout == std::chrono::milliseconds::max()) {
    popped_.wait(lock, has_room);
  } else {
    room = popped_.wait_for(lock, timeout, has_room);
  }
  if (stopped_) return Status::aborted("merger stopped");
  if (!room) {
    return Status::unavailable(
        fmt::format("merge queue of {} stayed full for {} ms", item.source, timeout.count()));
  }
  it = sources_.find(item.source);
  if (it == sources_.end())
    return Status::not_found(fmt::format("no merge source {}", item.source));
  it->second.last_pushed_ts = item.commit_ts;
  it->second.last_push = std::chrono::steady_clock::now();
  it->second.bytes += item.payload.size();
  it->second.queue.push_back(std::move(item));
  pushed_.notify_one();
  return Status::ok();
}

std::map<std::string, Merger::Source>::iterator Merger::ready_source() {
  auto smallest = sources_.end();
  bool any_live = false;
  for (auto it = sources_.begin(); it != sources_.end(); ++it) {
    if (it->second.queue.empty()) {
      if (!it->second.retiring) return sources_.end();  // a live source has not spoken
      continue;
    }
    any_live = true;
    if (smallest == sources_.end() ||
        it->second.queue.front().commit_ts < smallest->second.queue.front().commit_ts) {
      smallest = it;
    }
  }
  return any_live ? smallest : sources_.end();
}

std::optional<MergeItem> Merger::pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (stopped_) return std::nullopt;
    auto source = ready_source();
    if (source != sources_.end()) {
      MergeItem item = std::move(source->second.queue.front());
      source->second.queue.pop_front();
      const size_t left = source->second.queue.size();
      const size_t bytes_before = source->second.bytes;
      source->second.bytes -= item.payload.size();
      const size_t bytes_left = source->second.bytes;
      if (source->second.retiring && left == 0) sources_.erase(source);
      // Pushers wait only on a full queue: wake them once it is half empty (in items or bytes),
      // not at every pop, so a fast puller and a slower consumer do not ping-pong one item at a
      // time.
      if (left == low_water_mark() || left == 0 ||
          (bytes_before > max_bytes_ / 2 && bytes_left <= max_bytes_ / 2)) {
        popped_.notify_all();
      }
      if (item.commit_ts < last_emitted_ts_) {
        ++stats_.disorder;
        continue;
      }
      if (item.commit_ts == last_emitted_ts_) {
        ++stats_.duplicates;
        continue;
      }
      last_emitted_ts_ = item.commit_ts;
      ++stats_.emitted;
      return item;
    }
    if (pushed_.wait_until(lock, deadline) == std::cv_status::timeout) {
      // One last look: the wake-up may have raced the deadline.
      if (ready_source() == sources_.end()) return std::nullopt;
    }
  }
}

std::vector<std::string> Merger::stalled_sources(std::chrono::milliseconds quiet) const {
  std::lock_guard lock(mutex_);
  std::vector<std::string> stalled;
  // Nobody holds the merge back while nothing waits to be merged.
  const bool waiting = std::any_of(sources_.begin(), sources_.end(),
                                   [](const auto& entry) { return !entry.second.queue.empty(); });
  if (!waiting) return stalled;
  const auto now = std::chrono::steady_clock::now();
  for (const auto& [id, source] : sources_) {
    if (source.queue.empty() && !source.retiring && now - source.last_push >= quiet) {
      stalled.push_back(id);
    }
  }
  return stalled;
}

std::vector<SourceState> Merger::sources() const {
  std::lock_guard lock(mutex_);
  std::vector<SourceState> out;
  for (const auto& [id, source] : sources_) {
    out.push_back(SourceState{id, source.queue.size(), source.last_pushed_ts, source.retiring});
  }
  return out;
}

int64_t Merger::last_emitted_ts() const {
  std::lock_guard lock(mutex_);
  return last_emitted_ts_;
}

MergeStats Merger::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Merger::stop() {
  std::lock_guard lock(mutex_);
  stopped_ = true;
  pushed_.notify_all();
  popped_.notify_all();
}

}  // namespace sluice::merge
