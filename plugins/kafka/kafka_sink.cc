// kafka: the sink of the original drainer's `db-type = "kafka"` output, on librdkafka. By default
// each transaction becomes one message (a slave.binlog.Binlog, or whatever the translator
// configured for this sink produces) on partition 0 of `<cluster-id>_obinlog`, key null, as the
// original wrote it; `partition-by` and a `{schema}`/`{table}` topic pattern spread tables or
// rows over partitions and topics, and `max-events-per-message` splits big transactions. Keys:
// docs/kafka.md.
//
// Durability: a transaction is durable once the broker acknowledged every message it became
// (acks = all by default). Acknowledgements come back on the producer's thread, into an ordered
// window (ack_window.h); the watermark moves over the acknowledged prefix only and is reported
// through ack_durable as it moves and by flush. While brokers are down librdkafka retries with
// back-off, never dropping a message; writes block once `max-unacked-bytes` are outstanding
// (back-pressure), and return RETRY if the host stops meanwhile. A message the producer or the
// broker refuses as too large stops the sink with an error naming the transaction and the setting
// to raise. Delivery is at-least-once: after a restart, transactions after the checkpoint are
// sent again.
#include <sluice/sdk/plugin.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "plugins/kafka/ack_window.h"
#include "plugins/kafka/kafka_producer.h"
#include "plugins/kafka/kafka_sink_config.h"
#include "plugins/kafka/message_plan.h"
#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"

namespace {

using sluice::kafka::AckWindow;
using sluice::kafka::KafkaProducer;
using sluice::kafka::KafkaSinkConfig;
using sluice::kafka::PartitionBy;
using sluice::kafka::PlannedMessage;
using sluice::sdk::Batch;
using sluice::sdk::Config;
using sluice::sdk::Host;
using sluice::sdk::Metric;
using sluice::sdk::Resume;
using sluice::sdk::Status;
using sluice::sdk::StatusError;
using sluice::sdk::Transaction;
using std::chrono::milliseconds;

// How long one wait lasts before the stop flag and stall warnings are looked at again.
constexpr milliseconds kWaitSlice{100};

std::string commit_text(int64_t commit_ts, int64_t start_ts) {
  return "transaction commit_ts=" + std::to_string(commit_ts) +
         " (start_ts=" + std::to_string(start_ts) + ")";
}

class KafkaSink : public sluice::sdk::Sink {
 public:
  static Status validate(const Config& config) {
    const KafkaSinkConfig settings = sluice::kafka::read_kafka_sink_config(config);
    try {
      sluice::kafka::check_librdkafka_config(settings);
    } catch (const std::exception& error) {
      return Status::invalid_config(error.what());
    }
    return Status::ok();
  }

  KafkaSink(Host host, const Config& config)
      : host_(host),
        config_(sluice::kafka::read_kafka_sink_config(config)),
        messages_(host.counter("kafka_sink_messages_total", "Messages acknowledged by Kafka")),
        bytes_(host.counter("kafka_sink_bytes_total", "Payload bytes acknowledged by Kafka")),
        unacked_(host.gauge("kafka_sink_unacked_bytes", "Payload bytes awaiting acknowledgement")),
        errors_(host.counter("kafka_sink_delivery_errors_total",
                             "Messages Kafka refused permanently")) {
    if (!config_.kafka_version.empty()) {
      host_.info("kafka-version \"" + config_.kafka_version +
                 "\" is accepted for compatibility and ignored: librdkafka negotiates the "
                 "protocol version with the brokers");
    }
    try {
      producer_ = std::make_unique<KafkaProducer>(
          config_,
          [this](uint64_t id, size_t bytes, rd_kafka_resp_err_t error, const char* text) {
            on_delivery(id, bytes, error, text);
          },
          [this](int level, std::string_view text) { on_log(level, text); },
          [this] { publish_acks(); });
    } catch (const std::exception& error) {
      throw StatusError(Status::invalid_config(error.what()));
    }
    if (config_.max_message_size > producer_->max_message_bytes()) {
      host_.info("kafka-max-message-size " + std::to_string(config_.max_message_size) +
                 " is above librdkafka's limit; using " +
                 std::to_string(producer_->max_message_bytes()) + " bytes");
    }
  }

  ~KafkaSink() override { producer_.reset(); }  // joins the poll thread before members go

  Status open(const Resume& resume) override {
    window_->restart(resume.checkpoint_ts);
    last_enqueued_ts_ = resume.checkpoint_ts;
    const std::string problem =
        producer_->check_brokers(static_cast<int>(config_.connect_timeout_ms));
    if (!problem.empty()) {
      return Status::retry("no Kafka broker answered at kafka-addrs \"" + config_.brokers +
                           "\" within " + std::to_string(config_.connect_timeout_ms) +
                           " ms: " + problem);
    }
    producer_->start();
    opened_ = true;
    host_.info("producing to topic \"" + config_.topic + "\" at " + config_.brokers +
               " from commit_ts " + std::to_string(resume.checkpoint_ts));
    return Status::ok();
  }

  Status write(const Batch& batch) override {
    if (!opened_) return Status::fatal("write before open or after close");
    for (Transaction transaction : batch.transactions()) {
      // A batch sent again after RETRY: what was already enqueued is not enqueued twice.
      if (transaction.commit_ts() <= last_enqueued_ts_) continue;
      if (Status status = wait_for_room(); !status.is_ok()) return status;
      if (Status status = produce(transaction); !status.is_ok()) return status;
      last_enqueued_ts_ = transaction.commit_ts();
    }
    unacked_.set(static_cast<double>(window_->unacked_bytes()));
    return Status::ok();
  }

  Status flush(int64_t& durable_ts) override {
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(config_.flush_timeout_ms);
    while (!window_->wait_empty(std::min(kWaitSlice, milliseconds(config_.flush_timeout_ms)))) {
      if (auto error = window_->error()) return Status::fatal(*error);
      if (host_.stop_requested() || std::chrono::steady_clock::now() >= deadline) break;
      warn_if_stalled();
    }
    if (auto error = window_->error()) return Status::fatal(*error);
    durable_ts = std::max(durable_ts, window_->durable_ts());
    unacked_.set(static_cast<double>(window_->unacked_bytes()));
    return Status::ok();
  }

  Status close() override {
    if (!opened_) return Status::ok();
    const auto deadline = std::chrono::steady_clock::now() + milliseconds(config_.close_timeout_ms);
    while (!window_->wait_empty(kWaitSlice) && !window_->error() &&
           std::chrono::steady_clock::now() < deadline) {
    }
    producer_->stop();
    opened_ = false;
    const size_t left = window_->unacked_messages();
    if (left > 0) {
      host_.warn(std::to_string(left) +
                 " messages were not acknowledged before close; the checkpoint is below them, so "
                 "they are sent again on restart");
    }
    if (auto error = window_->error()) return Status::fatal(*error);
    return Status::ok();
  }

 private:
  // Back-pressure: waits while max-unacked-bytes are outstanding.
  Status wait_for_room() {
    const auto limit = static_cast<size_t>(config_.max_unacked_bytes);
    while (!window_->wait_below(limit, kWaitSlice)) {
      if (auto error = window_->error()) return Status::fatal(*error);
      if (host_.stop_requested()) {
        return Status::retry("stopping with " + std::to_string(window_->unacked_bytes()) +
                             " bytes unacknowledged by Kafka");
      }
      warn_if_stalled();
    }
    if (auto error = window_->error()) return Status::fatal(*error);
    return Status::ok();
  }

  void warn_if_stalled() {
    const auto now = std::chrono::steady_clock::now();
    if (window_->unacked_messages() == 0) return;
    if (now - window_->last_progress() < milliseconds(config_.stall_warning_ms)) return;
    if (now - last_stall_warning_ < milliseconds(config_.stall_warning_ms)) return;
    last_stall_warning_ = now;
    host_.warn("no acknowledgement from Kafka (" + config_.brokers + ") for " +
               std::to_string(config_.stall_warning_ms / 1000) + " s; " +
               std::to_string(window_->unacked_messages()) +
               " messages are waiting and are being retried");
  }

  // The bytes of one planned message: the transaction itself or a sub-transaction of some of its
  // events, through the configured translator or the built-in secondary binlog encoding.
  std::string_view encode(const Transaction& transaction, const PlannedMessage& message) {
    sluice_transaction_t part{};
    const sluice_transaction_t* which = transaction.raw();
    if (!message.whole) {
      part_events_.clear();
      const auto events = transaction.events();
      for (size_t index : message.events) {
        const sluice_event_t* event = events[index].raw();
        sluice_event_t copy{};
        std::memcpy(&copy, event, std::min(event->struct_size, sizeof(sluice_event_t)));
        copy.struct_size = sizeof(sluice_event_t);
        part_events_.push_back(copy);
      }
      std::memcpy(&part, which, std::min(which->struct_size, sizeof(sluice_transaction_t)));
      part.struct_size = sizeof(sluice_transaction_t);
      part.events = part_events_.data();
      part.event_count = part_events_.size();
      part.event_size = sizeof(sluice_event_t);
      which = &part;
    }
    const Transaction view(which);
    if (!translator_absent_) {
      try {
        std::string_view bytes = host_.translate(view);
        return bytes;
      } catch (const StatusError& error) {
        if (error.status().code() != sluice::sdk::Code::kUnsupported || translator_seen_) throw;
        translator_absent_ = true;
        host_.info("no translator configured: writing slave.binlog.Binlog messages");
      }
    }
    scratch_.clear();
    sluice::translators::append_secondary_binlog(view, scratch_);
    return scratch_;
  }

  Status produce(const Transaction& transaction) {
    if (config_.partition_by == PartitionBy::kNone && config_.max_events_per_message == 0) {
      return produce_whole(transaction);
    }
    const std::vector<PlannedMessage> plan = sluice::kafka::plan_messages(config_, transaction);
    const int64_t commit_ts = transaction.commit_ts();
    const uint64_t slot = window_->add(commit_ts, transaction.start_ts(), plan.size(), 0);
    if (plan.empty()) return Status::ok();
    // The original's records carry no headers; split transactions say how to reassemble them.
    const bool split = plan.size() > 1 || config_.partition_by != PartitionBy::kNone;
    std::vector<std::pair<std::string, std::string>> headers;
    for (size_t i = 0; i < plan.size(); ++i) {
      const PlannedMessage& message = plan[i];
      std::string_view payload;
      try {
        payload = encode(transaction, message);
        if (!translator_absent_) translator_seen_ = true;
      } catch (...) {
        window_->cancel_last(slot, plan.size() - i, 0);
        throw;
      }
      headers.clear();
      if (split) {
        headers.emplace_back("sluice-commit-ts", std::to_string(commit_ts));
        headers.emplace_back("sluice-part",
                             std::to_string(i + 1) + "/" + std::to_string(plan.size()));
      }
      window_->add_bytes(payload.size());
      const int32_t partition =
          config_.partition_by == PartitionBy::kNone ? config_.partition : RD_KAFKA_PARTITION_UA;
      for (;;) {
        const rd_kafka_resp_err_t error =
            producer_->produce(message.topic, partition, message.has_key ? &message.key : nullptr,
                               payload, headers, slot);
        if (error == RD_KAFKA_RESP_ERR_NO_ERROR) break;
        if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL && !host_.stop_requested()) {
          window_->wait_below(0, kWaitSlice);  // the poll thread drains the queue meanwhile
          continue;
        }
        window_->cancel_last(slot, plan.size() - i, payload.size());
        return produce_error(error, transaction, message.topic, payload.size());
      }
    }
    return Status::ok();
  }

  // The default: the transaction as one message, no plan, no headers.
  Status produce_whole(const Transaction& transaction) {
    if (transaction.events().empty()) {
      window_->add(transaction.commit_ts(), transaction.start_ts(), 0, 0);
      return Status::ok();
    }
    static const std::vector<std::pair<std::string, std::string>> kNoHeaders;
    const std::string_view payload = encode(transaction, PlannedMessage{{}, false, {}, {}, true});
    if (!translator_absent_) translator_seen_ = true;
    const uint64_t slot =
        window_->add(transaction.commit_ts(), transaction.start_ts(), 1, payload.size());
    for (;;) {
      const rd_kafka_resp_err_t error =
          producer_->produce(config_.topic, config_.partition, nullptr, payload, kNoHeaders, slot);
      if (error == RD_KAFKA_RESP_ERR_NO_ERROR) return Status::ok();
      if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL && !host_.stop_requested()) {
        window_->wait_below(0, kWaitSlice);
        continue;
      }
      window_->cancel_last(slot, 1, payload.size());
      return produce_error(error, transaction, config_.topic, payload.size());
    }
  }

  Status produce_error(rd_kafka_resp_err_t error, const Transaction& transaction,
                       const std::string& topic, size_t size) {
    const std::string what = commit_text(transaction.commit_ts(), transaction.start_ts());
    if (error == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Status::retry("stopping while librdkafka's queue is full");
    }
    errors_.add();
    if (error == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      return Status::fatal(what + ": its message of " + std::to_string(size) +
                           " bytes is larger than kafka-max-message-size (" +
                           std::to_string(producer_->max_message_bytes()) +
                           " bytes); raise kafka-max-message-size together with the broker's "
                           "message.max.bytes (or the topic's max.message.bytes), or set "
                           "max-events-per-message to split big transactions");
    }
    return Status::fatal(what + ": producing to \"" + topic +
                         "\" failed: " + rd_kafka_err2str(error));
  }

  // On the producer's poll thread, per message.
  void on_delivery(uint64_t id, size_t bytes, rd_kafka_resp_err_t error, const char* text) {
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++acked_messages_;
      acked_bytes_ += bytes;
      window_->acknowledge(id, bytes);
      return;
    }
    errors_.add();
    const auto [commit_ts, start_ts] = window_->transaction_of(id);
    std::string message = commit_text(commit_ts, start_ts) + ": ";
    if (error == RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE) {
      message += "the broker refused its message of " + std::to_string(bytes) +
                 " bytes as too large; raise the broker's message.max.bytes (or the topic's "
                 "max.message.bytes) and replica.fetch.max.bytes, or set max-events-per-message "
                 "to split big transactions";
    } else {
      message += std::string("Kafka refused its message: ") + text;
    }
    host_.error(message);
    window_->fail(id, message);
  }

  // On the producer's poll thread, after a round of delivery reports: one watermark report and
  // one metric update per round rather than per message.
  void publish_acks() {
    const int64_t durable = window_->durable_ts();
    if (durable > published_ts_) {
      published_ts_ = durable;
      host_.ack_durable(durable);
    }
    if (acked_messages_ > 0) {
      messages_.add(static_cast<double>(acked_messages_));
      bytes_.add(static_cast<double>(acked_bytes_));
      acked_messages_ = 0;
      acked_bytes_ = 0;
    }
  }

  // librdkafka's threads.
  void on_log(int level, std::string_view text) {
    if (level <= 2) {  // a fatal producer error (e.g. idempotence broken)
      window_->fail(0, std::string(text));
    }
    if (level <= 3) {
      host_.error(text);
    } else if (level <= 5) {
      host_.warn(text);
    } else {
      host_.debug(text);
    }
  }

  Host host_;
  KafkaSinkConfig config_;
  Metric messages_;
  Metric bytes_;
  Metric unacked_;
  Metric errors_;
  // Made before the producer (whose threads report into it) and kept for the instance's life.
  std::unique_ptr<AckWindow> window_ = std::make_unique<AckWindow>();
  int64_t last_enqueued_ts_ = 0;
  bool opened_ = false;
  bool translator_absent_ = false;
  bool translator_seen_ = false;
  std::vector<sluice_event_t> part_events_;
  std::string scratch_;
  std::chrono::steady_clock::time_point last_stall_warning_{};
  // Poll thread only.
  int64_t published_ts_ = 0;
  size_t acked_messages_ = 0;
  size_t acked_bytes_ = 0;
  // Last: destroyed first, so its thread never sees the members above gone.
  std::unique_ptr<KafkaProducer> producer_;
};

}  // namespace

SLUICE_SINK_PLUGIN(KafkaSink, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                   "Produces each transaction to Kafka (slave.binlog by default) with an ordered "
                   "acknowledgement window",
                   SLUICE_CAP_ASYNC_ACK)
