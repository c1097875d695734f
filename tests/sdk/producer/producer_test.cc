// Producer end to end against real gRPC pumps on loopback: a transaction's P- and C-binlog, a
// rollback, a failed P-binlog that stops the transaction, DDL binlogs with the job JSON, and the
// local TSO.
#include "sdk/producer/producer.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <array>

#include "core/tso/tso.h"
#include "sdk/producer/local_tso.h"
#include "tests/sdk/producer/fake_pump_server.h"

namespace sluice::producer {
namespace {

using std::chrono::milliseconds;
using testing::FakePumpServer;
using testing::PumpBehaviour;

class ProducerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::vector<PumpInfo> pumps;
    for (size_t i = 0; i < servers_.size(); ++i) {
      pumps.push_back({"pump-" + std::to_string(i), servers_[i].address(), "online"});
    }
    PumpClientOptions options;
    options.cluster_id = 17;
    options.write_timeout = milliseconds(100);
    options.retry_interval = milliseconds(10);
    options.commit_retry_interval = milliseconds(10);
    options.probe_interval = milliseconds(20);
    auto client =
        PumpClient::create(std::make_shared<StaticPumpDirectory>(std::move(pumps)), options);
    ASSERT_TRUE(client.is_ok()) << client.status().to_string();
    client_ = std::move(client).value();
    producer_ = std::make_unique<Producer>(tso_, *client_);

    ColumnSpec id;
    id.name = "id";
    id.type = schema::mysql_type::kLonglong;
    id.primary_key = true;
    ColumnSpec name;
    name.name = "name";
    name.type = schema::mysql_type::kVarchar;
    name.flen = 32;
    auto db = catalog_.create_database("shop");
    ASSERT_TRUE(db.is_ok());
    db_job_ = *db;
    auto table = catalog_.create_table("shop", TableSpec{.name = "t", .columns = {id, name}});
    ASSERT_TRUE(table.is_ok());
    table_job_ = *table;
  }

  // Every accepted binlog of every pump, with the pump's index.
  std::vector<std::pair<size_t, binlog::Binlog>> all_binlogs() const {
    std::vector<std::pair<size_t, binlog::Binlog>> out;
    for (size_t i = 0; i < servers_.size(); ++i) {
      for (auto& binlog : servers_[i].accepted_binlogs())
        out.emplace_back(i, std::move(binlog));
    }
    return out;
  }

  std::array<FakePumpServer, 2> servers_;
  LocalTso tso_;
  std::unique_ptr<PumpClient> client_;
  std::unique_ptr<Producer> producer_;
  Catalog catalog_;
  schema::DdlJob db_job_;
  schema::DdlJob table_job_;
};

TEST_F(ProducerTest, CommitSendsPrewriteThenCommitToTheSamePump) {
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("shop", "t", {{"id", 1}, {"name", "apple"}}).is_ok());
  ASSERT_TRUE(txn.update("shop", "t", {{"id", 2}, {"name", "a"}}, {{"name", "b"}}).is_ok());
  auto timestamps = producer_->commit(txn);
  ASSERT_TRUE(timestamps.is_ok()) << timestamps.status().to_string();
  EXPECT_GT(timestamps->commit_ts, timestamps->start_ts);

  const auto binlogs = all_binlogs();
  ASSERT_EQ(binlogs.size(), 2u);
  const auto& [p_pump, p] = binlogs[0];
  const auto& [c_pump, c] = binlogs[1];
  EXPECT_EQ(p_pump, c_pump);
  EXPECT_EQ(p.tp(), binlog::Prewrite);
  EXPECT_EQ(p.start_ts(), timestamps->start_ts);
  EXPECT_FALSE(p.has_commit_ts());
  EXPECT_EQ(p.prewrite_key(), txn.primary_key());
  binlog::PrewriteValue value;
  ASSERT_TRUE(value.ParseFromString(p.prewrite_value()));
  EXPECT_EQ(value.SerializeAsString(), txn.prewrite_value().SerializeAsString());
  EXPECT_EQ(value.schema_version(), 2);
  EXPECT_FALSE(p.has_ddl_job_id());
  EXPECT_EQ(c.tp(), binlog::Commit);
  EXPECT_EQ(c.start_ts(), timestamps->start_ts);
  EXPECT_EQ(c.commit_ts(), timestamps->commit_ts);
  // As TiDB's: the P-binlog's struct with tp and commit_ts set and prewrite_value cleared.
  EXPECT_FALSE(c.has_prewrite_value());
  EXPECT_EQ(c.prewrite_key(), p.prewrite_key());
  EXPECT_FALSE(c.has_ddl_job_id());
  EXPECT_EQ(servers_[p_pump].received().front().request.clusterid(), 17u);
}

TEST_F(ProducerTest, RollbackSendsARollbackWithCommitTsZero) {
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.erase("shop", "t", {{"id", 1}}).is_ok());
  auto start_ts = producer_->rollback(txn);
  ASSERT_TRUE(start_ts.is_ok()) << start_ts.status().to_string();
  const auto binlogs = all_binlogs();
  ASSERT_EQ(binlogs.size(), 2u);
  EXPECT_EQ(binlogs[0].first, binlogs[1].first);
  const binlog::Binlog& rollback = binlogs[1].second;
  EXPECT_EQ(rollback.tp(), binlog::Rollback);
  EXPECT_EQ(rollback.start_ts(), *start_ts);
  ASSERT_TRUE(rollback.has_commit_ts());
  EXPECT_EQ(rollback.commit_ts(), 0);
  EXPECT_FALSE(rollback.has_prewrite_value());
  EXPECT_EQ(rollback.prewrite_key(), binlogs[0].second.prewrite_key());
}

TEST_F(ProducerTest, FailedPrewriteFailsTheTransactionAndSendsNothingElse) {
  for (auto& server : servers_)
    server.set_behaviour(PumpBehaviour::kResourceExhausted, "too large");
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("shop", "t", {{"id", 1}}).is_ok());
  auto result = producer_->commit(txn);
  ASSERT_FALSE(result.is_ok());
  EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted);
  size_t received = 0;
  for (const auto& server : servers_) {
    for (const auto& entry : server.received()) {
      binlog::Binlog binlog;
      ASSERT_TRUE(binlog.ParseFromString(entry.request.payload()));
      EXPECT_EQ(binlog.tp(), binlog::Prewrite);
      ++received;
    }
  }
  EXPECT_EQ(received, 1u);

  TransactionBuilder empty(catalog_);
  EXPECT_EQ(producer_->commit(empty).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ProducerTest, DdlBinlogCarriesTheJobAndItsJson) {
  auto timestamps = producer_->execute_ddl(table_job_);
  ASSERT_TRUE(timestamps.is_ok()) << timestamps.status().to_string();
  auto drop = catalog_.drop_table("shop", "t");
  ASSERT_TRUE(drop.is_ok());
  ASSERT_TRUE(producer_->execute_ddl(*drop).is_ok());

  const auto binlogs = all_binlogs();
  ASSERT_EQ(binlogs.size(), 4u);
  const binlog::Binlog* p = nullptr;
  const binlog::Binlog* c = nullptr;
  for (const auto& [pump, binlog] : binlogs) {
    if (binlog.start_ts() != timestamps->start_ts) continue;
    (binlog.tp() == binlog::Prewrite ? p : c) = &binlog;
  }
  ASSERT_NE(p, nullptr);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(p->ddl_job_id(), table_job_.id);
  EXPECT_EQ(p->ddl_query(), table_job_.query);
  EXPECT_EQ(p->ddl_schema_state(), static_cast<int>(schema::SchemaState::kPublic));
  EXPECT_FALSE(p->prewrite_key().empty());
  EXPECT_FALSE(p->has_prewrite_value());  // no mutations
  auto parsed = schema::parse_ddl_job(p->ddl_job_json());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  schema::DdlJob expected = table_job_;
  expected.finished_ts = timestamps->start_ts;  // TiDB: the start ts of the job's transaction
  EXPECT_EQ(schema::to_json(*parsed), schema::to_json(expected));
  EXPECT_EQ(parsed->table_info->id, table_job_.table_info->id);
  EXPECT_EQ(c->tp(), binlog::Commit);
  EXPECT_EQ(c->commit_ts(), timestamps->commit_ts);
  EXPECT_GT(c->commit_ts(), c->start_ts());
  // TiDB's C-binlog of a DDL repeats the job id, query and state.
  EXPECT_EQ(c->ddl_job_id(), table_job_.id);
  EXPECT_EQ(c->ddl_query(), table_job_.query);
  EXPECT_EQ(c->ddl_job_json(), p->ddl_job_json());

  // The drop's binlog is written in state none.
  for (const auto& [pump, binlog] : binlogs) {
    if (binlog.ddl_job_id() == drop->id) {
      EXPECT_EQ(binlog.ddl_schema_state(), static_cast<int>(schema::SchemaState::kNone));
      EXPECT_EQ(binlog.ddl_query(), "DROP TABLE `t`");
    }
  }
  EXPECT_EQ(ddl_schema_state_of(db_job_), schema::SchemaState::kPublic);
}

TEST_F(ProducerTest, TheTwoHalvesCanBeDrivenSeparately) {
  TransactionBuilder txn(catalog_);
  ASSERT_TRUE(txn.insert("shop", "t", {{"id", 5}}).is_ok());
  auto prewritten = producer_->prewrite(txn);
  ASSERT_TRUE(prewritten.is_ok()) << prewritten.status().to_string();
  EXPECT_EQ(all_binlogs().size(), 1u);
  EXPECT_FALSE(prewritten->binlog.has_prewrite_value());
  auto commit_ts = producer_->commit_prewritten(*prewritten);
  ASSERT_TRUE(commit_ts.is_ok());
  EXPECT_GT(*commit_ts, prewritten->start_ts());
  const auto binlogs = all_binlogs();
  ASSERT_EQ(binlogs.size(), 2u);
  EXPECT_EQ(binlogs[1].second.commit_ts(), *commit_ts);
}

TEST(LocalTso, StrictlyIncreasingAndNearTheClock) {
  LocalTso tso;
  const int64_t before = tso::from_time(std::chrono::system_clock::now());
  int64_t last = 0;
  for (int i = 0; i < 100'000; ++i) {
    const int64_t ts = tso.next().value();
    ASSERT_GT(ts, last);
    last = ts;
  }
  EXPECT_GE(tso::physical_ms(last), tso::physical_ms(before));
  // 100000 timestamps need at most one millisecond of logical space beyond the clock.
  const int64_t after = tso::from_time(std::chrono::system_clock::now());
  EXPECT_LE(tso::physical_ms(last), tso::physical_ms(after) + 1);
}

}  // namespace
}  // namespace sluice::producer
