#include "core/metrics/metrics_registry.h"

#include <gtest/gtest.h>

namespace sluice::metrics {
namespace {

TEST(MetricsRegistry, RendersCountersGaugesAndHistogramsInTextFormat) {
  MetricsRegistry registry;
  auto& errors = prometheus::BuildCounter()
                     .Name("binlog_pump_loss_binlog_count")
                     .Help("failed binlog writes")
                     .Register(registry.get());
  errors.Add({}).Increment(3);
  auto& size = prometheus::BuildGauge()
                   .Name("binlog_pump_storage_size_bytes")
                   .Help("storage size")
                   .Register(registry.get());
  size.Add({{"type", "available"}}).Set(1024);
  auto& latency = prometheus::BuildHistogram()
                      .Name("binlog_pump_rpc_duration_seconds")
                      .Help("rpc latency")
                      .Register(registry.get());
  latency.Add({{"method", "WriteBinlog"}, {"label", "succ"}}, exponential_buckets(0.00005, 2, 18))
      .Observe(0.0002);

  const std::string text = registry.render_text();
  EXPECT_NE(text.find("# TYPE binlog_pump_loss_binlog_count counter"), std::string::npos) << text;
  EXPECT_NE(text.find("binlog_pump_loss_binlog_count 3"), std::string::npos) << text;
  EXPECT_NE(text.find("binlog_pump_storage_size_bytes{type=\"available\"} 1024"), std::string::npos)
      << text;
  EXPECT_NE(
      text.find("binlog_pump_rpc_duration_seconds_count{label=\"succ\",method=\"WriteBinlog\"} 1"),
      std::string::npos)
      << text;
}

TEST(MetricsRegistry, ExponentialBuckets) {
  const auto buckets = exponential_buckets(0.00005, 2, 4);
  ASSERT_EQ(buckets.size(), 4u);
  EXPECT_DOUBLE_EQ(buckets[0], 0.00005);
  EXPECT_DOUBLE_EQ(buckets[3], 0.0004);
}

}  // namespace
}  // namespace sluice::metrics
