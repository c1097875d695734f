#pragma once
// KafkaProducer: RAII over one librdkafka producer (rd_kafka_t) configured from KafkaSinkConfig,
// with a thread of its own serving delivery reports. Each message carries a caller-chosen id
// (the AckWindow slot) that comes back in the delivery callback with the payload size and the
// result. Messages are never dropped by a timeout (message.timeout.ms = 0): while brokers are
// down librdkafka retries with back-off (retry.backoff.ms), in order.
// The callbacks run on the producer's poll thread (started by start(), joined by stop() and the
// destructor); they must not call back into the producer. Other methods: the owning thread.

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "plugins/kafka/kafka_sink_config.h"

namespace sluice::kafka {

// Applies every librdkafka property `config` implies to a scratch configuration, without I/O;
// throws std::runtime_error naming a property librdkafka refuses (e.g. a codec it was built
// without, or a bad entry of the `librdkafka` key).
void check_librdkafka_config(const KafkaSinkConfig& config);

class KafkaProducer {
 public:
  // id, payload bytes, result (RD_KAFKA_RESP_ERR_NO_ERROR on success), its text.
  using DeliveryCallback =
      std::function<void(uint64_t id, size_t bytes, rd_kafka_resp_err_t error, const char* text)>;
  // librdkafka's log lines and client-level errors: syslog level (3 error .. 7 debug), text.
  using LogCallback = std::function<void(int level, std::string_view text)>;
  // Called on the poll thread after each round of delivery reports (to publish their sum once).
  using RoundCallback = std::function<void()>;

  // Builds the producer (no I/O yet). Throws std::runtime_error naming the property librdkafka
  // refused.
  KafkaProducer(const KafkaSinkConfig& config, DeliveryCallback on_delivery, LogCallback on_log,
                RoundCallback on_round = {});
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Asks a broker for cluster metadata within `timeout_ms`; "" when one answered, else why not.
  std::string check_brokers(int timeout_ms);

  // Starts / stops (joins) the delivery-report thread. stop() is idempotent.
  void start();
  void stop();

  // Enqueues a copy of `payload`. `partition` RD_KAFKA_PARTITION_UA lets the partitioner choose
  // by key. `headers` are name/value pairs. Returns librdkafka's immediate result:
  // RD_KAFKA_RESP_ERR__QUEUE_FULL (try again later), RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE, ...
  rd_kafka_resp_err_t produce(const std::string& topic, int32_t partition, const std::string* key,
                              std::string_view payload,
                              const std::vector<std::pair<std::string, std::string>>& headers,
                              uint64_t id);

  // Serves delivery reports on the calling thread for up to timeout_ms (when the poll thread is
  // not running, e.g. while waiting for queue space before start()).
  void poll(int timeout_ms);
  // Messages not yet acknowledged by the brokers (librdkafka's out queue).
  int outstanding() const;
  // The effective message.max.bytes.
  int64_t max_message_bytes() const { return max_message_bytes_; }

 private:
  static void delivery_report(rd_kafka_t* handle, const rd_kafka_message_t* message, void* opaque);
  static void log_line(const rd_kafka_t* handle, int level, const char* facility, const char* text);
  static void error_report(rd_kafka_t* handle, int error, const char* reason, void* opaque);

  struct HandleDeleter {
    void operator()(rd_kafka_t* handle) const;
  };

  DeliveryCallback on_delivery_;
  LogCallback on_log_;
  RoundCallback on_round_;
  int64_t max_message_bytes_ = 0;
  std::unique_ptr<rd_kafka_t, HandleDeleter> handle_;
  std::atomic<bool> running_{false};
  std::thread poller_;
};

}  // namespace sluice::kafka
