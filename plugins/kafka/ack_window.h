#pragma once
// AckWindow: the Kafka sink's ordered acknowledgement window. Each transaction handed to the
// producer takes a slot, in commit_ts order, expecting one acknowledgement per message it became;
// the durable watermark advances only over a prefix of fully acknowledged slots, so it never
// passes a message the broker has not confirmed (the original drainer's "ack window"). It also
// counts unacknowledged bytes for back-pressure and keeps the first permanent delivery error.
// Thread-safe: the writer thread adds slots and waits; the producer's delivery-report thread
// acknowledges and fails them.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <string>

namespace sluice::kafka {

class AckWindow {
 public:
  explicit AckWindow(int64_t durable_ts = 0) : durable_ts_(durable_ts) {}

  // Starts over at `durable_ts` with nothing outstanding (the sink's open), keeping any error.
  void restart(int64_t durable_ts);

  // Starts the slot of a transaction at `commit_ts` that expects `messages` acknowledgements
  // carrying `bytes` in all; returns its id (for the messages' opaque). A slot expecting none
  // completes at once (in order). commit_ts must increase from call to call.
  uint64_t add(int64_t commit_ts, int64_t start_ts, size_t messages, size_t bytes);
  // Counts `bytes` more as unacknowledged (a message of the last slot, before it is produced).
  void add_bytes(size_t bytes);
  // Gives up the rest of slot `id` (the last one added) after `unsent_messages` of it carrying
  // `unsent_bytes` could not be enqueued: those no longer count, and the parts already sent no
  // longer move the watermark past the transaction (it is sent again, in a new slot).
  void cancel_last(uint64_t id, size_t unsent_messages, size_t unsent_bytes);

  // One message of slot `id` carrying `bytes` was acknowledged. Returns the new durable
  // watermark when it moved.
  std::optional<int64_t> acknowledge(uint64_t id, size_t bytes);
  // A message of slot `id` failed permanently: the watermark stays below it; the first such error
  // is kept (prefixed with the transaction's commit_ts by the caller's message).
  void fail(uint64_t id, const std::string& message);

  int64_t durable_ts() const;
  size_t unacked_bytes() const;
  size_t unacked_messages() const;
  // commit_ts and start_ts of slot `id` ({0, 0} when it is no longer in the window).
  std::pair<int64_t, int64_t> transaction_of(uint64_t id) const;
  std::optional<std::string> error() const;
  // The time of the last acknowledgement (or of the first slot added after an empty window).
  std::chrono::steady_clock::time_point last_progress() const;

  // Waits until unacknowledged bytes are below `max_bytes` or at most one message is
  // outstanding, an error is recorded, or `timeout` passed. True when below.
  bool wait_below(size_t max_bytes, std::chrono::milliseconds timeout);
  // Waits until every slot is acknowledged (true), an error is recorded, or `timeout` passed.
  bool wait_empty(std::chrono::milliseconds timeout);

 private:
  struct Slot {
    int64_t commit_ts;
    int64_t start_ts;
    size_t pending;
  };
  // Pops completed slots off the front; caller holds mutex_. True when the watermark moved.
  bool advance_locked();

  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Slot> slots_;
  uint64_t first_id_ = 0;  // id of slots_.front()
  int64_t durable_ts_;
  size_t unacked_bytes_ = 0;
  size_t unacked_messages_ = 0;
  std::optional<std::string> error_;
  std::chrono::steady_clock::time_point last_progress_ = std::chrono::steady_clock::now();
};

}  // namespace sluice::kafka
