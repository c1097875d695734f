#include "core/tso/tso.h"

#include <gtest/gtest.h>

namespace sluice::tso {
namespace {

TEST(Tso, ComposeShiftsPhysicalBy18Bits) {
  EXPECT_EQ(compose(1, 0), 262144);
  EXPECT_EQ(compose(1, 5), 262149);
  // 2019-05-17 04:16:24.560 UTC, logical 1: (1558066584560 << 18) | 1.
  const int64_t ts = compose(1558066584560, 1);
  EXPECT_EQ(ts, 408437806742896641);
  EXPECT_EQ(physical_ms(ts), 1558066584560);
  EXPECT_EQ(logical(ts), 1);
}

TEST(Tso, LogicalIsMaskedTo18Bits) {
  EXPECT_EQ(logical(compose(10, kMaxLogical)), kMaxLogical);
  EXPECT_EQ(physical_ms(compose(10, kMaxLogical)), 10);
}

TEST(Tso, TimeRoundTripKeepsMilliseconds) {
  const auto time = std::chrono::system_clock::time_point(std::chrono::milliseconds(1700000000123));
  const int64_t ts = from_time(time);
  EXPECT_EQ(logical(ts), 0);
  EXPECT_EQ(to_time(ts), time);
}

TEST(Tso, FormatsAsUtcWithMilliseconds) {
  EXPECT_EQ(format(compose(1558066584560, 7)), "2019-05-17 04:16:24.560 UTC");
}

TEST(Tso, ParsesDatetimeInUtc) {
  auto ts = parse_datetime("2019-05-17 04:16:24", /*utc=*/true);
  ASSERT_TRUE(ts.is_ok()) << ts.status().to_string();
  EXPECT_EQ(physical_ms(*ts), 1558066584000);
  EXPECT_EQ(logical(*ts), 0);
}

TEST(Tso, RejectsMalformedDatetime) {
  auto ts = parse_datetime("2019-05-17T04:16", true);
  ASSERT_FALSE(ts.is_ok());
  EXPECT_NE(ts.status().message().find("2019-05-17T04:16"), std::string::npos);
  EXPECT_FALSE(parse_datetime("2019-05-17 04:16:24 junk", true).is_ok());
}

TEST(Tso, SubtractClampsAtZero) {
  const int64_t ts = compose(10'000, 3);
  EXPECT_EQ(subtract(ts, std::chrono::milliseconds(4'000)), compose(6'000, 0));
  EXPECT_EQ(subtract(ts, std::chrono::milliseconds(20'000)), 0);
}

}  // namespace
}  // namespace sluice::tso
