// The host API table, called the way a plugin calls it: through the C function pointers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <sstream>
#include <string>

#include "core/metrics/metrics_registry.h"
#include "core/plugin_host/host_api.h"
#include "core/plugin_host/host_buffer.h"
#include "core/plugin_host/host_context.h"
#include "core/plugin_host/metrics_bridge.h"
#include "core/plugin_host/retry_policy.h"
#include "core/plugin_host/stop_signal.h"
#include "tests/core/plugin_host/test_support.h"

namespace sluice::plugin_host {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

sluice_str_t s(std::string_view text) {
  return {text.data(), text.size()};
}

std::string text(sluice_str_t value) {
  return std::string(value.data, value.size);
}

toml::value parse(std::string_view toml_text) {
  std::istringstream input{std::string(toml_text)};
  return toml::parse(input, "drainer.toml");
}

class HostApiTest : public ::testing::Test {
 protected:
  HostApiTest()
      : bridge_(std::make_shared<MetricsBridge>(registry_)),
        context_("recording-sink", PluginKind::kSink, "out", parse(R"(
host = "db.example"
port = 3306
ratio = 0.5
enabled = true
tables = ["a", "b"]
mixed = ["a", 1]
password = "${SLUICE_HOST_API_TEST_SECRET}"
missing-env = "${SLUICE_HOST_API_TEST_UNSET}"
plain-secret = "not-a-reference"
encrypted_token = "oKGio6SlpqeoqaqrrK2ur0B7IC1b"
when = 1979-05-27T07:32:00Z
[security]
ssl-ca = "/etc/ca.pem"
[security.nested]
depth = 2
)"),
                 "sink[0].config", &stop_, bridge_) {}

  const sluice_host_api_t* api_ = host_api();
  metrics::MetricsRegistry registry_;
  std::shared_ptr<MetricsBridge> bridge_;
  StopSignal stop_;
  HostContext context_;
  sluice_host_context_t* ctx() { return context_.handle(); }
  const sluice_config_t* config() { return context_.config().handle(); }
};

TEST_F(HostApiTest, TableIsVersion1_0AndComplete) {
  EXPECT_EQ(api_->struct_size, sizeof(sluice_host_api_t));
  EXPECT_EQ(api_->abi_major, 1u);
  EXPECT_EQ(api_->abi_minor, static_cast<uint32_t>(SLUICE_ABI_VERSION_MINOR));
  // Every slot is filled.
  const auto* slots = reinterpret_cast<const unsigned char*>(api_);
  for (size_t offset = offsetof(sluice_host_api_t, log); offset < sizeof(sluice_host_api_t);
       offset += sizeof(void*)) {
    void* slot = nullptr;
    std::memcpy(&slot, slots + offset, sizeof(slot));
    EXPECT_NE(slot, nullptr) << "offset " << offset;
  }
}

TEST_F(HostApiTest, ConfigTypes) {
  EXPECT_EQ(api_->config_type(config(), s("host")), SLUICE_CONFIG_STRING);
  EXPECT_EQ(api_->config_type(config(), s("port")), SLUICE_CONFIG_INT);
  EXPECT_EQ(api_->config_type(config(), s("ratio")), SLUICE_CONFIG_DOUBLE);
  EXPECT_EQ(api_->config_type(config(), s("enabled")), SLUICE_CONFIG_BOOL);
  EXPECT_EQ(api_->config_type(config(), s("tables")), SLUICE_CONFIG_ARRAY);
  EXPECT_EQ(api_->config_type(config(), s("security")), SLUICE_CONFIG_TABLE);
  EXPECT_EQ(api_->config_type(config(), s("when")), SLUICE_CONFIG_OTHER);
  EXPECT_EQ(api_->config_type(config(), s("nope")), SLUICE_CONFIG_ABSENT);
  EXPECT_EQ(api_->config_type(config(), s("")), SLUICE_CONFIG_ABSENT);
  EXPECT_EQ(api_->config_type(config(), s("host.deeper")), SLUICE_CONFIG_ABSENT);
}

TEST_F(HostApiTest, ConfigGettersReadTypedValuesAndDottedKeys) {
  sluice_str_t string{};
  ASSERT_EQ(api_->config_get_string(config(), s("host"), &string), SLUICE_OK);
  EXPECT_EQ(text(string), "db.example");
  ASSERT_EQ(api_->config_get_string(config(), s("security.ssl-ca"), &string), SLUICE_OK);
  EXPECT_EQ(text(string), "/etc/ca.pem");
  int64_t integer = 0;
  ASSERT_EQ(api_->config_get_int(config(), s("port"), &integer), SLUICE_OK);
  EXPECT_EQ(integer, 3306);
  ASSERT_EQ(api_->config_get_int(config(), s("security.nested.depth"), &integer), SLUICE_OK);
  EXPECT_EQ(integer, 2);
  double number = 0;
  ASSERT_EQ(api_->config_get_double(config(), s("ratio"), &number), SLUICE_OK);
  EXPECT_EQ(number, 0.5);
  ASSERT_EQ(api_->config_get_double(config(), s("port"), &number), SLUICE_OK);  // ints too
  EXPECT_EQ(number, 3306.0);
  int32_t flag = 0;
  ASSERT_EQ(api_->config_get_bool(config(), s("enabled"), &flag), SLUICE_OK);
  EXPECT_EQ(flag, 1);
  size_t size = 0;
  ASSERT_EQ(api_->config_array_size(config(), s("tables"), &size), SLUICE_OK);
  EXPECT_EQ(size, 2u);
  ASSERT_EQ(api_->config_get_string_at(config(), s("tables"), 1, &string), SLUICE_OK);
  EXPECT_EQ(text(string), "b");
}

TEST_F(HostApiTest, ConfigGettersLeaveOutputUntouchedOnAbsenceOrWrongType) {
  int64_t integer = -7;
  EXPECT_EQ(api_->config_get_int(config(), s("host"), &integer), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(api_->config_get_int(config(), s("ratio"), &integer), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(api_->config_get_int(config(), s("absent"), &integer), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(integer, -7);
  sluice_str_t string{"x", 1};
  EXPECT_EQ(api_->config_get_string(config(), s("port"), &string), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(api_->config_get_string_at(config(), s("tables"), 2, &string), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(api_->config_get_string_at(config(), s("mixed"), 1, &string), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(text(string), "x");
  int32_t flag = 5;
  EXPECT_EQ(api_->config_get_bool(config(), s("port"), &flag), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(flag, 5);
  double number = 1.5;
  EXPECT_EQ(api_->config_get_double(config(), s("host"), &number), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(number, 1.5);
  size_t size = 9;
  EXPECT_EQ(api_->config_array_size(config(), s("host"), &size), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(size, 9u);
  EXPECT_EQ(api_->config_get_int(nullptr, s("port"), &integer), SLUICE_INVALID_CONFIG);
}

TEST_F(HostApiTest, SecretsResolveEnvironmentReferences) {
  ASSERT_EQ(::setenv("SLUICE_HOST_API_TEST_SECRET", "hunter2", 1), 0);
  sluice_str_t secret{};
  ASSERT_EQ(api_->config_get_secret(config(), s("password"), &secret), SLUICE_OK);
  EXPECT_EQ(text(secret), "hunter2");
  // Resolved once: the string stays valid (and the same) for the config's lifetime.
  ASSERT_EQ(::setenv("SLUICE_HOST_API_TEST_SECRET", "changed", 1), 0);
  sluice_str_t again{};
  ASSERT_EQ(api_->config_get_secret(config(), s("password"), &again), SLUICE_OK);
  EXPECT_EQ(again.data, secret.data);
  EXPECT_EQ(text(again), "hunter2");
  ::unsetenv("SLUICE_HOST_API_TEST_SECRET");

  ASSERT_EQ(api_->config_get_secret(config(), s("plain-secret"), &secret), SLUICE_OK);
  EXPECT_EQ(text(secret), "not-a-reference");
  EXPECT_EQ(api_->config_get_secret(config(), s("absent"), &secret), SLUICE_INVALID_CONFIG);
}

TEST_F(HostApiTest, SecretFromAnUnsetVariableIsExplained) {
  ::unsetenv("SLUICE_HOST_API_TEST_UNSET");
  sluice_str_t secret{};
  context_.clear_error();
  EXPECT_EQ(api_->config_get_secret(config(), s("missing-env"), &secret), SLUICE_INVALID_CONFIG);
  EXPECT_EQ(context_.error(),
            "key 'sink[0].config.missing-env': environment variable SLUICE_HOST_API_TEST_UNSET "
            "is not set");
}

// encrypted_token is base64(IV + '@' + AES-256-CFB("root")), made with `openssl enc`.
TEST_F(HostApiTest, EncryptedSecretsAreDecryptedWithBinlogSecretKey) {
  sluice_str_t secret{};
  ::unsetenv("BINLOG_SECRET_KEY");
  context_.clear_error();
  EXPECT_EQ(api_->config_get_secret(config(), s("token"), &secret), SLUICE_INVALID_CONFIG);
  EXPECT_THAT(context_.error(), HasSubstr("key 'sink[0].config.encrypted_token': an encrypted "
                                          "secret needs the key in the environment variable "
                                          "BINLOG_SECRET_KEY"));
  ::setenv("BINLOG_SECRET_KEY", "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4",
           1);
  ASSERT_EQ(api_->config_get_secret(config(), s("token"), &secret), SLUICE_OK);
  EXPECT_EQ(std::string(secret.data, secret.size), "root");
  ::unsetenv("BINLOG_SECRET_KEY");
}

TEST_F(HostApiTest, KeepsTheLatestTsMapASinkReports) {
  EXPECT_FALSE(context_.ts_map().has_value());
  api_->report_ts_map(ctx(), 100, 5000);
  api_->report_ts_map(ctx(), 90, 4000);  // older upstream ts: ignored
  ASSERT_TRUE(context_.ts_map().has_value());
  EXPECT_EQ(*context_.ts_map(), std::make_pair(int64_t{100}, int64_t{5000}));
  api_->report_ts_map(ctx(), 120, 6000);
  EXPECT_EQ(*context_.ts_map(), std::make_pair(int64_t{120}, int64_t{6000}));
}

TEST_F(HostApiTest, RecordsWhichKeysWereRead) {
  int64_t integer = 0;
  sluice_str_t string{};
  api_->config_get_int(config(), s("port"), &integer);
  api_->config_get_string(config(), s("security.ssl-ca"), &string);
  api_->config_type(config(), s("security"));              // a table's type does not read its keys
  api_->config_get_secret(config(), s("token"), &string);  // reads encrypted_token
  EXPECT_THAT(context_.config().unread_keys(),
              ElementsAre("enabled", "host", "missing-env", "mixed", "password", "plain-secret",
                          "ratio", "security.nested.depth", "tables", "when"));
  EXPECT_EQ(context_.config().location("port"), "drainer.toml:3");
}

TEST_F(HostApiTest, SetErrorCopiesTheMessage) {
  char message[] = "disk full";
  api_->set_error(ctx(), message, std::strlen(message));
  message[0] = 'X';
  EXPECT_EQ(context_.error(), "disk full");
  api_->set_error(ctx(), "not NUL-terminated here", 3);
  EXPECT_EQ(context_.error(), "not");
  api_->set_error(nullptr, "ignored", 7);  // tolerated
}

TEST_F(HostApiTest, InstanceNameClocksAndStopFlag) {
  EXPECT_EQ(text(api_->instance_name(ctx())), "out");
  EXPECT_GT(api_->wall_clock_ns(ctx()), int64_t{1'600'000'000} * 1'000'000'000);
  const int64_t before = api_->monotonic_clock_ns(ctx());
  EXPECT_GE(api_->monotonic_clock_ns(ctx()), before);
  EXPECT_EQ(api_->stop_requested(ctx()), 0);
  stop_.request_stop();
  EXPECT_EQ(api_->stop_requested(ctx()), 1);
  EXPECT_TRUE(stop_.wait_for(std::chrono::hours(1)));  // returns at once once stopped
  EXPECT_EQ(api_->stop_requested(nullptr), 0);
}

TEST_F(HostApiTest, AckDurableIsMonotonic) {
  api_->ack_durable(ctx(), 100);
  EXPECT_EQ(context_.durable_ts(), 100);
  api_->ack_durable(ctx(), 40);  // backwards: ignored
  EXPECT_EQ(context_.durable_ts(), 100);
  api_->ack_durable(ctx(), 250);
  EXPECT_EQ(context_.durable_ts(), 250);
}

TEST_F(HostApiTest, LogIsTaggedWithPluginAndInstance) {
  testing::CapturedLog log;
  api_->log(ctx(), SLUICE_LOG_WARN, "hello there", 5);  // the length counts, not a NUL
  api_->log(ctx(), 42, "unknown level logs as info", 26);
  api_->log(ctx(), SLUICE_LOG_ERROR, "bad", 3);
  api_->log(nullptr, SLUICE_LOG_WARN, "from an entry point", 19);
  EXPECT_EQ(log.text(),
            "warning [recording-sink/out] hello\n"
            "info [recording-sink/out] unknown level logs as info\n"
            "error [recording-sink/out] bad\n"
            "warning [plugin] from an entry point\n");
}

TEST_F(HostApiTest, HostAllocAndFree) {
  void* memory = api_->host_alloc(64);
  ASSERT_NE(memory, nullptr);
  std::memset(memory, 0xab, 64);
  api_->host_free(memory);
  api_->host_free(nullptr);
}

TEST_F(HostApiTest, TranslateWithoutATranslatorIsUnsupported) {
  sluice_transaction_t transaction{};
  sluice_str_t out{};
  EXPECT_EQ(api_->translate(ctx(), &transaction, &out), SLUICE_UNSUPPORTED);
}

TEST_F(HostApiTest, MetricsCarryPluginAndInstanceLabels) {
  const sluice_str_t labels[] = {s("table"), s("orders")};
  sluice_metric_t* counter = api_->metric_register(ctx(), SLUICE_METRIC_COUNTER,
                                                   s("rows_written_total"), s("Rows"), labels, 1);
  ASSERT_NE(counter, nullptr);
  api_->metric_add(counter, 3);
  api_->metric_add(counter, -1);   // counters do not go down
  api_->metric_set(counter, 100);  // nor are they set
  // The same name and labels give the same series.
  EXPECT_EQ(api_->metric_register(ctx(), SLUICE_METRIC_COUNTER, s("rows_written_total"), s("Rows"),
                                  labels, 1),
            counter);
  sluice_metric_t* gauge =
      api_->metric_register(ctx(), SLUICE_METRIC_GAUGE, s("queue_depth"), s("Queue"), nullptr, 0);
  ASSERT_NE(gauge, nullptr);
  api_->metric_set(gauge, 12);
  api_->metric_add(gauge, -2);
  sluice_metric_t* histogram = api_->metric_register(ctx(), SLUICE_METRIC_HISTOGRAM,
                                                     s("write_seconds"), s("Latency"), nullptr, 0);
  ASSERT_NE(histogram, nullptr);
  api_->metric_observe(histogram, 0.02);

  const std::string rendered = registry_.render_text();
  EXPECT_THAT(rendered, HasSubstr("rows_written_total{instance=\"out\",plugin=\"recording-sink\","
                                  "table=\"orders\"} 3"));
  EXPECT_THAT(rendered, HasSubstr("queue_depth{instance=\"out\",plugin=\"recording-sink\"} 10"));
  EXPECT_THAT(rendered, HasSubstr("write_seconds_count{instance=\"out\",plugin=\"recording-sink\"}"
                                  " 1"));
}

TEST_F(HostApiTest, MetricRegistrationRefusesBadNamesAndKindClashes) {
  EXPECT_EQ(api_->metric_register(ctx(), SLUICE_METRIC_COUNTER, s("bad name"), s(""), nullptr, 0),
            nullptr);
  EXPECT_EQ(api_->metric_register(ctx(), SLUICE_METRIC_COUNTER, s("9lives"), s(""), nullptr, 0),
            nullptr);
  const sluice_str_t reserved[] = {s("instance"), s("x")};
  EXPECT_EQ(api_->metric_register(ctx(), SLUICE_METRIC_COUNTER, s("ok_total"), s(""), reserved, 1),
            nullptr);
  const sluice_str_t bad_label[] = {s("bad-label"), s("x")};
  EXPECT_EQ(api_->metric_register(ctx(), SLUICE_METRIC_COUNTER, s("ok_total"), s(""), bad_label, 1),
            nullptr);
  const sluice_str_t repeated[] = {s("a"), s("1"), s("a"), s("2")};
  EXPECT_EQ(api_->metric_register(ctx(), SLUICE_METRIC_COUNTER, s("ok_total"), s(""), repeated, 2),
            nullptr);
  EXPECT_EQ(api_->metric_register(ctx(), 17, s("ok_total"), s(""), nullptr, 0), nullptr);
  ASSERT_NE(api_->metric_register(ctx(), SLUICE_METRIC_COUNTER, s("clash"), s(""), nullptr, 0),
            nullptr);
  EXPECT_EQ(api_->metric_register(ctx(), SLUICE_METRIC_GAUGE, s("clash"), s(""), nullptr, 0),
            nullptr);
  EXPECT_EQ(api_->metric_register(nullptr, SLUICE_METRIC_GAUGE, s("g"), s(""), nullptr, 0),
            nullptr);
  api_->metric_add(nullptr, 1);  // tolerated
}

TEST(HostBufferTest, AppendReserveCommit) {
  HostBuffer buffer;
  const sluice_buffer_api_t* api = HostBuffer::api();
  EXPECT_EQ(api->struct_size, sizeof(sluice_buffer_api_t));
  ASSERT_EQ(api->append(buffer.handle(), "abc", 3), SLUICE_OK);
  uint8_t* room = api->reserve(buffer.handle(), 1000);
  ASSERT_NE(room, nullptr);
  std::memcpy(room, "defg", 4);
  api->commit(buffer.handle(), 4);  // fewer than reserved
  EXPECT_EQ(api->size(buffer.handle()), 7u);
  EXPECT_EQ(buffer.view(), "abcdefg");
  ASSERT_NE(api->reserve(buffer.handle(), 2), nullptr);
  api->commit(buffer.handle(), 5);  // more than reserved: only what was reserved counts
  EXPECT_EQ(buffer.size(), 9u);
  buffer.clear();
  EXPECT_EQ(buffer.view(), "");
  EXPECT_NE(api->reserve(buffer.handle(), 0), nullptr);
}

TEST(RetryPolicyTest, BacksOffExponentiallyUpToTheCap) {
  const RetryPolicy policy;  // 100 ms, x2, capped at 5 s
  EXPECT_EQ(policy.backoff(0), std::chrono::milliseconds(100));
  EXPECT_EQ(policy.backoff(1), std::chrono::milliseconds(200));
  EXPECT_EQ(policy.backoff(3), std::chrono::milliseconds(800));
  EXPECT_EQ(policy.backoff(5), std::chrono::milliseconds(3200));
  EXPECT_EQ(policy.backoff(6), std::chrono::seconds(5));
  EXPECT_EQ(policy.backoff(60), std::chrono::seconds(5));
  EXPECT_EQ(policy.max_attempts, 10);
}

}  // namespace
}  // namespace sluice::plugin_host
