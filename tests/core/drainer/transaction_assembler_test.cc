// TransactionAssembler: joined C-binlogs (as a pump streams them) become DrainerTransactions with
// the right events, tables and values; DDL jobs keep the schema current; the original's skips
// (fake binlogs, ignore-txn-commit-ts, select setval, unfinished jobs) and the errors that must
// stop the drainer (malformed bytes, an unknown table, a DDL without any job source).
#include "core/drainer/transaction_assembler.h"
#include "core/drainer/transaction_batch.h"

#include <gtest/gtest.h>

#include "sdk/producer/catalog.h"
#include "sdk/producer/producer.h"
#include "sdk/producer/transaction_builder.h"

namespace sluice::drainer {
namespace {

namespace type = schema::mysql_type;
using producer::Catalog;
using producer::TableSpec;
using producer::TransactionBuilder;

// What a pump streams: the C-binlog joined with its P-binlog's prewrite_value and DDL fields.
std::string joined(binlog::Binlog prewrite, int64_t commit_ts) {
  prewrite.set_tp(binlog::Commit);
  prewrite.set_commit_ts(commit_ts);
  return prewrite.SerializeAsString();
}

std::string text_of(const sluice_value_t& value) {
  return std::string(decode::bytes_of(value));
}

class AssemblerTest : public ::testing::Test {
 protected:
  std::string ddl(Result<schema::DdlJob> job, int64_t start_ts, int64_t commit_ts) {
    EXPECT_TRUE(job.is_ok()) << job.status().to_string();
    auto prewrite =
        producer::make_ddl_prewrite_binlog(*job, producer::ddl_schema_state_of(*job), start_ts);
    EXPECT_TRUE(prewrite.is_ok()) << prewrite.status().to_string();
    return joined(*prewrite, commit_ts);
  }
  std::string dml(const TransactionBuilder& txn, int64_t start_ts, int64_t commit_ts) {
    auto prewrite = producer::make_prewrite_binlog(txn, start_ts);
    EXPECT_TRUE(prewrite.is_ok()) << prewrite.status().to_string();
    return joined(*prewrite, commit_ts);
  }
  std::unique_ptr<DrainerTransaction> must_assemble(const std::string& payload) {
    auto assembled = assembler_.assemble(payload, "pump-1");
    EXPECT_TRUE(assembled.is_ok()) << assembled.status().to_string();
    if (!assembled.is_ok()) return nullptr;
    EXPECT_NE(assembled->transaction, nullptr) << assembled->skip_reason;
    return std::move(assembled->transaction);
  }
  void create_shop() {
    auto db = must_assemble(ddl(catalog_.create_database("shop"), 10, 11));
    ASSERT_NE(db, nullptr);
    EXPECT_EQ(db->ddl_schema, "shop");
    EXPECT_EQ(db->ddl_table, "");
    TableSpec items;
    items.name = "items";
    items.columns = {{"id", type::kLonglong, false, true, true},
                     {"name", type::kVarchar, false, false, false, false, 32},
                     {"price", type::kNewDecimal, false, false, false, false, 10, 2}};
    auto table = must_assemble(ddl(catalog_.create_table("shop", items), 12, 13));
    ASSERT_NE(table, nullptr);
    EXPECT_TRUE(table->ddl);
    EXPECT_EQ(table->ddl_schema, "shop");
    EXPECT_EQ(table->ddl_table, "items");
    ASSERT_EQ(table->events.size(), 1u);
    EXPECT_EQ(table->events[0].type, static_cast<uint32_t>(SLUICE_EVENT_DDL));
    EXPECT_NE(std::string(table->events[0].ddl_query.data, table->events[0].ddl_query.size)
                  .find("CREATE TABLE"),
              std::string::npos);
  }

  Catalog catalog_;
  schema::SchemaTracker tracker_;
  TransactionAssembler assembler_{tracker_, nullptr, {500}};
};

TEST_F(AssemblerTest, DmlBecomesEventsWithTablesAndValues) {
  create_shop();
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(
      txn.insert("shop", "items",
                 {{"id", 1}, {"name", "apple"}, {"price", producer::Value::decimal("1.50")}})
          .is_ok());
  ASSERT_TRUE(
      txn.update("shop", "items",
                 {{"id", 1}, {"name", "apple"}, {"price", producer::Value::decimal("1.50")}},
                 {{"id", 1}, {"name", "green apple"}, {"price", producer::Value::decimal("1.75")}})
          .is_ok());
  ASSERT_TRUE(
      txn.erase("shop", "items",
                {{"id", 1}, {"name", "green apple"}, {"price", producer::Value::decimal("1.75")}})
          .is_ok());
  auto t = must_assemble(dml(txn, 20, 21));
  ASSERT_NE(t, nullptr);
  EXPECT_FALSE(t->ddl);
  EXPECT_EQ(t->commit_ts, 21);
  EXPECT_EQ(t->start_ts, 20);
  EXPECT_EQ(t->schema_version, tracker_.version());
  ASSERT_EQ(t->events.size(), 3u);
  const sluice_event_t& insert = t->events[0];
  EXPECT_EQ(insert.type, static_cast<uint32_t>(SLUICE_EVENT_INSERT));
  ASSERT_NE(insert.table, nullptr);
  EXPECT_EQ(std::string(insert.table->schema_name.data, insert.table->schema_name.size), "shop");
  EXPECT_EQ(std::string(insert.table->table_name.data, insert.table->table_name.size), "items");
  ASSERT_EQ(insert.table->column_count, 3u);
  EXPECT_EQ(std::string(insert.table->columns[1].name.data, insert.table->columns[1].name.size),
            "name");
  ASSERT_EQ(insert.table->key_count, 1u);
  EXPECT_TRUE(insert.table->keys[0].flags & SLUICE_KEY_PRIMARY);
  EXPECT_EQ(insert.new_values[0].as.i64, 1);
  EXPECT_EQ(text_of(insert.new_values[1]), "apple");
  EXPECT_EQ(text_of(insert.new_values[2]), "1.50");
  EXPECT_EQ(insert.old_values, nullptr);
  const sluice_event_t& update = t->events[1];
  EXPECT_EQ(update.type, static_cast<uint32_t>(SLUICE_EVENT_UPDATE));
  EXPECT_EQ(text_of(update.old_values[1]), "apple");
  EXPECT_EQ(text_of(update.new_values[1]), "green apple");
  EXPECT_EQ(text_of(update.new_values[2]), "1.75");
  const sluice_event_t& erase = t->events[2];
  EXPECT_EQ(erase.type, static_cast<uint32_t>(SLUICE_EVENT_DELETE));
  EXPECT_EQ(erase.new_values, nullptr);
  EXPECT_EQ(text_of(erase.old_values[1]), "green apple");
  // Every event of one table shares one ABI table.
  EXPECT_EQ(t->events[0].table, t->events[2].table);
}

TEST_F(AssemblerTest, DdlReplayAfterRestartIsStillDelivered) {
  auto db_job = catalog_.create_database("shop");
  const std::string payload = ddl(db_job, 10, 11);
  ASSERT_NE(must_assemble(payload), nullptr);
  // The tracker already has the job (restored from a snapshot newer than the checkpoint).
  auto again = assembler_.assemble(payload, "pump-1");
  ASSERT_TRUE(again.is_ok());
  ASSERT_NE(again->transaction, nullptr);
  EXPECT_FALSE(again->schema_changed);
  EXPECT_TRUE(again->transaction->ddl);
}

TEST_F(AssemblerTest, SkipsWhatTheOriginalSkips) {
  create_shop();
  binlog::Binlog fake;
  fake.set_tp(binlog::Rollback);
  fake.set_start_ts(30);
  fake.set_commit_ts(30);
  auto skipped = assembler_.assemble(fake.SerializeAsString(), "pump-1");
  ASSERT_TRUE(skipped.is_ok());
  EXPECT_EQ(skipped->transaction, nullptr);
  EXPECT_EQ(skipped->skip_reason, "fake binlog");

  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("shop", "items", {{"id", 2}, {"name", "pear"}}).is_ok());
  skipped = assembler_.assemble(dml(txn, 499, 500), "pump-1");  // listed in ignore-txn-commit-ts
  ASSERT_TRUE(skipped.is_ok());
  EXPECT_EQ(skipped->transaction, nullptr);
  EXPECT_EQ(skipped->skip_reason, "listed in ignore-txn-commit-ts");

  EXPECT_TRUE(is_sequence_setval("  SELECT SETVAL(seq, 10)"));
  EXPECT_FALSE(is_sequence_setval("select 1"));
  binlog::Binlog setval;
  setval.set_tp(binlog::Commit);
  setval.set_start_ts(40);
  setval.set_commit_ts(41);
  setval.set_ddl_job_id(999);
  setval.set_ddl_query("select setval(`shop`.`seq`, 100)");
  skipped = assembler_.assemble(setval.SerializeAsString(), "pump-1");
  ASSERT_TRUE(skipped.is_ok()) << skipped.status().to_string();
  EXPECT_EQ(skipped->transaction, nullptr);

  binlog::Binlog empty;
  empty.set_tp(binlog::Commit);
  empty.set_start_ts(50);
  empty.set_commit_ts(51);
  skipped = assembler_.assemble(empty.SerializeAsString(), "pump-1");
  ASSERT_TRUE(skipped.is_ok());
  EXPECT_EQ(skipped->skip_reason, "no mutations");
}

TEST_F(AssemblerTest, ErrorsThatMustStopTheDrainer) {
  auto garbage = assembler_.assemble(std::string("\xff\xff\xff\xff", 4), "pump-7");
  ASSERT_FALSE(garbage.is_ok());
  EXPECT_EQ(garbage.status().code(), StatusCode::kCorruption);
  EXPECT_NE(garbage.status().message().find("pump-7"), std::string::npos);

  // A DML for a table whose CREATE the drainer never saw.
  ASSERT_TRUE(catalog_.create_database("other").is_ok());
  TableSpec t;
  t.name = "t";
  t.columns = {{"id", type::kLonglong, false, true, true}};
  ASSERT_TRUE(catalog_.create_table("other", t).is_ok());
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("other", "t", {{"id", 1}}).is_ok());
  auto unknown = assembler_.assemble(dml(txn, 60, 61), "pump-1");
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.status().message().find("commit_ts 61"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("tidb-status-url"), std::string::npos);

  // A DDL binlog with no job in it and no schema source (a binlog from a real TiDB).
  binlog::Binlog bare;
  bare.set_tp(binlog::Commit);
  bare.set_start_ts(70);
  bare.set_commit_ts(71);
  bare.set_ddl_job_id(12);
  bare.set_ddl_query("create table x (id int)");
  auto no_job = assembler_.assemble(bare.SerializeAsString(), "pump-1");
  ASSERT_FALSE(no_job.is_ok());
  EXPECT_EQ(no_job.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(no_job.status().message().find("DDL job 12"), std::string::npos);

  // A prewrite value that is not one.
  binlog::Binlog bad_value;
  bad_value.set_tp(binlog::Commit);
  bad_value.set_start_ts(80);
  bad_value.set_commit_ts(81);
  bad_value.set_prewrite_value(std::string("\x0a\xff", 2));
  auto bad = assembler_.assemble(bad_value.SerializeAsString(), "pump-1");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kCorruption);
}

TEST(TransactionBatchTest, KeepMaskDropsEventsAndEmptiedTransactions) {
  TransactionBatch batch;
  for (int64_t ts : {10, 20, 30}) {
    auto t = std::make_unique<DrainerTransaction>();
    t->ddl = true;  // one event each, simplest to build
    t->commit_ts = ts;
    t->ddl_schema = "s" + std::to_string(ts);
    t->ddl_query = "q";
    t->payload_bytes = 100;
    t->build_events();
    batch.add(std::move(t));
  }
  batch.build_view();
  EXPECT_EQ(batch.view().transaction_count, 3u);
  EXPECT_EQ(batch.apply_keep_mask({1, 0, 1}), 1u);
  ASSERT_EQ(batch.size(), 2u);
  EXPECT_EQ(batch.view().transaction_count, 2u);
  EXPECT_EQ(batch.view().transactions[1].commit_ts, 30);
  EXPECT_EQ(batch.payload_bytes(), 200u);
  batch.stamp(7, SLUICE_TXN_SAFE_MODE);
  EXPECT_EQ(batch.view().transactions[0].position, 7u);
  EXPECT_EQ(batch.view().transactions[1].position, 8u);
  EXPECT_TRUE(batch.view().transactions[1].flags & SLUICE_TXN_SAFE_MODE);
  EXPECT_TRUE(batch.view().transactions[1].flags & SLUICE_TXN_DDL);
}

}  // namespace
}  // namespace sluice::drainer
