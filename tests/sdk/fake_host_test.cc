// The fake host: each host service through the C table, as a plugin sees it, and driving real
// plugin libraries through PluginLibrary + PluginInstance.
#include <gtest/gtest.h>
#include <sluice/sdk/plugin.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>
#include <stdlib.h>

#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

using namespace sluice::sdk::testing;

const std::string kPlugins = SDK_TEST_PLUGIN_DIR;

sluice_str_t str(std::string_view text) {
  return {text.data(), text.size()};
}
std::string text(sluice_str_t value) {
  return std::string(value.data, value.size);
}

TEST(FakeHost, TableIdentifiesTheAbi) {
  FakeHost host;
  EXPECT_EQ(host.api()->struct_size, sizeof(sluice_host_api_t));
  EXPECT_EQ(host.api()->abi_major, 1u);
  EXPECT_EQ(host.api()->abi_minor, static_cast<uint32_t>(SLUICE_ABI_VERSION_MINOR));
  EXPECT_NE(host.api()->translate, nullptr);
}

TEST(FakeHost, ConfigGettersAreTyped) {
  FakeHost host;
  const sluice_host_api_t* api = host.api();
  FakeConfig config{{"path", "/tmp/x"},
                    {"fsync", false},
                    {"retries", 3},
                    {"ratio", 0.5},
                    {"brokers", std::vector<std::string>{"a:9092", "b:9092"}},
                    {"security.ssl-ca", "/etc/ca.pem"}};
  const sluice_config_t* raw = config.raw();

  EXPECT_EQ(api->config_type(raw, str("path")), SLUICE_CONFIG_STRING);
  EXPECT_EQ(api->config_type(raw, str("fsync")), SLUICE_CONFIG_BOOL);
  EXPECT_EQ(api->config_type(raw, str("retries")), SLUICE_CONFIG_INT);
  EXPECT_EQ(api->config_type(raw, str("ratio")), SLUICE_CONFIG_DOUBLE);
  EXPECT_EQ(api->config_type(raw, str("brokers")), SLUICE_CONFIG_ARRAY);
  EXPECT_EQ(api->config_type(raw, str("security")), SLUICE_CONFIG_TABLE);
  EXPECT_EQ(api->config_type(raw, str("secure")), SLUICE_CONFIG_ABSENT);
  EXPECT_EQ(api->config_type(raw, str("missing")), SLUICE_CONFIG_ABSENT);

  sluice_str_t out{};
  ASSERT_EQ(api->config_get_string(raw, str("security.ssl-ca"), &out), SLUICE_OK);
  EXPECT_EQ(text(out), "/etc/ca.pem");
  int64_t number = 99;
  EXPECT_EQ(api->config_get_int(raw, str("path"), &number), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(number, 99);  // untouched on a type mismatch
  ASSERT_EQ(api->config_get_int(raw, str("retries"), &number), SLUICE_OK);
  EXPECT_EQ(number, 3);
  double real = 0;
  ASSERT_EQ(api->config_get_double(raw, str("retries"), &real), SLUICE_OK);  // ints read as numbers
  EXPECT_EQ(real, 3.0);
  int32_t flag = 7;
  ASSERT_EQ(api->config_get_bool(raw, str("fsync"), &flag), SLUICE_OK);
  EXPECT_EQ(flag, 0);
  size_t size = 0;
  ASSERT_EQ(api->config_array_size(raw, str("brokers"), &size), SLUICE_OK);
  EXPECT_EQ(size, 2u);
  ASSERT_EQ(api->config_get_string_at(raw, str("brokers"), 1, &out), SLUICE_OK);
  EXPECT_EQ(text(out), "b:9092");
  EXPECT_EQ(api->config_get_string_at(raw, str("brokers"), 2, &out), SLUICE_INVALID_CONFIG);
}

TEST(FakeHost, SecretsComeFromTheEnvironmentOrTheDecryptor) {
  FakeHost host;
  const sluice_host_api_t* api = host.api();
  ::setenv("SLUICE_FAKE_HOST_TEST_SECRET", "hunter2", 1);
  ::unsetenv("SLUICE_FAKE_HOST_TEST_UNSET");
  FakeConfig config{{"password", "${SLUICE_FAKE_HOST_TEST_SECRET}"},
                    {"plain", "not-a-secret"},
                    {"unset", "${SLUICE_FAKE_HOST_TEST_UNSET}"},
                    {"db.encrypted_password", "cipher"}};
  sluice_str_t out{};
  ASSERT_EQ(api->config_get_secret(config.raw(), str("password"), &out), SLUICE_OK);
  EXPECT_EQ(text(out), "hunter2");
  ASSERT_EQ(api->config_get_secret(config.raw(), str("plain"), &out), SLUICE_OK);
  EXPECT_EQ(text(out), "not-a-secret");
  EXPECT_EQ(api->config_get_secret(config.raw(), str("unset"), &out), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(api->config_get_secret(config.raw(), str("db.password"), &out), SLUICE_INVALID_CONFIG);
  config.set_decryptor([](std::string_view ciphertext) -> std::optional<std::string> {
    return ciphertext == "cipher" ? std::optional<std::string>("plain text") : std::nullopt;
  });
  ASSERT_EQ(api->config_get_secret(config.raw(), str("db.password"), &out), SLUICE_OK);
  EXPECT_EQ(text(out), "plain text");
}

TEST(FakeHost, ConfigValueParsesCommandLineValues) {
  EXPECT_EQ(ConfigValue::parse("true").type(), SLUICE_CONFIG_BOOL);
  EXPECT_EQ(*ConfigValue::parse("-42").get_if<int64_t>(), -42);
  EXPECT_EQ(*ConfigValue::parse("2.5").get_if<double>(), 2.5);
  EXPECT_EQ(*ConfigValue::parse("\"42\"").get_if<std::string>(), "42");
  EXPECT_EQ(*ConfigValue::parse("/tmp/out.jsonl").get_if<std::string>(), "/tmp/out.jsonl");
  EXPECT_EQ(*ConfigValue::parse("1.2.3").get_if<std::string>(), "1.2.3");
  EXPECT_EQ(*ConfigValue::parse("[a, \"b\"]").get_if<std::vector<std::string>>(),
            (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ConfigValue::parse("[]").get_if<std::vector<std::string>>()->size(), 0u);
}

TEST(FakeHost, LogsErrorsAcksAndStop) {
  FakeHost host;
  const sluice_host_api_t* api = host.api();
  FakeContext& context = host.create_context("sink-1");
  sluice_host_context_t* ctx = context.handle();

  api->log(ctx, SLUICE_LOG_WARN, "careful", 7);
  api->log(nullptr, SLUICE_LOG_ERROR, "from the entry point", 20);
  const std::vector<LogLine> logs = host.logs();
  ASSERT_EQ(logs.size(), 2u);
  EXPECT_EQ(logs[0].instance, "sink-1");
  EXPECT_EQ(logs[0].level, SLUICE_LOG_WARN);
  EXPECT_EQ(logs[0].message, "careful");
  EXPECT_EQ(logs[1].instance, "host");

  api->set_error(ctx, "bad key 'x'", 11);
  EXPECT_EQ(context.last_error(), "bad key 'x'");
  EXPECT_EQ(context.error_count(), 1u);
  EXPECT_EQ(text(api->instance_name(ctx)), "sink-1");

  api->ack_durable(ctx, 10);
  api->ack_durable(ctx, 5);  // backwards: recorded, ignored for the watermark
  api->ack_durable(ctx, 20);
  EXPECT_EQ(context.acks(), (std::vector<int64_t>{10, 5, 20}));
  EXPECT_EQ(context.acked_durable(), 20);

  EXPECT_EQ(api->stop_requested(ctx), 0);
  host.request_stop();
  EXPECT_EQ(api->stop_requested(ctx), 1);
  host.request_stop(false);
  context.request_stop();
  EXPECT_EQ(api->stop_requested(ctx), 1);

  host.set_monotonic_clock([] { return int64_t{123}; });
  EXPECT_EQ(api->monotonic_clock_ns(ctx), 123);
  EXPECT_GT(api->wall_clock_ns(ctx), int64_t{1'600'000'000} * 1'000'000'000);
}

TEST(FakeHost, MetricsByNameAndLabels) {
  FakeHost host;
  const sluice_host_api_t* api = host.api();
  sluice_host_context_t* ctx = host.create_context("sink-1").handle();
  const sluice_str_t labels[] = {str("table"), str("items")};
  sluice_metric_t* rows =
      api->metric_register(ctx, SLUICE_METRIC_COUNTER, str("rows_total"), str("Rows"), labels, 1);
  ASSERT_NE(rows, nullptr);
  api->metric_add(rows, 2);
  api->metric_add(rows, 3);
  EXPECT_EQ(host.metric_value("rows_total", {{"table", "items"}}), 5);
  EXPECT_EQ(host.metric_value("rows_total"), std::nullopt);  // other labels
  // Registering the same series again returns the same handle.
  EXPECT_EQ(
      api->metric_register(ctx, SLUICE_METRIC_COUNTER, str("rows_total"), str("Rows"), labels, 1),
      rows);
  // A kind clash and a bad name are refused.
  EXPECT_EQ(api->metric_register(ctx, SLUICE_METRIC_GAUGE, str("rows_total"), str(""), nullptr, 0),
            nullptr);
  EXPECT_EQ(api->metric_register(ctx, SLUICE_METRIC_GAUGE, str("1bad"), str(""), nullptr, 0),
            nullptr);
  sluice_metric_t* lag =
      api->metric_register(ctx, SLUICE_METRIC_GAUGE, str("lag_seconds"), str(""), nullptr, 0);
  api->metric_set(lag, 4);
  api->metric_set(lag, 1.5);
  EXPECT_EQ(host.metric_value("lag_seconds"), 1.5);
  sluice_metric_t* latency =
      api->metric_register(ctx, SLUICE_METRIC_HISTOGRAM, str("latency"), str(""), nullptr, 0);
  api->metric_observe(latency, 0.25);
  api->metric_observe(latency, 0.5);
  const std::vector<MetricSample> samples = host.metrics();
  ASSERT_EQ(samples.size(), 3u);
  EXPECT_EQ(samples[2].name, "latency");
  EXPECT_EQ(samples[2].value, 0.75);
  EXPECT_EQ(samples[2].count, 2u);
  EXPECT_EQ(samples[2].instance, "sink-1");
}

TEST(FakeHost, TranslateUsesTheHook) {
  FakeHost host;
  const sluice_host_api_t* api = host.api();
  sluice_host_context_t* ctx = host.create_context("sink-1").handle();
  BatchBuilder builder;
  builder.begin_transaction(100, 90);
  const sluice_batch_t* batch = builder.build();
  sluice_str_t out{};
  EXPECT_EQ(api->translate(ctx, batch->transactions, &out), SLUICE_UNSUPPORTED);
  host.set_translate_hook([](const sluice_transaction_t& transaction, std::string& bytes) {
    bytes = "commit " + std::to_string(transaction.commit_ts);
    return SLUICE_OK;
  });
  ASSERT_EQ(api->translate(ctx, batch->transactions, &out), SLUICE_OK);
  EXPECT_EQ(text(out), "commit 100");
  host.set_translate_hook([](const sluice_transaction_t&, std::string&) -> sluice_status_t {
    throw std::runtime_error("hook bug");
  });
  EXPECT_EQ(api->translate(ctx, batch->transactions, &out), SLUICE_FATAL);
}

TEST(FakeHost, BufferAppendsReservesAndCommits) {
  FakeBuffer buffer;
  const sluice_buffer_api_t* api = FakeBuffer::api();
  ASSERT_EQ(api->append(buffer.handle(), "ab", 2), SLUICE_OK);
  uint8_t* room = api->reserve(buffer.handle(), 10);
  ASSERT_NE(room, nullptr);
  std::memcpy(room, "cde", 3);
  api->commit(buffer.handle(), 3);
  EXPECT_EQ(api->size(buffer.handle()), 5u);
  EXPECT_EQ(buffer.bytes(), "abcde");
}

TEST(FakeHost, LoadingSomethingThatIsNoPlugin) {
  std::string error;
  EXPECT_FALSE(PluginLibrary::try_open(kPlugins + "/no-such.so", error));
  EXPECT_NE(error.find("cannot load"), std::string::npos);
  EXPECT_FALSE(PluginLibrary::try_open(kPlugins + "/not-a-plugin.so", error));
  EXPECT_NE(error.find("does not export sluice_plugin_entry_v1"), std::string::npos);
  EXPECT_THROW(PluginLibrary::open(kPlugins + "/no-such.so"), std::runtime_error);
}

BatchBuilder items_batch(int64_t first_commit_ts) {
  BatchBuilder builder;
  TableSpec table{"test", "items", 1, {{"id"}, {"name", 15, 0, "varchar"}}, {{"PRIMARY", 1, {0}}}};
  const size_t items = builder.add_table(table);
  builder.begin_transaction(first_commit_ts, first_commit_ts - 1)
      .insert(items, {int64_t{1}, std::string("a")});
  builder.begin_transaction(first_commit_ts + 1, first_commit_ts)
      .erase(items, {int64_t{1}, std::string("a")});
  return builder;
}

TEST(FakeHost, DrivesASinkLibrary) {
  FakeHost host;
  const PluginLibrary library = PluginLibrary::open(kPlugins + "/conformance-sink.so");
  const sluice_plugin_descriptor_t* descriptor = library.call_entry(host.api());
  ASSERT_NE(descriptor, nullptr);
  EXPECT_STREQ(descriptor->name, "conformance-sink");

  PluginInstance sink(host, descriptor, "sink-1");
  EXPECT_TRUE(sink.validate(FakeConfig{{"capacity", 10}}).ok());
  const CallResult rejected = sink.validate(FakeConfig{{"capacity", "ten"}});
  EXPECT_EQ(rejected.status, SLUICE_INVALID_CONFIG);
  EXPECT_EQ(rejected.error, "key 'capacity' must be an integer");

  ASSERT_TRUE(sink.create(FakeConfig{{"capacity", 10}}).ok());
  ASSERT_TRUE(sink.open(0).ok());
  BatchBuilder builder = items_batch(100);
  ASSERT_TRUE(sink.write(builder.build()).ok());
  int64_t durable = 0;
  ASSERT_TRUE(sink.flush(durable).ok());
  EXPECT_EQ(durable, 101);
  EXPECT_TRUE(sink.close().ok());
  sink.destroy();
  EXPECT_EQ(host.metric_value("conformance_sink_transactions_total"), 2);
  const std::vector<LogLine> logs = host.logs();
  ASSERT_FALSE(logs.empty());
  EXPECT_EQ(logs[0].message, "opened at checkpoint 0");
}

TEST(FakeHost, LoadPluginGivesTheDescriptor) {
  FakeHost host;
  const sluice_plugin_descriptor_t* descriptor =
      host.load_plugin(kPlugins + "/conformance-filter.so");
  EXPECT_EQ(descriptor->kind, uint32_t{SLUICE_KIND_FILTER});
  PluginInstance filter(host, descriptor, "filter-1");
  ASSERT_TRUE(filter.create(FakeConfig{}).ok());
  BatchBuilder builder = items_batch(100);
  std::vector<uint8_t> keep;
  ASSERT_TRUE(filter.filter(builder.build(), keep).ok());
  EXPECT_EQ(keep, (std::vector<uint8_t>{1, 0}));  // the insert kept, the delete dropped
  EXPECT_THROW(host.load_plugin(kPlugins + "/not-a-plugin.so"), std::runtime_error);
}

TEST(FakeHost, FailedCreateIsReportedAndDestroyIsSafe) {
  FakeHost host;
  const PluginLibrary library = PluginLibrary::open(kPlugins + "/conformance-sink.so");
  PluginInstance sink(host, library.call_entry(host.api()), "sink-1");
  const CallResult created = sink.create(FakeConfig{{"target", "unreachable"}});
  EXPECT_EQ(created.status, SLUICE_FATAL);
  EXPECT_EQ(created.error, "unhandled exception: cannot connect to target 'unreachable'");
  EXPECT_EQ(sink.raw_instance(), nullptr);
  sink.destroy();  // destroy(NULL) after the failed create
}

TEST(FakeHost, SdkTurnsAnExceptionInWriteIntoFatal) {
  FakeHost host;
  const PluginLibrary library = PluginLibrary::open(kPlugins + "/misbehaving-sink.so");
  PluginInstance sink(host, library.call_entry(host.api()), "sink-1");
  ASSERT_TRUE(sink.create(FakeConfig{{"mode", "throw-in-write"}}).ok());
  ASSERT_TRUE(sink.open(0).ok());
  BatchBuilder builder = items_batch(100);
  const CallResult written = sink.write(builder.build());
  EXPECT_EQ(written.status, SLUICE_FATAL);
  EXPECT_EQ(written.error, "unhandled exception: simulated failure: the target threw in write");
  EXPECT_TRUE(sink.close().ok());
}

TEST(FakeHost, CallsFromSeveralThreadsAreRecorded) {
  FakeHost host;
  const sluice_host_api_t* api = host.api();
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&host, api, t] {
      sluice_host_context_t* ctx = host.create_context("sink-" + std::to_string(t)).handle();
      sluice_metric_t* metric =
          api->metric_register(ctx, SLUICE_METRIC_COUNTER, str("calls_total"), str(""), nullptr, 0);
      for (int i = 0; i < 100; ++i) {
        api->log(ctx, SLUICE_LOG_DEBUG, "x", 1);
        api->metric_add(metric, 1);
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(host.logs().size(), 400u);
  EXPECT_EQ(host.metric_value("calls_total"), 400);
}

}  // namespace
