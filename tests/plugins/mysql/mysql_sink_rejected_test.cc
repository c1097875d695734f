// A statement the server refuses skips only its upstream transaction (the drainer's
// skip-rejected): through mysql.so and the SDK's fake host against a real MariaDB in strict
// sql_mode. flush() answers REJECTED naming the refused commit_ts only after every other
// transaction taken has committed, and the next flush() reports the watermark; the skip is logged
// with its commit_ts and counted (mysql_sink_rejected_transactions_total).
#include <gtest/gtest.h>

#include <initializer_list>
#include <string>
#include <vector>

#include "tests/plugins/mysql/mysql_sink_fixture.h"

namespace sluice::mysql::sink_test {
namespace {

// 22 bytes: more than notes.body's VARCHAR(8), which strict sql_mode refuses (error 1406).
const std::string kTooLong = "far too long for eight";

class RejectedTransactionTest : public MysqlSinkTest {
 protected:
  FakeConfig strict_config(int64_t workers, int64_t txn_batch) const {
    FakeConfig out = config(workers, txn_batch);
    out.set("sql-mode", "STRICT_TRANS_TABLES");
    return out;
  }
  void create_tables(PluginInstance& instance) {
    create_items(instance, 100);
    ddl(instance, 102, db_, "CREATE TABLE notes (id INT PRIMARY KEY, body VARCHAR(8) NOT NULL)");
  }
  TableSpec notes_spec() const {
    return {db_,
            "notes",
            2,
            {{"id", kLong, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int"},
             {"body", kVarchar, SLUICE_COLUMN_NOT_NULL, "varchar", 8, -1, "utf8mb4"}},
            {KeySpec{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}};
  }
  std::vector<SqlRow> item_rows() const {
    return rows("SELECT id, name FROM `" + db_ + "`.items ORDER BY id");
  }
  std::vector<SqlRow> note_rows() const {
    return rows("SELECT id, body FROM `" + db_ + "`.notes ORDER BY id");
  }
  // Error log lines that mention `text`.
  size_t errors_mentioning(const std::string& text) const {
    size_t count = 0;
    for (const auto& line : host_.logs()) {
      if (line.level == SLUICE_LOG_ERROR && line.message.find(text) != std::string::npos) ++count;
    }
    return count;
  }
  // Flushes expecting REJECTED naming each commit_ts of `named`, with the watermark left at
  // `durable` (a host that stops here keeps its checkpoint before them). Returns the message.
  static std::string flush_rejected(PluginInstance& instance, int64_t durable,
                                    std::initializer_list<int64_t> named) {
    int64_t reported = durable;
    const auto flushed = instance.flush(reported);
    EXPECT_EQ(flushed.status, SLUICE_REJECTED) << flushed.describe();
    for (int64_t ts : named) {
      EXPECT_NE(flushed.error.find("commit_ts " + std::to_string(ts)), std::string::npos)
          << flushed.error;
    }
    EXPECT_EQ(reported, durable);
    return flushed.error;
  }
  // Flushes expecting OK (the host's flush again under skip-rejected); returns the watermark.
  static int64_t flush_ok(PluginInstance& instance, int64_t durable) {
    const auto flushed = instance.flush(durable);
    EXPECT_TRUE(flushed.ok()) << flushed.describe();
    return durable;
  }
  double rejected_counter() const {
    return host_.metric_value("mysql_sink_rejected_transactions_total").value_or(-1);
  }
};

// Batch 1: A and B. Batch 2: C (a valid row and a refused one, both in notes) and D (items only).
// One worker and txn-batch 8: all eight rows are one downstream transaction, so the refused row
// fails A, B and D's rows with it. Only C is skipped, and the next flush reports D.
TEST_F(RejectedTransactionTest, OnlyTheRejectedTransactionOfAMixedChunkIsSkipped) {
  PluginInstance& mysql = sink(strict_config(1, 8));
  create_tables(mysql);
  BatchBuilder first;
  size_t items = first.add_table(items_spec(db_));
  size_t notes = first.add_table(notes_spec());
  first.begin_transaction(201, 200)
      .insert(items, {int64_t{1}, "a"s, int64_t{1}})
      .insert(notes, {int64_t{1}, "a"s});
  first.begin_transaction(202, 201)
      .insert(items, {int64_t{2}, "b"s, int64_t{2}})
      .insert(notes, {int64_t{2}, "b"s});
  const auto first_written = mysql.write(first.build());
  ASSERT_TRUE(first_written.ok()) << first_written.describe();

  BatchBuilder second;
  items = second.add_table(items_spec(db_));
  notes = second.add_table(notes_spec());
  second.begin_transaction(203, 202)
      .insert(notes, {int64_t{3}, "c"s})
      .insert(notes, {int64_t{4}, kTooLong});
  second.begin_transaction(204, 203)
      .insert(items, {int64_t{3}, "d"s, int64_t{3}})
      .insert(items, {int64_t{4}, "dd"s, int64_t{4}});
  const auto second_written = mysql.write(second.build());
  ASSERT_TRUE(second_written.ok()) << second_written.describe();

  const std::string rejected = flush_rejected(mysql, 102, {203});
  EXPECT_NE(rejected.find("Data too long"), std::string::npos) << rejected;
  EXPECT_NE(rejected.find(db_ + ".notes"), std::string::npos) << rejected;
  EXPECT_EQ(rejected.find("204"), std::string::npos) << rejected;

  EXPECT_EQ(item_rows(), (std::vector<SqlRow>{row({"1", "a"}), row({"2", "b"}), row({"3", "d"}),
                                              row({"4", "dd"})}));
  EXPECT_EQ(note_rows(), (std::vector<SqlRow>{row({"1", "a"}), row({"2", "b"})}));
  EXPECT_EQ(rejected_counter(), 1);
  EXPECT_EQ(errors_mentioning("203"), 1u);

  // The host flushes again (skip-rejected): nothing is left, the watermark passes C and D.
  const int64_t durable = flush_ok(mysql, 102);
  EXPECT_EQ(durable, 204);

  // The sink goes on as usual; C's key is free.
  BatchBuilder third;
  notes = third.add_table(notes_spec());
  third.begin_transaction(205, 204).insert(notes, {int64_t{3}, "e"s});
  EXPECT_EQ(apply(mysql, third, durable), 205);
  EXPECT_EQ(note_rows(), (std::vector<SqlRow>{row({"1", "a"}), row({"2", "b"}), row({"3", "e"})}));
  EXPECT_EQ(rejected_counter(), 1);
  EXPECT_EQ(host_.metric_value("mysql_sink_dmls_total"), 7);
}

// Four workers, txn-batch 3. Every transaction updates the hot row notes.100 (one causality group,
// so one worker runs those updates in commit order, three a chunk) and inserts its own items row
// (any worker). C's only row is the refused update of notes.100, between B's and D's, so its chunk
// normally holds other transactions' updates too. C alone is skipped: the hot row ends with F's
// value, written over C's place in the sequence.
TEST_F(RejectedTransactionTest, ParallelWorkersSkipOnlyTheRejectedTransaction) {
  PluginInstance& mysql = sink(strict_config(4, 3));
  create_tables(mysql);
  server_->execute("INSERT INTO `" + db_ + "`.notes VALUES (100, 'start')");
  BatchBuilder first;
  size_t items = first.add_table(items_spec(db_));
  size_t notes = first.add_table(notes_spec());
  std::string hot = "start";
  auto step = [&](BatchBuilder& builder, int64_t ts, const std::string& body, bool with_item) {
    builder.begin_transaction(ts, ts - 1).update(notes, {int64_t{100}, hot}, {int64_t{100}, body});
    if (with_item) builder.insert(items, {ts, "t" + std::to_string(ts), ts});
    hot = body;
  };
  step(first, 201, "a", true);
  step(first, 202, "b", true);
  ASSERT_TRUE(mysql.write(first.build()).ok());

  BatchBuilder second;
  items = second.add_table(items_spec(db_));
  notes = second.add_table(notes_spec());
  step(second, 203, kTooLong, false);  // C
  step(second, 204, "d", true);
  step(second, 205, "e", true);
  step(second, 206, "f", true);
  const auto written = mysql.write(second.build());
  ASSERT_TRUE(written.ok()) << written.describe();

  const std::string rejected = flush_rejected(mysql, 102, {203});
  EXPECT_NE(rejected.find("Data too long"), std::string::npos) << rejected;
  EXPECT_EQ(note_rows(), (std::vector<SqlRow>{row({"100", "f"})}));
  EXPECT_EQ(item_rows(),
            (std::vector<SqlRow>{row({"201", "t201"}), row({"202", "t202"}), row({"204", "t204"}),
                                 row({"205", "t205"}), row({"206", "t206"})}));
  EXPECT_EQ(rejected_counter(), 1);
  EXPECT_EQ(errors_mentioning("203"), 1u);

  EXPECT_EQ(flush_ok(mysql, 102), 206);
  EXPECT_EQ(host_.metric_value("mysql_sink_dmls_total"), 10);
}

// txn-batch 1 splits C's three rows into three downstream transactions: the first commits before
// the second is refused, the third is not applied once C is known rejected. The log says that
// part of C was applied.
TEST_F(RejectedTransactionTest, RowsOfARejectedTransactionAfterTheRefusedOneAreNotApplied) {
  PluginInstance& mysql = sink(strict_config(1, 1));
  create_tables(mysql);
  BatchBuilder builder;
  const size_t notes = builder.add_table(notes_spec());
  builder.begin_transaction(201, 200).insert(notes, {int64_t{1}, "a"s});
  builder.begin_transaction(202, 201)
      .insert(notes, {int64_t{2}, "c1"s})
      .insert(notes, {int64_t{3}, kTooLong})
      .insert(notes, {int64_t{4}, "c3"s});
  builder.begin_transaction(203, 202).insert(notes, {int64_t{5}, "d"s});
  ASSERT_TRUE(mysql.write(builder.build()).ok());
  flush_rejected(mysql, 102, {202});
  EXPECT_EQ(note_rows(), (std::vector<SqlRow>{row({"1", "a"}), row({"2", "c1"}), row({"5", "d"})}));
  EXPECT_EQ(errors_mentioning("1 of its 3 row changes"), 1u);
  EXPECT_EQ(rejected_counter(), 1);
  EXPECT_EQ(flush_ok(mysql, 102), 203);
}

// Two refused transactions in different tables, several workers: one REJECTED names both, and
// each is logged and counted once.
TEST_F(RejectedTransactionTest, EveryRejectedTransactionIsNamedLoggedAndCounted) {
  PluginInstance& mysql = sink(strict_config(3, 2));
  create_tables(mysql);
  BatchBuilder builder;
  const size_t items = builder.add_table(items_spec(db_));
  const size_t notes = builder.add_table(notes_spec());
  for (int64_t i = 1; i <= 12; ++i) {
    const int64_t ts = 200 + i;
    builder.begin_transaction(ts, ts - 1);
    if (i == 4) {
      builder.insert(notes, {i, kTooLong});
    } else if (i == 9) {
      builder.insert(items, {i, std::string(65, 'x'), i});  // items.name is VARCHAR(64)
    } else {
      builder.insert(notes, {i, "n"s}).insert(items, {i, "i"s, i});
    }
  }
  ASSERT_TRUE(mysql.write(builder.build()).ok());
  flush_rejected(mysql, 102, {204, 209});
  EXPECT_EQ(rejected_counter(), 2);
  EXPECT_EQ(errors_mentioning("204"), 1u);
  EXPECT_EQ(errors_mentioning("209"), 1u);
  EXPECT_EQ(rows("SELECT COUNT(*), SUM(id) FROM `" + db_ + "`.notes"),
            std::vector<SqlRow>{row({"10", std::to_string(78 - 4 - 9)})});
  EXPECT_EQ(rows("SELECT COUNT(*), SUM(id) FROM `" + db_ + "`.items"),
            std::vector<SqlRow>{row({"10", std::to_string(78 - 4 - 9)})});
  EXPECT_EQ(flush_ok(mysql, 102), 212);
}

// A DDL arriving while a refused transaction is still buffered: the DDL is applied (a REJECTED
// write would make the host skip the DDL batch), and the next flush reports the rejection.
TEST_F(RejectedTransactionTest, RejectionBeforeADdlIsReportedByTheNextFlush) {
  PluginInstance& mysql = sink(strict_config(2, 4));
  create_tables(mysql);
  BatchBuilder builder;
  const size_t notes = builder.add_table(notes_spec());
  builder.begin_transaction(201, 200).insert(notes, {int64_t{1}, kTooLong});
  builder.begin_transaction(202, 201).insert(notes, {int64_t{2}, "b"s});
  ASSERT_TRUE(mysql.write(builder.build()).ok());
  BatchBuilder ddl_batch;
  ddl_batch.begin_transaction(210, 209, SLUICE_TXN_DDL)
      .ddl(db_, "", "CREATE TABLE after_ddl (id INT PRIMARY KEY)");
  const auto written = mysql.write(ddl_batch.build());
  EXPECT_TRUE(written.ok()) << written.describe();
  EXPECT_EQ(rows("SHOW TABLES FROM `" + db_ + "` LIKE 'after_ddl'"),
            std::vector<SqlRow>{row({"after_ddl"})});
  EXPECT_EQ(note_rows(), std::vector<SqlRow>{row({"2", "b"})});
  flush_rejected(mysql, 102, {201});
  EXPECT_EQ(flush_ok(mysql, 102), 210);
  EXPECT_EQ(rejected_counter(), 1);
}

}  // namespace
}  // namespace sluice::mysql::sink_test
