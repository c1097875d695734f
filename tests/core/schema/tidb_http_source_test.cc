#include "core/schema/tidb_http_source.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "core/net/http_server.h"
#include "core/schema/schema_tracker.h"

namespace sluice::schema {
namespace {

TableInfo orders_table(int64_t id) {
  TableInfo table;
  table.id = id;
  table.name = "orders";
  ColumnInfo column;
  column.id = 1;
  column.name = "id";
  column.type = mysql_type::kLonglong;
  column.flag = kPriKeyFlag | kNotNullFlag;
  table.columns = {column};
  table.pk_is_handle = true;
  return table;
}

DdlJob job(int64_t id, int type, int64_t version, int state) {
  DdlJob j;
  j.id = id;
  j.type = type;
  j.schema_id = 2;
  j.state = state;
  j.schema_version = version;
  return j;
}

// A local server answering the paths and JSON shapes of TiDB's status API.
class FakeTidbStatus {
 public:
  FakeTidbStatus() {
    server_.handle_get("/ddl/history", [](const httplib::Request&, httplib::Response& response) {
      DdlJob create_db = job(10, action::kCreateSchema, 20, kJobStateSynced);
      create_db.db_info = DbInfo{2, "shop", "", "", SchemaState::kPublic};
      DdlJob create_table = job(11, action::kCreateTable, 21, kJobStateSynced);
      create_table.table_info = orders_table(46);
      DdlJob rolled_back = job(12, action::kAddColumn, 0, 3);
      // Newest first, as TiDB lists them; the client sorts by schema version.
      nlohmann::json body =
          nlohmann::json::array({to_json(rolled_back), to_json(create_table), to_json(create_db)});
      response.set_content(body.dump(), "application/json");
    });
    server_.handle_get("/schema", [](const httplib::Request& request, httplib::Response& response) {
      if (request.get_param_value("table_id") != "46") {
        response.status = 404;
        response.set_content("[schema:1146]Table which ID = 99 does not exist.", "text/plain");
        return;
      }
      response.set_content(to_json(orders_table(46)).dump(), "application/json");
    });
    server_.handle_get(R"(/db-table/(\d+))", [](const httplib::Request&,
                                                httplib::Response& response) {
      nlohmann::json body = {{"db_info", to_json(DbInfo{2, "shop", "", "", SchemaState::kPublic})},
                             {"table_info", to_json(orders_table(46))}};
      response.set_content(body.dump(), "application/json");
    });
    server_.handle_get("/broken", [](const httplib::Request&, httplib::Response& response) {
      response.set_content("{", "application/json");
    });
    EXPECT_TRUE(server_.start("127.0.0.1", 0).is_ok());
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_.port()); }

 private:
  net::HttpServer server_;
};

TEST(TidbHttpSource, ReadsHistorySortedAndSkipsUnfinishedJobs) {
  FakeTidbStatus tidb;
  TidbHttpSource source(tidb.url());
  auto jobs = source.ddl_history();
  ASSERT_TRUE(jobs.is_ok()) << jobs.status().to_string();
  ASSERT_EQ(jobs->size(), 2u);
  EXPECT_EQ((*jobs)[0].type, action::kCreateSchema);
  EXPECT_EQ((*jobs)[1].table_info->name, "orders");
  SchemaTracker tracker;
  for (const auto& entry : *jobs)
    ASSERT_TRUE(tracker.apply(entry).is_ok());
  EXPECT_EQ(tracker.find(46, 21)->schema_name, "shop");
}

TEST(TidbHttpSource, TableById) {
  FakeTidbStatus tidb;
  TidbHttpSource source(tidb.url());
  auto table = source.table_by_id(46);
  ASSERT_TRUE(table.is_ok()) << table.status().to_string();
  EXPECT_EQ(table->name, "orders");
  auto missing = source.table_by_id(99);
  ASSERT_FALSE(missing.is_ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  auto both = source.db_table_by_id(46);
  ASSERT_TRUE(both.is_ok()) << both.status().to_string();
  EXPECT_EQ(both->first.name, "shop");
}

TEST(TidbHttpSource, UnreachableServerIsUnavailableNamingTheUrl) {
  TidbHttpSource source("http://127.0.0.1:1", std::chrono::milliseconds(500));
  auto jobs = source.ddl_history();
  ASSERT_FALSE(jobs.is_ok());
  EXPECT_EQ(jobs.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(jobs.status().message().find("http://127.0.0.1:1/ddl/history"), std::string::npos);
}

// TiDB answers that are JSON of the wrong shape are errors naming the URL and the key (a
// SchemaVersion sent as a string was read as 0, so the job looked already applied and was
// skipped; a db_info that is not an object lost the URL from the message).
TEST(TidbHttpSource, WrongTypedAnswersAreErrorsNamingTheUrlAndKey) {
  net::HttpServer server;
  server.handle_get("/ddl/history", [](const httplib::Request&, httplib::Response& response) {
    DdlJob create_table = job(11, action::kCreateTable, 21, kJobStateSynced);
    create_table.table_info = orders_table(46);
    nlohmann::json entry = to_json(create_table);
    entry["binlog"]["SchemaVersion"] = "21";
    response.set_content(nlohmann::json::array({entry}).dump(), "application/json");
  });
  server.handle_get("/schema", [](const httplib::Request&, httplib::Response& response) {
    response.set_content("[]", "application/json");
  });
  server.handle_get(R"(/db-table/(\d+))", [](const httplib::Request&, httplib::Response& response) {
    nlohmann::json body = {{"db_info", 5}, {"table_info", to_json(orders_table(46))}};
    response.set_content(body.dump(), "application/json");
  });
  ASSERT_TRUE(server.start("127.0.0.1", 0).is_ok());
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port());
  TidbHttpSource source(url);

  auto jobs = source.ddl_history();
  ASSERT_FALSE(jobs.is_ok());
  EXPECT_NE(jobs.status().message().find(url + "/ddl/history"), std::string::npos)
      << jobs.status().message();
  EXPECT_NE(jobs.status().message().find("'SchemaVersion' is a string, expected an integer"),
            std::string::npos)
      << jobs.status().message();

  auto table = source.table_by_id(46);
  ASSERT_FALSE(table.is_ok());
  EXPECT_NE(table.status().message().find(url + "/schema?table_id=46"), std::string::npos)
      << table.status().message();
  EXPECT_NE(table.status().message().find("is an array, expected an object"), std::string::npos)
      << table.status().message();

  auto both = source.db_table_by_id(46);
  ASSERT_FALSE(both.is_ok());
  EXPECT_NE(both.status().message().find(url + "/db-table/46"), std::string::npos)
      << both.status().message();
  EXPECT_NE(both.status().message().find("'db_info' is a number, expected an object"),
            std::string::npos)
      << both.status().message();
}

}  // namespace
}  // namespace sluice::schema
