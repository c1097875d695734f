#include "core/decode/ddl_binlog.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/schema/schema_tracker.h"

namespace sluice::decode {
namespace {

schema::DdlJob rename_job() {
  schema::DdlJob job;
  job.id = 77;
  job.type = schema::action::kRenameTable;
  job.schema_id = 3;  // moved into another database
  job.table_id = 46;
  job.state = schema::kJobStateSynced;
  job.schema_version = 30;
  job.query = "RENAME TABLE shop.orders TO archive.orders_2025";
  schema::TableInfo table;
  table.id = 46;
  table.name = "orders_2025";
  schema::ColumnInfo id;
  id.id = 1;
  id.name = "id";
  table.columns = {id};
  job.table_info = table;
  return job;
}

TEST(DdlBinlog, ReadsTheInBandJobAndAppliesARenameAcrossDatabases) {
  binlog::Binlog ddl;
  ddl.set_tp(binlog::Commit);
  ddl.set_start_ts(10);
  ddl.set_commit_ts(11);
  ddl.set_ddl_job_id(77);
  ddl.set_ddl_query(rename_job().query);
  ddl.set_ddl_job_json(schema::to_json(rename_job()).dump());
  ASSERT_TRUE(is_ddl(ddl));

  // The binlog survives a round trip through the wire format with field 100 intact.
  binlog::Binlog received;
  ASSERT_TRUE(received.ParseFromString(ddl.SerializeAsString()));
  auto job = in_band_ddl_job(received);
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  ASSERT_TRUE(job->has_value());

  schema::SchemaTracker tracker;
  for (auto [id, name, version] : {std::tuple{2, "shop", 1}, std::tuple{3, "archive", 2}}) {
    schema::DdlJob create_db;
    create_db.id = version;
    create_db.type = schema::action::kCreateSchema;
    create_db.schema_id = id;
    create_db.state = schema::kJobStateSynced;
    create_db.schema_version = version;
    create_db.db_info = schema::DbInfo{id, name, "", "", schema::SchemaState::kPublic};
    ASSERT_TRUE(tracker.apply(create_db).is_ok());
  }
  schema::DdlJob create_table = rename_job();
  create_table.type = schema::action::kCreateTable;
  create_table.schema_id = 2;
  create_table.schema_version = 20;
  create_table.table_info->name = "orders";
  ASSERT_TRUE(tracker.apply(create_table).is_ok());
  ASSERT_TRUE(tracker.apply(**job).is_ok());
  EXPECT_EQ(tracker.find(46, 25)->schema_name, "shop");
  EXPECT_EQ(tracker.find(46, 25)->table->name, "orders");
  EXPECT_EQ(tracker.find(46, 30)->schema_name, "archive");
  EXPECT_EQ(tracker.find(46, 30)->table->name, "orders_2025");
}

TEST(DdlBinlog, AbsentMalformedAndMismatchedJobs) {
  binlog::Binlog plain;
  plain.set_ddl_job_id(5);
  EXPECT_FALSE(in_band_ddl_job(plain)->has_value());
  binlog::Binlog garbage = plain;
  garbage.set_ddl_job_json("{not json");
  EXPECT_FALSE(in_band_ddl_job(garbage).is_ok());
  binlog::Binlog other = plain;
  other.set_ddl_job_json(schema::to_json(rename_job()).dump());  // job 77, binlog says 5
  auto mismatch = in_band_ddl_job(other);
  ASSERT_FALSE(mismatch.is_ok());
  EXPECT_NE(mismatch.status().message().find("ddl_job_id 5"), std::string::npos);
}

}  // namespace
}  // namespace sluice::decode
