// The relay log end to end (issue: "a consistent downstream after the upstream is lost"): the
// sluice-drainer binary with an original drainer.toml (db-type mysql, [syncer.relay] log-dir) is
// killed with SIGKILL while the mysql sink is in the middle of applying a large transaction that
// spans two tables (the sink splits it into many downstream transactions, so the downstream holds
// half of it); the pumps are then stopped, so the upstream cannot be reached. Started again, the
// drainer replays the relay log in safe mode, exits 0 saying so, and the downstream equals the
// upstream at a transaction boundary with a checkpoint that says consistent.
#include <gtest/gtest.h>

#include <fstream>

#include <nlohmann/json.hpp>

#include "tests/core/drainer/drainer_cluster.h"
#include "tests/core/drainer/drainer_daemon.h"
#include "tests/core/drainer/mysql_downstream.h"
#include "tests/support/child_process.h"
#include "tests/support/mariadb_server.h"

namespace sluice::drainer {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using test::TestCluster;
using test::wait_until;
using testing::ChildProcess;

constexpr int64_t kBigRows = 20000;  // per table, in one upstream transaction

class DrainerRelayTest : public ::testing::Test {
 protected:
  int64_t count(const std::string& table) { return test::shop_rows(mariadb_, table); }
  nlohmann::json checkpoint_row() { return test::checkpoint_row(mariadb_); }

  void write_config() {
    test::write_mysql_drainer_toml(
        cluster_, mariadb_, test::root_credentials(mariadb_),
        "txn-batch = 10\nworker-count = 2\n[syncer.relay]\nlog-dir = \"" +
            cluster_.path("relay").string() + "\"\nmax-file-size = 1048576\n");
  }

  // shop.orders (id bigint primary key, item bigint, note varchar(64)).
  void create_orders_table() {
    producer::TableSpec orders;
    orders.name = "orders";
    orders.columns = {{"id", schema::mysql_type::kLonglong, false, true, true},
                      {"item", schema::mysql_type::kLonglong},
                      {"note", schema::mysql_type::kVarchar, false, false, false, false, 64}};
    auto table = cluster_.catalog().create_table("shop", orders);
    ASSERT_TRUE(table.is_ok());
    ASSERT_TRUE(cluster_.producer().execute_ddl(*table).is_ok());
  }

  // One upstream transaction: kBigRows rows into each of items and orders.
  int64_t commit_big_transaction() {
    producer::TransactionBuilder txn(cluster_.catalog());
    for (int64_t i = 0; i < kBigRows; ++i) {
      const int64_t id = 100000 + i;
      EXPECT_TRUE(txn.insert("shop", "items",
                             {{"id", id}, {"name", "big-" + std::to_string(id)}, {"qty", i % 11}})
                      .is_ok());
      EXPECT_TRUE(txn.insert("shop", "orders",
                             {{"id", id}, {"item", id}, {"note", "order of " + std::to_string(id)}})
                      .is_ok());
    }
    auto done = cluster_.producer().commit(txn);
    EXPECT_TRUE(done.is_ok()) << done.status().to_string();
    return done.is_ok() ? done->commit_ts : 0;
  }

  testing::MariadbServer mariadb_;
  TestCluster cluster_;
};

TEST_F(DrainerRelayTest, KilledMidTransactionWithTheUpstreamGoneReplaysToATransactionBoundary) {
  write_config();
  auto drainer = test::launch_drainer(cluster_.path("drainer.toml"), cluster_.path("drainer.log"));
  cluster_.create_items_table();
  create_orders_table();
  std::set<int64_t> small = cluster_.insert_rows(1, 100, 2);
  ASSERT_TRUE(wait_until([&] { return count("items") == 100; }, seconds(60)))
      << count("items") << " rows; " << drainer->log_tail();

  const int64_t big_ts = commit_big_transaction();
  ASSERT_GT(big_ts, 0);
  // Kill the drainer once part, and only part, of the big transaction is downstream.
  int64_t items_at_kill = 0;
  int64_t orders_at_kill = 0;
  ASSERT_TRUE(wait_until(
      [&] {
        items_at_kill = count("items");
        orders_at_kill = count("orders");
        return items_at_kill + orders_at_kill > 100;
      },
      seconds(60), milliseconds(5)))
      << drainer->log_tail();
  drainer->kill9();
  items_at_kill = count("items");
  orders_at_kill = count("orders");
  ASSERT_LT(items_at_kill + orders_at_kill, 100 + 2 * kBigRows)
      << "the sink applied the whole transaction before the kill; nothing to recover";
  EXPECT_FALSE(checkpoint_row()["consistent"].get<bool>());
  RecordProperty("downstream_rows_at_kill", std::to_string(items_at_kill + orders_at_kill));

  // The upstream goes away: every pump stops.
  for (size_t i = 0; i < 3; ++i)
    ASSERT_TRUE(cluster_.pump(i).shutdown().is_ok());

  testing::ChildProcessOptions options;
  options.argv = {test::drainer_binary().string(), "-config",
                  cluster_.path("drainer.toml").string()};
  options.log_file = cluster_.path("drainer-replay.log");
  ChildProcess replay(options);
  auto status = replay.wait_for_exit(seconds(120));
  ASSERT_TRUE(status.has_value()) << replay.log_tail();
  EXPECT_EQ(*status, 0) << replay.log_tail();
  const std::string replay_log = replay.log_tail(1 << 20);
  EXPECT_NE(replay_log.find("relay log replayed"), std::string::npos) << replay_log;
  EXPECT_NE(replay_log.find("no pump can be reached"), std::string::npos) << replay_log;
  RecordProperty("replay", replay_log.substr(replay_log.rfind("relay log replayed")));

  // The downstream holds the whole big transaction, exactly, and everything before it.
  EXPECT_EQ(count("items"), 100 + kBigRows);
  EXPECT_EQ(count("orders"), kBigRows);
  auto sums = mariadb_.query_rows(
      "SELECT SUM(id), SUM(qty), SUM(CHAR_LENGTH(name)) FROM shop.items WHERE id >= 100000");
  int64_t id_sum = 0, qty_sum = 0, name_length = 0;
  for (int64_t i = 0; i < kBigRows; ++i) {
    id_sum += 100000 + i;
    qty_sum += i % 11;
    name_length += static_cast<int64_t>(("big-" + std::to_string(100000 + i)).size());
  }
  ASSERT_EQ(sums.size(), 1u);
  EXPECT_EQ(sums[0][0], std::to_string(id_sum));
  EXPECT_EQ(sums[0][1], std::to_string(qty_sum));
  EXPECT_EQ(sums[0][2], std::to_string(name_length));
  auto order = mariadb_.query_rows("SELECT item, note FROM shop.orders WHERE id = 112345");
  ASSERT_EQ(order.size(), 1u);
  EXPECT_EQ(order[0][0], "112345");
  EXPECT_EQ(order[0][1], "order of 112345");
  auto small_row = mariadb_.query_rows("SELECT name, qty FROM shop.items WHERE id = 77");
  ASSERT_EQ(small_row.size(), 1u);
  EXPECT_EQ(small_row[0][0], "item-77");

  // The checkpoint says where the downstream stands, consistent.
  nlohmann::json checkpoint = checkpoint_row();
  ASSERT_FALSE(checkpoint.is_null());
  EXPECT_TRUE(checkpoint["consistent"].get<bool>()) << checkpoint.dump();
  EXPECT_GE(checkpoint["commitTS"].get<int64_t>(), big_ts) << checkpoint.dump();
  EXPECT_GE(checkpoint["commitTS"].get<int64_t>(), *small.rbegin());
}

}  // namespace
}  // namespace sluice::drainer
