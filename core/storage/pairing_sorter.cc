#include "core/storage/pairing_sorter.h"

#include <algorithm>
#include <utility>

namespace sluice::storage {

PairingSorter::Item* PairingSorter::item(uint64_t id) {
  if (id < first_id_ || id - first_id_ >= items_.size()) return nullptr;
  return &items_[id - first_id_];
}

bool PairingSorter::add_prewrite(int64_t start_ts, std::shared_ptr<const std::string> payload,
                                 PrewriteState state) {
  if (pending_.contains(start_ts)) return false;
  uint64_t id = first_id_ + items_.size();
  items_.push_back({Kind::kPrewrite, start_ts, State::kBlocking});
  if (payload) payload_bytes_ += payload->size();
  pending_.emplace(start_ts, Pending{std::move(payload), id, state});
  return true;
}

PairingSorter::Pending* PairingSorter::find_pending(int64_t start_ts) {
  auto it = pending_.find(start_ts);
  return it == pending_.end() ? nullptr : &it->second;
}

void PairingSorter::finish_prewrite(int64_t start_ts) {
  auto it = pending_.find(start_ts);
  if (it == pending_.end()) return;
  if (Item* entry = item(it->second.item)) entry->state = State::kDone;
  if (it->second.payload) payload_bytes_ -= it->second.payload->size();
  pending_.erase(it);
}

uint64_t PairingSorter::add_commit(int64_t commit_ts) {
  uint64_t id = first_id_ + items_.size();
  items_.push_back({Kind::kCommit, commit_ts, State::kBlocking});
  return id;
}

void PairingSorter::commit_durable(uint64_t id) {
  if (Item* entry = item(id)) entry->state = State::kDurable;
}

void PairingSorter::commit_failed(uint64_t id) {
  if (Item* entry = item(id)) entry->state = State::kDone;
}

bool PairingSorter::advance() {
  int64_t before = max_commit_ts_;
  while (!items_.empty() && items_.front().state != State::kBlocking) {
    const Item& head = items_.front();
    if (head.kind == Kind::kCommit && head.state == State::kDurable) {
      max_commit_ts_ = std::max(max_commit_ts_, head.ts);
    }
    items_.pop_front();
    ++first_id_;
  }
  return max_commit_ts_ > before;
}

std::vector<int64_t> PairingSorter::pending_start_ts() const {
  std::vector<int64_t> out;
  out.reserve(pending_.size());
  for (const auto& [ts, entry] : pending_)
    out.push_back(ts);
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace sluice::storage
