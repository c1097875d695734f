#include "plugins/kafka/kafka_producer.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace sluice::kafka {
namespace {

// librdkafka's upper bound for message.max.bytes (CONFIGURATION.md).
constexpr int64_t kRdkafkaMaxMessageBytes = 1000000000;

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};

void set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value) {
  char error[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), error, sizeof(error)) !=
      RD_KAFKA_CONF_OK) {
    throw std::runtime_error("librdkafka property " + name + "=\"" + value + "\": " + error);
  }
}

// Every librdkafka property of `config`; throws std::runtime_error naming one librdkafka refuses.
std::unique_ptr<rd_kafka_conf_t, ConfDeleter> make_conf(const KafkaSinkConfig& config) {
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf(rd_kafka_conf_new());
  set(conf.get(), "bootstrap.servers", config.brokers);
  set(conf.get(), "client.id", config.client_id);
  set(conf.get(), "acks", config.acks);
  set(conf.get(), "linger.ms", std::to_string(config.linger_ms));
  set(conf.get(), "compression.codec", config.compression);
  set(conf.get(), "batch.num.messages", std::to_string(config.max_messages));
  set(conf.get(), "message.max.bytes",
      std::to_string(std::min(config.max_message_size, kRdkafkaMaxMessageBytes)));
  // Never give up on a message: while the brokers are away, retry with back-off (the original
  // retried 10000 times, 500 ms apart, and then stopped the drainer).
  set(conf.get(), "message.timeout.ms", "0");
  set(conf.get(), "retry.backoff.ms", std::to_string(config.retry_backoff_ms));
  set(conf.get(), "enable.idempotence", config.idempotence ? "true" : "false");
  if (!config.idempotence) {
    // Without idempotence a retried batch could overtake a later one: one request in flight.
    set(conf.get(), "max.in.flight.requests.per.connection", "1");
  }
  // The sink's own back-pressure (max-unacked-bytes) bounds what is queued; the queue must hold
  // at least that much.
  set(conf.get(), "queue.buffering.max.messages", "1000000");
  set(conf.get(), "queue.buffering.max.kbytes",
      std::to_string(std::max<int64_t>(1048576, (config.max_unacked_bytes >> 10) * 2)));
  // Java-compatible hashing of keys (partition-by table / primary-key).
  set(conf.get(), "partitioner", "murmur2_random");
  for (const auto& [name, value] : config.librdkafka)
    set(conf.get(), name, value);
  return conf;
}

}  // namespace

void check_librdkafka_config(const KafkaSinkConfig& config) {
  make_conf(config);
}

void KafkaProducer::HandleDeleter::operator()(rd_kafka_t* handle) const {
  rd_kafka_destroy(handle);
}

KafkaProducer::KafkaProducer(const KafkaSinkConfig& config, DeliveryCallback on_delivery,
                             LogCallback on_log, RoundCallback on_round)
    : on_delivery_(std::move(on_delivery)),
      on_log_(std::move(on_log)),
      on_round_(std::move(on_round)) {
  max_message_bytes_ = std::min(config.max_message_size, kRdkafkaMaxMessageBytes);
  std::unique_ptr<rd_kafka_conf_t, ConfDeleter> conf = make_conf(config);
  rd_kafka_conf_set_opaque(conf.get(), this);
  rd_kafka_conf_set_dr_msg_cb(conf.get(), &KafkaProducer::delivery_report);
  rd_kafka_conf_set_log_cb(conf.get(), &KafkaProducer::log_line);
  rd_kafka_conf_set_error_cb(conf.get(), &KafkaProducer::error_report);

  char error[512];
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_PRODUCER, conf.get(), error, sizeof(error));
  if (handle == nullptr) throw std::runtime_error(std::string("librdkafka producer: ") + error);
  conf.release();  // rd_kafka_new owns it now
  handle_.reset(handle);
}

KafkaProducer::~KafkaProducer() {
  stop();
  // Destroying with messages still queued drops them from this process only: they were never
  // acknowledged, so the watermark is below them and they are sent again after a restart.
  handle_.reset();
}

std::string KafkaProducer::check_brokers(int timeout_ms) {
  const struct rd_kafka_metadata* metadata = nullptr;
  const rd_kafka_resp_err_t error =
      rd_kafka_metadata(handle_.get(), 0, nullptr, &metadata, timeout_ms);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) return rd_kafka_err2str(error);
  const int brokers = metadata->broker_cnt;
  rd_kafka_metadata_destroy(metadata);
  if (brokers == 0) return "the cluster reported no brokers";
  return "";
}

void KafkaProducer::start() {
  if (running_.exchange(true)) return;
  poller_ = std::thread([this] {
    // Under load, reports are collected in rounds about a millisecond apart instead of waking
    // this thread for each one (a wake-up per report costs more than the report on a busy
    // machine); when idle, the blocking poll wakes at the first report.
    while (running_.load(std::memory_order_relaxed)) {
      if (rd_kafka_poll(handle_.get(), 50) == 0) continue;
      while (rd_kafka_poll(handle_.get(), 0) > 0) {
      }
      if (on_round_) on_round_();
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  });
}

void KafkaProducer::stop() {
  if (!running_.exchange(false)) return;
  if (poller_.joinable()) poller_.join();
}

void KafkaProducer::poll(int timeout_ms) {
  rd_kafka_poll(handle_.get(), timeout_ms);
}

int KafkaProducer::outstanding() const {
  return rd_kafka_outq_len(handle_.get());
}

rd_kafka_resp_err_t KafkaProducer::produce(
    const std::string& topic, int32_t partition, const std::string* key, std::string_view payload,
    const std::vector<std::pair<std::string, std::string>>& headers, uint64_t id) {
  void* opaque = reinterpret_cast<void*>(static_cast<uintptr_t>(id));
  const void* key_data = key ? key->data() : nullptr;
  const size_t key_size = key ? key->size() : 0;
  // librdkafka takes a non-const payload pointer but copies it (RD_KAFKA_MSG_F_COPY).
  void* data = const_cast<char*>(payload.data());
  if (headers.empty()) {
    return rd_kafka_producev(
        handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(partition),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_VALUE(data, payload.size()),
        RD_KAFKA_V_KEY(key_data, key_size), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  }
  rd_kafka_headers_t* list = rd_kafka_headers_new(headers.size());
  for (const auto& [name, value] : headers) {
    rd_kafka_header_add(list, name.data(), static_cast<ssize_t>(name.size()), value.data(),
                        static_cast<ssize_t>(value.size()));
  }
  const rd_kafka_resp_err_t error =
      rd_kafka_producev(handle_.get(), RD_KAFKA_V_TOPIC(topic.c_str()),
                        RD_KAFKA_V_PARTITION(partition), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
                        RD_KAFKA_V_VALUE(data, payload.size()), RD_KAFKA_V_KEY(key_data, key_size),
                        RD_KAFKA_V_HEADERS(list), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) rd_kafka_headers_destroy(list);  // not taken over
  return error;
}

void KafkaProducer::delivery_report(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  const auto id = static_cast<uint64_t>(reinterpret_cast<uintptr_t>(message->_private));
  self->on_delivery_(id, message->len, message->err,
                     message->err ? rd_kafka_err2str(message->err) : "");
}

void KafkaProducer::log_line(const rd_kafka_t* handle, int level, const char* facility,
                             const char* text) {
  auto* self = static_cast<KafkaProducer*>(rd_kafka_opaque(handle));
  if (self != nullptr && self->on_log_) {
    self->on_log_(level, std::string(facility) + ": " + text);
  }
}

void KafkaProducer::error_report(rd_kafka_t* handle, int error, const char* reason, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  if (self == nullptr || !self->on_log_) return;
  const auto code = static_cast<rd_kafka_resp_err_t>(error);
  if (code == RD_KAFKA_RESP_ERR__FATAL) {
    char text[512];
    rd_kafka_fatal_error(handle, text, sizeof(text));
    self->on_log_(2, std::string("fatal producer error: ") + text);
    return;
  }
  self->on_log_(4, std::string(rd_kafka_err2str(code)) + ": " + reason);
}

}  // namespace sluice::kafka
