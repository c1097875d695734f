// What the producer encodes, the drainer's decoder reads back: the catalog's DDL jobs feed a
// SchemaTracker (as the in-band jobs would), and the rows of a PrewriteValue decode to the values
// that went in, for an int-handle table, a table without an integer key, and a clustered table.
#include <gtest/gtest.h>
#include <sluice/plugin_abi.h>

#include "core/decode/mutation_decoder.h"
#include "core/schema/schema_tracker.h"
#include "sdk/producer/catalog.h"
#include "sdk/producer/transaction_builder.h"

namespace sluice::producer {
namespace {

namespace type = schema::mysql_type;

std::string text(const sluice_value_t& v) {
  EXPECT_EQ(v.kind, static_cast<uint32_t>(SLUICE_VALUE_BYTES));
  return std::string(decode::bytes_of(v));
}

class RoundTrip : public ::testing::Test {
 protected:
  void apply(Result<schema::DdlJob> job) {
    ASSERT_TRUE(job.is_ok()) << job.status().to_string();
    ASSERT_TRUE(tracker_.apply(*job).is_ok());
  }
  std::vector<decode::RowChange> decode_all(const TransactionBuilder& txn) {
    decode::MutationDecoder decoder(tracker_);
    std::vector<decode::RowChange> changes;
    for (const auto& mutation : txn.prewrite_value().mutations()) {
      Status status = decoder.decode(mutation, txn.schema_version(), changes, arena_);
      EXPECT_TRUE(status.is_ok()) << status.to_string();
    }
    return changes;
  }
  Catalog catalog_;
  schema::SchemaTracker tracker_;
  decode::TextArena arena_;
};

TEST_F(RoundTrip, IntHandleTableWithEveryKindOfValue) {
  apply(catalog_.create_database("shop"));
  TableSpec orders;
  orders.name = "orders";
  orders.columns = {{"id", type::kLonglong, true, true, true},
                    {"customer", type::kVarchar, false, false, false, false, 32},
                    {"amount", type::kNewDecimal, false, false, false, false, 10, 2},
                    {"placed", type::kDatetime, false, false, false, false, -1, 3},
                    {"wait", type::kDuration},
                    {"state", type::kEnum, false, false, false, false, -1, -1, {"new", "paid"}},
                    {"doc", type::kJson},
                    {"ratio", type::kDouble}};
  apply(catalog_.create_table("shop", orders));

  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("shop", "orders",
                         {{"id", uint64_t{18446744073709551000ull}},
                          {"customer", "ada"},
                          {"amount", Value::decimal("12.5")},
                          {"placed", Value::datetime("2026-11-21 08:00:01.250")},
                          {"wait", Value::time("01:02:03")},
                          {"state", "paid"},
                          {"doc", Value::json(R"({"b": 1, "a": [true]})")},
                          {"ratio", 0.5}})
                  .is_ok());
  ASSERT_TRUE(txn.update("shop", "orders", {{"id", uint64_t{7}}, {"customer", "old"}},
                         {{"id", uint64_t{7}}, {"customer", "new"}})
                  .is_ok());
  ASSERT_TRUE(txn.erase("shop", "orders", {{"id", uint64_t{9}}, {"customer", "gone"}}).is_ok());

  auto changes = decode_all(txn);
  ASSERT_EQ(changes.size(), 3u);
  const auto& inserted = changes[0].new_values;
  EXPECT_EQ(inserted[0].as.u64, 18446744073709551000ull);
  EXPECT_EQ(text(inserted[1]), "ada");
  EXPECT_EQ(text(inserted[2]), "12.50");
  EXPECT_EQ(text(inserted[3]), "2026-11-21 08:00:01.250");
  EXPECT_EQ(text(inserted[4]), "01:02:03");
  EXPECT_EQ(inserted[5].as.u64, 2u);  // ENUM index of 'paid'
  EXPECT_EQ(text(inserted[6]), R"({"a": [true], "b": 1})");
  EXPECT_DOUBLE_EQ(inserted[7].as.f64, 0.5);
  EXPECT_EQ(changes[1].type, decode::ChangeType::kUpdate);
  EXPECT_EQ(text(changes[1].old_values[1]), "old");
  EXPECT_EQ(text(changes[1].new_values[1]), "new");
  EXPECT_EQ(changes[2].type, decode::ChangeType::kDelete);
  EXPECT_EQ(changes[2].old_values[0].as.u64, 9u);
}

TEST_F(RoundTrip, TablesWithoutIntKeyAndClusteredKeys) {
  apply(catalog_.create_database("app"));
  TableSpec logs;
  logs.name = "logs";
  logs.columns = {{"msg", type::kVarchar, false, false, false, false, 64}, {"n", type::kLong}};
  apply(catalog_.create_table("app", logs));
  TableSpec pairs;
  pairs.name = "pairs";
  pairs.columns = {{"region", type::kVarchar, false, true, false, false, 8},
                   {"seq", type::kLonglong, false, true},
                   {"note", type::kVarchar, false, false, false, false, 32}};
  pairs.primary_key = {"region", "seq"};
  pairs.primary_key_kind = PrimaryKeyKind::kClustered;
  apply(catalog_.create_table("app", pairs));

  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("app", "logs", {{"msg", "hello"}, {"n", 3}}).is_ok());
  ASSERT_TRUE(txn.erase("app", "logs", {{"msg", "hello"}, {"n", 3}}).is_ok());
  ASSERT_TRUE(txn.insert("app", "pairs", {{"region", "eu"}, {"seq", 42}, {"note", "x"}}).is_ok());
  auto changes = decode_all(txn);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(text(changes[0].new_values[0]), "hello");
  EXPECT_EQ(changes[0].new_values[1].as.i64, 3);
  EXPECT_EQ(text(changes[1].old_values[0]), "hello");
  EXPECT_EQ(text(changes[2].new_values[0]), "eu");
  EXPECT_EQ(changes[2].new_values[1].as.i64, 42);
  EXPECT_EQ(text(changes[2].new_values[2]), "x");
}

TEST_F(RoundTrip, AnAddedColumnDecodesWithItsDefaultForOlderTransactions) {
  apply(catalog_.create_database("db"));
  TableSpec t;
  t.name = "t";
  t.columns = {{"id", type::kLonglong, false, true, true}, {"a", type::kLong}};
  apply(catalog_.create_table("db", t));
  TransactionBuilder before(catalog_);  // stamped with the schema before the new column
  ASSERT_TRUE(before.insert("db", "t", {{"id", 1}, {"a", 5}}).is_ok());
  ColumnSpec added{"b", type::kLong, false, true};
  added.default_value = "7";
  apply(catalog_.add_column("db", "t", added));
  auto changes = decode_all(before);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].new_values.size(), 2u);  // the layout of its time
  TransactionBuilder after(catalog_);
  ASSERT_TRUE(after.insert("db", "t", {{"id", 2}, {"a", 6}, {"b", 8}}).is_ok());
  auto later = decode_all(after);
  ASSERT_EQ(later[0].new_values.size(), 3u);
  EXPECT_EQ(later[0].new_values[2].as.i64, 8);
}

}  // namespace
}  // namespace sluice::producer
