// Instances through the PluginHost: lifecycle order, failed create, retry, fatal, exceptions,
// rejection, durability watermark, metrics, translators, filters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>

#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "core/plugin_host/plugin_host.h"
#include "tests/core/plugin_host/test_support.h"

namespace sluice::plugin_host {
namespace {

using testing::configure_host;
using testing::ConfiguredHost;
using testing::copy_plugin;
using ::testing::ElementsAre;
using testing::fast_retry;
using ::testing::HasSubstr;
using testing::read_lines;
using testing::TempDir;

class LifecycleTest : public ::testing::Test {
 protected:
  void SetUp() override {
    copy_plugin("recording-sink", dir_.path());
    copy_plugin("keep-filter", dir_.path());
    copy_plugin("text-translator", dir_.path());
    copy_plugin("c-sink", dir_.path());
    table_ = builder_.add_table({"db", "orders", 1, {{"id"}}, {}});
  }

  // A host with one recording sink "out" whose config holds `extra` TOML lines.
  ConfiguredHost sink_host(const std::string& extra, RetryPolicy retry = fast_retry()) {
    return configure_host(dir_.path(),
                          "[[sink]]\nname = \"out\"\nplugin = \"recording-sink\"\n"
                          "[sink.config]\nlog = \"" +
                              log_.string() + "\"\n" + extra,
                          retry);
  }

  // A created host (asserting every step succeeded) with its sink "out" opened.
  ConfiguredHost opened_sink(const std::string& extra, RetryPolicy retry = fast_retry()) {
    ConfiguredHost configured = sink_host(extra, retry);
    EXPECT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
    const Status created = configured.host->create_all();
    EXPECT_TRUE(created.is_ok()) << created.to_string();
    SinkInstance* sink = configured.host->sink("out");
    EXPECT_NE(sink, nullptr);
    if (sink != nullptr) {
      EXPECT_TRUE(sink->open(0).is_ok());
    }
    return configured;
  }

  const sluice_batch_t& batch(std::vector<int64_t> commit_ts) {
    builder_ = sdk::testing::BatchBuilder();
    table_ = builder_.add_table({"db", "orders", 1, {{"id"}}, {}});
    for (int64_t ts : commit_ts) {
      builder_.begin_transaction(ts, ts - 1).insert(table_, {ts});
    }
    return *builder_.build();
  }

  TempDir dir_;
  std::filesystem::path log_ = dir_ / "calls.log";
  sdk::testing::BatchBuilder builder_;
  size_t table_ = 0;
};

TEST_F(LifecycleTest, CallsArriveInLifecycleOrder) {
  {
    ConfiguredHost configured = opened_sink("");
    SinkInstance* sink = configured.host->sink("out");
    ASSERT_NE(sink, nullptr);
    ASSERT_TRUE(sink->write(batch({5, 6})).is_ok());
    int64_t durable = 0;
    ASSERT_TRUE(sink->flush(&durable).is_ok());
    EXPECT_EQ(durable, 6);
    ASSERT_TRUE(sink->close().is_ok());
    EXPECT_FALSE(sink->is_open());
    EXPECT_THAT(sink->write(batch({7})).message(), HasSubstr("write refused: the sink is closed"));
  }
  EXPECT_THAT(read_lines(log_), ElementsAre("validate", "create out", "open 0", "write 5,6",
                                            "flush", "close", "destroy"));
}

TEST_F(LifecycleTest, DestroyingTheHostClosesAnOpenSink) {
  {
    ConfiguredHost configured = opened_sink("");
    ASSERT_TRUE(configured.host->sink("out")->write(batch({5})).is_ok());
  }
  EXPECT_THAT(read_lines(log_),
              ElementsAre("validate", "create out", "open 0", "write 5", "close", "destroy"));
}

TEST_F(LifecycleTest, DestroyIsCalledAfterAFailedCreateWithWhatCreateStored) {
  // The C sink stores its instance, then fails: destroy must still receive it.
  ConfiguredHost configured = configure_host(dir_.path(), R"(
[[sink]]
name = "c"
plugin = "c-sink"
[sink.config]
log = ")" + log_.string() + R"("
fail-create = true
)");
  ASSERT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  const Status status = configured.host->create_all();
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("drainer.toml:4: sink 'c' (plugin c-sink): create "
                                          "failed: cannot reach the target"));
  EXPECT_TRUE(configured.host->sinks().empty());
  EXPECT_THAT(read_lines(log_), ElementsAre("validate", "create", "destroy"));
}

TEST_F(LifecycleTest, AnSdkCreateThatThrowsIsReportedAndNothingLeaks) {
  ConfiguredHost configured = sink_host("fail-create = true\n");
  ASSERT_TRUE(configured.configure_status.is_ok());
  const Status status = configured.host->create_all();
  EXPECT_THAT(status.message(), HasSubstr("sink 'out' (plugin recording-sink): create failed: "
                                          "unhandled exception: create failed on purpose"));
  // The object threw in its constructor, so the SDK stored NULL and there is nothing to destroy.
  EXPECT_THAT(read_lines(log_), ElementsAre("validate", "create out"));
}

TEST_F(LifecycleTest, RetryResendsTheSameBatchThenSucceeds) {
  ConfiguredHost configured = opened_sink("retry-writes = 2\n");
  SinkInstance* sink = configured.host->sink("out");
  const Status status = sink->write(batch({5, 6}));
  EXPECT_TRUE(status.is_ok()) << status.to_string();
  EXPECT_THAT(read_lines(log_), ElementsAre("validate", "create out", "open 0", "write 5,6",
                                            "write 5,6", "write 5,6"));
}

TEST_F(LifecycleTest, RetryExhaustionIsAnError) {
  ConfiguredHost configured = opened_sink("retry-writes = 100\n", fast_retry(3));
  SinkInstance* sink = configured.host->sink("out");
  const Status status = sink->write(batch({5}));
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(status.message(), HasSubstr("sink 'out' (plugin recording-sink): write still "
                                          "failing after 3 attempts: target busy, try again"));
  EXPECT_FALSE(sink->failed());
  EXPECT_THAT(read_lines(log_),
              ElementsAre("validate", "create out", "open 0", "write 5", "write 5", "write 5"));
}

TEST_F(LifecycleTest, StopCutsTheRetryBackOffShort) {
  RetryPolicy slow;
  slow.initial_backoff = std::chrono::hours(1);
  slow.max_backoff = std::chrono::hours(1);
  ConfiguredHost configured = opened_sink("retry-writes = 100\n", slow);
  configured.host->request_stop();
  const Status status = configured.host->sink("out")->write(batch({5}));
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_THAT(status.message(), HasSubstr("write interrupted by shutdown while retrying"));
}

TEST_F(LifecycleTest, StopFromAnotherThreadWakesABackOffInProgress) {
  RetryPolicy slow;
  slow.initial_backoff = std::chrono::hours(1);  // were stop not to wake it, ctest's timeout would
  slow.max_backoff = std::chrono::hours(1);
  ConfiguredHost configured = opened_sink("retry-writes = 100\n", slow);
  Status status;
  std::thread writer([&] { status = configured.host->sink("out")->write(batch({5})); });
  // Wait until the first attempt was made, i.e. the writer is in (or about to enter) back-off.
  for (auto lines = read_lines(log_); lines.empty() || lines.back() != "write 5";
       lines = read_lines(log_)) {
    std::this_thread::yield();
  }
  configured.host->request_stop();
  writer.join();
  EXPECT_EQ(status.code(), StatusCode::kAborted);
  EXPECT_THAT(status.message(), HasSubstr("after 1 attempt"));
}

TEST_F(LifecycleTest, FatalClosesTheSinkAndRefusesFurtherWrites) {
  ConfiguredHost configured = opened_sink("fatal-on-write = true\n");
  SinkInstance* sink = configured.host->sink("out");
  const Status status = sink->write(batch({5}));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "sink 'out' (plugin recording-sink): write failed: the target table is gone");
  EXPECT_TRUE(sink->failed());
  EXPECT_EQ(sink->failure().message(), status.message());
  const Status again = sink->write(batch({6}));
  EXPECT_EQ(again.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(again.message(), HasSubstr("write refused: the instance has failed"));
  EXPECT_THAT(read_lines(log_),
              ElementsAre("validate", "create out", "open 0", "write 5", "close"));
}

TEST_F(LifecycleTest, AnExceptionInThePluginBecomesAFatalStatusWithItsText) {
  ConfiguredHost configured = opened_sink("throw-on-write = \"boom: socket reset\"\n");
  SinkInstance* sink = configured.host->sink("out");
  const Status status = sink->write(batch({5}));
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(),
            "sink 'out' (plugin recording-sink): write failed: unhandled "
            "exception: boom: socket reset");
  EXPECT_TRUE(sink->failed());
}

TEST_F(LifecycleTest, RejectedIsReportedDistinctlyAndTheSinkGoesOn) {
  ConfiguredHost configured = opened_sink("reject-on-write = true\n");
  SinkInstance* sink = configured.host->sink("out");
  const Status status = sink->write(batch({5}));
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "sink 'out' (plugin recording-sink): write rejected the data "
            "(permanent data error): value too long for column 'c'");
  EXPECT_FALSE(sink->failed());
  EXPECT_TRUE(sink->flush().is_ok());
}

TEST_F(LifecycleTest, DurableWatermarkIsTheMonotonicMaxOfFlushAndAck) {
  ConfiguredHost configured =
      opened_sink("ack-on-write = true\nack-extra = 50\nflush-durable = 20\n");
  SinkInstance* sink = configured.host->sink("out");
  EXPECT_EQ(sink->durable_ts(), 0);
  ASSERT_TRUE(sink->write(batch({100})).is_ok());  // acks 100, then 50 (ignored)
  EXPECT_EQ(sink->durable_ts(), 100);
  int64_t durable = 0;
  ASSERT_TRUE(sink->flush(&durable).is_ok());  // reports 20: ignored
  EXPECT_EQ(durable, 100);
  ASSERT_TRUE(sink->write(batch({200})).is_ok());
  EXPECT_EQ(sink->durable_ts(), 200);
}

TEST_F(LifecycleTest, OpenStartsTheWatermarkAtTheCheckpoint) {
  ConfiguredHost configured = sink_host("flush-durable = 3\n");
  ASSERT_TRUE(configured.host->create_all().is_ok());
  SinkInstance* sink = configured.host->sink("out");
  ASSERT_TRUE(sink->open(400).is_ok());
  EXPECT_EQ(sink->durable_ts(), 400);
  ASSERT_TRUE(sink->flush().is_ok());
  EXPECT_EQ(sink->durable_ts(), 400);
}

TEST_F(LifecycleTest, PluginMetricsAppearWithPluginAndInstanceLabels) {
  metrics::MetricsRegistry registry;
  ConfiguredHost configured = configure_host(dir_.path(), R"(
[[sink]]
name = "out"
plugin = "recording-sink"
)",
                                             fast_retry(), registry);
  ASSERT_TRUE(configured.host->create_all().is_ok());
  SinkInstance* sink = configured.host->sink("out");
  ASSERT_TRUE(sink->open(0).is_ok());
  ASSERT_TRUE(sink->write(batch({5})).is_ok());
  ASSERT_TRUE(sink->write(batch({6})).is_ok());
  EXPECT_THAT(registry.render_text(),
              HasSubstr("recording_sink_writes_total{instance=\"out\",plugin=\"recording-sink\","
                        "table=\"t\"} 2"));
}

TEST_F(LifecycleTest, ASinkTranslatesThroughItsConfiguredTranslatorInstance) {
  ConfiguredHost configured = configure_host(dir_.path(), R"(
[[translator]]
name = "text"
plugin = "text-translator"
[translator.config]
prefix = "> "
log = ")" + log_.string() + R"("

[[filter]]
name = "drop-tmp"
plugin = "keep-filter"
[filter.config]
log = ")" + log_.string() + R"("

[[sink]]
name = "out"
plugin = "recording-sink"
translator = "text"
[sink.config]
log = ")" + log_.string() + R"("
translate = true
)");
  ASSERT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  ASSERT_TRUE(configured.host->create_all().is_ok());
  SinkInstance* sink = configured.host->sink("out");
  ASSERT_EQ(sink->translator(), configured.host->translator("text"));
  ASSERT_TRUE(sink->open(0).is_ok());
  ASSERT_TRUE(sink->write(batch({5, 6})).is_ok());
  // Translators are created first, then filters, then sinks.
  EXPECT_THAT(read_lines(log_),
              ElementsAre("validate", "create translator text", "create filter drop-tmp",
                          "create out", "open 0", "write 5,6", "translated > txn 5 events=1",
                          "translated > txn 6 events=1"));
}

TEST_F(LifecycleTest, ASinkMayNameATranslatorPluginForADefaultInstance) {
  // The sink names the translator plugin itself: no [[translator]] is configured.
  ConfiguredHost configured = configure_host(dir_.path(), R"(
[[sink]]
name = "out"
plugin = "recording-sink"
translator = "text-translator"
[sink.config]
log = ")" + log_.string() + R"("
translate = true
)");
  ASSERT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  ASSERT_TRUE(configured.host->create_all().is_ok());
  ASSERT_NE(configured.host->translator("text-translator"), nullptr);
  SinkInstance* sink = configured.host->sink("out");
  ASSERT_TRUE(sink->open(0).is_ok());
  ASSERT_TRUE(sink->write(batch({9})).is_ok());
  EXPECT_EQ(read_lines(log_).back(), "translated txn 9 events=1");
}

TEST_F(LifecycleTest, ATranslatorFailureReachesTheSinksError) {
  ConfiguredHost configured = configure_host(dir_.path(), R"(
[[translator]]
name = "text"
plugin = "text-translator"
[translator.config]
reject-ts = 5

[[sink]]
name = "out"
plugin = "recording-sink"
translator = "text"
[sink.config]
translate = true
)");
  ASSERT_TRUE(configured.host->create_all().is_ok());
  SinkInstance* sink = configured.host->sink("out");
  ASSERT_TRUE(sink->open(0).is_ok());
  const Status status = sink->write(batch({5}));
  EXPECT_FALSE(status.is_ok());
  // The translator's REJECTED reaches the host as REJECTED (sdk::StatusError), not as fatal.
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("sink 'out' (plugin recording-sink): write rejected the data"));
  EXPECT_THAT(status.message(),
              HasSubstr("translator 'text' (plugin text-translator): encode failed (rejected): "
                        "cannot encode transaction 5"));
}

TEST_F(LifecycleTest, AFilterReturnsAKeepMask) {
  ConfiguredHost configured = configure_host(dir_.path(), R"(
[[filter]]
name = "drop-tmp"
plugin = "keep-filter"
[filter.config]
drop-tables = ["tmp"]
)");
  ASSERT_TRUE(configured.host->create_all().is_ok());
  FilterInstance* filter = configured.host->filter("drop-tmp");
  ASSERT_NE(filter, nullptr);
  sdk::testing::BatchBuilder builder;
  const size_t orders = builder.add_table({"db", "orders", 1, {{"id"}}, {}});
  const size_t tmp = builder.add_table({"db", "tmp", 2, {{"id"}}, {}});
  builder.begin_transaction(5, 4).insert(orders, {int64_t{1}}).insert(tmp, {int64_t{2}});
  builder.begin_transaction(6, 5).insert(tmp, {int64_t{3}}).erase(orders, {int64_t{1}});
  const sluice_batch_t* filtered = builder.build();
  EXPECT_EQ(batch_event_count(*filtered), 4u);
  std::vector<uint8_t> keep;
  ASSERT_TRUE(filter->filter(*filtered, keep).is_ok());
  EXPECT_THAT(keep, ElementsAre(1, 0, 0, 1));
}

}  // namespace
}  // namespace sluice::plugin_host
