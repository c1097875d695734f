#include "plugins/kafka/ack_window.h"

#include <algorithm>

namespace sluice::kafka {

void AckWindow::restart(int64_t durable_ts) {
  std::lock_guard lock(mutex_);
  first_id_ += slots_.size();
  slots_.clear();
  durable_ts_ = durable_ts;
  unacked_bytes_ = 0;
  unacked_messages_ = 0;
  last_progress_ = std::chrono::steady_clock::now();
  changed_.notify_all();
}

uint64_t AckWindow::add(int64_t commit_ts, int64_t start_ts, size_t messages, size_t bytes) {
  std::lock_guard lock(mutex_);
  if (slots_.empty()) last_progress_ = std::chrono::steady_clock::now();
  const uint64_t id = first_id_ + slots_.size();
  slots_.push_back(Slot{commit_ts, start_ts, messages});
  unacked_bytes_ += bytes;
  unacked_messages_ += messages;
  if (advance_locked()) changed_.notify_all();
  return id;
}

void AckWindow::add_bytes(size_t bytes) {
  std::lock_guard lock(mutex_);
  unacked_bytes_ += bytes;
}

void AckWindow::cancel_last(uint64_t id, size_t unsent_messages, size_t unsent_bytes) {
  std::lock_guard lock(mutex_);
  unacked_bytes_ -= std::min(unacked_bytes_, unsent_bytes);
  unacked_messages_ -= std::min(unacked_messages_, unsent_messages);
  if (id < first_id_ || id - first_id_ >= slots_.size()) return;
  const size_t index = id - first_id_;
  Slot& slot = slots_[index];
  slot.pending -= std::min(slot.pending, unsent_messages);
  // The transaction was not sent whole: acknowledging the parts that were sent must not move the
  // watermark past it (it will be sent again in a new slot), only up to what came before.
  slot.commit_ts = index > 0 ? slots_[index - 1].commit_ts : durable_ts_;
  if (index == slots_.size() - 1 && slot.pending == 0) slots_.pop_back();
  changed_.notify_all();
}

std::optional<int64_t> AckWindow::acknowledge(uint64_t id, size_t bytes) {
  std::lock_guard lock(mutex_);
  unacked_bytes_ -= std::min(unacked_bytes_, bytes);
  if (unacked_messages_ > 0) --unacked_messages_;
  last_progress_ = std::chrono::steady_clock::now();
  if (id >= first_id_ && id - first_id_ < slots_.size()) {
    Slot& slot = slots_[id - first_id_];
    if (slot.pending > 0) --slot.pending;
  }
  const bool moved = advance_locked();
  changed_.notify_all();
  if (moved) return durable_ts_;
  return std::nullopt;
}

void AckWindow::fail(uint64_t id, const std::string& message) {
  std::lock_guard lock(mutex_);
  if (!error_) error_ = message;
  (void)id;  // the slot stays pending forever: the watermark never passes it
  changed_.notify_all();
}

bool AckWindow::advance_locked() {
  if (error_) return false;
  bool moved = false;
  while (!slots_.empty() && slots_.front().pending == 0) {
    durable_ts_ = std::max(durable_ts_, slots_.front().commit_ts);
    slots_.pop_front();
    ++first_id_;
    moved = true;
  }
  return moved;
}

int64_t AckWindow::durable_ts() const {
  std::lock_guard lock(mutex_);
  return durable_ts_;
}
size_t AckWindow::unacked_bytes() const {
  std::lock_guard lock(mutex_);
  return unacked_bytes_;
}
size_t AckWindow::unacked_messages() const {
  std::lock_guard lock(mutex_);
  return unacked_messages_;
}
std::pair<int64_t, int64_t> AckWindow::transaction_of(uint64_t id) const {
  std::lock_guard lock(mutex_);
  if (id < first_id_ || id - first_id_ >= slots_.size()) return {0, 0};
  const Slot& slot = slots_[id - first_id_];
  return {slot.commit_ts, slot.start_ts};
}
std::optional<std::string> AckWindow::error() const {
  std::lock_guard lock(mutex_);
  return error_;
}
std::chrono::steady_clock::time_point AckWindow::last_progress() const {
  std::lock_guard lock(mutex_);
  return last_progress_;
}

bool AckWindow::wait_below(size_t max_bytes, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] {
    return error_.has_value() || unacked_bytes_ < max_bytes || unacked_messages_ <= 1;
  }) && !error_;
}

bool AckWindow::wait_empty(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return error_.has_value() || slots_.empty(); }) &&
         !error_;
}

}  // namespace sluice::kafka
