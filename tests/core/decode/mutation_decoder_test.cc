#include "core/decode/mutation_decoder.h"

#include <gtest/gtest.h>
#include <sluice/plugin_abi.h>

#include "core/codec/datum_codec.h"
#include "core/codec/json_binary.h"
#include "core/codec/mysql_time.h"
#include "core/codec/row_format.h"
#include "tests/core/codec/json_bomb.h"

namespace sluice::decode {
namespace {

int64_t i64(const sluice_value_t& v) {
  EXPECT_EQ(v.kind, static_cast<uint32_t>(SLUICE_VALUE_INT64));
  return v.as.i64;
}
uint64_t u64(const sluice_value_t& v) {
  EXPECT_EQ(v.kind, static_cast<uint32_t>(SLUICE_VALUE_UINT64));
  return v.as.u64;
}
double f64(const sluice_value_t& v) {
  EXPECT_EQ(v.kind, static_cast<uint32_t>(SLUICE_VALUE_DOUBLE));
  return v.as.f64;
}
std::string text(const sluice_value_t& v) {
  EXPECT_EQ(v.kind, static_cast<uint32_t>(SLUICE_VALUE_BYTES));
  return std::string(bytes_of(v));
}
bool is_null(const sluice_value_t& v) {
  return v.kind == SLUICE_VALUE_NULL;
}

using codec::ColumnDatum;
using codec::Datum;
namespace type = schema::mysql_type;

schema::ColumnInfo column(int64_t id, std::string name, uint8_t tp, uint32_t flag = 0,
                          int decimal = -1, std::string charset = "utf8mb4") {
  schema::ColumnInfo c;
  c.id = id;
  c.name = std::move(name);
  c.offset = static_cast<int>(id - 1);
  c.type = tp;
  c.flag = flag;
  c.decimal = decimal;
  c.charset = std::move(charset);
  return c;
}

schema::DdlJob job(int type, int64_t version, schema::TableInfo table) {
  schema::DdlJob j;
  j.id = version;
  j.type = type;
  j.schema_id = 1;
  j.table_id = table.id;
  j.state = schema::kJobStateSynced;
  j.schema_version = version;
  j.table_info = std::move(table);
  return j;
}

schema::DdlJob create_db() {
  schema::DdlJob j;
  j.id = 1;
  j.type = schema::action::kCreateSchema;
  j.schema_id = 1;
  j.state = schema::kJobStateSynced;
  j.schema_version = 1;
  j.db_info = schema::DbInfo{1, "app", "utf8mb4", "utf8mb4_bin", schema::SchemaState::kPublic};
  return j;
}

// id BIGINT UNSIGNED PRIMARY KEY (the handle), name VARCHAR, price DECIMAL(10,2),
// created DATETIME(3), seen TIMESTAMP, span TIME, state ENUM('new','done'), doc JSON, ratio DOUBLE.
schema::TableInfo wide_table() {
  schema::TableInfo t;
  t.id = 10;
  t.name = "items";
  t.pk_is_handle = true;
  t.columns = {
      column(1, "id", type::kLonglong,
             schema::kPriKeyFlag | schema::kNotNullFlag | schema::kUnsignedFlag, 0, "binary"),
      column(2, "name", type::kVarchar),
      column(3, "price", type::kNewDecimal, 0, 2),
      column(4, "created", type::kDatetime, 0, 3),
      column(5, "seen", type::kTimestamp, 0, 0),
      column(6, "span", type::kDuration, 0, 0),
      column(7, "state", type::kEnum),
      column(8, "doc", type::kJson),
      column(9, "ratio", type::kDouble)};
  t.columns[2].flen = 10;
  t.columns[6].elems = {"new", "done"};
  return t;
}

class MutationDecoderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tracker_.apply(create_db()).is_ok());
    ASSERT_TRUE(tracker_.apply(job(schema::action::kCreateTable, 2, wide_table())).is_ok());
  }
  schema::SchemaTracker tracker_;
};

TEST_F(MutationDecoderTest, InsertOfEveryTypeWithUnsignedHandle) {
  std::string row;
  const uint64_t id = (1ull << 63) + 5;  // the handle is int64 on the wire; the column is unsigned
  const std::string json = codec::json_text_to_binary(R"({"k": [1, "v"]})").value();
  ASSERT_TRUE(codec::encode_inserted_row(
                  row, {Datum::from_int64(static_cast<int64_t>(id))},
                  {{2, Datum::from_bytes("widget")},
                   {3, Datum::from_decimal("19.90", 10, 2)},
                   {4, Datum::from_uint64(codec::pack_time({2024, 2, 29, 13, 5, 6, 789000}))},
                   {5, Datum::from_uint64(codec::pack_time({2024, 3, 1, 0, 0, 1, 0}))},
                   {6, Datum::from_int64(-3723'000'000'000LL)},
                   {7, Datum::from_uint64(2)},
                   {8, Datum::from_json_binary(json)},
                   {9, Datum::from_float64(0.25)}})
                  .is_ok());
  binlog::TableMutation mutation;
  mutation.set_table_id(10);
  mutation.add_inserted_rows(row);
  mutation.add_sequence(binlog::Insert);

  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> changes;
  ASSERT_TRUE(decoder.decode(mutation, 2, changes, arena).is_ok());
  ASSERT_EQ(changes.size(), 1u);
  const RowChange& change = changes[0];
  EXPECT_EQ(change.type, ChangeType::kInsert);
  EXPECT_EQ(change.layout->schema_name, "app");
  EXPECT_EQ(change.layout->table_name, "items");
  const auto& v = change.new_values;
  ASSERT_EQ(v.size(), 9u);
  EXPECT_EQ(u64(v[0]), id);
  EXPECT_EQ(text(v[1]), "widget");
  EXPECT_EQ(text(v[2]), "19.90");
  EXPECT_EQ(text(v[3]), "2024-02-29 13:05:06.789");
  EXPECT_EQ(text(v[4]), "2024-03-01 00:00:01");
  EXPECT_EQ(text(v[5]), "-01:02:03");
  EXPECT_EQ(u64(v[6]), 2u);
  EXPECT_EQ(text(v[7]), R"({"k": [1, "v"]})");
  EXPECT_DOUBLE_EQ(f64(v[8]), 0.25);

  const auto& layout = *change.layout;
  EXPECT_EQ(layout.columns[0].abi_flags & SLUICE_COLUMN_PRIMARY_KEY, SLUICE_COLUMN_PRIMARY_KEY);
  EXPECT_EQ(layout.columns[0].abi_flags & SLUICE_COLUMN_UNSIGNED, SLUICE_COLUMN_UNSIGNED);
  EXPECT_EQ(layout.columns[0].type_name, "bigint");
  EXPECT_EQ(layout.columns[6].elements_text, "new,done");
  ASSERT_EQ(layout.keys.size(), 1u);
  EXPECT_EQ(layout.keys[0].name, "PRIMARY");
}

TEST_F(MutationDecoderTest, SequenceOrderAcrossKinds) {
  binlog::TableMutation mutation;
  mutation.set_table_id(10);
  for (int i = 1; i <= 2; ++i) {
    std::string row;
    ASSERT_TRUE(codec::encode_inserted_row(row, {Datum::from_int64(i)},
                                           {{2, Datum::from_bytes("n" + std::to_string(i))}})
                    .is_ok());
    mutation.add_inserted_rows(row);
  }
  std::string deleted;
  ASSERT_TRUE(
      codec::encode_old_row(deleted, {{1, Datum::from_int64(7)}, {2, Datum::from_bytes("gone")}})
          .is_ok());
  mutation.add_deleted_rows(deleted);
  std::string updated;
  ASSERT_TRUE(
      codec::encode_updated_row(updated, {{1, Datum::from_int64(1)}, {2, Datum::from_bytes("n1")}},
                                {{1, Datum::from_int64(1)}, {2, Datum::from_bytes("renamed")}})
          .is_ok());
  mutation.add_updated_rows(updated);
  // insert, delete, update, insert
  mutation.add_sequence(binlog::Insert);
  mutation.add_sequence(binlog::DeleteRow);
  mutation.add_sequence(binlog::Update);
  mutation.add_sequence(binlog::Insert);

  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> changes;
  ASSERT_TRUE(decoder.decode(mutation, 2, changes, arena).is_ok());
  ASSERT_EQ(changes.size(), 4u);
  EXPECT_EQ(changes[0].type, ChangeType::kInsert);
  EXPECT_EQ(text(changes[0].new_values[1]), "n1");
  EXPECT_EQ(changes[1].type, ChangeType::kDelete);
  EXPECT_EQ(u64(changes[1].old_values[0]), 7u);
  EXPECT_EQ(changes[2].type, ChangeType::kUpdate);
  EXPECT_EQ(text(changes[2].old_values[1]), "n1");
  EXPECT_EQ(text(changes[2].new_values[1]), "renamed");
  EXPECT_EQ(changes[3].type, ChangeType::kInsert);
  EXPECT_EQ(text(changes[3].new_values[1]), "n2");
  // Columns the rows did not carry are NULL (nullable, no default).
  EXPECT_TRUE(is_null(changes[0].new_values[2]));
}

TEST_F(MutationDecoderTest, TableWithoutIntKeyCarriesExtraHandle) {
  schema::TableInfo t;
  t.id = 20;
  t.name = "logs";
  t.columns = {column(1, "msg", type::kVarchar), column(2, "n", type::kLong)};
  ASSERT_TRUE(tracker_.apply(job(schema::action::kCreateTable, 3, t)).is_ok());
  std::string deleted;
  ASSERT_TRUE(codec::encode_old_row(deleted, {{1, Datum::from_bytes("x")},
                                              {2, Datum::from_int64(4)},
                                              {codec::kExtraHandleColumnId, Datum::from_int64(99)}})
                  .is_ok());
  binlog::TableMutation mutation;
  mutation.set_table_id(20);
  mutation.add_deleted_rows(deleted);
  mutation.add_sequence(binlog::DeleteRow);
  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> changes;
  ASSERT_TRUE(decoder.decode(mutation, 3, changes, arena).is_ok());
  ASSERT_EQ(changes[0].old_values.size(), 2u);
  EXPECT_EQ(i64(changes[0].old_values[1]), 4);
  EXPECT_TRUE(changes[0].layout->keys.empty());
}

TEST_F(MutationDecoderTest, OlderSchemaVersionUsesOlderLayoutAndNewerFillsDefaults) {
  schema::TableInfo widened = wide_table();
  schema::ColumnInfo qty = column(10, "qty", type::kLong, schema::kNotNullFlag);
  qty.offset = 9;
  qty.origin_default_value = "1";
  widened.columns.push_back(qty);
  ASSERT_TRUE(tracker_.apply(job(schema::action::kAddColumn, 5, widened)).is_ok());

  std::string row;
  ASSERT_TRUE(codec::encode_inserted_row(row, {Datum::from_int64(1)}, {{2, Datum::from_bytes("a")}})
                  .is_ok());
  binlog::TableMutation mutation;
  mutation.set_table_id(10);
  mutation.add_inserted_rows(row);
  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> before;
  ASSERT_TRUE(decoder.decode(mutation, 4, before, arena).is_ok());
  EXPECT_EQ(before[0].new_values.size(), 9u);
  std::vector<RowChange> after;
  ASSERT_TRUE(decoder.decode(mutation, 5, after, arena).is_ok());
  ASSERT_EQ(after[0].new_values.size(), 10u);
  EXPECT_EQ(i64(after[0].new_values[9]), 1);  // origin default
}

TEST_F(MutationDecoderTest, ClusteredHandleAndNewRowFormat) {
  schema::TableInfo t;
  t.id = 30;
  t.name = "pairs";
  t.is_common_handle = true;
  t.columns = {column(1, "a", type::kVarchar, schema::kPriKeyFlag | schema::kNotNullFlag),
               column(2, "b", type::kLong, schema::kPriKeyFlag | schema::kNotNullFlag),
               column(3, "c", type::kLong)};
  schema::IndexInfo primary;
  primary.id = 1;
  primary.name = "PRIMARY";
  primary.primary = true;
  primary.unique = true;
  primary.columns = {{"a", 0, -1}, {"b", 1, -1}};
  t.indices = {primary};
  ASSERT_TRUE(tracker_.apply(job(schema::action::kCreateTable, 6, t)).is_ok());

  // Handle datums "k", 2; then a new-format row: ids 1, 2 not null, 3 null.
  std::string row;
  ASSERT_TRUE(codec::encode_value(row, Datum::from_bytes("k")).is_ok());
  ASSERT_TRUE(codec::encode_value(row, Datum::from_int64(2)).is_ok());
  row += std::string(
      "\x80\x00\x02\x00\x01\x00\x01\x02\x03\x01\x00\x02\x00"
      "k\x02",
      15);
  binlog::TableMutation mutation;
  mutation.set_table_id(30);
  mutation.add_inserted_rows(row);
  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> changes;
  auto status = decoder.decode(mutation, 6, changes, arena);
  ASSERT_TRUE(status.is_ok()) << status.to_string();
  const auto& v = changes[0].new_values;
  EXPECT_EQ(text(v[0]), "k");
  EXPECT_EQ(i64(v[1]), 2);
  EXPECT_TRUE(is_null(v[2]));
  ASSERT_EQ(changes[0].layout->keys.size(), 1u);
  EXPECT_EQ(changes[0].layout->keys[0].column_indexes, (std::vector<uint32_t>{0, 1}));
}

TEST_F(MutationDecoderTest, ClusteredKeyColumnsLeftOutOfTheRowComeFromTheHandle) {
  schema::TableInfo t;
  t.id = 31;
  t.name = "clustered";
  t.is_common_handle = true;
  t.columns = {column(1, "region", type::kVarchar, schema::kPriKeyFlag | schema::kNotNullFlag),
               column(2, "seq", type::kLonglong, schema::kPriKeyFlag | schema::kNotNullFlag),
               column(3, "note", type::kVarchar)};
  schema::IndexInfo primary;
  primary.id = 1;
  primary.name = "PRIMARY";
  primary.primary = true;
  primary.unique = true;
  primary.columns = {{"region", 0, -1}, {"seq", 1, -1}};
  t.indices = {primary};
  ASSERT_TRUE(tracker_.apply(job(schema::action::kCreateTable, 7, t)).is_ok());
  // TiDB's layout for such a row: the key's datums, then a row without the key columns.
  std::string row;
  ASSERT_TRUE(codec::encode_inserted_row(row, {Datum::from_bytes("eu"), Datum::from_int64(42)},
                                         {{3, Datum::from_bytes("hello")}})
                  .is_ok());
  binlog::TableMutation mutation;
  mutation.set_table_id(31);
  mutation.add_inserted_rows(row);
  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> changes;
  ASSERT_TRUE(decoder.decode(mutation, 7, changes, arena).is_ok());
  const auto& v = changes[0].new_values;
  EXPECT_EQ(text(v[0]), "eu");
  EXPECT_EQ(i64(v[1]), 42);
  EXPECT_EQ(text(v[2]), "hello");
}

TEST_F(MutationDecoderTest, MalformedMutationsNameTheTableAndRow) {
  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> changes;

  binlog::TableMutation unknown;
  unknown.set_table_id(777);
  auto status = decoder.decode(unknown, 2, changes, arena);
  EXPECT_EQ(status.message(), "not found table id 777");

  binlog::TableMutation garbage;
  garbage.set_table_id(10);
  garbage.add_inserted_rows(std::string("\x08\x02\x08", 3));
  status = decoder.decode(garbage, 2, changes, arena);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("app.items (id 10): inserted row #0"), std::string::npos)
      << status.message();

  binlog::TableMutation short_sequence;
  short_sequence.set_table_id(10);
  short_sequence.add_sequence(binlog::Update);
  status = decoder.decode(short_sequence, 2, changes, arena);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("sequence names update #0"), std::string::npos);

  binlog::TableMutation obsolete;
  obsolete.set_table_id(10);
  obsolete.add_sequence(binlog::DeleteID);
  EXPECT_EQ(decoder.decode(obsolete, 2, changes, arena).code(), StatusCode::kUnsupported);

  // A value of the wrong kind for its column.
  std::string wrong;
  ASSERT_TRUE(
      codec::encode_inserted_row(wrong, {Datum::from_int64(1)}, {{3, Datum::from_bytes("x")}})
          .is_ok());
  binlog::TableMutation mismatched;
  mismatched.set_table_id(10);
  mismatched.add_inserted_rows(wrong);
  status = decoder.decode(mismatched, 2, changes, arena);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("column 'price'"), std::string::npos) << status.message();
}

// A JSON column whose 531-byte value points its entries at shared sub-containers (4.2 GB if
// every reference is followed) fails the row with an error naming the table, row and column.
TEST_F(MutationDecoderTest, AJsonValueThatWouldExplodeIsAnErrorNamingTableAndColumn) {
  std::string row;
  ASSERT_TRUE(codec::encode_inserted_row(
                  row, {Datum::from_int64(1)},
                  {{8, Datum::from_json_binary(codec::testing::nested_shared_arrays(10, 9))}})
                  .is_ok());
  binlog::TableMutation mutation;
  mutation.set_table_id(10);
  mutation.add_inserted_rows(row);
  mutation.add_sequence(binlog::Insert);
  MutationDecoder decoder(tracker_);
  TextArena arena;
  std::vector<RowChange> changes;
  const Status status = decoder.decode(mutation, 2, changes, arena);
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kCorruption);
  EXPECT_NE(status.message().find("app.items (id 10): inserted row #0: column 'doc': binary JSON"),
            std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace sluice::decode
