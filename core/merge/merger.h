#pragma once
// Merger: the drainer's k-way merge of per-pump streams into one global commit_ts order.
// Each source (a pump) delivers items in increasing commit_ts; the merger emits commit_ts X only
// when every live source has an item >= X queued — the contract that makes the global order safe
// (architecture.md, contract 3). A source with nothing queued stalls the merge, as in the original;
// pumps keep idle streams moving with fake binlogs. Items below or equal to the last emitted one
// are dropped and counted (disorder, duplicate). Each source's queue is bounded in items and in
// bytes: push() blocks when it is full (back-pressure on the puller, bounded memory).
// Thread-safe: pullers push from their threads, one consumer pops.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "core/common/result.h"

namespace sluice::merge {

struct MergeItem {
  int64_t commit_ts = 0;
  std::string source;   // the pump's node id
  std::string payload;  // the joined binlog bytes, opaque to the merger
  bool fake = false;    // a fake binlog / watermark: advances time, carries no data
};

struct MergeStats {
  uint64_t emitted = 0;
  uint64_t duplicates = 0;  // commit_ts equal to the last emitted
  uint64_t disorder = 0;    // commit_ts below the last emitted, or below the source's previous
};

struct SourceState {
  std::string id;
  size_t queued = 0;
  int64_t last_pushed_ts = 0;
  bool retiring = false;
};

class Merger {
 public:
  // Each source's queue holds at most `queue_capacity_per_source` items and, past its first item,
  // `queue_bytes_per_source` payload bytes.
  explicit Merger(size_t queue_capacity_per_source = 1024,
                  size_t queue_bytes_per_source = size_t{64} << 20)
      : capacity_(queue_capacity_per_source), max_bytes_(queue_bytes_per_source) {}

  // Adds a source; items at or below `after_ts` are dropped as already merged.
  Status add_source(const std::string& id, int64_t after_ts);
  // Stops waiting for a source (an offline pump): what it queued is still merged, then it goes.
  Status retire_source(const std::string& id);
  bool has_source(const std::string& id) const;

  // Queues an item of `item.source`, taking it only on success. Blocks while that source's queue
  // is full: for as long as it takes by default (back-pressure; no binlog is ever dropped for
  // time), or until `timeout`, then kUnavailable with `item` left as it was, so the caller can
  // report the stall and push the same item again. kAborted after stop(), kNotFound when the
  // source is gone.
  Status push(MergeItem&& item,
              std::chrono::milliseconds timeout = std::chrono::milliseconds::max());

  // The next item in global order; nullopt when `timeout` passed with some live source empty (or
  // no source at all), or after stop().
  std::optional<MergeItem> pop(std::chrono::milliseconds timeout);

  // The sources holding the merge back: live, nothing queued and nothing pushed for `quiet`,
  // while another source has items waiting. (A healthy idle pump sends a watermark every 200 ms,
  // so it is briefly empty all the time; one that stays silent is what an operator must see.)
  std::vector<std::string> stalled_sources(
      std::chrono::milliseconds quiet = std::chrono::seconds(1)) const;
  std::vector<SourceState> sources() const;
  int64_t last_emitted_ts() const;
  MergeStats stats() const;

  void stop();

 private:
  struct Source {
    std::deque<MergeItem> queue;
    size_t bytes = 0;  // payload bytes queued
    int64_t last_pushed_ts = 0;
    bool retiring = false;
    std::chrono::steady_clock::time_point last_push = std::chrono::steady_clock::now();
  };

  size_t low_water_mark() const { return capacity_ / 2; }
  // With the lock held: the source whose head is smallest, if every live source has a head.
  std::map<std::string, Source>::iterator ready_source();

  const size_t capacity_;
  const size_t max_bytes_;
  mutable std::mutex mutex_;
  std::condition_variable pushed_;  // wakes pop
  std::condition_variable popped_;  // wakes blocked pushers
  std::map<std::string, Source> sources_;
  int64_t last_emitted_ts_ = 0;
  MergeStats stats_;
  bool stopped_ = false;
};

}  // namespace sluice::merge
