#include "plugins/kafka/kafka_sink_config.h"

#include <cstdlib>

namespace sluice::kafka {
namespace {

using sdk::ConfigError;

// librdkafka's own bound (CONFIGURATION.md): batch.num.messages 1..1000000.
constexpr int64_t kRdkafkaMaxBatchMessages = 1000000;

int64_t positive(const sdk::Config& config, std::string_view key, int64_t fallback,
                 bool zero_allowed = false) {
  const int64_t value = config.int_or(key, fallback);
  if (value < 0 || (value == 0 && !zero_allowed)) {
    throw ConfigError("'" + std::string(key) + "' must be " +
                      (zero_allowed ? "0 or more" : "greater than 0") + ", not " +
                      std::to_string(value));
  }
  return value;
}

}  // namespace

KafkaSinkConfig read_kafka_sink_config(const sdk::Config& config) {
  KafkaSinkConfig out;
  if (const char* env = std::getenv("KAFKA_ADDRS"); env != nullptr && *env != '\0') {
    out.brokers = env;
  }
  if (auto addrs = config.get_string("kafka-addrs")) out.brokers = *addrs;
  if (out.brokers.empty()) throw ConfigError("'kafka-addrs' must list at least one broker");
  for (size_t begin = 0; begin <= out.brokers.size();) {
    const size_t comma = std::min(out.brokers.find(',', begin), out.brokers.size());
    const std::string address = out.brokers.substr(begin, comma - begin);
    if (address.find(':') == std::string::npos || address.front() == ':' || address.back() == ':') {
      throw ConfigError("'kafka-addrs': \"" + address +
                        "\" is not host:port (expected e.g. \"127.0.0.1:9092,10.0.0.2:9092\")");
    }
    begin = comma + 1;
  }
  if (auto zk = config.get_string("zookeeper-addrs"); zk && !zk->empty()) {
    throw ConfigError(
        "'zookeeper-addrs' is not supported: list the brokers in 'kafka-addrs' instead");
  }
  out.client_id = config.string_or("kafka-client-id", out.client_id);
  if (out.client_id.empty()) throw ConfigError("'kafka-client-id' must not be empty");
  out.kafka_version = config.string_or("kafka-version", "");

  out.max_messages = positive(config, "kafka-max-messages", out.max_messages);
  if (out.max_messages > kRdkafkaMaxBatchMessages) {
    throw ConfigError("'kafka-max-messages' must be at most 1000000 (librdkafka's limit)");
  }
  out.max_message_size = positive(config, "kafka-max-message-size", out.max_message_size);
  if (out.max_message_size < 1000) {
    throw ConfigError("'kafka-max-message-size' must be at least 1000 bytes");
  }

  const auto cluster_id = config.get_int("cluster-id");
  if (cluster_id && *cluster_id <= 0) throw ConfigError("'cluster-id' must be greater than 0");
  if (auto topic = config.get_string("topic-name"); topic && !topic->empty()) {
    out.topic = *topic;
  } else if (cluster_id) {
    out.topic = std::to_string(*cluster_id) + "_obinlog";
  } else {
    throw ConfigError(
        "set 'topic-name', or 'cluster-id' for the original's default topic "
        "\"<cluster-id>_obinlog\"");
  }
  out.topic_has_placeholders = out.topic.find("{schema}") != std::string::npos ||
                               out.topic.find("{table}") != std::string::npos;

  const std::string partition_by = config.string_or("partition-by", "none");
  if (partition_by == "none") {
    out.partition_by = PartitionBy::kNone;
  } else if (partition_by == "table") {
    out.partition_by = PartitionBy::kTable;
  } else if (partition_by == "primary-key") {
    out.partition_by = PartitionBy::kPrimaryKey;
  } else {
    throw ConfigError("'partition-by' must be \"none\", \"table\" or \"primary-key\", not \"" +
                      partition_by + "\"");
  }
  if (out.topic_has_placeholders && out.partition_by == PartitionBy::kNone) {
    throw ConfigError("'topic-name' \"" + out.topic +
                      "\" has {schema}/{table}: set 'partition-by' to \"table\" or "
                      "\"primary-key\" so that each message holds one table");
  }
  const int64_t partition = config.int_or("partition", 0);
  if (partition < 0 || partition > INT32_MAX) {
    throw ConfigError("'partition' must be between 0 and 2147483647");
  }
  out.partition = static_cast<int32_t>(partition);
  if (config.has("partition") && out.partition_by != PartitionBy::kNone) {
    throw ConfigError("'partition' only applies to partition-by = \"none\"");
  }
  out.max_events_per_message =
      positive(config, "max-events-per-message", out.max_events_per_message, true);

  out.acks = config.string_or("acks", out.acks);
  if (out.acks == "-1") out.acks = "all";
  if (out.acks != "all" && out.acks != "1" && out.acks != "0") {
    throw ConfigError("'acks' must be \"all\", \"1\" or \"0\", not \"" + out.acks + "\"");
  }
  out.idempotence = config.bool_or("enable-idempotence", out.idempotence);
  if (out.idempotence && out.acks != "all") {
    throw ConfigError("'enable-idempotence' = true needs 'acks' = \"all\" (set one or the other)");
  }
  out.linger_ms = positive(config, "linger-ms", out.linger_ms, true);
  out.compression = config.string_or("compression", out.compression);
  if (out.compression != "none" && out.compression != "gzip" && out.compression != "snappy" &&
      out.compression != "lz4" && out.compression != "zstd") {
    throw ConfigError("'compression' must be none, gzip, snappy, lz4 or zstd, not \"" +
                      out.compression + "\"");
  }
  out.max_unacked_bytes = positive(config, "max-unacked-bytes", out.max_unacked_bytes);
  out.retry_backoff_ms = positive(config, "retry-backoff-ms", out.retry_backoff_ms);
  out.connect_timeout_ms = positive(config, "connect-timeout-ms", out.connect_timeout_ms);
  out.flush_timeout_ms = positive(config, "flush-timeout-ms", out.flush_timeout_ms, true);
  out.close_timeout_ms = positive(config, "close-timeout-ms", out.close_timeout_ms, true);
  out.stall_warning_ms = positive(config, "stall-warning-ms", out.stall_warning_ms);
  if (auto properties = config.get_strings("librdkafka")) {
    for (const std::string& item : *properties) {
      const size_t equals = item.find('=');
      if (equals == std::string::npos || equals == 0) {
        throw ConfigError("'librdkafka': \"" + item + "\" is not \"property=value\"");
      }
      out.librdkafka.emplace_back(item.substr(0, equals), item.substr(equals + 1));
    }
  }
  return out;
}

std::string topic_for(const KafkaSinkConfig& config, std::string_view schema,
                      std::string_view table) {
  if (!config.topic_has_placeholders) return config.topic;
  std::string topic;
  topic.reserve(config.topic.size() + schema.size() + table.size());
  for (size_t at = 0; at < config.topic.size();) {
    if (config.topic.compare(at, 8, "{schema}") == 0) {
      topic.append(schema);
      at += 8;
    } else if (config.topic.compare(at, 7, "{table}") == 0) {
      topic.append(table);
      at += 7;
    } else {
      topic.push_back(config.topic[at++]);
    }
  }
  return topic;
}

}  // namespace sluice::kafka
