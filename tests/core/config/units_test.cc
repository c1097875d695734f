#include "core/config/units.h"

#include <gtest/gtest.h>

namespace sluice::config {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::nanoseconds;
using std::chrono::seconds;

TEST(ParseDuration, GoSyntax) {
  EXPECT_EQ(parse_duration("300ms").value(), milliseconds(300));
  EXPECT_EQ(parse_duration("8h").value(), hours(8));
  EXPECT_EQ(parse_duration("1h30m").value(), minutes(90));
  EXPECT_EQ(parse_duration("1.5h").value(), minutes(90));
  EXPECT_EQ(parse_duration("15s").value(), seconds(15));
  EXPECT_EQ(parse_duration("2us").value(), nanoseconds(2000));
  EXPECT_EQ(parse_duration("0").value(), nanoseconds(0));
}

TEST(ParseDuration, RejectsMalformed) {
  for (const char* text : {"", "10", "h", "-1s", "10 parsecs", "1x", "."}) {
    auto result = parse_duration(text);
    EXPECT_FALSE(result.is_ok()) << text;
  }
  EXPECT_NE(parse_duration("10q").status().message().find("unknown unit 'q'"), std::string::npos);
}

TEST(ParseByteSize, SiAndIecUnits) {
  EXPECT_EQ(parse_byte_size("10 gib").value(), 10ull << 30);
  EXPECT_EQ(parse_byte_size("10GiB").value(), 10ull << 30);
  EXPECT_EQ(parse_byte_size("512 MB").value(), 512'000'000ull);
  EXPECT_EQ(parse_byte_size("1024").value(), 1024ull);
  EXPECT_EQ(parse_byte_size("1.5 KiB").value(), 1536ull);
  EXPECT_EQ(parse_byte_size("2k").value(), 2000ull);
  EXPECT_EQ(parse_byte_size(" 1,000 b ").value(), 1000ull);
}

TEST(ParseByteSize, RejectsMalformed) {
  for (const char* text : {"", "gib", "10 parsecs", "ten"}) {
    EXPECT_FALSE(parse_byte_size(text).is_ok()) << text;
  }
}

}  // namespace
}  // namespace sluice::config
