// table-filter: the original drainer's [syncer] table and event filters as a filter plugin.
// Most tests load the built plugin through the real plugin host from a TOML [[filter]] entry and
// compare keep masks worked out by hand; the pattern and DDL-classification pieces are also
// tested directly, and the fake host reads an array of tables through indexed keys.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sluice/sdk/plugin.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>

#include <string>
#include <utility>
#include <vector>

#include "core/plugin_host/plugin_host.h"
#include "plugins/filters/table_filter/event_type.h"
#include "plugins/filters/table_filter/name_pattern.h"
#include "plugins/filters/table_filter/wildcard_pattern.h"
#include "tests/core/plugin_host/test_support.h"

namespace sluice::table_filter {
namespace {

using plugin_host::testing::configure_host;
using plugin_host::testing::ConfiguredHost;
using plugin_host::testing::copy_plugin;
using plugin_host::testing::TempDir;
using sdk::testing::BatchBuilder;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// One event to filter: a row event on schema.table, or a DDL statement.
struct Ev {
  enum class Kind { kInsert, kUpdate, kDelete, kDdl } kind;
  std::string schema;
  std::string table;
  std::string query;
};
Ev ins(std::string schema, std::string table) {
  return {Ev::Kind::kInsert, std::move(schema), std::move(table), ""};
}
Ev upd(std::string schema, std::string table) {
  return {Ev::Kind::kUpdate, std::move(schema), std::move(table), ""};
}
Ev del(std::string schema, std::string table) {
  return {Ev::Kind::kDelete, std::move(schema), std::move(table), ""};
}
Ev ddl(std::string schema, std::string table, std::string query) {
  return {Ev::Kind::kDdl, std::move(schema), std::move(table), std::move(query)};
}

// Builds one batch: the row events in one transaction, each DDL in a transaction of its own.
const sluice_batch_t* build(BatchBuilder& builder, const std::vector<Ev>& events) {
  int64_t ts = 100;
  bool in_dml = false;
  for (const Ev& event : events) {
    if (event.kind == Ev::Kind::kDdl) {
      builder.begin_transaction(ts + 1, ts, SLUICE_TXN_DDL)
          .ddl(event.schema, event.table, event.query);
      ts += 2;
      in_dml = false;
      continue;
    }
    if (!in_dml) {
      builder.begin_transaction(ts + 1, ts);
      ts += 2;
      in_dml = true;
    }
    const size_t table = builder.add_table({event.schema, event.table, 1, {{"id"}}, {}});
    switch (event.kind) {
      case Ev::Kind::kInsert:
        builder.insert(table, {int64_t{1}});
        break;
      case Ev::Kind::kUpdate:
        builder.update(table, {int64_t{1}}, {int64_t{2}});
        break;
      default:
        builder.erase(table, {int64_t{1}});
        break;
    }
  }
  return builder.build();
}

// `config_toml` written as the original's [syncer] section is ("[[ignore-table]]"), moved under
// [filter.config] ("[[filter.config.ignore-table]]").
std::string under_filter_config(const std::string& config_toml) {
  std::string moved;
  size_t begin = 0;
  while (begin < config_toml.size()) {
    size_t end = config_toml.find('\n', begin);
    if (end == std::string::npos) end = config_toml.size();
    std::string line = config_toml.substr(begin, end - begin);
    if (line.starts_with("[[")) {
      line.insert(2, "filter.config.");
    } else if (line.starts_with("[")) {
      line.insert(1, "filter.config.");
    }
    moved += line + "\n";
    begin = end + 1;
  }
  return moved;
}

// The plugin loaded by the real plugin host from a [[filter]] entry.
class RealHost {
 public:
  explicit RealHost(const std::string& config_toml) {
    copy_plugin("table-filter", dir_.path());
    configured_ = configure_host(dir_.path(),
                                 "[[filter]]\nname = \"tables\"\nplugin = "
                                 "\"table-filter\"\n[filter.config]\n" +
                                     under_filter_config(config_toml));
  }
  // Configures, validates and creates; the first failure as text ("" when all succeeded).
  std::string start() {
    if (!configured_.configure_status.is_ok()) return configured_.configure_status.to_string();
    for (const Status& status : configured_.host->validate_all()) {
      if (!status.is_ok()) return status.to_string();
    }
    const Status created = configured_.host->create_all();
    return created.is_ok() ? "" : created.to_string();
  }
  std::vector<uint8_t> keep(const std::vector<Ev>& events) {
    BatchBuilder builder;
    const sluice_batch_t* batch = build(builder, events);
    std::vector<uint8_t> mask;
    plugin_host::FilterInstance* filter = configured_.host->filter("tables");
    EXPECT_NE(filter, nullptr);
    if (filter == nullptr) return mask;
    const Status status = filter->filter(*batch, mask);
    EXPECT_TRUE(status.is_ok()) << status.to_string();
    return mask;
  }
  const std::vector<std::string>& warnings() const { return configured_.host->warnings(); }

 private:
  TempDir dir_;
  ConfiguredHost configured_;
};

// Starts a host with `config_toml` (asserting it starts) and returns the keep mask for `events`.
std::vector<uint8_t> keep_mask(const std::string& config_toml, const std::vector<Ev>& events) {
  RealHost host(config_toml);
  const std::string error = host.start();
  EXPECT_EQ(error, "") << config_toml;
  if (!error.empty()) return {};
  return host.keep(events);
}

// The error starting a host with `config_toml` gives ("" if it started).
std::string start_error(const std::string& config_toml) {
  RealHost host(config_toml);
  return host.start();
}

// ------------------------------------------------------------------------------------------------
// Table rules (pkg/filter)
// ------------------------------------------------------------------------------------------------

TEST(TableFilterTables, DefaultIgnoreSchemasDropSystemSchemasInAnyCase) {
  EXPECT_THAT(keep_mask("", {ins("test", "t"), ins("mysql", "user"), ins("MySQL", "db"),
                             ins("information_schema", "tables"), ins("PERFORMANCE_SCHEMA", "x"),
                             ins("mysql2", "t"), ins("sys", "t")}),
              ElementsAre(1, 0, 0, 0, 0, 1, 1));
}

TEST(TableFilterTables, IgnoreSchemasReplacesTheDefault) {
  EXPECT_THAT(
      keep_mask("ignore-schemas = \"logs, Tmp\"\n",
                {ins("logs", "t"), ins("tmp", "t"), ins("mysql", "user"), ins("logs2", "t")}),
      ElementsAre(0, 0, 1, 1));
  EXPECT_THAT(keep_mask("ignore-schemas = \"\"\n", {ins("mysql", "user")}), ElementsAre(1));
}

TEST(TableFilterTables, ReplicateDoDbIsAnExactCaseInsensitiveMatch) {
  EXPECT_THAT(keep_mask("replicate-do-db = [\"Shop\"]\n",
                        {ins("shop", "a"), ins("SHOP", "b"), ins("shop2", "a"), ins("my_shop", "a"),
                         ins("other", "a")}),
              ElementsAre(1, 1, 0, 0, 0));
}

TEST(TableFilterTables, TildeIsAnUnanchoredCaseInsensitiveRegex) {
  // "~log" is found anywhere in the name; "log" must be the whole name.
  EXPECT_THAT(keep_mask("replicate-do-db = [\"~log\"]\n",
                        {ins("log", "t"), ins("catalog", "t"), ins("LOGS", "t"), ins("lg", "t")}),
              ElementsAre(1, 1, 1, 0));
  EXPECT_THAT(keep_mask("replicate-do-db = [\"log\"]\n",
                        {ins("log", "t"), ins("catalog", "t"), ins("LOGS", "t")}),
              ElementsAre(1, 0, 0));
  // Anchors make it a prefix match; without "~" the same text is a literal name.
  EXPECT_THAT(keep_mask("replicate-do-db = [\"~^log_[0-9]+$\", \"a.b\"]\n",
                        {ins("log_12", "t"), ins("log_1x", "t"), ins("my_log_1", "t"),
                         ins("a.b", "t"), ins("axb", "t")}),
              ElementsAre(1, 0, 0, 1, 0));
}

TEST(TableFilterTables, ReplicateDoTableOrReplicateDoDb) {
  const std::string config = R"(replicate-do-db = ["full"]
[[replicate-do-table]]
db-name = "shop"
tbl-name = "~^order"
[[replicate-do-table]]
db-name = "~^crm_"
tbl-name = "Customers"
)";
  EXPECT_THAT(
      keep_mask(config, {ins("full", "any"), ins("shop", "orders"), ins("shop", "order"),
                         ins("shop", "items"), ins("crm_eu", "customers"), ins("crm_eu", "leads"),
                         ins("crm", "customers"), ins("other", "orders")}),
      ElementsAre(1, 1, 1, 0, 1, 0, 0, 0));
}

TEST(TableFilterTables, AllowListFirstThenBlockList) {
  const std::string config = R"(replicate-do-db = ["shop", "mysql"]
[[ignore-table]]
db-name = "shop"
tbl-name = "~^tmp_"
)";
  EXPECT_THAT(
      keep_mask(config, {ins("shop", "orders"), ins("shop", "tmp_1"), ins("shop", "my_tmp_1"),
                         ins("mysql", "user"), ins("other", "orders")}),
      // mysql passes the allow-list but the default ignore-schemas blocks it.
      ElementsAre(1, 0, 1, 0, 0));
  // Without an allow-list, only the block-list applies.
  EXPECT_THAT(
      keep_mask("[[ignore-table]]\ndb-name = \"shop\"\ntbl-name = \"tmp\"\n",
                {ins("shop", "tmp"), ins("SHOP", "TMP"), ins("shop", "tmp2"), ins("other", "tmp")}),
      ElementsAre(0, 0, 1, 1));
}

TEST(TableFilterTables, EveryRowEventTypeIsFilteredAlike) {
  EXPECT_THAT(keep_mask("replicate-do-db = [\"shop\"]\n",
                        {ins("shop", "t"), upd("shop", "t"), del("shop", "t"), ins("x", "t"),
                         upd("x", "t"), del("x", "t")}),
              ElementsAre(1, 1, 1, 0, 0, 0));
}

TEST(TableFilterTables, DdlIsFilteredByItsSchemaAndTable) {
  const std::string config = R"(replicate-do-db = ["full"]
[[replicate-do-table]]
db-name = "shop"
tbl-name = "orders"
[[ignore-table]]
db-name = "full"
tbl-name = "tmp"
)";
  EXPECT_THAT(
      keep_mask(
          config,
          {ddl("shop", "orders", "ALTER TABLE shop.orders ADD COLUMN c INT"),
           ddl("shop", "items", "CREATE TABLE shop.items (id INT)"),
           ddl("full", "tmp", "DROP TABLE full.tmp"),
           ddl("full", "x", "CREATE TABLE full.x (id INT)"),
           // Database-level statements: judged by schema only. A replicate-do-table entry's
           // db-name lets its database through; ignore-table never blocks a database.
           ddl("shop", "", "CREATE DATABASE shop"), ddl("full", "", "CREATE DATABASE full"),
           ddl("other", "", "CREATE DATABASE other"), ddl("mysql", "", "DROP DATABASE mysql")}),
      ElementsAre(1, 0, 0, 1, 1, 1, 0, 0));
  EXPECT_THAT(keep_mask("", {ddl("shop", "", "CREATE DATABASE shop"),
                             ddl("mysql", "", "CREATE DATABASE mysql"),
                             ddl("mysql", "user", "ALTER TABLE mysql.user ADD c INT")}),
              ElementsAre(1, 0, 0));
}

// ------------------------------------------------------------------------------------------------
// Event rules (binlog-filter-rule, table-migrate-rule)
// ------------------------------------------------------------------------------------------------

TEST(TableFilterEvents, IgnoreEventOnWildcardTables) {
  const std::string config = R"(
[binlog-filter-rule.no-delete]
ignore-event = ["delete"]
[[table-migrate-rule]]
source = {schema = "shop*", table = "order?"}
binlog-filter-rule = ["no-delete"]
)";
  EXPECT_THAT(
      keep_mask(config, {del("shop1", "orders"), ins("shop1", "orders"), upd("shop", "orderx"),
                         del("shop", "orderx"), del("shop1", "order"), del("shop1", "orders2"),
                         del("myshop", "orders")}),
      ElementsAre(0, 1, 1, 0, 1, 1, 1));
}

TEST(TableFilterEvents, SchemaLevelBindingCoversEveryTableAndDdlNames) {
  const std::string config = R"(
[binlog-filter-rule.keep-data]
ignore-event = ["truncate table", "drop table", "DROP DATABASE", "create index"]
[[table-migrate-rule]]
source = {schema = "shop"}
binlog-filter-rule = ["keep-data"]
)";
  EXPECT_THAT(keep_mask(config, {ddl("shop", "t", "TRUNCATE TABLE t"),
                                 ddl("shop", "t", "/* by admin */ drop table if exists `t`"),
                                 ddl("shop", "", "DROP DATABASE shop"),
                                 ddl("shop", "t", "CREATE UNIQUE INDEX i ON t (a)"),
                                 ddl("shop", "t", "CREATE TABLE t2 (a INT)"),
                                 ddl("shop", "t", "ALTER TABLE t ADD COLUMN b INT"),
                                 ddl("other", "t", "TRUNCATE TABLE t"), del("shop", "t")}),
              ElementsAre(0, 0, 0, 0, 1, 1, 1, 1));
}

TEST(TableFilterEvents, GroupNamesAndTheirOrder) {
  const std::string config = R"(
[binlog-filter-rule.dml]
ignore-event = ["all dml"]
[binlog-filter-rule.ddl]
ignore-event = ["all ddl"]
[binlog-filter-rule.nothing]
ignore-event = ["none", "insert"]
[binlog-filter-rule.insert-first]
ignore-event = ["insert", "none"]
[[table-migrate-rule]]
source = {schema = "a"}
binlog-filter-rule = ["dml"]
[[table-migrate-rule]]
source = {schema = "b"}
binlog-filter-rule = ["ddl"]
[[table-migrate-rule]]
source = {schema = "c"}
binlog-filter-rule = ["nothing"]
[[table-migrate-rule]]
source = {schema = "d"}
binlog-filter-rule = ["insert-first"]
)";
  EXPECT_THAT(keep_mask(config, {ins("a", "t"), upd("a", "t"), del("a", "t"),
                                 ddl("a", "t", "ALTER TABLE t ADD c INT"), ins("b", "t"),
                                 ddl("b", "t", "ALTER TABLE t ADD c INT"),
                                 ddl("b", "", "CREATE DATABASE b"),
                                 ddl("b", "t", "ALTER DATABASE b CHARSET utf8mb4"), ins("c", "t"),
                                 ins("d", "t"), del("d", "t")}),
              // "ALTER DATABASE" has no event name: only ignore-sql could drop it.
              ElementsAre(0, 0, 0, 1, 1, 0, 0, 1, 1, 0, 1));
}

TEST(TableFilterEvents, IgnoreSqlAppliesToDdlTextOnly) {
  const std::string config = R"(
[binlog-filter-rule.no-drops]
ignore-sql = ["^DROP\\s+TABLE", "partition"]
[[table-migrate-rule]]
source = {schema = "shop", table = "*"}
binlog-filter-rule = ["no-drops"]
)";
  EXPECT_THAT(keep_mask(config, {ddl("shop", "t", "drop   table t"),
                                 ddl("shop", "t", "ALTER TABLE t TRUNCATE PARTITION p0"),
                                 ddl("shop", "t", "CREATE TABLE t (a INT)"),
                                 ddl("shop", "t", "/* x */ DROP TABLE t"),  // "^" is the start
                                 ddl("other", "t", "DROP TABLE t"), del("shop", "t"),
                                 // table = "*" also matches a database-level statement.
                                 ddl("shop", "", "drop table-less statement")}),
              ElementsAre(0, 0, 1, 1, 1, 1, 0));
}

TEST(TableFilterEvents, CaseSensitiveAppliesToRulePatternsNotToTableFilters) {
  const std::string rules = R"(replicate-do-db = ["Shop"]
[binlog-filter-rule.r]
ignore-event = ["insert"]
[[table-migrate-rule]]
source = {schema = "Shop", table = "T*"}
binlog-filter-rule = ["r"]
)";
  const std::vector<Ev> events = {ins("Shop", "T1"), ins("shop", "t1"), ins("SHOP", "T1")};
  EXPECT_THAT(keep_mask(rules, events), ElementsAre(0, 0, 0));
  EXPECT_THAT(keep_mask("case-sensitive = true\n" + rules, events), ElementsAre(0, 1, 1));
  EXPECT_THAT(keep_mask("case-sensitive = false\n" + rules, events), ElementsAre(0, 0, 0));
}

TEST(TableFilterEvents, TableFiltersAndEventRulesCombine) {
  const std::string config = R"(ignore-schemas = "tmp"
[binlog-filter-rule.r]
ignore-event = ["update"]
[[table-migrate-rule]]
source = {schema = "*"}
binlog-filter-rule = ["r"]
)";
  EXPECT_THAT(keep_mask(config, {ins("tmp", "t"), ins("a", "t"), upd("a", "t"), del("a", "t")}),
              ElementsAre(0, 1, 0, 1));
}

// ------------------------------------------------------------------------------------------------
// Configuration errors name the key
// ------------------------------------------------------------------------------------------------

TEST(TableFilterConfig, BadConfigsAreRefusedNamingTheKey) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"ignore-schemas = 3\n", "'ignore-schemas' must be a string"},
      {"case-sensitive = \"yes\"\n", "'case-sensitive' must be a boolean"},
      {"replicate-do-db = \"shop\"\n", "'replicate-do-db' must be an array of strings"},
      {"replicate-do-db = [\"ok\", \"~(unclosed\"]\n",
       "key 'replicate-do-db[1]': bad regular expression '(unclosed'"},
      {"replicate-do-table = [\"shop.t\"]\n", "key 'replicate-do-table[0]' must be a table"},
      {"[[ignore-table]]\ndb-name = \"a\"\n", "missing required key 'ignore-table[0].tbl-name'"},
      {"[[ignore-table]]\ndb-name = \"a\"\ntbl-name = 5\n",
       "'ignore-table[0].tbl-name' must be a string"},
      {"[[replicate-do-table]]\ndb-name = \"a\"\ntbl-name = \"~[z-a]\"\n",
       "key 'replicate-do-table[0].tbl-name': bad regular expression"},
      {"[binlog-filter-rule.r]\nignore-event = [\"insert\", \"upsert\"]\n"
       "[[table-migrate-rule]]\nsource = {schema = \"a\"}\nbinlog-filter-rule = [\"r\"]\n",
       "key 'binlog-filter-rule.r.ignore-event[1]': unknown event type 'upsert'"},
      {"[binlog-filter-rule.r]\nignore-sql = [\"(\"]\n"
       "[[table-migrate-rule]]\nsource = {schema = \"a\"}\nbinlog-filter-rule = [\"r\"]\n",
       "key 'binlog-filter-rule.r.ignore-sql[0]': bad regular expression '('"},
      {"[[table-migrate-rule]]\nsource = {schema = \"a\"}\nbinlog-filter-rule = [\"x\", \"y\"]\n"
       "[binlog-filter-rule.x]\nignore-event = [\"insert\"]\n",
       "key 'table-migrate-rule[0].binlog-filter-rule[1]': event filter rule 'y' not found"},
      {"[[table-migrate-rule]]\nsource = {schema = \"a*b\"}\nbinlog-filter-rule = []\n",
       "key 'table-migrate-rule[0].source.schema': pattern 'a*b' has a '*' before its end"},
      {"[[table-migrate-rule]]\nsource = {table = \"t\"}\n",
       "missing required key 'table-migrate-rule[0].source.schema'"},
      {"[[table-migrate-rule]]\nbinlog-filter-rule = []\n",
       "key 'table-migrate-rule[0].source' must be a table"},
      {"binlog-filter-rule = [\"r\"]\n", "key 'binlog-filter-rule' must be a table"},
  };
  for (const auto& [config, expected] : cases) {
    const std::string error = start_error(config);
    EXPECT_THAT(error, HasSubstr(expected)) << config;
    EXPECT_THAT(error, HasSubstr("(plugin table-filter): invalid config: ")) << config;
  }
}

TEST(TableFilterConfig, UnreferencedRulesAndUnknownKeysAreWarnedAbout) {
  RealHost host(R"(replicate-do-db = ["a"]
replicate-do-tables = []
[binlog-filter-rule.unused]
ignore-event = ["insert"]
[[ignore-table]]
db-name = "a"
tbl-name = "b"
tbl-nmae = "typo"
)");
  ASSERT_EQ(host.start(), "");
  std::string warnings;
  for (const std::string& warning : host.warnings())
    warnings += warning + "\n";
  EXPECT_THAT(warnings, HasSubstr("replicate-do-tables"));
  EXPECT_THAT(warnings, HasSubstr("binlog-filter-rule.unused.ignore-event"));
  EXPECT_THAT(warnings, HasSubstr("ignore-table[0].tbl-nmae"));
  EXPECT_THAT(warnings, Not(HasSubstr("ignore-table[0].tbl-name")));
}

// ------------------------------------------------------------------------------------------------
// Through the SDK's fake host: an array of tables written with indexed keys
// ------------------------------------------------------------------------------------------------

TEST(TableFilterFakeHost, ReadsArraysOfTablesThroughIndexedKeys) {
  sdk::testing::FakeHost host;
  sdk::testing::PluginInstance filter(
      host,
      host.load_plugin(plugin_host::testing::built_plugins_dir().string() + "/table-filter.so"),
      "tables");
  const sdk::testing::FakeConfig config{{"replicate-do-table[0].db-name", "shop"},
                                        {"replicate-do-table[0].tbl-name", "orders"},
                                        {"replicate-do-table[1].db-name", "crm"},
                                        {"replicate-do-table[1].tbl-name", "~^cust"}};
  ASSERT_TRUE(filter.validate(config).ok()) << filter.validate(config).describe();
  ASSERT_TRUE(filter.create(config).ok());
  BatchBuilder builder;
  const sluice_batch_t* batch = build(builder, {ins("shop", "orders"), ins("shop", "items"),
                                                ins("crm", "customers"), ins("crm", "leads")});
  std::vector<uint8_t> keep;
  ASSERT_TRUE(filter.filter(batch, keep).ok());
  EXPECT_THAT(keep, ElementsAre(1, 0, 1, 0));
  EXPECT_EQ(host.metric_value("table_filter_dropped_events_total"), 2);

  const sdk::testing::FakeConfig missing{{"ignore-table[0].db-name", "shop"}};
  const sdk::testing::CallResult refused = filter.validate(missing);
  EXPECT_EQ(refused.status, SLUICE_INVALID_CONFIG);
  EXPECT_THAT(refused.error, HasSubstr("ignore-table[0].tbl-name"));
}

// ------------------------------------------------------------------------------------------------
// The pieces
// ------------------------------------------------------------------------------------------------

TEST(TableFilterPieces, WildcardPatterns) {
  auto matches = [](std::string_view pattern, std::string_view name, bool case_sensitive = false) {
    return WildcardPattern(pattern, case_sensitive, "k").matches(name);
  };
  EXPECT_TRUE(matches("db*", "db"));
  EXPECT_TRUE(matches("db*", "db_1"));
  EXPECT_FALSE(matches("db*", "d"));
  EXPECT_TRUE(matches("*", ""));
  EXPECT_TRUE(matches("t?", "t1"));
  EXPECT_FALSE(matches("t?", "t"));
  EXPECT_FALSE(matches("t?", "t12"));
  EXPECT_TRUE(matches("t[0-9]x", "t5x"));
  EXPECT_FALSE(matches("t[0-9]x", "tax"));
  EXPECT_TRUE(matches("t[!0-9]", "ta"));
  EXPECT_FALSE(matches("t[!0-9]", "t3"));
  EXPECT_TRUE(matches("t[abc]*", "tc_rest"));
  EXPECT_TRUE(matches("t[", "t["));  // an unclosed '[' is itself
  EXPECT_TRUE(matches("Shop*", "SHOP_1"));
  EXPECT_FALSE(matches("Shop*", "shop_1", true));
  EXPECT_TRUE(matches("Shop*", "Shop_1", true));
  EXPECT_THROW(WildcardPattern("a*b", false, "k"), sdk::ConfigError);
  EXPECT_THROW(WildcardPattern("", false, "k"), sdk::ConfigError);
}

TEST(TableFilterPieces, NamePatterns) {
  EXPECT_TRUE(NamePattern("Orders", "k").matches("ORDERS"));
  EXPECT_FALSE(NamePattern("orders", "k").matches("orders2"));
  EXPECT_TRUE(NamePattern("~^ORD", "k").matches("orders"));
  EXPECT_TRUE(NamePattern("~", "k").matches("anything"));
  EXPECT_THROW(NamePattern("~a(", "k"), sdk::ConfigError);
}

TEST(TableFilterPieces, DdlClassification) {
  const std::vector<std::pair<std::string, EventType>> cases = {
      {"CREATE DATABASE d", EventType::kCreateDatabase},
      {"create schema if not exists d", EventType::kCreateDatabase},
      {"DROP DATABASE d", EventType::kDropDatabase},
      {"drop schema d", EventType::kDropDatabase},
      {"CREATE TABLE t (a INT)", EventType::kCreateTable},
      {"create temporary table t like u", EventType::kCreateTable},
      {"  /* hint */ -- note\n CREATE TABLE t (a INT)", EventType::kCreateTable},
      {"DROP TABLE IF EXISTS t", EventType::kDropTable},
      {"TRUNCATE TABLE t", EventType::kTruncateTable},
      {"truncate t", EventType::kTruncateTable},
      {"RENAME TABLE a TO b", EventType::kRenameTable},
      {"CREATE UNIQUE INDEX i ON t (a)", EventType::kCreateIndex},
      {"DROP INDEX i ON t", EventType::kDropIndex},
      {"CREATE OR REPLACE ALGORITHM=MERGE DEFINER=`root`@`%` SQL SECURITY DEFINER VIEW v AS "
       "SELECT 1",
       EventType::kCreateView},
      {"DROP VIEW v", EventType::kDropView},
      {"ALTER TABLE t ADD INDEX i (a)", EventType::kAlterTable},
      {"alter database d charset utf8mb4", EventType::kNull},
      {"CREATE SEQUENCE s", EventType::kNull},
      {"CREATE USER 'table'@'%'", EventType::kNull},
      {"", EventType::kNull},
  };
  for (const auto& [query, expected] : cases) {
    EXPECT_EQ(classify_ddl(query), expected) << query;
  }
}

TEST(TableFilterPieces, EventNames) {
  EXPECT_EQ(parse_event_name("INSERT"), EventType::kInsert);
  EXPECT_EQ(parse_event_name("create schema"), EventType::kCreateDatabase);
  EXPECT_EQ(parse_event_name("drop schema"), EventType::kDropDatabase);
  EXPECT_EQ(parse_event_name("add index"), EventType::kCreateIndex);
  EXPECT_EQ(parse_event_name("All DDL"), EventType::kAllDdl);
  EXPECT_EQ(parse_event_name(""), EventType::kNull);
  EXPECT_EQ(parse_event_name("upsert"), std::nullopt);
  EXPECT_EQ(parse_event_name("create  table"), std::nullopt);
}

}  // namespace
}  // namespace sluice::table_filter
