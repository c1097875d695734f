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

// kCreateTableJob with the value at `pointer` replaced.
std::string job_with(const std::string& pointer, const nlohmann::json& value) {
  nlohmann::json job = nlohmann::json::parse(kCreateTableJob);
  job[nlohmann::json::json_pointer(pointer)] = value;
  return job.dump();
}

// A field of the wrong type is an error naming the key, where it was silently read as its default
// (a pk_is_handle of 1 read as false decodes every row with the wrong handle) or cut to fit (a
// Tp of 300 read as 44).
TEST(TableInfoJson, WrongTypedFieldsAreErrorsNamingTheKey) {
  using nlohmann::json;
  const struct {
    std::string pointer;
    json value;
    std::string expected;
  } cases[] = {
      {"/id", "47", "DDL job: 'id' is a string, expected an integer"},
      {"/state", "6", "DDL job 47: 'state' is a string, expected an integer"},
      {"/query", 5, "DDL job 47: 'query' is a number, expected a string"},
      {"/binlog", json::array(), "DDL job 47: 'binlog' is an array, expected an object"},
      {"/binlog/SchemaVersion", "21", "'SchemaVersion' is a string, expected an integer"},
      {"/binlog/TableInfo", 5, "'TableInfo' is a number, expected an object"},
      {"/binlog/TableInfo/pk_is_handle", 1,
       "table orders: 'pk_is_handle' is a number, expected a boolean"},
      {"/binlog/TableInfo/charset", json::object(),
       "table orders: 'charset' is an object, expected a string"},
      {"/binlog/TableInfo/name", json::object({{"O", 5}}),
       "table: 'name': 'O' is a number, expected a string"},
      {"/binlog/TableInfo/cols", json::object(), "'cols' is an object, expected an array"},
      {"/binlog/TableInfo/cols/0", "id", "table orders cols[0] is a string, expected an object"},
      {"/binlog/TableInfo/cols/0/type/Tp", 300, "'Tp' is 300, outside 0..255"},
      {"/binlog/TableInfo/cols/0/type/Flag", -1, "'Flag' is -1, outside 0..4294967295"},
      {"/binlog/TableInfo/cols/0/type/Flen", "20", "'Flen' is a string, expected an integer"},
      {"/binlog/TableInfo/cols/1/type/Elems", json::array({1}),
       "table orders column note: 'Elems'[0] is a number, expected a string"},
      {"/binlog/TableInfo/cols/1/offset", true,
       "table orders column note: 'offset' is a boolean, expected an integer"},
      {"/binlog/TableInfo/index_info",
       json::array({{{"id", 1},
                     {"idx_name", "PRIMARY"},
                     {"idx_cols", json::array({{{"name", "id"}, {"length", "x"}}})}}}),
       "'length' is a string, expected an integer"},
      {"/binlog/TableInfo/partition", json::object({{"definitions", 7}}),
       "'definitions' is a number, expected an array"},
  };
  for (const auto& c : cases) {
    const std::string text = job_with(c.pointer, c.value);
    auto job = parse_ddl_job(text);
    ASSERT_FALSE(job.is_ok()) << c.pointer << " = " << c.value.dump();
    EXPECT_EQ(job.status().code(), StatusCode::kInvalidArgument) << c.pointer;
    EXPECT_NE(job.status().message().find(c.expected), std::string::npos)
        << c.pointer << " = " << c.value.dump() << " -> " << job.status().message();
  }
  for (const char* root : {"[]", "null", "5", R"("job")"}) {
    auto job = parse_ddl_job(root);
    ASSERT_FALSE(job.is_ok()) << root;
    EXPECT_NE(job.status().message().find("DDL job is"), std::string::npos)
        << root << " -> " << job.status().message();
  }
}

// A schema snapshot (read back from disk at the drainer's start) with a wrong-typed field threw
// from nlohmann's value()/get(), and one without a table entry's "table" read past the end of a
// map; each is now an error naming the entry and the key.
TEST(SchemaTracker, RestoreOfAWrongTypedSnapshotIsAnErrorNamingTheKey) {
  const struct {
    std::string json;
    std::string expected;
  } cases[] = {
      {R"({"format":"1","version":1,"databases":[],"tables":[]})",
       "schema snapshot: 'format' is a string, expected an integer"},
      {R"({"format":2,"version":1,"databases":[],"tables":[]})", "format 1"},
      {R"({"format":1,"version":"1","databases":[],"tables":[]})",
       "schema snapshot: 'version' is a string, expected an integer"},
      {R"({"format":1,"version":1,"databases":5,"tables":[]})",
       "schema snapshot: 'databases' is a number, expected an array"},
      {R"({"format":1,"version":1,"databases":[],"tables":{}})",
       "schema snapshot: 'tables' is an object, expected an array"},
      {R"({"format":1,"version":1,"databases":[{"id":2,"db_name":"shop","sluice_dropped":1}],)"
       R"("tables":[]})",
       "schema snapshot databases[0]: 'sluice_dropped' is a number, expected a boolean"},
      {R"({"format":1,"version":1,"databases":[{"id":"2","db_name":"shop"}],"tables":[]})",
       "database: 'id' is a string, expected an integer"},
      {R"({"format":1,"version":1,"databases":[],"tables":[{"id":46,"version":3}]})",
       "schema snapshot tables[0]: 'table' is missing"},
      {R"({"format":1,"version":1,"databases":[],"tables":[{"id":"46","version":3,"table":null}]})",
       "schema snapshot tables[0]: 'id' is a string, expected an integer"},
      {R"({"format":1,"version":1,"databases":[],"tables":[{"id":46,"version":[],"table":null}]})",
       "schema snapshot tables[0]: 'version' is an array, expected an integer"},
      {R"({"format":1,"version":1,"databases":[],"tables":[{"id":46,"version":3,"schema_id":"2",)"
       R"("table":null}]})",
       "schema snapshot tables[0]: 'schema_id' is a string, expected an integer"},
      {R"({"format":1,"version":1,"databases":[],"tables":[{"id":46,"version":3,"table":5}]})",
       "schema snapshot tables[0]: 'table' is a number, expected an object"},
      {R"({"format":1,"version":1,"databases":[],"tables":[7]})",
       "schema snapshot tables[0] is a number, expected an object"},
      {"[]", "schema snapshot is an array, expected an object"},
      {"null", "schema snapshot is null, expected an object"},
  };
  for (const auto& c : cases) {
    auto restored = SchemaTracker::restore(c.json);
    ASSERT_FALSE(restored.is_ok()) << c.json;
    EXPECT_NE(restored.status().message().find(c.expected), std::string::npos)
        << c.json << " -> " << restored.status().message();
  }
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

// A DDL whose schema version does not go above the tracker's is either the same binlog again (a
// replay after a restart: skipped) or another producer's (refused, with the versions in the
// message); the memory of applied jobs survives a snapshot.
TEST(SchemaTracker, AJobGoingBackwardsIsRefusedAReplayIsSkipped) {
  SchemaTracker tracker;
  ASSERT_TRUE(tracker.apply(create_schema_job(20), 1000).value());
  auto create = parse_ddl_job(kCreateTableJob);  // version 21
  ASSERT_TRUE(tracker.apply(*create, 1100).value());
  EXPECT_FALSE(tracker.apply(create_schema_job(20), 1000).value());  // the same binlog again
  // A second producer whose counters restarted: same job id and version, another binlog.
  auto again = tracker.apply(create_schema_job(20), 5000);
  ASSERT_FALSE(again.is_ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(again.status().message().find("schema version 20, not above the drainer's schema "
                                          "version 21"),
            std::string::npos)
      << again.status().message();
  EXPECT_NE(again.status().message().find("second producer"), std::string::npos);
  // A version never applied but inside what the tracker remembers: refused too.
  DdlJob other = create_schema_job(20);
  other.id = 77;
  EXPECT_FALSE(tracker.apply(other, 6000).is_ok());
  EXPECT_EQ(tracker.version(), 21);

  auto restored = SchemaTracker::restore(tracker.snapshot());
  ASSERT_TRUE(restored.is_ok()) << restored.status().to_string();
  EXPECT_FALSE(restored->apply(*create, 1100).value());
  EXPECT_FALSE(restored->apply(create_schema_job(20), 5000).is_ok());
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
