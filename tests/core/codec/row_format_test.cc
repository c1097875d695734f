// Row payload vectors assembled by hand from the rules in tidb-binlog-facts.md §2: each datum is
// varint-flagged (08 + zigzag LEB128) for ids and ints, compact bytes (02 + zigzag length) for
// strings.
#include "core/codec/row_format.h"

#include <gtest/gtest.h>

namespace sluice::codec {
namespace {

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values)
    out.push_back(static_cast<char>(value));
  return out;
}

TEST(OldRowFormat, GoldenRowAndEmptyMarker) {
  // id 1 (08 02), int 5 (08 0A), id 2 (08 04), "ab" (02 04 61 62).
  const std::string expected = bytes({0x08, 0x02, 0x08, 0x0A, 0x08, 0x04, 0x02, 0x04, 0x61, 0x62});
  std::string out;
  ASSERT_TRUE(
      encode_old_row(out, {{1, Datum::from_int64(5)}, {2, Datum::from_bytes("ab")}}).is_ok());
  EXPECT_EQ(out, expected);
  auto decoded = decode_old_row(expected);
  ASSERT_TRUE(decoded.is_ok());
  ASSERT_EQ(decoded->size(), 2u);
  EXPECT_EQ((*decoded)[0], (ColumnDatum{1, Datum::from_int64(5)}));
  EXPECT_EQ((*decoded)[1], (ColumnDatum{2, Datum::from_bytes("ab")}));

  std::string empty;
  ASSERT_TRUE(encode_old_row(empty, {}).is_ok());
  EXPECT_EQ(empty, bytes({0x00}));
  EXPECT_TRUE(decode_old_row(empty).value().empty());
}

TEST(OldRowFormat, InsertedRowWithIntHandle) {
  // handle 7 (08 0E), then id 2 (08 04) "x" (02 02 78).
  const std::string expected = bytes({0x08, 0x0E, 0x08, 0x04, 0x02, 0x02, 0x78});
  std::string out;
  ASSERT_TRUE(
      encode_inserted_row(out, {Datum::from_int64(7)}, {{2, Datum::from_bytes("x")}}).is_ok());
  EXPECT_EQ(out, expected);
  auto row = decode_inserted_row(expected, 1);
  ASSERT_TRUE(row.is_ok());
  EXPECT_EQ(row->handle, std::vector<Datum>{Datum::from_int64(7)});
  EXPECT_EQ(row->columns.size(), 1u);
}

TEST(OldRowFormat, InsertedRowWithClusteredHandleOfTwoColumns) {
  std::string out;
  ASSERT_TRUE(encode_inserted_row(out, {Datum::from_bytes("k"), Datum::from_int64(3)},
                                  {{4, Datum::from_float64(1.5)}})
                  .is_ok());
  auto row = decode_inserted_row(out, 2);
  ASSERT_TRUE(row.is_ok()) << row.status().to_string();
  EXPECT_EQ(row->handle, (std::vector<Datum>{Datum::from_bytes("k"), Datum::from_int64(3)}));
  ASSERT_EQ(row->columns.size(), 1u);
  EXPECT_EQ(row->columns[0].value, Datum::from_float64(1.5));
}

TEST(OldRowFormat, UpdatedRowSplitsOldAndNewAndExtraHandle) {
  // old: id 1 = 1, id -1 (extra handle, 08 01) = 9; new: id 1 = 2, id -1 = 9.
  const std::string expected = bytes({0x08, 0x02, 0x08, 0x02, 0x08, 0x01, 0x08, 0x12,  //
                                      0x08, 0x02, 0x08, 0x04, 0x08, 0x01, 0x08, 0x12});
  std::string out;
  ASSERT_TRUE(encode_updated_row(
                  out, {{1, Datum::from_int64(1)}, {kExtraHandleColumnId, Datum::from_int64(9)}},
                  {{1, Datum::from_int64(2)}, {kExtraHandleColumnId, Datum::from_int64(9)}})
                  .is_ok());
  EXPECT_EQ(out, expected);
  auto row = decode_updated_row(expected);
  ASSERT_TRUE(row.is_ok());
  ASSERT_EQ(row->old_columns.size(), 2u);
  ASSERT_EQ(row->new_columns.size(), 2u);
  EXPECT_EQ(row->old_columns[0].value, Datum::from_int64(1));
  EXPECT_EQ(row->new_columns[0].value, Datum::from_int64(2));
  EXPECT_EQ(row->new_columns[1].column_id, kExtraHandleColumnId);
}

TEST(OldRowFormat, MalformedRowsAreCorruption) {
  // An id with no value.
  EXPECT_FALSE(decode_old_row(bytes({0x08, 0x02})).is_ok());
  // A column id that is not an integer.
  EXPECT_FALSE(decode_old_row(bytes({0x02, 0x00, 0x08, 0x02})).is_ok());
  // A column appearing three times in an update.
  std::string thrice;
  ASSERT_TRUE(
      encode_old_row(
          thrice, {{1, Datum::from_int64(1)}, {1, Datum::from_int64(2)}, {1, Datum::from_int64(3)}})
          .is_ok());
  EXPECT_FALSE(decode_updated_row(thrice).is_ok());
  // Every truncation of a good row fails cleanly, except at a pair boundary: the format has no
  // column count, so a row cut between pairs is a valid shorter row.
  std::string good;
  ASSERT_TRUE(encode_old_row(good, {{1, Datum::from_int64(-300)}, {2, Datum::from_bytes("hello")}})
                  .is_ok());
  const size_t pair_boundary = 5;  // 08 02 | 08 D7 04
  for (size_t cut = 1; cut < good.size(); ++cut) {
    auto decoded = decode_old_row(good.substr(0, cut));
    if (cut == pair_boundary) {
      ASSERT_TRUE(decoded.is_ok());
      EXPECT_EQ(decoded->size(), 1u);
    } else {
      EXPECT_FALSE(decoded.is_ok()) << "cut at " << cut;
    }
  }
}

TEST(NewRowFormat, ParsesSmallLayout) {
  // version 128, flags 0, 2 not-null, 1 null; ids 1, 3 | 2; end offsets 1, 4; data 05 "hey".
  const std::string row = bytes({0x80, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00,
                                 0x04, 0x00, 0x05, 0x68, 0x65, 0x79});
  ASSERT_TRUE(is_new_row_format(row));
  auto columns = parse_new_row(row);
  ASSERT_TRUE(columns.is_ok()) << columns.status().to_string();
  ASSERT_EQ(columns->size(), 3u);
  EXPECT_EQ((*columns)[0].column_id, 1);
  EXPECT_EQ(decode_new_format_value((*columns)[0].bytes, NewFormatKind::kInt).value(),
            Datum::from_int64(5));
  EXPECT_EQ((*columns)[1].column_id, 3);
  EXPECT_EQ((*columns)[1].bytes, "hey");
  EXPECT_EQ((*columns)[2].column_id, 2);
  EXPECT_TRUE((*columns)[2].is_null);
}

TEST(NewRowFormat, CompactIntegersSignExtend) {
  EXPECT_EQ(decode_new_format_value(bytes({0xFF}), NewFormatKind::kInt).value(),
            Datum::from_int64(-1));
  EXPECT_EQ(decode_new_format_value(bytes({0x00, 0x80}), NewFormatKind::kInt).value(),
            Datum::from_int64(-32768));
  EXPECT_EQ(decode_new_format_value(bytes({0xFF}), NewFormatKind::kUint).value(),
            Datum::from_uint64(255));
  EXPECT_FALSE(decode_new_format_value(bytes({1, 2, 3}), NewFormatKind::kInt).is_ok());
}

TEST(NewRowFormat, OffsetsOutsideTheRowAreCorruption) {
  const std::string row = bytes({0x80, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x09, 0x00, 0x05});
  EXPECT_FALSE(parse_new_row(row).is_ok());
  const std::string good = bytes({0x80, 0x00, 0x02, 0x00, 0x01, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00,
                                  0x04, 0x00, 0x05, 0x68, 0x65, 0x79});
  for (size_t cut = 0; cut < 13; ++cut) {
    EXPECT_FALSE(parse_new_row(good.substr(0, cut)).is_ok()) << "cut at " << cut;
  }
}

}  // namespace
}  // namespace sluice::codec
