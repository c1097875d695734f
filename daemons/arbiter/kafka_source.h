#pragma once
// KafkaSource: reads partition 0 of the Kafka sink's topic with a librdkafka consumer (no consumer
// group: the arbiter keeps its position in its checkpoint table, as the original does), from an
// offset it chooses; offset_after() finds where a checkpoint's commit_ts ends in the topic.
// Broker failures are retried by librdkafka with back-off; poll() logs them (at most one warning
// per kWarningInterval) and keeps going. Owns the consumer handle; one thread (the arbiter's).

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/common/result.h"

namespace sluice::arbiter {

// The Kafka sink's split-transaction headers (docs/kafka.md): part `index` (from 1) of `count`.
struct PartHeader {
  int64_t commit_ts = 0;
  int index = 0;
  int count = 0;
};

struct KafkaRecord {
  int64_t offset = 0;
  std::string value;
  std::optional<PartHeader> part;  // none: a whole transaction (the original's shape)
};

// Parses the `sluice-part` ("i/n") and `sluice-commit-ts` header values; an error names them.
Result<PartHeader> parse_part_header(std::string_view part, std::string_view commit_ts);

class KafkaSource {
 public:
  // `stopping` is polled while waiting on brokers; when it returns true the waits end (kAborted).
  static Result<std::unique_ptr<KafkaSource>> create(const std::string& brokers,
                                                     const std::string& topic,
                                                     std::function<bool()> stopping);
  ~KafkaSource();
  KafkaSource(const KafkaSource&) = delete;
  KafkaSource& operator=(const KafkaSource&) = delete;

  // The first offset of partition 0 holding a commit_ts greater than `ts`, found by bisection
  // over the offsets (each probe reads one message's commit_ts), as the original's reader seeks
  // by commit_ts. Assumes commit_ts grows along the partition, which holds for the sink's
  // default shape, except for the repeats of an at-least-once restart (the bisection then lands
  // on one of the repeats, which the arbiter skips). A probe that is not a secondary binlog ends
  // the search at the partition's first offset (the arbiter then skips by commit_ts).
  // Waits (logging) while no broker answers.
  Result<int64_t> offset_after(int64_t ts);

  // Starts reading at `offset`.
  Status start(int64_t offset);
  // The next message, or nullopt when none arrived within `timeout`. A broker failure is logged
  // and answers nullopt; an error Kafka will not recover from (topic authorization, ...) is
  // returned.
  Result<std::optional<KafkaRecord>> poll(std::chrono::milliseconds timeout);

  static constexpr std::chrono::seconds kWarningInterval{10};

 private:
  KafkaSource(rd_kafka_t* handle, std::string brokers, std::string topic,
              std::function<bool()> stopping);
  Status assign(int64_t offset);
  // The commit_ts of the first message at or after `offset` (and that message's offset).
  Result<std::pair<int64_t, int64_t>> probe(int64_t offset, int64_t high);
  void warn_limited(const std::string& message);

  struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const;
  };
  std::unique_ptr<rd_kafka_t, HandleDeleter> handle_;
  std::string brokers_;
  std::string topic_;
  std::function<bool()> stopping_;
  std::chrono::steady_clock::time_point last_warning_{};
};

}  // namespace sluice::arbiter
