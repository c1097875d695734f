#include "daemons/arbiter/kafka_source.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <thread>

#include "core/drainer/relay_record_decoder.h"

namespace sluice::arbiter {
namespace {

// The Kafka sink's largest message (kafka-max-message-size, 1 GiB) must fit a fetch response.
constexpr const char* kReceiveMessageMaxBytes = "1100000000";
// How long one wait on a broker lasts before `stopping` is checked again.
constexpr int kBrokerWaitMs = 1000;

void log_from_librdkafka(const rd_kafka_t*, int level, const char* facility, const char* text) {
  // librdkafka's syslog levels: 0..3 errors, 4 warning; the rest is chatter.
  if (level <= 4) {
    spdlog::debug("librdkafka {}: {}", facility, text);
  } else {
    spdlog::trace("librdkafka {}: {}", facility, text);
  }
}

template <typename T>
bool parse_number(std::string_view text, T& value) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  return error == std::errc() && end == text.data() + text.size() && !text.empty();
}

std::optional<std::string_view> header(const rd_kafka_message_t* message, const char* name) {
  rd_kafka_headers_t* headers = nullptr;
  if (rd_kafka_message_headers(message, &headers) != RD_KAFKA_RESP_ERR_NO_ERROR) return {};
  const void* value = nullptr;
  size_t size = 0;
  if (rd_kafka_header_get_last(headers, name, &value, &size) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return {};
  }
  return std::string_view(static_cast<const char*>(value), value ? size : 0);
}

// Errors librdkafka does not recover from by retrying.
bool permanent(rd_kafka_resp_err_t error) {
  return error == RD_KAFKA_RESP_ERR__FATAL ||
         error == RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED ||
         error == RD_KAFKA_RESP_ERR_SASL_AUTHENTICATION_FAILED ||
         error == RD_KAFKA_RESP_ERR__AUTHENTICATION || error == RD_KAFKA_RESP_ERR__SSL;
}

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using MessagePtr = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

}  // namespace

Result<PartHeader> parse_part_header(std::string_view part, std::string_view commit_ts) {
  PartHeader header;
  const size_t slash = part.find('/');
  if (slash == std::string_view::npos || !parse_number(part.substr(0, slash), header.index) ||
      !parse_number(part.substr(slash + 1), header.count) || header.count < 1 || header.index < 1 ||
      header.index > header.count) {
    return Status::corruption(
        fmt::format("header sluice-part '{}' is not \"<i>/<n>\" with 1 <= i <= n", part));
  }
  if (!parse_number(commit_ts, header.commit_ts)) {
    return Status::corruption(
        fmt::format("header sluice-commit-ts '{}' is not a decimal commit_ts", commit_ts));
  }
  return header;
}

void KafkaSource::HandleDeleter::operator()(rd_kafka_t* handle) const {
  rd_kafka_consumer_close(handle);
  rd_kafka_destroy(handle);
}

KafkaSource::KafkaSource(rd_kafka_t* handle, std::string brokers, std::string topic,
                         std::function<bool()> stopping)
    : handle_(handle),
      brokers_(std::move(brokers)),
      topic_(std::move(topic)),
      stopping_(std::move(stopping)) {}

KafkaSource::~KafkaSource() = default;

Result<std::unique_ptr<KafkaSource>> KafkaSource::create(const std::string& brokers,
                                                         const std::string& topic,
                                                         std::function<bool()> stopping) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char error[512];
  const std::pair<const char*, const char*> settings[] = {
      {"bootstrap.servers", brokers.c_str()},
      {"client.id", "sluice_arbiter"},
      // Offsets are never committed to Kafka: the checkpoint table is the position. A group id
      // is still required by the consumer API.
      {"group.id", "sluice-arbiter"},
      {"enable.auto.commit", "false"},
      {"enable.auto.offset.store", "false"},
      {"enable.partition.eof", "false"},
      {"auto.offset.reset", "earliest"},
      {"receive.message.max.bytes", kReceiveMessageMaxBytes},
      {"reconnect.backoff.ms", "100"},
      {"reconnect.backoff.max.ms", "10000"},
  };
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value, error, sizeof error) != RD_KAFKA_CONF_OK) {
      rd_kafka_conf_destroy(conf);
      return Status::invalid_argument(fmt::format("Kafka setting {}: {}", name, error));
    }
  }
  rd_kafka_conf_set_log_cb(conf, log_from_librdkafka);
  rd_kafka_t* handle = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof error);
  if (handle == nullptr) {
    rd_kafka_conf_destroy(conf);
    return Status::invalid_argument(fmt::format("cannot create a Kafka consumer: {}", error));
  }
  rd_kafka_poll_set_consumer(handle);
  return std::unique_ptr<KafkaSource>(new KafkaSource(handle, brokers, topic, std::move(stopping)));
}

void KafkaSource::warn_limited(const std::string& message) {
  const auto now = std::chrono::steady_clock::now();
  if (now - last_warning_ < kWarningInterval) return;
  last_warning_ = now;
  spdlog::warn("{}", message);
}

Status KafkaSource::assign(int64_t offset) {
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(list, topic_.c_str(), 0)->offset = offset;
  const rd_kafka_resp_err_t error = rd_kafka_assign(handle_.get(), list);
  rd_kafka_topic_partition_list_destroy(list);
  if (error != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Status::internal(fmt::format("assigning {} partition 0 at offset {}: {}", topic_, offset,
                                        rd_kafka_err2str(error)));
  }
  return Status::ok();
}

Status KafkaSource::start(int64_t offset) {
  spdlog::info("reading Kafka topic {} partition 0 from offset {}", topic_, offset);
  return assign(offset);
}

Result<std::optional<KafkaRecord>> KafkaSource::poll(std::chrono::milliseconds timeout) {
  MessagePtr message(rd_kafka_consumer_poll(handle_.get(), static_cast<int>(timeout.count())));
  if (!message) return std::optional<KafkaRecord>();
  if (message->err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    const std::string text = rd_kafka_message_errstr(message.get());
    if (permanent(message->err)) {
      return Status::failed_precondition(fmt::format("Kafka topic {}: {}", topic_, text));
    }
    warn_limited(fmt::format("Kafka at \"{}\" (topic {}): {}; librdkafka retries with back-off",
                             brokers_, topic_, text));
    return std::optional<KafkaRecord>();
  }
  KafkaRecord record;
  record.offset = message->offset;
  record.value.assign(static_cast<const char*>(message->payload), message->len);
  auto part = header(message.get(), "sluice-part");
  if (part) {
    auto commit_ts = header(message.get(), "sluice-commit-ts");
    auto parsed = parse_part_header(*part, commit_ts.value_or(""));
    if (!parsed.is_ok()) {
      return Status::corruption(fmt::format("offset {} of topic {} partition 0: {}", record.offset,
                                            topic_, parsed.status().message()));
    }
    // A transaction in one message but with headers (partition-by table/primary-key) is whole.
    if (parsed->count > 1) record.part = *parsed;
  }
  return std::optional<KafkaRecord>(std::move(record));
}

Result<std::pair<int64_t, int64_t>> KafkaSource::probe(int64_t offset, int64_t high) {
  SLUICE_RETURN_IF_ERROR(assign(offset));
  for (;;) {
    if (stopping_()) return Status::aborted("stopping");
    SLUICE_ASSIGN_OR_RETURN(std::optional<KafkaRecord> record,
                            poll(std::chrono::milliseconds(kBrokerWaitMs)));
    if (!record) continue;
    if (record->offset < offset) continue;  // left over from an earlier assignment
    if (record->offset >= high) return std::pair<int64_t, int64_t>(high, INT64_MAX);
    int64_t commit_ts = 0;
    if (record->part) {
      commit_ts = record->part->commit_ts;
    } else {
      auto parsed = drainer::RelayRecordDecoder::commit_ts_of(record->value);
      if (!parsed.is_ok()) {
        return Status::corruption(
            fmt::format("offset {}: {}", record->offset, parsed.status().message()));
      }
      commit_ts = *parsed;
    }
    return std::pair<int64_t, int64_t>(record->offset, commit_ts);
  }
}

Result<int64_t> KafkaSource::offset_after(int64_t ts) {
  int64_t low = 0;
  int64_t high = 0;
  for (;;) {
    if (stopping_()) return Status::aborted("stopping");
    const rd_kafka_resp_err_t error = rd_kafka_query_watermark_offsets(
        handle_.get(), topic_.c_str(), 0, &low, &high, kBrokerWaitMs * 5);
    if (error == RD_KAFKA_RESP_ERR_NO_ERROR) break;
    if (permanent(error)) {
      return Status::failed_precondition(
          fmt::format("Kafka topic {}: {}", topic_, rd_kafka_err2str(error)));
    }
    warn_limited(fmt::format(
        "no answer from Kafka at \"{}\" for the offsets of topic {} partition 0: {}; retrying",
        brokers_, topic_, rd_kafka_err2str(error)));
    std::this_thread::sleep_for(std::chrono::milliseconds(kBrokerWaitMs));
  }
  spdlog::info("topic {} partition 0 holds offsets {}..{}", topic_, low, high);
  if (ts <= 0 || low >= high) return low;
  const int64_t first = low;
  while (low < high) {
    const int64_t middle = low + (high - low) / 2;
    auto probed = probe(middle, high);
    if (!probed.is_ok()) {
      if (probed.status().code() != StatusCode::kCorruption) return probed.status();
      spdlog::warn(
          "seeking commit_ts {} in topic {}: {}; reading from offset {} and skipping what is "
          "applied",
          ts, topic_, probed.status().message(), first);
      return first;
    }
    const auto [found, commit_ts] = *probed;
    if (commit_ts > ts) {
      high = middle;
    } else {
      low = found + 1;
    }
  }
  spdlog::info("commit_ts {} ends before offset {} of topic {}", ts, low, topic_);
  return low;
}

}  // namespace sluice::arbiter
