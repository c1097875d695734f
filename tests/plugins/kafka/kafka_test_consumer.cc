// sluice-kafka-test-consumer: a separate consumer process for the Kafka sink tests. Reads every
// partition of one topic from the beginning and prints one line per message, then "END":
//   <partition> <offset> <key hex or -> <headers: name=valuehex,... or -> <value hex>
// Usage: sluice-kafka-test-consumer <bootstrap> <topic> <count> <timeout-ms>
// Exits 0 after `count` messages, 1 on timeout or error (with the reason on stderr).
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

namespace {

std::string hex(const void* data, size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  const auto* bytes = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < size; ++i) {
    text.push_back(kDigits[bytes[i] >> 4]);
    text.push_back(kDigits[bytes[i] & 0xF]);
  }
  return text;
}

int fail(const std::string& message) {
  std::fprintf(stderr, "sluice-kafka-test-consumer: %s\n", message.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5) return fail("usage: <bootstrap> <topic> <count> <timeout-ms>");
  const std::string topic = argv[2];
  const long count = std::atol(argv[3]);
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(std::atol(argv[4]));
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  if (rd_kafka_conf_set(conf, "bootstrap.servers", argv[1], error, sizeof(error)) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "group.id", "sluice-test", error, sizeof(error)) !=
          RD_KAFKA_CONF_OK ||
      rd_kafka_conf_set(conf, "enable.auto.commit", "false", error, sizeof(error)) !=
          RD_KAFKA_CONF_OK) {
    return fail(error);
  }
  rd_kafka_t* consumer = rd_kafka_new(RD_KAFKA_CONSUMER, conf, error, sizeof(error));
  if (consumer == nullptr) return fail(error);
  rd_kafka_topic_t* handle = rd_kafka_topic_new(consumer, topic.c_str(), nullptr);
  const struct rd_kafka_metadata* metadata = nullptr;
  int partitions = 0;
  while (std::chrono::steady_clock::now() < deadline) {
    if (rd_kafka_metadata(consumer, 0, handle, &metadata, 2000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      if (metadata->topic_cnt == 1 && metadata->topics[0].err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        partitions = metadata->topics[0].partition_cnt;
      }
      rd_kafka_metadata_destroy(metadata);
      if (partitions > 0) break;
    }
  }
  rd_kafka_topic_destroy(handle);
  if (partitions == 0) return fail("topic " + topic + " not found");
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p)
    rd_kafka_topic_partition_list_add(list, topic.c_str(), p)->offset = RD_KAFKA_OFFSET_BEGINNING;
  rd_kafka_assign(consumer, list);
  rd_kafka_topic_partition_list_destroy(list);
  long seen = 0;
  while (seen < count && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* message = rd_kafka_consumer_poll(consumer, 200);
    if (message == nullptr) continue;
    if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string headers;
      rd_kafka_headers_t* list_of_headers = nullptr;
      if (rd_kafka_message_headers(message, &list_of_headers) == RD_KAFKA_RESP_ERR_NO_ERROR) {
        const char* name = nullptr;
        const void* value = nullptr;
        size_t size = 0;
        for (size_t i = 0; rd_kafka_header_get_all(list_of_headers, i, &name, &value, &size) ==
                           RD_KAFKA_RESP_ERR_NO_ERROR;
             ++i) {
          if (!headers.empty()) headers.push_back(',');
          headers += std::string(name) + "=" + hex(value, size);
        }
      }
      std::printf("%d %lld %s %s %s\n", message->partition, static_cast<long long>(message->offset),
                  message->key ? hex(message->key, message->key_len).c_str() : "-",
                  headers.empty() ? "-" : headers.c_str(),
                  hex(message->payload, message->len).c_str());
      ++seen;
    }
    rd_kafka_message_destroy(message);
  }
  std::printf("END\n");
  std::fflush(stdout);
  rd_kafka_consumer_close(consumer);
  rd_kafka_destroy(consumer);
  return seen >= count ? 0 : fail("timed out after " + std::to_string(seen) + " messages");
}
