#include <gtest/gtest.h>

#include "core/codec/json_binary.h"
#include "core/codec/mysql_decimal.h"
#include "core/codec/mysql_time.h"
#include "tests/core/codec/json_bomb.h"

namespace sluice::codec {
namespace {

TEST(MysqlTime, PackedTimeGolden) {
  // ((((2019*13+5)<<5 | 17) << 17 | 4<<12 | 16<<6 | 24) << 24) | 560000, computed by hand.
  const MysqlTime time{2019, 5, 17, 4, 16, 24, 560000};
  EXPECT_EQ(pack_time(time), 1847357948008369024ull);
  const MysqlTime back = unpack_time(1847357948008369024ull);
  EXPECT_EQ(format_datetime(back, 6), "2019-05-17 04:16:24.560000");
  EXPECT_EQ(format_datetime(back, 3), "2019-05-17 04:16:24.560");
  EXPECT_EQ(format_datetime(back, 0), "2019-05-17 04:16:24");
  EXPECT_EQ(format_date(unpack_time(914866242077065216ull)), "1000-01-01");
}

TEST(MysqlTime, ParsesAndRejectsText) {
  auto parsed = parse_datetime_text("2024-02-29 23:59:58.25");
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(parsed->microsecond, 250000);
  EXPECT_EQ(format_datetime(*parsed, 2), "2024-02-29 23:59:58.25");
  EXPECT_TRUE(parse_datetime_text("2024-02-29").is_ok());
  EXPECT_FALSE(parse_datetime_text("2024-13-01").is_ok());
  EXPECT_FALSE(parse_datetime_text("2024-01-01 24:00:00").is_ok());
  EXPECT_FALSE(parse_datetime_text("24-01-01").is_ok());
  EXPECT_FALSE(parse_datetime_text("2024-01-01 10:00:00.1234567").is_ok());
}

TEST(MysqlTime, Durations) {
  const int64_t ns = ((838LL * 3600 + 59 * 60 + 59) * 1'000'000 + 500'000) * 1000;
  EXPECT_EQ(format_duration(ns, 1), "838:59:59.5");
  EXPECT_EQ(format_duration(-ns, 0), "-838:59:59");
  EXPECT_EQ(format_duration(0, 0), "00:00:00");
  EXPECT_EQ(parse_duration_text("-838:59:59.5").value(), -ns);
  EXPECT_EQ(parse_duration_text("01:02:03").value(), 3723'000'000'000LL);
  EXPECT_FALSE(parse_duration_text("1:2:3").is_ok());
  EXPECT_FALSE(parse_duration_text("01:60:00").is_ok());
}

TEST(MysqlDecimal, SizesFollowMysql) {
  EXPECT_EQ(decimal_binary_size(14, 4), 7);
  EXPECT_EQ(decimal_binary_size(6, 1), 4);
  EXPECT_EQ(decimal_binary_size(65, 30), 30);
  EXPECT_EQ(decimal_binary_size(10, 11), -1);
  EXPECT_EQ(decimal_binary_size(66, 0), -1);
}

TEST(MysqlDecimal, RoundsHalfAwayAndRejectsOverflow) {
  auto rounded = decimal_text_to_binary("1.235", 4, 2);
  ASSERT_TRUE(rounded.is_ok());
  ByteReader reader(*rounded);
  EXPECT_EQ(read_decimal_binary(reader, 4, 2).value(), "1.24");
  auto carried = decimal_text_to_binary("-9.999", 4, 2);
  ASSERT_TRUE(carried.is_ok());
  ByteReader carry_reader(*carried);
  EXPECT_EQ(read_decimal_binary(carry_reader, 4, 2).value(), "-10.00");
  EXPECT_FALSE(decimal_text_to_binary("100.0", 3, 1).is_ok());
  EXPECT_FALSE(decimal_text_to_binary("1e5", 10, 0).is_ok());
  auto zero = decimal_text_to_binary("-0.000", 5, 3);
  ASSERT_TRUE(zero.is_ok());
  ByteReader zero_reader(*zero);
  EXPECT_EQ(read_decimal_binary(zero_reader, 5, 3).value(), "0.000");
}

TEST(MysqlDecimal, WideValuesRoundTrip) {
  const std::string text = "-12345678901234567890123456789012345.123456789012345678901234567890";
  auto binary = decimal_text_to_binary(text, 65, 30);
  ASSERT_TRUE(binary.is_ok()) << binary.status().to_string();
  ByteReader reader(*binary);
  EXPECT_EQ(read_decimal_binary(reader, 65, 30).value(), text);
}

TEST(JsonBinary, ArrayGoldenAndText) {
  // [true, null, "x"]: type 03; count 3; size 25 = 8 + 3*5 + 2; literals inlined in their value
  // entries (04 01.., 04 00..); the string at offset 23: uvarint 1, 'x'.
  const std::string binary(
      "\x03\x03\x00\x00\x00\x19\x00\x00\x00\x04\x01\x00\x00\x00\x04\x00\x00"
      "\x00\x00\x0C\x17\x00\x00\x00\x01\x78",
      26);
  EXPECT_EQ(json_text_to_binary("[true, null, \"x\"]").value(), binary);
  EXPECT_EQ(json_binary_to_text(binary).value(), "[true, null, \"x\"]");
  EXPECT_EQ(json_binary_length(binary).value(), 26u);
}

TEST(JsonBinary, TextRoundTripWithNestingAndNumbers) {
  const std::string text =
      R"({"b": [1, -2, 18446744073709551615, 2.5, 1e-07], "a": {"k": "v\"q"}, "c": false})";
  auto binary = json_text_to_binary(text);
  ASSERT_TRUE(binary.is_ok());
  EXPECT_EQ(json_binary_to_text(*binary).value(),
            R"({"a": {"k": "v\"q"}, "b": [1, -2, 18446744073709551615, 2.5, 1e-7], "c": false})");
}

TEST(JsonBinary, MalformedInputIsRejected) {
  const std::string good = json_text_to_binary(R"({"key": [1, 2, "three"]})").value();
  for (size_t cut = 0; cut < good.size(); ++cut) {
    EXPECT_FALSE(json_binary_to_text(good.substr(0, cut)).is_ok()) << "cut at " << cut;
  }
  // An element offset that points outside the container.
  std::string bad_offset = good;
  bad_offset[1 + 8 + 6 + 1] = '\x7F';
  EXPECT_FALSE(json_binary_to_text(bad_offset).is_ok());
  EXPECT_FALSE(json_binary_to_text(std::string("\x42", 1)).is_ok());
  EXPECT_FALSE(json_binary_to_text(std::string("\x04\x09", 2)).is_ok());
  EXPECT_FALSE(json_text_to_binary("{not json").is_ok());
  // Found by datum_fuzzer: an array whose size (0) is below its own 8-byte header.
  EXPECT_FALSE(
      json_binary_length(std::string("\x03\x03\x2B\x00\x00\x00\x00\x00\x00\x08", 10)).is_ok());
}

TEST(JsonBinary, DeepNestingIsBounded) {
  std::string text;
  for (int i = 0; i < 200; ++i)
    text += '[';
  for (int i = 0; i < 200; ++i)
    text += ']';
  auto binary = json_text_to_binary(text);
  ASSERT_TRUE(binary.is_ok());
  auto decoded = json_binary_to_text(*binary);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_NE(decoded.status().message().find("nested deeper"), std::string::npos);
}

// 531 bytes whose nine levels of ten entries all point at the level below: followed naively they
// render to 4.2 GB. Decoding is a prompt error instead.
TEST(JsonBinary, SharedSubContainersCannotExplode) {
  const std::string bomb = testing::nested_shared_arrays(10, 9);
  ASSERT_EQ(bomb.size(), 531u);
  ASSERT_EQ(json_binary_length(bomb).value(), 531u);  // every offset is inside its container
  auto decoded = json_binary_to_text(bomb);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("more values than its 531 bytes can hold"),
            std::string::npos)
      << decoded.status().message();
  // A little sharing within the budget still decodes, to what following each entry gives.
  EXPECT_EQ(json_binary_to_text(testing::nested_shared_arrays(2, 2)).value(),
            "[[[], []], [[], []]]");
}

// 1200 entries pointing at one 60000-byte string: 66 KB that render to 72 MB, above the 64 MiB
// floor and far above 8 times the input.
TEST(JsonBinary, RenderedSizeIsBounded) {
  const std::string value = testing::array_of_one_shared_string(1200, 60000);
  ASSERT_EQ(json_binary_length(value).value(), value.size());
  auto decoded = json_binary_to_text(value);
  ASSERT_FALSE(decoded.is_ok());
  EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
  EXPECT_NE(decoded.status().message().find("renders to more than 67108864 bytes"),
            std::string::npos)
      << decoded.status().message();
}

// An honest value may render above the 64 MiB floor: 11 MiB of control characters print as
// \u0001 each, 66 MiB in all, within 8 times the input.
TEST(JsonBinary, AnHonestValuePastTheFloorDecodes) {
  const size_t length = size_t{11} << 20;
  std::string value("\x0c", 1);
  for (size_t rest = length; rest > 0; rest >>= 7)  // uvarint
    value += static_cast<char>((rest & 0x7f) | (rest >= 0x80 ? 0x80 : 0));
  value += std::string(length, '\x01');
  auto decoded = json_binary_to_text(value);
  ASSERT_TRUE(decoded.is_ok()) << decoded.status().to_string();
  EXPECT_EQ(decoded->size(), 6 * length + 2);
  EXPECT_EQ(decoded->substr(0, 13), "\"\\u0001\\u0001");
}

}  // namespace
}  // namespace sluice::codec
