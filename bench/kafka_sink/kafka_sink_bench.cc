// bench_kafka_sink: the kafka sink (kafka.so, loaded as the host loads it; default format
// slave.binlog, one message per transaction, acks = all, idempotence on, linger 5 ms) producing
// ~1 KB transactions to librdkafka's mock cluster (a child process on loopback), against a bare
// librdkafka producer loop sending the very same bytes (pre-encoded outside the timing) with the
// same producer settings to the same cluster, then waiting for every acknowledgement. Both run in
// the same process, alternately, several times; the medians and their ratio are printed. The
// sink's figure includes encoding, the ack window and the host calls; it ends when its durable
// watermark reached the last transaction.
// Usage: bench_kafka_sink [transactions=100000] [batch=64] [repetitions=3] [row-bytes=1000]
#include <librdkafka/rdkafka.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"
#include "tests/support/kafka_mock_cluster.h"

namespace {

using Clock = std::chrono::steady_clock;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;

size_t add_table(BatchBuilder& builder) {
  return builder.add_table({"shop",
                            "orders",
                            42,
                            {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint", 20, 0},
                             {"customer", 8, SLUICE_COLUMN_UNSIGNED, "bigint", 20, 0},
                             {"amount", 246, 0, "decimal", 12, 2},
                             {"created", 12, 0, "datetime", 19, 0},
                             {"status", 15, 0, "varchar", 16, 0},
                             {"note", 252, 0, "text", 65535, 0}},
                            {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
}

struct Batches {
  std::vector<std::unique_ptr<BatchBuilder>> builders;
  std::vector<const sluice_batch_t*> batches;
  int64_t last_ts = 0;
};

Batches make_batches(size_t transactions, size_t per_batch, size_t row_bytes) {
  Batches out;
  int64_t ts = 1000;
  uint64_t position = 0;
  for (size_t done = 0; done < transactions;) {
    auto builder = std::make_unique<BatchBuilder>();
    const size_t table = add_table(*builder);
    builder->set_first_position(position);
    for (size_t i = 0; i < per_batch && done < transactions; ++i, ++done) {
      ts += 4;
      builder->begin_transaction(ts, ts - 3)
          .insert(table, {ts, static_cast<uint64_t>(ts % 100000), std::string("1234.56"),
                          std::string("2026-11-21 10:00:00"), std::string("shipped"),
                          std::string(row_bytes, static_cast<char>('a' + ts % 26))});
      ++position;
    }
    out.batches.push_back(builder->build());
    out.builders.push_back(std::move(builder));
  }
  out.last_ts = ts;
  return out;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

// Seconds for the sink to make every transaction durable.
double run_sink(const std::string& servers, const std::string& topic, const Batches& batches) {
  FakeHost host;
  PluginInstance sink(host, host.load_plugin(SLUICE_BENCH_KAFKA_PLUGIN), "kafka");
  const auto created = sink.create(FakeConfig{{"kafka-addrs", servers}, {"topic-name", topic}});
  if (!created.ok()) {
    std::fprintf(stderr, "create: %s\n", created.describe().c_str());
    std::exit(1);
  }
  if (!sink.open(0).ok()) std::exit(1);
  const auto start = Clock::now();
  for (const sluice_batch_t* batch : batches.batches) {
    const auto written = sink.write(batch);
    if (!written.ok()) {
      std::fprintf(stderr, "write: %s\n", written.describe().c_str());
      std::exit(1);
    }
  }
  int64_t durable = 0;
  while (durable < batches.last_ts) {
    if (!sink.flush(durable).ok()) std::exit(1);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  sink.close();
  return seconds;
}

void dr_count(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) ++*static_cast<size_t*>(opaque);
}

// Seconds for a bare producer to send `payloads` and have all acknowledged.
double run_bare(const std::string& servers, const std::string& topic,
                const std::vector<std::string>& payloads) {
  char error[512];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  size_t acked = 0;
  const std::pair<const char*, const char*> settings[] = {
      {"bootstrap.servers", servers.c_str()},
      {"acks", "all"},
      {"linger.ms", "5"},
      {"enable.idempotence", "true"},
      {"batch.num.messages", "1024"},
      {"message.timeout.ms", "0"},
      {"queue.buffering.max.messages", "1000000"},
      {"queue.buffering.max.kbytes", "1048576"}};
  for (const auto& [name, value] : settings) {
    if (rd_kafka_conf_set(conf, name, value, error, sizeof(error)) != RD_KAFKA_CONF_OK) {
      std::fprintf(stderr, "%s: %s\n", name, error);
      std::exit(1);
    }
  }
  rd_kafka_conf_set_opaque(conf, &acked);
  rd_kafka_conf_set_dr_msg_cb(conf, &dr_count);
  rd_kafka_t* producer = rd_kafka_new(RD_KAFKA_PRODUCER, conf, error, sizeof(error));
  if (producer == nullptr) std::exit(1);
  const auto start = Clock::now();
  for (const std::string& payload : payloads) {
    for (;;) {
      const auto result = rd_kafka_producev(
          producer, RD_KAFKA_V_TOPIC(topic.c_str()), RD_KAFKA_V_PARTITION(0),
          RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
          RD_KAFKA_V_VALUE(const_cast<char*>(payload.data()), payload.size()), RD_KAFKA_V_END);
      if (result == RD_KAFKA_RESP_ERR_NO_ERROR) break;
      if (result != RD_KAFKA_RESP_ERR__QUEUE_FULL) std::exit(1);
      rd_kafka_poll(producer, 10);
    }
    rd_kafka_poll(producer, 0);
  }
  rd_kafka_flush(producer, 600000);
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  if (acked != payloads.size()) {
    std::fprintf(stderr, "bare producer: %zu of %zu acknowledged\n", acked, payloads.size());
    std::exit(1);
  }
  rd_kafka_destroy(producer);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  const size_t transactions = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 100000;
  const size_t per_batch = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 64;
  const int repetitions = argc > 3 ? std::atoi(argv[3]) : 3;
  const size_t row_bytes = argc > 4 ? std::strtoull(argv[4], nullptr, 10) : 1000;
  ::setenv("SLUICE_BINARY_DIR", SLUICE_BENCH_BINARY_DIR, 0);  // where the mock helper lives

  const Batches batches = make_batches(transactions, per_batch, row_bytes);
  std::vector<std::string> payloads;
  size_t bytes = 0;
  for (const sluice_batch_t* batch : batches.batches) {
    for (size_t i = 0; i < batch->transaction_count; ++i) {
      std::string payload;
      sluice::translators::append_secondary_binlog(
          sluice::sdk::Transaction(&batch->transactions[i]), payload);
      bytes += payload.size();
      payloads.push_back(std::move(payload));
    }
  }
  sluice::testing::KafkaMockCluster cluster;
  std::vector<double> sink_seconds, bare_seconds;
  for (int round = 0; round < repetitions; ++round) {
    const std::string suffix = std::to_string(round);
    cluster.create_topic("bare" + suffix, 1);
    cluster.create_topic("sink" + suffix, 1);
    bare_seconds.push_back(run_bare(cluster.bootstrap_servers(), "bare" + suffix, payloads));
    sink_seconds.push_back(run_sink(cluster.bootstrap_servers(), "sink" + suffix, batches));
    std::printf("round %d: sink %.3f s, bare producer %.3f s\n", round, sink_seconds.back(),
                bare_seconds.back());
  }
  const double sink = median(sink_seconds);
  const double bare = median(bare_seconds);
  const double mb = static_cast<double>(bytes) / 1e6;
  std::printf("%zu transactions, %zu per batch, %.1f MB of slave.binlog payload (%.0f B each)\n",
              transactions, per_batch, mb, static_cast<double>(bytes) / transactions);
  std::printf("kafka sink:    %9.0f msg/s %8.1f MB/s (median of %d)\n", transactions / sink,
              mb / sink, repetitions);
  std::printf("bare producer: %9.0f msg/s %8.1f MB/s\n", transactions / bare, mb / bare);
  std::printf("ratio sink/bare: %.2f\n", bare / sink);
  return 0;
}
