#include "core/schema/schema_tracker.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sluice::schema {
namespace {

// A DDL job as TiDB stores it in its history (model.Job JSON), trimmed to what Sluice reads.
constexpr const char* kCreateTableJob = R"json({
  "id": 47, "type": 3, "schema_id": 2, "table_id": 46, "schema_name": "shop", "table_name": "orders",
  "state": 6, "query": "CREATE TABLE orders (id BIGINT PRIMARY KEY, note VARCHAR(20))",
  "binlog": {"SchemaVersion": 21, "FinishedTS": 440000000000000000, "DBInfo": null,
    "TableInfo": {"id": 46, "name": {"O": "orders", "L": "orders"}, "charset": "utf8mb4",
      "collate": "utf8mb4_bin", "pk_is_handle": true, "is_common_handle": false, "state": 5,
      "cols": [
        {"id": 1, "name": {"O": "id", "L": "id"}, "offset": 0, "state": 5, "default": null,
         "origin_default": null, "generated_expr_string": "",
         "type": {"Tp": 8, "Flag": 4099, "Flen": 20, "Decimal": 0, "Charset": "binary",
                  "Collate": "binary", "Elems": null}},
        {"id": 2, "name": {"O": "note", "L": "note"}, "offset": 1, "state": 5, "default": "none",
         "origin_default": null, "generated_expr_string": "",
         "type": {"Tp": 15, "Flag": 0, "Flen": 20, "Decimal": 0, "Charset": "utf8mb4",
                  "Collate": "utf8mb4_bin", "Elems": null}}],
      "index_info": [], "partition": null}}
})json";

DdlJob create_schema_job(int64_t version) {
  DdlJob job;
  job.id = 45;
  job.type = action::kCreateSchema;
  job.schema_id = 2;
  job.state = kJobStateSynced;
  job.schema_version = version;
  job.db_info = DbInfo{2, "shop", "utf8mb4", "utf8mb4_bin", SchemaState::kPublic};
  return job;
}

DdlJob add_column_job(const TableInfo& before, int64_t version) {
  DdlJob job;
  job.id = 50;
  job.type = action::kAddColumn;
  job.schema_id = 2;
  job.table_id = before.id;
  job.state = kJobStateDone;
  job.schema_version = version;
  TableInfo after = before;
  ColumnInfo added;
  added.id = 3;
  added.name = "qty";
  added.offset = 2;
  added.type = mysql_type::kLong;
  added.origin_default_value = "1";
  after.columns.push_back(added);
  job.table_info = after;
  return job;
}

TEST(TableInfoJson, ParsesTidbShape) {
  auto job = parse_ddl_job(kCreateTableJob);
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  EXPECT_EQ(job->type, action::kCreateTable);
  EXPECT_EQ(job->schema_version, 21);
  ASSERT_TRUE(job->table_info.has_value());
  const TableInfo& table = *job->table_info;
  EXPECT_EQ(table.name, "orders");
  EXPECT_TRUE(table.pk_is_handle);
  ASSERT_EQ(table.columns.size(), 2u);
  EXPECT_EQ(table.columns[0].type, mysql_type::kLonglong);
  EXPECT_TRUE(table.columns[0].is_primary_key());  // Flag 4099 = NotNull|PriKey|NoDefault
  EXPECT_EQ(table.columns[1].default_value.value_or(""), "none");
  EXPECT_EQ(table.handle_column()->name, "id");
  EXPECT_EQ(table.find_column("NOTE")->id, 2);
}

TEST(TableInfoJson, JsonRoundTrip) {
  auto job = parse_ddl_job(kCreateTableJob);
  ASSERT_TRUE(job.is_ok());
  auto again = parse_ddl_job(to_json(*job).dump());
  ASSERT_TRUE(again.is_ok()) << again.status().to_string();
  EXPECT_EQ(to_json(*again), to_json(*job));
}

TEST(TableInfoJson, MalformedJobsNameTheField) {
  EXPECT_FALSE(parse_ddl_job("not json").is_ok());
  auto no_binlog = parse_ddl_job(R"({"id": 1, "type": 3})");
  ASSERT_FALSE(no_binlog.is_ok());
  EXPECT_NE(no_binlog.status().message().find("'binlog'"), std::string::npos);
  auto bad_column = parse_ddl_job(
      R"({"id": 1, "type": 3, "binlog": {"SchemaVersion": 2, "TableInfo":
          {"id": 5, "name": "t", "cols": [{"id": 1, "name": "c"}]}}})");
  ASSERT_FALSE(bad_column.is_ok());
  EXPECT_NE(bad_column.status().message().find("'type'"), std::string::npos);
}

TEST(SchemaTracker, OlderDmlDecodesWithTheLayoutOfItsTime) {
  SchemaTracker tracker;
  ASSERT_TRUE(tracker.apply(create_schema_job(20)).value());
  auto create = parse_ddl_job(kCreateTableJob);
  ASSERT_TRUE(tracker.apply(*create).value());
  ASSERT_TRUE(tracker.apply(add_column_job(*create->table_info, 25)).value());
  EXPECT_EQ(tracker.version(), 25);

  auto old_layout = tracker.find(46, 22);
  ASSERT_TRUE(old_layout.is_ok());
  EXPECT_EQ(old_layout->table->columns.size(), 2u);
  EXPECT_EQ(old_layout->schema_name, "shop");
  auto new_layout = tracker.find(46, 25);
  ASSERT_TRUE(new_layout.is_ok());
  EXPECT_EQ(new_layout->table->columns.size(), 3u);
  EXPECT_EQ(tracker.find_latest(46)->table->columns.size(), 3u);
}

TEST(SchemaTracker, SkipsAppliedFailedAndUnfinishedJobs) {
  SchemaTracker tracker;
  ASSERT_TRUE(tracker.apply(create_schema_job(20)).value());
  EXPECT_FALSE(tracker.apply(create_schema_job(20)).value());  // already applied
  DdlJob failed = create_schema_job(0);
  EXPECT_FALSE(tracker.apply(failed).value());
  DdlJob running = create_schema_job(30);
  running.state = 1;
  EXPECT_FALSE(tracker.apply(running).value());
  EXPECT_EQ(tracker.version(), 20);
}

TEST(SchemaTracker, DropTruncateAndUnknownIds) {
  SchemaTracker tracker;
  ASSERT_TRUE(tracker.apply(create_schema_job(20)).value());
  auto create = parse_ddl_job(kCreateTableJob);
  ASSERT_TRUE(tracker.apply(*create).value());

  DdlJob truncate;
  truncate.id = 60;
  truncate.type = action::kTruncateTable;
  truncate.schema_id = 2;
  truncate.table_id = 46;
  truncate.state = kJobStateSynced;
  truncate.schema_version = 30;
  truncate.table_info = *create->table_info;
  truncate.table_info->id = 61;
  ASSERT_TRUE(tracker.apply(truncate).value());
  EXPECT_TRUE(tracker.find(46, 25).is_ok());  // before the truncate
  auto gone = tracker.find(46, 30);
  ASSERT_FALSE(gone.is_ok());
  EXPECT_NE(gone.status().message().find("dropped at schema version 30"), std::string::npos);
  EXPECT_EQ(tracker.find(61, 30)->table->name, "orders");

  auto unknown = tracker.find(999, 30);
  ASSERT_FALSE(unknown.is_ok());
  EXPECT_EQ(unknown.status().message(), "not found table id 999");

  DdlJob drop_schema;
  drop_schema.id = 70;
  drop_schema.type = action::kDropSchema;
  drop_schema.schema_id = 2;
  drop_schema.state = kJobStateSynced;
  drop_schema.schema_version = 31;
  ASSERT_TRUE(tracker.apply(drop_schema).value());
  EXPECT_FALSE(tracker.find(61, 31).is_ok());
  EXPECT_TRUE(tracker.find(61, 30).is_ok());
}

TEST(SchemaTracker, PartitionIdsResolveToTheirTable) {
  SchemaTracker tracker;
  ASSERT_TRUE(tracker.apply(create_schema_job(20)).value());
  auto create = parse_ddl_job(kCreateTableJob);
  create->table_info->partitions = {{101, "p0"}, {102, "p1"}};
  ASSERT_TRUE(tracker.apply(*create).value());
  auto partition = tracker.find(102, 21);
  ASSERT_TRUE(partition.is_ok());
  EXPECT_EQ(partition->logical_table_id, 46);
  EXPECT_EQ(tracker.names_of(101)->second, "orders");
}

TEST(SchemaTracker, SnapshotRestoresEverything) {
  SchemaTracker tracker;
  ASSERT_TRUE(tracker.apply(create_schema_job(20)).value());
  auto create = parse_ddl_job(kCreateTableJob);
  create->table_info->partitions = {{101, "p0"}};
  ASSERT_TRUE(tracker.apply(*create).value());
  ASSERT_TRUE(tracker.apply(add_column_job(*create->table_info, 25)).value());

  auto restored = SchemaTracker::restore(tracker.snapshot());
  ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
  EXPECT_EQ(restored->version(), 25);
  EXPECT_EQ(restored->snapshot(), tracker.snapshot());
  EXPECT_EQ(restored->find(101, 22)->table->columns.size(), 2u);
  EXPECT_EQ(restored->find(46, 25)->table->columns.size(), 3u);
  EXPECT_FALSE(SchemaTracker::restore("{}").is_ok());
  EXPECT_FALSE(SchemaTracker::restore("garbage").is_ok());
}

}  // namespace
}  // namespace sluice::schema
