#pragma once
// The Kafka sink's settings, read from its [sink.config] table (the original drainer's
// [syncer.to] keys for db-type = "kafka", plus Sluice's own). read_kafka_sink_config() reads and
// checks every key without I/O and throws sdk::ConfigError naming the key; docs/kafka.md lists
// them. A plain value type: copy freely, any thread.

#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <string>
#include <vector>

namespace sluice::kafka {

// How transactions become messages.
enum class PartitionBy {
  kNone,        // one message per transaction, to one fixed partition, key null (the original)
  kTable,       // one message per table a transaction touches, key "<schema>.<table>"
  kPrimaryKey,  // one message per row event, key "<schema>.<table>" + the row's key values
};

struct KafkaSinkConfig {
  std::string brokers = "127.0.0.1:9092";  // kafka-addrs (or $KAFKA_ADDRS)
  std::string client_id = "tidb_binlog";   // kafka-client-id
  std::string topic = "";                  // topic-name, default "<cluster-id>_obinlog"
  bool topic_has_placeholders = false;     // "{schema}" / "{table}" in topic
  int64_t max_messages = 1024;             // kafka-max-messages -> batch.num.messages
  int64_t max_message_size = 1073741824;   // kafka-max-message-size (1 GiB, as the original)
  std::string kafka_version;               // accepted and ignored
  PartitionBy partition_by = PartitionBy::kNone;
  int32_t partition = 0;               // partition-by = "none": the one partition (original: 0)
  int64_t max_events_per_message = 0;  // > 0: split bigger transactions (none/table modes)
  std::string acks = "all";            // acks: "all", "1" or "0"
  int64_t linger_ms = 5;               // linger-ms
  std::string compression = "none";    // compression: none, gzip, snappy, lz4, zstd
  bool idempotence = true;             // enable-idempotence
  int64_t max_unacked_bytes = int64_t{90} << 20;  // back-pressure (original: 90 MiB)
  int64_t retry_backoff_ms = 500;                 // the original's 500 ms
  int64_t connect_timeout_ms = 10000;             // open(): how long to wait for broker metadata
  int64_t flush_timeout_ms = 1000;                // flush(): how long to wait for outstanding acks
  int64_t close_timeout_ms = 10000;               // close(): how long to wait for outstanding acks
  int64_t stall_warning_ms = 30000;  // warn when nothing was acked for this long (original 30 s)
  // Extra librdkafka properties (librdkafka table), applied last.
  std::vector<std::pair<std::string, std::string>> librdkafka;
};

// Reads and checks every key; throws sdk::ConfigError naming the key and the reason.
KafkaSinkConfig read_kafka_sink_config(const sdk::Config& config);

// The topic for an event of `schema`.`table` (placeholders replaced).
std::string topic_for(const KafkaSinkConfig& config, std::string_view schema,
                      std::string_view table);

}  // namespace sluice::kafka
