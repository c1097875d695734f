// The DmlApplier's long-lived workers against a real MariaDB: causality kept when DMLs are handed
// over one at a time with a tiny in-flight bound (workers never wait for each other except at a
// conflict), and a refused statement skips only its upstream transaction.
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "plugins/mysql/dml_applier.h"
#include "tests/plugins/mysql/dml_builders.h"
#include "tests/plugins/mysql/mysql_sink_fixture.h"

namespace sluice::mysql::sink_test {
namespace {

std::shared_ptr<const TableInfo> items_table(const std::string& db) {
  auto table = std::make_shared<TableInfo>();
  table->schema = db;
  table->table = "items";
  table->columns = {ColumnInfo{"id", kLong, false, false},
                    ColumnInfo{"name", kVarchar, false, false},
                    ColumnInfo{"k", kLong, false, false}};
  table->keys = {KeyInfo{"PRIMARY", true, {0}}, KeyInfo{"uk_k", false, {2}}};
  return table;
}

class DmlApplierTest : public MysqlSinkTest {
 protected:
  // Adds inserts of ids first..last (name "row<id>", k = id, commit_ts = id).
  void add_inserts(DmlApplier& applier, int64_t first, int64_t last) const {
    const auto table = items_table(db_);
    for (int64_t id = first; id <= last; ++id) {
      Dml dml = make(DmlType::kInsert, table, {}, {id, "row" + std::to_string(id), id});
      dml.commit_ts = id;
      applier.add(std::move(dml));
    }
  }
  void SetUp() override {
    MysqlSinkTest::SetUp();
    server_->execute("CREATE DATABASE `" + db_ + "`");
    server_->execute("CREATE TABLE `" + db_ +
                     "`.items (id INT PRIMARY KEY, name VARCHAR(64), k INT, UNIQUE KEY uk_k (k))");
  }
  ApplierOptions make_options(size_t workers, size_t txn_batch, size_t max_in_flight) const {
    ApplierOptions out;
    out.connection = connection_options();
    out.plan.worker_count = workers;
    out.plan.txn_batch = txn_batch;
    out.max_in_flight = max_in_flight;
    return out;
  }
};

// Primary keys moving, a unique key handed between rows, deletes and re-inserts of the same keys,
// each DML dispatched on its own with at most 2 in flight on 6 workers: the rows equal the model.
TEST_F(DmlApplierTest, DispatchOneByOneKeepsCausality) {
  struct Item {
    std::string name;
    int64_t k;
  };
  DmlApplier applier(make_options(6, 2, 2));
  const auto table = items_table(db_);
  std::mt19937 random(77);
  std::map<int64_t, Item> model;
  auto values = [](int64_t id, const Item& item) -> std::vector<SqlValue> {
    return {id, item.name, item.k};
  };
  auto free_k = [&] {
    for (;;) {
      const int64_t k = static_cast<int64_t>(random() % 30);
      bool used = false;
      for (const auto& [id, item] : model)
        used = used || item.k == k;
      if (!used) return k;
    }
  };
  auto free_id = [&] {
    for (;;) {
      const int64_t id = static_cast<int64_t>(random() % 20);
      if (!model.contains(id)) return id;
    }
  };
  int64_t ts = 0;
  for (int op = 0; op < 400; ++op) {
    Dml dml;
    const unsigned choice = model.size() < 4 ? 0 : random() % 3;
    if (choice == 0 && model.size() < 15) {
      const int64_t id = free_id();
      const Item item{"n" + std::to_string(op), free_k()};
      model[id] = item;
      dml = make(DmlType::kInsert, table, {}, values(id, item));
    } else if (choice != 2) {
      auto it = model.begin();
      std::advance(it, random() % model.size());
      const int64_t id = it->first;
      const Item before = it->second;
      const int64_t new_id = random() % 2 == 0 ? id : free_id();
      const Item after{"u" + std::to_string(op), random() % 2 == 0 ? before.k : free_k()};
      model.erase(id);
      model[new_id] = after;
      dml = make(DmlType::kUpdate, table, values(id, before), values(new_id, after));
    } else {
      auto it = model.begin();
      std::advance(it, random() % model.size());
      dml = make(DmlType::kDelete, table, values(it->first, it->second), {});
      model.erase(it);
    }
    dml.commit_ts = ++ts;
    applier.add(std::move(dml));
    ASSERT_TRUE(applier.dispatch().is_ok());
    EXPECT_LE(applier.pending(), 2u);
  }
  ASSERT_TRUE(applier.apply().is_ok());
  EXPECT_EQ(applier.pending(), 0u);
  EXPECT_EQ(applier.applied_dmls(), 400u);
  std::vector<SqlRow> expected;
  for (const auto& [id, item] : model)
    expected.push_back(row({std::to_string(id), item.name, std::to_string(item.k)}));
  EXPECT_EQ(rows("SELECT id, name, k FROM `" + db_ + "`.items ORDER BY id"), expected);
}

// One dispatch of many rows with an in-flight bound smaller than a chunk: the rows waiting in
// chunks still being filled are handed to the workers instead of waiting for each other.
TEST_F(DmlApplierTest, InFlightBoundBelowAChunkStillDrains) {
  DmlApplier applier(make_options(4, 5, 3));
  add_inserts(applier, 1, 50);
  ASSERT_TRUE(applier.dispatch().is_ok());
  EXPECT_LE(applier.pending(), 3u);
  ASSERT_TRUE(applier.apply().is_ok());
  EXPECT_EQ(rows("SELECT COUNT(*), SUM(id) FROM `" + db_ + "`.items"),
            std::vector<SqlRow>{row({"50", "1275"})});
}

// One worker, txn-batch 4: ids 1..9 (commit_ts = id) run as [1..4] [5..8] [9]; id 5 exists
// downstream, so the statement of the second chunk is refused. apply() runs that chunk again one
// upstream transaction at a time: 6, 7 and 8 commit, 5 is skipped, and 9 behind it commits.
// apply() answers REJECTED naming commit_ts 5 and the server's error once everything else has
// committed; nothing is pending, and the next apply() is OK.
TEST_F(DmlApplierTest, RejectedTransactionIsSkippedAndEveryOtherOneCommits) {
  server_->execute("INSERT INTO `" + db_ + "`.items VALUES (5, 'in the way', 500)");
  DmlApplier applier(make_options(1, 4, 0));
  add_inserts(applier, 1, 9);
  std::vector<RejectedTransaction> rejected;
  const sdk::Status failed = applier.apply(&rejected);
  EXPECT_EQ(failed.code(), sdk::Code::kRejected) << failed.message();
  ASSERT_EQ(rejected.size(), 1u);
  EXPECT_EQ(rejected[0].commit_ts, 5);
  EXPECT_EQ(rejected[0].skipped_dmls, 1u);
  EXPECT_NE(rejected[0].message.find("Duplicate entry '5'"), std::string::npos)
      << rejected[0].message;
  EXPECT_NE(failed.message().find("commit_ts 5 "), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("Duplicate entry"), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find(db_ + ".items"), std::string::npos) << failed.message();
  EXPECT_EQ(applier.pending(), 0u);
  EXPECT_EQ(applier.applied_dmls(), 8u);
  std::vector<SqlRow> expected;
  for (int64_t id = 1; id <= 9; ++id)
    expected.push_back(
        row({std::to_string(id), id == 5 ? "in the way" : "row" + std::to_string(id)}));
  EXPECT_EQ(rows("SELECT id, name FROM `" + db_ + "`.items ORDER BY id"), expected);

  const sdk::Status reported_once = applier.apply();
  EXPECT_TRUE(reported_once.is_ok()) << reported_once.message();
  add_inserts(applier, 10, 10);
  const sdk::Status later = applier.apply();
  EXPECT_TRUE(later.is_ok()) << later.message();
  EXPECT_EQ(applier.applied_dmls(), 9u);
}

// Three workers, txn-batch 3, 30 inserts with two of them in the way: both commit_ts are named in
// one REJECTED, reported only after the other 28 have committed.
TEST_F(DmlApplierTest, EveryRejectedTransactionIsReportedOnceEverythingElseCommitted) {
  server_->execute("INSERT INTO `" + db_ + "`.items VALUES (7, 'in the way', 700)");
  server_->execute("INSERT INTO `" + db_ + "`.items VALUES (23, 'in the way', 2300)");
  DmlApplier applier(make_options(3, 3, 0));
  add_inserts(applier, 1, 30);
  std::vector<RejectedTransaction> rejected;
  const sdk::Status failed = applier.apply(&rejected);
  EXPECT_EQ(failed.code(), sdk::Code::kRejected) << failed.message();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].commit_ts, 7);  // in commit_ts order
  EXPECT_EQ(rejected[1].commit_ts, 23);
  EXPECT_NE(failed.message().find("commit_ts 7 "), std::string::npos) << failed.message();
  EXPECT_NE(failed.message().find("commit_ts 23 "), std::string::npos) << failed.message();
  EXPECT_EQ(applier.pending(), 0u);
  EXPECT_EQ(applier.applied_dmls(), 28u);
  EXPECT_EQ(rows("SELECT COUNT(*), SUM(id) FROM `" + db_ + "`.items WHERE name LIKE 'row%'"),
            std::vector<SqlRow>{row({"28", std::to_string(465 - 7 - 23)})});
  EXPECT_TRUE(applier.apply().is_ok());
}

}  // namespace
}  // namespace sluice::mysql::sink_test
