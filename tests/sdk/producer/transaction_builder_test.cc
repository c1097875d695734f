// TransactionBuilder: row bytes as TiDB's binlog path writes them (tidb-binlog-facts.md §2),
// compared with vectors written out byte by byte or assembled with the codec's encoders.
#include "sdk/producer/transaction_builder.h"

#include <gtest/gtest.h>

#include "core/codec/datum_codec.h"
#include "core/codec/json_binary.h"
#include "core/codec/mysql_time.h"
#include "core/codec/row_format.h"
#include "sdk/producer/datum_conversion.h"

namespace sluice::producer {
namespace {

namespace mt = schema::mysql_type;
using codec::ColumnDatum;
using codec::Datum;

std::string bytes(std::initializer_list<int> values) {
  std::string out;
  for (int value : values)
    out.push_back(static_cast<char>(value));
  return out;
}

ColumnSpec column(std::string name, uint8_t type, int flen = -1, int decimal = -1) {
  ColumnSpec spec;
  spec.name = std::move(name);
  spec.type = type;
  spec.flen = flen;
  spec.decimal = decimal;
  return spec;
}

class TransactionBuilderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(catalog_.create_database("d").is_ok());  // 100, job 101
    // users: pk_is_handle. Ids: id 1, name 2, score 3, born 4, note 5.
    ColumnSpec id = column("id", mt::kLonglong);
    id.primary_key = true;
    ColumnSpec note = column("note", mt::kVarchar, 10);
    note.default_value = "x";
    ASSERT_TRUE(
        catalog_
            .create_table("d", TableSpec{.name = "users",
                                         .columns = {id, column("name", mt::kVarchar, 20),
                                                     column("score", mt::kNewDecimal, 10, 2),
                                                     column("born", mt::kDatetime), note}})
            .is_ok());  // 102, job 103
    // logs: no primary key, rows addressed by _tidb_rowid. Ids: msg 1, at 2.
    ColumnSpec msg = column("msg", mt::kVarchar, 20);
    msg.not_null = true;
    ASSERT_TRUE(
        catalog_
            .create_table("d", TableSpec{.name = "logs",
                                         .columns = {msg, column("at", mt::kDatetime, -1, 3)}})
            .is_ok());  // 104, job 105
    // kv: clustered (k, n). Ids: k 1, n 2, v 3.
    ASSERT_TRUE(catalog_
                    .create_table(
                        "d", TableSpec{.name = "kv",
                                       .columns = {column("k", mt::kVarchar, 8),
                                                   column("n", mt::kLong), column("v", mt::kLong)},
                                       .primary_key = {"k", "n"},
                                       .primary_key_kind = PrimaryKeyKind::kClustered})
                    .is_ok());  // 106, job 107
    ASSERT_TRUE(
        catalog_
            .create_table("d",
                          TableSpec{.name = "parts", .columns = {id}, .partitions = {"p0", "p1"}})
            .is_ok());  // 108, partitions 109 110, job 111
  }

  Catalog catalog_;
};

Datum decimal(std::string text) {
  return Datum::from_decimal(std::move(text), 10, 2);
}

TEST_F(TransactionBuilderTest, InsertIntoPkIsHandleTableLeavesTheKeyOutOfTheRow) {
  TransactionBuilder txn(catalog_);
  auto handle =
      txn.insert("d", "users", {{"id", 7}, {"name", "ab"}, {"score", Value::decimal("1.5")}});
  ASSERT_TRUE(handle.is_ok()) << handle.status().to_string();
  EXPECT_EQ(*handle, 7);
  ASSERT_EQ(txn.prewrite_value().mutations_size(), 1);
  const binlog::TableMutation& mutation = txn.prewrite_value().mutations(0);
  EXPECT_EQ(mutation.table_id(), 102);
  ASSERT_EQ(mutation.inserted_rows_size(), 1);
  // handle 7 | id 2 "ab" | id 3 DECIMAL(10,2) 1.50 (80 00 00 01 | 32) | id 5 default "x".
  // born (id 4) is NULL without a default: TiDB's CanSkip leaves it out.
  const std::string expected = bytes({0x08, 0x0E,                          //
                                      0x08, 0x04, 0x02, 0x04, 0x61, 0x62,  //
                                      0x08, 0x06, 0x06, 0x0A, 0x02, 0x80, 0x00, 0x00,
                                      0x01, 0x32, 0x08, 0x0A, 0x02, 0x02, 0x78});
  EXPECT_EQ(mutation.inserted_rows(0), expected);
  std::string encoded;
  ASSERT_TRUE(codec::encode_inserted_row(
                  encoded, {Datum::from_int64(7)},
                  {{2, Datum::from_bytes("ab")}, {3, decimal("1.50")}, {5, Datum::from_bytes("x")}})
                  .is_ok());
  EXPECT_EQ(mutation.inserted_rows(0), encoded);

  // The primary key: tablecodec's record key 't' + table 102 + "_r" + handle 7, both comparable.
  std::string key = "t";
  codec::append_comparable_int(key, 102);
  key += "_r";
  codec::append_comparable_int(key, 7);
  EXPECT_EQ(txn.primary_key(), key);
  EXPECT_EQ(txn.schema_version(), 5);
  EXPECT_EQ(txn.prewrite_value().schema_version(), 5);
}

TEST_F(TransactionBuilderTest, UpdateAndDeleteOfPkIsHandleTableCarryEveryColumn) {
  TransactionBuilder txn(catalog_);
  const Row old_row = {{"id", 7}, {"name", "ab"}, {"score", Value::decimal("1.5")}};
  ASSERT_TRUE(txn.update("d", "users", old_row, {{"name", "cd"}}).is_ok());
  ASSERT_TRUE(txn.erase("d", "users", old_row).is_ok());
  const binlog::TableMutation& mutation = txn.prewrite_value().mutations(0);

  const std::vector<ColumnDatum> old_columns = {{1, Datum::from_int64(7)},
                                                {2, Datum::from_bytes("ab")},
                                                {3, decimal("1.50")},
                                                {4, Datum::null()},
                                                {5, Datum::from_bytes("x")}};
  std::vector<ColumnDatum> new_columns = old_columns;
  new_columns[1].value = Datum::from_bytes("cd");
  std::string updated;
  ASSERT_TRUE(codec::encode_updated_row(updated, old_columns, new_columns).is_ok());
  ASSERT_EQ(mutation.updated_rows_size(), 1);
  EXPECT_EQ(mutation.updated_rows(0), updated);

  std::string deleted;
  ASSERT_TRUE(codec::encode_old_row(deleted, old_columns).is_ok());
  ASSERT_EQ(mutation.deleted_rows_size(), 1);
  EXPECT_EQ(mutation.deleted_rows(0), deleted);
  ASSERT_EQ(mutation.sequence_size(), 2);
  EXPECT_EQ(mutation.sequence(0), binlog::Update);
  EXPECT_EQ(mutation.sequence(1), binlog::DeleteRow);
}

TEST_F(TransactionBuilderTest, TableWithoutIntegerKeyUsesRowIdsAndTheExtraHandleColumn) {
  TransactionBuilder txn(catalog_);
  const Value at = Value::datetime("2024-01-02 03:04:05.1234");  // DATETIME(3): .123
  auto first = txn.insert("d", "logs", {{"msg", "hi"}, {"at", at}});
  ASSERT_TRUE(first.is_ok()) << first.status().to_string();
  EXPECT_EQ(*first, 1);
  auto second = txn.insert("d", "logs", {{"msg", "x2"}});
  ASSERT_TRUE(second.is_ok());
  EXPECT_EQ(*second, 2);
  ASSERT_TRUE(txn.update("d", "logs", {{"msg", "hi"}, {"at", at}}, {{"msg", "yo"}}).is_ok());
  ASSERT_TRUE(txn.erase("d", "logs", {{"msg", "x2"}}).is_ok());

  const binlog::TableMutation& mutation = txn.prewrite_value().mutations(0);
  EXPECT_EQ(mutation.table_id(), 104);
  const Datum packed =
      Datum::from_uint64(codec::pack_time(codec::MysqlTime{2024, 1, 2, 3, 4, 5, 123000}));
  std::string inserted;
  ASSERT_TRUE(codec::encode_inserted_row(inserted, {Datum::from_int64(1)},
                                         {{1, Datum::from_bytes("hi")}, {2, packed}})
                  .is_ok());
  EXPECT_EQ(mutation.inserted_rows(0), inserted);
  // Handle 2 (08 04), msg "x2"; `at` is NULL without a default, left out.
  EXPECT_EQ(mutation.inserted_rows(1), bytes({0x08, 0x04, 0x08, 0x02, 0x02, 0x04, 0x78, 0x32}));

  std::string updated;
  ASSERT_TRUE(codec::encode_updated_row(
                  updated, {{1, Datum::from_bytes("hi")}, {2, packed}, {-1, Datum::from_int64(1)}},
                  {{1, Datum::from_bytes("yo")}, {2, packed}, {-1, Datum::from_int64(1)}})
                  .is_ok());
  EXPECT_EQ(mutation.updated_rows(0), updated);
  // msg "x2" | at NULL (08 04 00) | extra handle column -1 (08 01) = row id 2 (08 04).
  EXPECT_EQ(mutation.deleted_rows(0),
            bytes({0x08, 0x02, 0x02, 0x04, 0x78, 0x32, 0x08, 0x04, 0x00, 0x08, 0x01, 0x08, 0x04}));

  // The updated row is known under its new values; the deleted one is gone.
  TransactionBuilder next(catalog_);
  EXPECT_TRUE(next.erase("d", "logs", {{"msg", "yo"}, {"at", at}}).is_ok());
  auto unknown = next.erase("d", "logs", {{"msg", "x2"}});
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_TRUE(next.erase("d", "logs", {{"msg", "x2"}}, RowOptions{.handle = 2}).is_ok());
  EXPECT_EQ(next.prewrite_value().mutations(0).deleted_rows(1), mutation.deleted_rows(0));
}

TEST_F(TransactionBuilderTest, SequenceKeepsOperationOrderPerTable) {
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("d", "users", {{"id", 1}}).is_ok());
  ASSERT_TRUE(txn.update("d", "logs", {{"msg", "a"}}, {{"msg", "b"}}, {.handle = 9}).is_ok());
  ASSERT_TRUE(txn.erase("d", "users", {{"id", 5}}).is_ok());
  ASSERT_TRUE(txn.insert("d", "users", {{"id", 2}}).is_ok());
  ASSERT_TRUE(txn.insert("d", "parts", {{"id", 3}}, {.partition = "P1"}).is_ok());

  const binlog::PrewriteValue& value = txn.prewrite_value();
  ASSERT_EQ(value.mutations_size(), 3);
  EXPECT_EQ(value.mutations(0).table_id(), 102);
  EXPECT_EQ(value.mutations(1).table_id(), 104);
  EXPECT_EQ(value.mutations(2).table_id(), 110);  // partition p1, not the table
  const auto& users = value.mutations(0);
  ASSERT_EQ(users.sequence_size(), 3);
  EXPECT_EQ(users.sequence(0), binlog::Insert);
  EXPECT_EQ(users.sequence(1), binlog::DeleteRow);
  EXPECT_EQ(users.sequence(2), binlog::Insert);
  EXPECT_EQ(users.inserted_rows_size(), 2);
  EXPECT_EQ(users.deleted_rows_size(), 1);
  // Insert of id 2: handle 2, then only the default of `note` (id 5).
  EXPECT_EQ(users.inserted_rows(1), bytes({0x08, 0x04, 0x08, 0x0A, 0x02, 0x02, 0x78}));
  ASSERT_EQ(value.mutations(1).sequence_size(), 1);
  EXPECT_EQ(value.mutations(1).sequence(0), binlog::Update);

  // Serialized, the sequence is unpacked (proto2): key 0x38 before each value.
  const std::string wire = users.SerializeAsString();
  EXPECT_NE(wire.find(bytes({0x38, 0x00, 0x38, 0x04, 0x38, 0x00})), std::string::npos);
}

TEST_F(TransactionBuilderTest, ChangingTheHandleIsADeleteAndAnInsert) {
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.update("d", "users", {{"id", 7}, {"name", "a"}}, {{"id", 8}}).is_ok());
  const auto& mutation = txn.prewrite_value().mutations(0);
  ASSERT_EQ(mutation.sequence_size(), 2);
  EXPECT_EQ(mutation.sequence(0), binlog::DeleteRow);
  EXPECT_EQ(mutation.sequence(1), binlog::Insert);
  EXPECT_EQ(mutation.updated_rows_size(), 0);
  std::string inserted;
  ASSERT_TRUE(codec::encode_inserted_row(inserted, {Datum::from_int64(8)},
                                         {{2, Datum::from_bytes("a")}, {5, Datum::from_bytes("x")}})
                  .is_ok());
  EXPECT_EQ(mutation.inserted_rows(0), inserted);
}

TEST_F(TransactionBuilderTest, ClusteredTableHandleIsTheKeyDatums) {
  TransactionBuilder txn(catalog_);
  auto handle = txn.insert("d", "kv", {{"k", "a"}, {"n", 1}, {"v", 2}});
  ASSERT_TRUE(handle.is_ok()) << handle.status().to_string();
  EXPECT_EQ(*handle, 0);
  ASSERT_TRUE(txn.update("d", "kv", {{"k", "a"}, {"n", 1}, {"v", 2}}, {{"v", 3}}).is_ok());
  const auto& mutation = txn.prewrite_value().mutations(0);
  // The key datums lead; the int key column is left out of the row (it is restored from the
  // key), the utf8mb4_bin VARCHAR one is kept (TiDB's NeedRestoredData).
  std::string inserted;
  ASSERT_TRUE(codec::encode_inserted_row(inserted, {Datum::from_bytes("a"), Datum::from_int64(1)},
                                         {{1, Datum::from_bytes("a")}, {3, Datum::from_int64(2)}})
                  .is_ok());
  EXPECT_EQ(mutation.inserted_rows(0), inserted);
  // No extra handle column for a clustered table.
  std::string updated;
  ASSERT_TRUE(
      codec::encode_updated_row(
          updated,
          {{1, Datum::from_bytes("a")}, {2, Datum::from_int64(1)}, {3, Datum::from_int64(2)}},
          {{1, Datum::from_bytes("a")}, {2, Datum::from_int64(1)}, {3, Datum::from_int64(3)}})
          .is_ok());
  EXPECT_EQ(mutation.updated_rows(0), updated);
  // Primary key: 't' + 106 + "_r" + the key datums in comparable form.
  std::string key = "t";
  codec::append_comparable_int(key, 106);
  key += "_r";
  ASSERT_TRUE(codec::encode_key(key, Datum::from_bytes("a")).is_ok());
  ASSERT_TRUE(codec::encode_key(key, Datum::from_int64(1)).is_ok());
  EXPECT_EQ(txn.primary_key(), key);
}

TEST_F(TransactionBuilderTest, ErrorsNameTheTableAndTheColumnAndChangeNothing) {
  TransactionBuilder txn(catalog_);
  auto unknown = txn.insert("d", "users", {{"id", 1}, {"nope", 2}});
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("table `d`.`users` has no column `nope`"),
            std::string::npos)
      << unknown.status().message();

  auto wrong = txn.insert("d", "users", {{"id", "seven"}});
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find("table `d`.`users` column `id`"), std::string::npos)
      << wrong.status().message();
  EXPECT_NE(wrong.status().message().find("integer"), std::string::npos);

  auto missing = txn.insert("d", "logs", {{"at", Value::datetime("2024-01-01")}});
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("column `msg`"), std::string::npos)
      << missing.status().message();

  auto no_partition = txn.insert("d", "parts", {{"id", 1}});
  EXPECT_NE(no_partition.status().message().find("partition"), std::string::npos);
  EXPECT_FALSE(txn.insert("d", "users", {{"id", 1}}, {.partition = "p0"}).is_ok());
  EXPECT_FALSE(txn.insert("d", "nope", {{"id", 1}}).is_ok());
  EXPECT_FALSE(txn.update("d", "users", {{"id", 1}}, {{"score", Value::json("{}")}}).is_ok());
  EXPECT_TRUE(txn.empty());
  EXPECT_TRUE(txn.primary_key().empty());
}

schema::ColumnInfo info(uint8_t type, int flen = -1, int decimal = -1, uint32_t flag = 0) {
  schema::ColumnInfo column;
  column.name = "c";
  column.type = type;
  column.flen = flen;
  column.decimal = decimal;
  column.flag = flag;
  column.charset = "utf8mb4";
  return column;
}

TEST(DatumConversion, FlattensEachTypeAsTiDB) {
  // TIME -> nanoseconds as a plain int64 (flatten), rounded to the fsp.
  EXPECT_EQ(to_datum(info(mt::kDuration, 10, 0), Value::time("-01:02:03.6")).value(),
            Datum::from_int64(-(3723 + 1) * 1'000'000'000LL));
  EXPECT_EQ(to_datum(info(mt::kDuration, 12, 1), Value::time("00:00:01.25")).value(),
            Datum::from_int64(1'300'000'000LL));
  // DATE drops the time of day; DATETIME rounds into the next day when it must.
  EXPECT_EQ(to_datum(info(mt::kDate), Value::datetime("2024-02-29 13:00:00")).value(),
            Datum::from_uint64(codec::pack_time({2024, 2, 29, 0, 0, 0, 0})));
  EXPECT_EQ(to_datum(info(mt::kDatetime, 19, 0), Value::datetime("2023-12-31 23:59:59.5")).value(),
            Datum::from_uint64(codec::pack_time({2024, 1, 1, 0, 0, 0, 0})));
  EXPECT_EQ(
      to_datum(info(mt::kTimestamp, 26, 6), Value::datetime("2024-05-06 07:08:09.000010")).value(),
      Datum::from_uint64(codec::pack_time({2024, 5, 6, 7, 8, 9, 10})));
  // FLOAT is kept as float32.
  EXPECT_EQ(to_datum(info(mt::kFloat), 0.1).value(),
            Datum::from_float64(static_cast<double>(0.1f)));
  EXPECT_EQ(to_datum(info(mt::kDouble), 0.1).value(), Datum::from_float64(0.1));
  // UNSIGNED columns hold uint64 datums; YEAR an int64.
  EXPECT_EQ(to_datum(info(mt::kLonglong, 20, 0, schema::kUnsignedFlag), 5).value(),
            Datum::from_uint64(5));
  EXPECT_EQ(to_datum(info(mt::kYear), 2024).value(), Datum::from_int64(2024));
  // ENUM index from 1, SET bitmask, BIT as uint64.
  schema::ColumnInfo colours = info(mt::kEnum);
  colours.elems = {"red", "green"};
  EXPECT_EQ(to_datum(colours, "GREEN").value(), Datum::from_uint64(2));
  EXPECT_FALSE(to_datum(colours, "blue").is_ok());
  colours.type = mt::kSet;
  EXPECT_EQ(to_datum(colours, "green,red").value(), Datum::from_uint64(3));
  EXPECT_EQ(to_datum(info(mt::kBit, 16), Value::bytes("\x01\x02")).value(),
            Datum::from_uint64(0x0102));
  EXPECT_FALSE(to_datum(info(mt::kBit, 4), 16).is_ok());
  // JSON becomes binary JSON.
  EXPECT_EQ(to_datum(info(mt::kJson), Value::json("{\"a\": 1}")).value(),
            Datum::from_json_binary(codec::json_text_to_binary("{\"a\": 1}").value()));
  // Decimals are rounded to the column's scale.
  EXPECT_EQ(to_datum(info(mt::kNewDecimal, 6, 2), Value::decimal("-1.005")).value(),
            Datum::from_decimal("-1.01", 6, 2));
}

TEST(DatumConversion, RefusesValuesTheColumnDoesNotTake) {
  EXPECT_FALSE(to_datum(info(mt::kTiny), 128).is_ok());
  EXPECT_TRUE(to_datum(info(mt::kTiny), -128).is_ok());
  EXPECT_FALSE(to_datum(info(mt::kTiny, 3, 0, schema::kUnsignedFlag), -1).is_ok());
  EXPECT_FALSE(to_datum(info(mt::kLong), uint64_t{1} << 40).is_ok());
  EXPECT_FALSE(to_datum(info(mt::kVarchar, 3), "abcd").is_ok());
  EXPECT_TRUE(to_datum(info(mt::kVarchar, 3), "été").is_ok());  // three characters
  EXPECT_FALSE(to_datum(info(mt::kVarchar, 3), 5).is_ok());
  EXPECT_FALSE(to_datum(info(mt::kDatetime), "yesterday").is_ok());
  EXPECT_FALSE(to_datum(info(mt::kJson), "{}").is_ok());  // JSON needs Value::json
  EXPECT_FALSE(to_datum(info(mt::kNewDecimal, 4, 2), Value::decimal("123.4")).is_ok());
  EXPECT_FALSE(to_datum(info(mt::kLong, 11, 0, schema::kNotNullFlag), nullptr).is_ok());
  EXPECT_TRUE(to_datum(info(mt::kLong), nullptr).value().is_null());
}

}  // namespace
}  // namespace sluice::producer
