// Golden vectors for TiDB's datum codec, each derived by hand from the encoding rules in
// ../shared/design/tidb-binlog-facts.md §2 (the derivation is in the comment beside it).
#include "core/codec/datum_codec.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace sluice::codec {
namespace {

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  for (char c : bytes) {
    if (!out.empty()) out += ' ';
    out += kDigits[static_cast<uint8_t>(c) >> 4];
    out += kDigits[static_cast<uint8_t>(c) & 15];
  }
  return out;
}

std::string value_bytes(const Datum& datum) {
  std::string out;
  EXPECT_TRUE(encode_value(out, datum).is_ok());
  return out;
}

std::string key_bytes(const Datum& datum) {
  std::string out;
  EXPECT_TRUE(encode_key(out, datum).is_ok());
  return out;
}

Datum decode_exactly(std::string_view bytes) {
  ByteReader reader(bytes);
  auto datum = decode_datum(reader);
  EXPECT_TRUE(datum.is_ok()) << datum.status().to_string();
  EXPECT_TRUE(reader.empty()) << "trailing bytes after " << hex(bytes);
  return datum.is_ok() ? datum.value() : Datum();
}

TEST(DatumCodecGolden, VarintValues) {
  // Value mode: int64 -> flag 8 + zigzag LEB128. zigzag(1)=2, zigzag(-1)=1,
  // zigzag(300)=600=0x258 -> D8 04, zigzag(-65)=129 -> 81 01.
  EXPECT_EQ(hex(value_bytes(Datum::from_int64(1))), "08 02");
  EXPECT_EQ(hex(value_bytes(Datum::from_int64(-1))), "08 01");
  EXPECT_EQ(hex(value_bytes(Datum::from_int64(300))), "08 D8 04");
  EXPECT_EQ(hex(value_bytes(Datum::from_int64(-65))), "08 81 01");
  EXPECT_EQ(decode_exactly("\x08\xD8\x04").i64, 300);
}

TEST(DatumCodecGolden, UvarintValues) {
  // uint64 -> flag 9 + LEB128: 300 = 0x12C -> AC 02.
  EXPECT_EQ(hex(value_bytes(Datum::from_uint64(300))), "09 AC 02");
  EXPECT_EQ(hex(value_bytes(Datum::from_uint64(0))), "09 00");
  // 2^64-1: nine bytes of FF then 01.
  EXPECT_EQ(hex(value_bytes(Datum::from_uint64(std::numeric_limits<uint64_t>::max()))),
            "09 FF FF FF FF FF FF FF FF FF 01");
}

TEST(DatumCodecGolden, CompactBytes) {
  // flag 2 + zigzag varint(3)=06 + "abc".
  EXPECT_EQ(hex(value_bytes(Datum::from_bytes("abc"))), "02 06 61 62 63");
  EXPECT_EQ(hex(value_bytes(Datum::from_bytes(""))), "02 00");
  EXPECT_EQ(decode_exactly(std::string("\x02\x06"
                                       "abc",
                                       5))
                .text,
            "abc");
}

TEST(DatumCodecGolden, ComparableIntAndUint) {
  // flag 3 + BE(uint64(v) ^ 0x8000000000000000).
  EXPECT_EQ(hex(key_bytes(Datum::from_int64(1))), "03 80 00 00 00 00 00 00 01");
  EXPECT_EQ(hex(key_bytes(Datum::from_int64(-1))), "03 7F FF FF FF FF FF FF FF");
  // flag 4 + BE(v): 258 = 0x0102.
  EXPECT_EQ(hex(key_bytes(Datum::from_uint64(258))), "04 00 00 00 00 00 00 01 02");
  EXPECT_EQ(decode_exactly(std::string("\x03\x7F\xFF\xFF\xFF\xFF\xFF\xFF\xFF", 9)).i64, -1);
}

TEST(DatumCodecGolden, Floats) {
  // flag 5 + BE(bits | sign) for v >= 0: 1.0 = 0x3FF0... -> BF F0 ...
  EXPECT_EQ(hex(value_bytes(Datum::from_float64(1.0))), "05 BF F0 00 00 00 00 00 00");
  // v < 0: BE(~bits): -1.0 = 0xBFF0... -> 40 0F FF FF FF FF FF FF.
  EXPECT_EQ(hex(value_bytes(Datum::from_float64(-1.0))), "05 40 0F FF FF FF FF FF FF");
  EXPECT_EQ(hex(value_bytes(Datum::from_float64(0.0))), "05 80 00 00 00 00 00 00 00");
  EXPECT_EQ(decode_exactly(std::string("\x05\x40\x0F\xFF\xFF\xFF\xFF\xFF\xFF", 9)).f64, -1.0);
}

TEST(DatumCodecGolden, MemcomparableBytes) {
  // flag 1, groups of 8 bytes each followed by 0xFF - padding.
  EXPECT_EQ(hex(key_bytes(Datum::from_bytes("abc"))), "01 61 62 63 00 00 00 00 00 FA");
  EXPECT_EQ(hex(key_bytes(Datum::from_bytes(""))), "01 00 00 00 00 00 00 00 00 F7");
  // Exactly 8 bytes: a full group (marker FF) and a trailing all-pad group (F7).
  EXPECT_EQ(hex(key_bytes(Datum::from_bytes("abcdefgh"))),
            "01 61 62 63 64 65 66 67 68 FF 00 00 00 00 00 00 00 00 F7");
  EXPECT_EQ(decode_exactly(key_bytes(Datum::from_bytes("abcdefghij"))).text, "abcdefghij");
}

TEST(DatumCodecGolden, Duration) {
  // flag 7 + comparable int of nanoseconds: 1 s = 0x3B9ACA00.
  EXPECT_EQ(hex(value_bytes(Datum::from_duration(1'000'000'000))), "07 80 00 00 00 3B 9A CA 00");
}

TEST(DatumCodecGolden, Decimal) {
  // DECIMAL(6,1) 1234.5: 5 integer digits -> one partial group of 5 digits in 3 bytes
  // (00 04 D2 = 1234), 1 fraction digit in 1 byte (05); sign bit set: 80 04 D2 05.
  EXPECT_EQ(hex(value_bytes(Datum::from_decimal("1234.5", 6, 1))), "06 06 01 80 04 D2 05");
  // Negative: every byte inverted, then the sign bit toggled: 7F FB 2D FA.
  EXPECT_EQ(hex(value_bytes(Datum::from_decimal("-1234.5", 6, 1))), "06 06 01 7F FB 2D FA");
  // MySQL's own example (strings/decimal.c): 1234567890.1234 as DECIMAL(14,4).
  EXPECT_EQ(hex(value_bytes(Datum::from_decimal("1234567890.1234", 14, 4))),
            "06 0E 04 81 0D FB 38 D2 04 D2");
  EXPECT_EQ(hex(value_bytes(Datum::from_decimal("-1234567890.1234", 14, 4))),
            "06 0E 04 7E F2 04 C7 2D FB 2D");
  EXPECT_EQ(decode_exactly(std::string("\x06\x0E\x04\x7E\xF2\x04\xC7\x2D\xFB\x2D", 10)).text,
            "-1234567890.1234");
  const Datum small = decode_exactly(value_bytes(Datum::from_decimal("0.05", 5, 3)));
  EXPECT_EQ(small.text, "0.050");
  EXPECT_EQ(small.precision, 5);
  EXPECT_EQ(small.scale, 3);
}

TEST(DatumCodecGolden, DecimalWithoutPrecisionUsesItsDigits) {
  // precision 0 -> the digits the value needs: "12.50" -> DECIMAL(4,2).
  const std::string bytes = value_bytes(Datum::from_decimal("12.50", 0, 0));
  EXPECT_EQ(hex(bytes.substr(0, 3)), "06 04 02");
  EXPECT_EQ(decode_exactly(bytes).text, "12.50");
}

TEST(DatumCodecGolden, NilAndMax) {
  EXPECT_EQ(hex(value_bytes(Datum::null())), "00");
  EXPECT_TRUE(decode_exactly(std::string(1, '\0')).is_null());
  EXPECT_EQ(decode_exactly("\xFA").kind, DatumKind::kMaxValue);
}

TEST(DatumCodecGolden, JsonObject) {
  // {"a":1}: type 01; count 1; size 28 = 8 header + 6 key entry + 5 value entry + 1 key + 8 int;
  // key entry (offset 19, length 1); value entry (type 09 int64, offset 20); "a"; 1 as LE int64.
  const std::string expected =
      "0A 01 01 00 00 00 1C 00 00 00 13 00 00 00 01 00 09 14 00 00 00 61 01 00 00 00 00 00 00 00";
  Datum json;
  json.kind = DatumKind::kJson;
  json.text = std::string(
      "\x01\x01\x00\x00\x00\x1C\x00\x00\x00\x13\x00\x00\x00\x01\x00\x09\x14\x00"
      "\x00\x00\x61\x01\x00\x00\x00\x00\x00\x00\x00",
      29);
  EXPECT_EQ(hex(value_bytes(json)), expected);
  EXPECT_EQ(decode_exactly(value_bytes(json)).text, json.text);
}

TEST(DatumCodecGolden, DecodesAConcatenatedSequence) {
  std::string bytes;
  ASSERT_TRUE(encode_value(bytes, Datum::from_int64(7)).is_ok());
  ASSERT_TRUE(encode_value(bytes, Datum::from_bytes("x")).is_ok());
  ASSERT_TRUE(encode_value(bytes, Datum::null()).is_ok());
  auto datums = decode_datums(bytes);
  ASSERT_TRUE(datums.is_ok());
  ASSERT_EQ(datums->size(), 3u);
  EXPECT_EQ((*datums)[0], Datum::from_int64(7));
  EXPECT_EQ((*datums)[1], Datum::from_bytes("x"));
  EXPECT_TRUE((*datums)[2].is_null());
}

TEST(DatumCodecRoundTrip, RandomValuesInBothModes) {
  std::mt19937_64 random(20261121);
  for (int i = 0; i < 2000; ++i) {
    std::vector<Datum> datums = {
        Datum::from_int64(static_cast<int64_t>(random())),
        Datum::from_uint64(random()),
        Datum::from_float64(std::ldexp(static_cast<double>(static_cast<int64_t>(random())), -40)),
        Datum::from_duration(static_cast<int64_t>(random() % 3'000'000'000'000'000ull)),
    };
    std::string text(random() % 40, '\0');
    for (char& c : text)
      c = static_cast<char>(random());
    datums.push_back(Datum::from_bytes(text));
    for (const Datum& datum : datums) {
      EXPECT_EQ(decode_exactly(value_bytes(datum)), datum) << to_debug_string(datum);
      EXPECT_EQ(decode_exactly(key_bytes(datum)), datum) << to_debug_string(datum);
    }
  }
}

TEST(DatumCodecMalformed, EveryTruncationIsAnErrorNotACrash) {
  std::vector<Datum> samples = {Datum::from_int64(-12345678901),
                                Datum::from_uint64(99),
                                Datum::from_float64(2.5),
                                Datum::from_bytes("hello world!"),
                                Datum::from_decimal("-99.99", 10, 2),
                                Datum::from_duration(-5)};
  for (const Datum& datum : samples) {
    for (const std::string& bytes : {value_bytes(datum), key_bytes(datum)}) {
      for (size_t cut = 0; cut < bytes.size(); ++cut) {
        ByteReader reader(std::string_view(bytes).substr(0, cut));
        auto decoded = decode_datum(reader);
        EXPECT_FALSE(decoded.is_ok()) << to_debug_string(datum) << " cut at " << cut;
        if (!decoded.is_ok()) {
          EXPECT_EQ(decoded.status().code(), StatusCode::kCorruption);
        }
      }
    }
  }
}

TEST(DatumCodecMalformed, UnknownFlagAndBadPaddingAndBadDecimal) {
  ByteReader unknown("\x63");
  auto result = decode_datum(unknown);
  ASSERT_FALSE(result.is_ok());
  EXPECT_NE(result.status().message().find("unknown flag 99"), std::string::npos);

  // Marker FA = 5 padding bytes (indexes 3..7); index 4 is not zero.
  ByteReader padding(
      std::string_view("\x01"
                       "ab\x00\x00\x01\x00\x00\x00\xFA",
                       10));
  EXPECT_FALSE(decode_datum(padding).is_ok());
  // Marker claims 9 padding bytes.
  ByteReader marker(std::string_view("\x01\x00\x00\x00\x00\x00\x00\x00\x00\xF6", 10));
  EXPECT_FALSE(decode_datum(marker).is_ok());
  // DECIMAL(2,5) is impossible.
  ByteReader decimal(std::string_view("\x06\x02\x05\x80\x00\x00", 6));
  EXPECT_FALSE(decode_datum(decimal).is_ok());
  // A decimal group value of 999999999+1 in a 9-digit word.
  ByteReader big(std::string_view("\x06\x09\x00\xBB\x9A\xCA\x00", 7));
  EXPECT_FALSE(decode_datum(big).is_ok());
  // Varint that never terminates.
  ByteReader varint(std::string_view("\x08\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01", 12));
  EXPECT_FALSE(decode_datum(varint).is_ok());
  // Compact bytes with a negative length.
  ByteReader negative(std::string_view("\x02\x01", 2));
  EXPECT_FALSE(decode_datum(negative).is_ok());
}

}  // namespace
}  // namespace sluice::codec
