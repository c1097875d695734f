// The bytes of one binlog file record, checked against a vector worked out by hand from the
// original's formats (tidb-binlog pkg/binlogfile framing, proto/pb_binlog.proto payload, TiDB's
// datum value encoding), then decoded with the generated pb_binlog classes.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/proto/pb_binlog.pb.h"
#include "plugins/file/binlog_file_format.h"
#include "plugins/file/pb_binlog_encoder.h"

namespace {

using sluice::sdk::Batch;
using sluice::sdk::Transaction;
using sluice::sdk::Value;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::ColumnSpec;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values)
    out.push_back(static_cast<char>(value));
  return out;
}

// test.t (id int, name varchar): one transaction at commit_ts 1000 inserting (1, "ab").
std::string encode_insert() {
  BatchBuilder builder;
  const size_t table =
      builder.add_table({"test", "t", 1, {{"id", 3, 0, "int"}, {"name", 15, 0, "varchar"}}, {}});
  builder.begin_transaction(1000, 990).insert(table, {int64_t{1}, std::string("ab")});
  const Batch batch(builder.build());
  std::string payload;
  sluice::file::append_pb_binlog(batch.transactions()[0], payload);
  return payload;
}

TEST(BinlogRecordVector, OneInsertRecordMatchesTheHandWorkedBytes) {
  std::string record;
  sluice::file::append_record(record, encode_insert());

  const std::string expected = bytes({
      // --- binlogfile framing ---
      0x04, 0x05, 0x1B, 0x1C,                          // magic 0x1C1B0504, little-endian
      0x40, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,  // payload length 64, u64 little-endian
      // --- payload: pb_binlog.Binlog ---
      0x08, 0x00,                      // field 1 tp (varint) = DML (0)
      0x10, 0xE8, 0x07,                // field 2 commit_ts (varint) = 1000
      0x1A, 0x39,                      // field 3 dml_data (length-delimited), 57 bytes: DMLData
      0x0A, 0x37,                      //   DMLData field 1 events, 55 bytes: Event
      0x0A, 0x04, 't', 'e', 's', 't',  // Event field 1 schema_name = "test"
      0x12, 0x01, 't',                 // Event field 2 table_name = "t"
      0x18, 0x00,                      // Event field 3 tp = Insert (0)
      0x22, 0x10,                      // Event field 4 row[0], 16 bytes: column "id"
      0x0A, 0x02, 'i', 'd',            //   column field 1 name = "id"
      0x12, 0x01, 0x03,                //   column field 2 tp = {3} (MYSQL_TYPE_LONG)
      0x1A, 0x03, 'i', 'n', 't',       //   column field 3 mysql_type = "int"
      0x22, 0x02, 0x08, 0x02,          //   column field 4 value: varintFlag 8, zigzag(1) = 2
      0x22, 0x18,                      // Event field 4 row[1], 24 bytes: column "name"
      0x0A, 0x04, 'n', 'a', 'm', 'e',  //   name = "name"
      0x12, 0x01, 0x0F,                //   tp = {15} (MYSQL_TYPE_VARCHAR)
      0x1A, 0x07, 'v', 'a', 'r', 'c', 'h', 'a', 'r',  // mysql_type = "varchar"
      0x22, 0x04, 0x02, 0x04, 'a', 'b',  //   value: compactBytesFlag 2, zigzag(len 2) = 4, "ab"
      // --- framing trailer ---
      0xC3, 0x3C, 0xDD, 0xA4,  // CRC-32C (Castagnoli) of the 64 payload bytes = 0xA4DD3CC3, LE
  });
  EXPECT_EQ(record, expected);

  pb_binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(record.substr(12, 64)));
  EXPECT_EQ(decoded.tp(), pb_binlog::DML);
  EXPECT_EQ(decoded.commit_ts(), 1000);
  ASSERT_EQ(decoded.dml_data().events_size(), 1);
  const pb_binlog::Event& event = decoded.dml_data().events(0);
  EXPECT_EQ(event.schema_name(), "test");
  EXPECT_EQ(event.table_name(), "t");
  EXPECT_EQ(event.tp(), pb_binlog::Insert);
  ASSERT_EQ(event.row_size(), 2);
  pb_binlog::column name;
  ASSERT_TRUE(name.ParseFromString(event.row(1)));
  EXPECT_EQ(name.name(), "name");
  EXPECT_EQ(name.mysql_type(), "varchar");
  EXPECT_EQ(name.value(), bytes({0x02, 0x04, 'a', 'b'}));
  EXPECT_FALSE(name.has_changed_value());
}

std::string datum(const sluice_value_t& raw) {
  std::string out;
  sluice::file::append_datum_value(Value(&raw), out);
  return out;
}

TEST(BinlogRecordVector, DatumValueEncodingOfEveryKind) {
  sluice_value_t value{};
  value.kind = SLUICE_VALUE_NULL;
  EXPECT_EQ(datum(value), bytes({0x00}));  // NilFlag

  value.kind = SLUICE_VALUE_INT64;
  value.as.i64 = -1;
  EXPECT_EQ(datum(value), bytes({0x08, 0x01}));  // varintFlag, zigzag(-1) = 1
  value.as.i64 = 300;
  EXPECT_EQ(datum(value), bytes({0x08, 0xD8, 0x04}));  // zigzag(300) = 600 = 0xD8 0x04
  value.as.i64 = std::numeric_limits<int64_t>::min();  // zigzag = 2^64 - 1: ten bytes
  EXPECT_EQ(datum(value),
            bytes({0x08, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01}));

  value.kind = SLUICE_VALUE_UINT64;
  value.as.u64 = 300;
  EXPECT_EQ(datum(value), bytes({0x09, 0xAC, 0x02}));  // uvarintFlag, 300 = 0xAC 0x02

  value.kind = SLUICE_VALUE_DOUBLE;
  value.as.f64 = 1.5;  // bits 0x3FF8000000000000, sign bit set for >= 0
  EXPECT_EQ(datum(value), bytes({0x05, 0xBF, 0xF8, 0, 0, 0, 0, 0, 0}));
  value.as.f64 = -1.5;  // bits 0xBFF8000000000000, all flipped for < 0
  EXPECT_EQ(datum(value), bytes({0x05, 0x40, 0x07, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF}));

  value.kind = SLUICE_VALUE_BYTES;
  value.as.bytes = {"12.50", 5};  // a DECIMAL as text, as formatData leaves it
  EXPECT_EQ(datum(value), bytes({0x02, 0x0A, '1', '2', '.', '5', '0'}));
  value.as.bytes = {nullptr, 0};
  EXPECT_EQ(datum(value), bytes({0x02, 0x00}));
}

TEST(BinlogRecordVector, DdlQueryTextFollowsTheOriginal) {
  using sluice::file::pb_binlog_ddl_query;
  EXPECT_EQ(pb_binlog_ddl_query("test", "ALTER TABLE t ADD c int"),
            "use `test`; ALTER TABLE t ADD c int;");
  EXPECT_EQ(pb_binlog_ddl_query("a`b", "DROP TABLE t"), "use `a``b`; DROP TABLE t;");
  EXPECT_EQ(pb_binlog_ddl_query("d", "CREATE DATABASE d"), "CREATE DATABASE d;");
  EXPECT_EQ(pb_binlog_ddl_query("d", "  /* x */ create\nschema IF NOT EXISTS d"),
            "  /* x */ create\nschema IF NOT EXISTS d;");
  EXPECT_EQ(pb_binlog_ddl_query("d", "CREATE DATABASES_LOG (x int)"),
            "use `d`; CREATE DATABASES_LOG (x int);");
  EXPECT_EQ(pb_binlog_ddl_query("", "CREATE USER u"), "CREATE USER u;");
}

TEST(BinlogRecordVector, UpdateCarriesOldInValueAndNewInChangedValue) {
  BatchBuilder builder;
  ColumnSpec generated{"g", 3, SLUICE_COLUMN_GENERATED, "int"};
  const size_t table = builder.add_table(
      {"s", "u", 2, {{"id", 8, 0, "bigint"}, {"v", 5, 0, "double"}, generated}, {}});
  builder.begin_transaction(2000, 1990)
      .update(table, {int64_t{7}, 1.5, int64_t{1}}, {int64_t{7}, std::monostate{}, int64_t{2}})
      .erase(table, {int64_t{8}, -1.5, int64_t{3}});
  builder.begin_transaction(3000, 2990, SLUICE_TXN_DDL).ddl("s", "u", "DROP TABLE u");
  const Batch batch(builder.build());

  std::string payload;
  sluice::file::append_pb_binlog(batch.transactions()[0], payload);
  pb_binlog::Binlog dml;
  ASSERT_TRUE(dml.ParseFromString(payload));
  ASSERT_EQ(dml.dml_data().events_size(), 2);
  const pb_binlog::Event& update = dml.dml_data().events(0);
  EXPECT_EQ(update.tp(), pb_binlog::Update);
  ASSERT_EQ(update.row_size(), 2);  // the generated column is left out
  pb_binlog::column v;
  ASSERT_TRUE(v.ParseFromString(update.row(1)));
  EXPECT_EQ(v.name(), "v");
  EXPECT_EQ(v.tp(), bytes({5}));
  EXPECT_EQ(v.value(), bytes({0x05, 0xBF, 0xF8, 0, 0, 0, 0, 0, 0}));  // old: 1.5
  EXPECT_EQ(v.changed_value(), bytes({0x00}));                        // new: NULL
  const pb_binlog::Event& erase = dml.dml_data().events(1);
  EXPECT_EQ(erase.tp(), pb_binlog::Delete);
  pb_binlog::column id;
  ASSERT_TRUE(id.ParseFromString(erase.row(0)));
  EXPECT_EQ(id.value(), bytes({0x08, 0x10}));  // old id 8, zigzag 16
  EXPECT_FALSE(id.has_changed_value());

  payload.clear();
  sluice::file::append_pb_binlog(batch.transactions()[1], payload);
  pb_binlog::Binlog ddl;
  ASSERT_TRUE(ddl.ParseFromString(payload));
  EXPECT_EQ(ddl.tp(), pb_binlog::DDL);
  EXPECT_EQ(ddl.commit_ts(), 3000);
  EXPECT_FALSE(ddl.has_dml_data());
  EXPECT_EQ(ddl.ddl_query(), "use `s`; DROP TABLE u;");
}

TEST(BinlogFileName, FormatsAndParsesTheOriginalNames) {
  using sluice::file::parse_binlog_file_name;
  const std::string name = sluice::file::binlog_file_name(7, 0);
  ASSERT_EQ(name.size(), std::string("binlog-0000000000000007-19700101000000").size());
  EXPECT_TRUE(name.starts_with("binlog-0000000000000007-19"));  // local time of the epoch
  EXPECT_EQ(parse_binlog_file_name(name)->index, 7u);
  EXPECT_EQ(parse_binlog_file_name("binlog-0000000000000012")->index, 12u);
  const auto archived = parse_binlog_file_name("binlog-0000000000000003-20190101010101-425.tar.gz");
  ASSERT_TRUE(archived.has_value());
  EXPECT_EQ(archived->index, 3u);
  EXPECT_EQ(archived->commit_ts, 425);
  EXPECT_FALSE(parse_binlog_file_name(".lock"));
  EXPECT_FALSE(parse_binlog_file_name("binlog-0000000000000001.tmp"));
  EXPECT_FALSE(parse_binlog_file_name("binlog-x"));
  EXPECT_FALSE(parse_binlog_file_name("binlog-0000000000000001-2019"));
  EXPECT_FALSE(parse_binlog_file_name("savepoint"));
}

}  // namespace
