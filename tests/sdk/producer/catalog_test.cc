// Catalog: ids as TiDB assigns them (one global counter for databases, tables, partitions and job
// ids; column and index ids per table), schema versions, the DDL jobs and their statement text.
#include "sdk/producer/catalog.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace sluice::producer {
namespace {

namespace mt = schema::mysql_type;

ColumnSpec int_column(std::string name, bool primary = false) {
  ColumnSpec column;
  column.name = std::move(name);
  column.type = mt::kLonglong;
  column.primary_key = primary;
  return column;
}

ColumnSpec varchar_column(std::string name, int length) {
  ColumnSpec column;
  column.name = std::move(name);
  column.type = mt::kVarchar;
  column.flen = length;
  return column;
}

TEST(Catalog, DatabasesTablesPartitionsAndJobsShareOneCounter) {
  Catalog catalog;
  auto db = catalog.create_database("shop");
  ASSERT_TRUE(db.is_ok()) << db.status().to_string();
  EXPECT_EQ(db->db_info->id, 100);
  EXPECT_EQ(db->id, 101);  // the job's id comes after the object's, as TiDB takes them
  EXPECT_EQ(db->schema_id, 100);
  EXPECT_EQ(db->schema_version, 1);
  EXPECT_EQ(db->type, schema::action::kCreateSchema);
  EXPECT_EQ(db->state, schema::kJobStateSynced);
  EXPECT_EQ(db->query, "CREATE DATABASE `shop`");

  TableSpec spec;
  spec.name = "orders";
  spec.columns = {int_column("id", true), varchar_column("note", 32)};
  spec.partitions = {"p0", "p1"};
  spec.partition_by = "HASH(`id`)";
  auto table = catalog.create_table("shop", spec);
  ASSERT_TRUE(table.is_ok()) << table.status().to_string();
  ASSERT_TRUE(table->table_info.has_value());
  EXPECT_EQ(table->table_info->id, 102);
  ASSERT_EQ(table->table_info->partitions.size(), 2u);
  EXPECT_EQ(table->table_info->partitions[0].id, 103);
  EXPECT_EQ(table->table_info->partitions[1].id, 104);
  EXPECT_EQ(table->id, 105);
  EXPECT_EQ(table->table_id, 102);
  EXPECT_EQ(table->schema_id, 100);
  EXPECT_EQ(table->schema_name, "shop");
  EXPECT_EQ(table->table_name, "orders");
  EXPECT_EQ(table->schema_version, 2);

  TableSpec second;
  second.name = "items";
  second.columns = {int_column("a"), int_column("b"), int_column("c")};
  auto items = catalog.create_table("shop", second);
  ASSERT_TRUE(items.is_ok());
  EXPECT_EQ(items->table_info->id, 106);
  EXPECT_EQ(items->id, 107);
  EXPECT_EQ(items->schema_version, 3);
  // Column ids 1.. in order, offsets 0..
  ASSERT_EQ(items->table_info->columns.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(items->table_info->columns[static_cast<size_t>(i)].id, i + 1);
    EXPECT_EQ(items->table_info->columns[static_cast<size_t>(i)].offset, i);
  }
  EXPECT_EQ(catalog.schema_version(), 3);
}

TEST(Catalog, JobIdsCanHaveTheirOwnCounterAndTheStartIsConfigurable) {
  Catalog catalog(CatalogOptions{
      .first_global_id = 500, .initial_schema_version = 40, .job_ids_from_global_counter = false});
  auto db = catalog.create_database("d");
  ASSERT_TRUE(db.is_ok());
  EXPECT_EQ(db->db_info->id, 500);
  EXPECT_EQ(db->id, 1);
  EXPECT_EQ(db->schema_version, 41);
  auto table = catalog.create_table("d", TableSpec{.name = "t", .columns = {int_column("x")}});
  ASSERT_TRUE(table.is_ok());
  EXPECT_EQ(table->table_info->id, 501);
  EXPECT_EQ(table->id, 2);
  EXPECT_EQ(table->schema_version, 42);
}

TEST(Catalog, SingleIntegerPrimaryKeyIsTheHandle) {
  Catalog catalog;
  ASSERT_TRUE(catalog.create_database("d").is_ok());
  ColumnSpec id = int_column("id", true);
  id.is_unsigned = true;
  auto job =
      catalog.create_table("d", TableSpec{.name = "t",
                                          .columns = {id, varchar_column("name", 16)},
                                          .unique_keys = {{.name = "", .columns = {"name"}}}});
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  const schema::TableInfo& table = *job->table_info;
  EXPECT_TRUE(table.pk_is_handle);
  EXPECT_FALSE(table.is_common_handle);
  ASSERT_NE(table.handle_column(), nullptr);
  EXPECT_EQ(table.handle_column()->name, "id");
  // PRI | NOT NULL | UNSIGNED | BINARY (numbers are charset binary in TiDB).
  EXPECT_EQ(table.columns[0].flag, schema::kPriKeyFlag | schema::kNotNullFlag |
                                       schema::kUnsignedFlag | schema::kBinaryFlag);
  EXPECT_EQ(table.columns[0].flen, 20);
  EXPECT_EQ(table.columns[1].flag, schema::kUniqueKeyFlag);
  EXPECT_EQ(table.columns[1].charset, "utf8mb4");
  EXPECT_EQ(table.columns[1].collate, "utf8mb4_bin");
  // No PRIMARY index for an integer handle; the unique key gets index id 1 and its column's name.
  ASSERT_EQ(table.indices.size(), 1u);
  EXPECT_EQ(table.indices[0].id, 1);
  EXPECT_EQ(table.indices[0].name, "name");
  EXPECT_TRUE(table.indices[0].unique);
  EXPECT_FALSE(table.indices[0].primary);
  EXPECT_EQ(job->query,
            "CREATE TABLE `t` (`id` bigint(20) unsigned NOT NULL, `name` varchar(16), "
            "PRIMARY KEY (`id`), UNIQUE KEY `name` (`name`))");
}

TEST(Catalog, OtherPrimaryKeysAreAnIndexClusteredOnRequest) {
  Catalog catalog;
  ASSERT_TRUE(catalog.create_database("d").is_ok());
  const std::vector<ColumnSpec> columns = {varchar_column("k", 8), int_column("n"),
                                           int_column("v")};
  auto plain = catalog.create_table(
      "d", TableSpec{.name = "plain", .columns = columns, .primary_key = {"k", "n"}});
  ASSERT_TRUE(plain.is_ok()) << plain.status().to_string();
  EXPECT_FALSE(plain->table_info->pk_is_handle);
  EXPECT_FALSE(plain->table_info->is_common_handle);  // TiDB's default: INT_ONLY
  ASSERT_EQ(plain->table_info->indices.size(), 1u);
  const schema::IndexInfo& primary = plain->table_info->indices[0];
  EXPECT_EQ(primary.id, 1);
  EXPECT_EQ(primary.name, "PRIMARY");
  EXPECT_TRUE(primary.primary);
  ASSERT_EQ(primary.columns.size(), 2u);
  EXPECT_EQ(primary.columns[1].name, "n");
  EXPECT_EQ(primary.columns[1].offset, 1);

  auto clustered =
      catalog.create_table("d", TableSpec{.name = "clustered",
                                          .columns = columns,
                                          .primary_key = {"k"},
                                          .primary_key_kind = PrimaryKeyKind::kClustered,
                                          .unique_keys = {{"uv", {"v", "n"}}}});
  ASSERT_TRUE(clustered.is_ok());
  EXPECT_TRUE(clustered->table_info->is_common_handle);
  ASSERT_NE(clustered->table_info->primary_index(), nullptr);
  EXPECT_EQ(clustered->table_info->indices[1].id, 2);
  // The first column of a multi-column unique key is marked MULTIPLE_KEY.
  EXPECT_NE(clustered->table_info->columns[2].flag & schema::kMultipleKeyFlag, 0u);
  EXPECT_EQ(clustered->query,
            "CREATE TABLE `clustered` (`k` varchar(8) NOT NULL, `n` bigint(20), `v` bigint(20), "
            "PRIMARY KEY (`k`) /*T![clustered_index] CLUSTERED */, UNIQUE KEY `uv` (`v`,`n`))");

  auto nonclustered =
      catalog.create_table("d", TableSpec{.name = "rowid",
                                          .columns = {int_column("id", true)},
                                          .primary_key_kind = PrimaryKeyKind::kNonclustered});
  ASSERT_TRUE(nonclustered.is_ok());
  EXPECT_FALSE(nonclustered->table_info->pk_is_handle);
  EXPECT_EQ(nonclustered->table_info->indices.size(), 1u);
}

TEST(Catalog, AddColumnTruncateAndDropTable) {
  Catalog catalog;
  // Database 100 (job 101); table 102 with partition 103 (job 104).
  ASSERT_TRUE(catalog.create_database("d").is_ok());
  ASSERT_TRUE(catalog
                  .create_table("d", TableSpec{.name = "t",
                                               .columns = {int_column("id", true), int_column("a")},
                                               .partitions = {"p0"}})
                  .is_ok());

  ColumnSpec added = int_column("b");
  added.type = mt::kLong;
  added.not_null = true;
  auto add = catalog.add_column("d", "T", added, "7");
  ASSERT_TRUE(add.is_ok()) << add.status().to_string();
  EXPECT_EQ(add->type, schema::action::kAddColumn);
  EXPECT_EQ(add->id, 105);
  EXPECT_EQ(add->schema_version, 3);
  EXPECT_EQ(add->table_id, 102);
  ASSERT_EQ(add->table_info->columns.size(), 3u);
  const schema::ColumnInfo& b = add->table_info->columns[2];
  EXPECT_EQ(b.id, 3);
  EXPECT_EQ(b.offset, 2);
  EXPECT_EQ(b.default_value, "7");
  EXPECT_EQ(b.origin_default_value, "7");
  EXPECT_EQ(add->query, "ALTER TABLE `t` ADD COLUMN `b` int(11) NOT NULL DEFAULT '7'");

  // A NOT NULL column without a default: older rows read the type's zero value.
  ColumnSpec zero = varchar_column("c", 4);
  zero.not_null = true;
  auto add_zero = catalog.add_column("d", "t", zero);
  ASSERT_TRUE(add_zero.is_ok());
  EXPECT_FALSE(add_zero->table_info->columns[3].default_value.has_value());
  EXPECT_EQ(add_zero->table_info->columns[3].origin_default_value, "");

  auto truncate = catalog.truncate_table("d", "t");
  ASSERT_TRUE(truncate.is_ok());
  EXPECT_EQ(truncate->type, schema::action::kTruncateTable);
  EXPECT_EQ(truncate->table_id, 102);        // the truncated table
  EXPECT_EQ(truncate->table_info->id, 107);  // its new id
  EXPECT_EQ(truncate->table_info->partitions[0].id, 108);
  EXPECT_EQ(truncate->id, 109);
  EXPECT_EQ(truncate->schema_version, 5);
  EXPECT_EQ(truncate->query, "TRUNCATE TABLE `t`");
  EXPECT_EQ(catalog.find_table("d", "t")->info->id, 107);

  auto drop = catalog.drop_table("d", "t");
  ASSERT_TRUE(drop.is_ok());
  EXPECT_EQ(drop->type, schema::action::kDropTable);
  EXPECT_EQ(drop->table_id, 107);
  EXPECT_EQ(drop->table_info->state, schema::SchemaState::kNone);
  EXPECT_EQ(drop->schema_version, 6);
  EXPECT_EQ(drop->query, "DROP TABLE `t`");
  EXPECT_EQ(catalog.find_table("d", "t").status().code(), StatusCode::kNotFound);
}

TEST(Catalog, JobJsonRoundTripsThroughTheSchemaParser) {
  Catalog catalog;
  ASSERT_TRUE(catalog.create_database("d").is_ok());
  ColumnSpec price;
  price.name = "price";
  price.type = mt::kNewDecimal;
  price.flen = 12;
  price.decimal = 3;
  price.default_value = "0.000";
  ColumnSpec kind;
  kind.name = "kind";
  kind.type = mt::kEnum;
  kind.elems = {"a", "b"};
  auto job = catalog.create_table(
      "d", TableSpec{.name = "t", .columns = {int_column("id", true), price, kind}});
  ASSERT_TRUE(job.is_ok()) << job.status().to_string();
  auto parsed = schema::parse_ddl_job(schema::to_json(*job).dump());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(schema::to_json(*parsed), schema::to_json(*job));
  EXPECT_EQ(parsed->table_info->columns[1].flen, 12);
  EXPECT_EQ(parsed->table_info->columns[2].elems, (std::vector<std::string>{"a", "b"}));
}

TEST(Catalog, RefusesWhatTiDBRefuses) {
  Catalog catalog;
  ASSERT_TRUE(catalog.create_database("d").is_ok());
  EXPECT_EQ(catalog.create_database("D").status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(catalog.create_table("nope", TableSpec{.name = "t", .columns = {int_column("a")}})
                .status()
                .code(),
            StatusCode::kNotFound);
  ColumnSpec no_length;
  no_length.name = "s";
  no_length.type = mt::kVarchar;
  auto varchar = catalog.create_table("d", TableSpec{.name = "t", .columns = {no_length}});
  EXPECT_EQ(varchar.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(varchar.status().message().find("`s`"), std::string::npos);
  auto duplicate = catalog.create_table(
      "d", TableSpec{.name = "t", .columns = {int_column("a"), int_column("A")}});
  EXPECT_EQ(duplicate.status().code(), StatusCode::kInvalidArgument);
  auto bad_key = catalog.create_table(
      "d", TableSpec{.name = "t", .columns = {int_column("a")}, .primary_key = {"zz"}});
  EXPECT_EQ(bad_key.status().code(), StatusCode::kInvalidArgument);
  ColumnSpec bad_default = int_column("a");
  bad_default.default_value = "abc";
  EXPECT_EQ(
      catalog.create_table("d", TableSpec{.name = "t", .columns = {bad_default}}).status().code(),
      StatusCode::kInvalidArgument);
  // Nothing above took an id or a schema version.
  EXPECT_EQ(catalog.schema_version(), 1);
  auto ok = catalog.create_table("d", TableSpec{.name = "t", .columns = {int_column("a")}});
  ASSERT_TRUE(ok.is_ok());
  EXPECT_EQ(ok->table_info->id, 102);
  EXPECT_EQ(catalog.create_table("d", TableSpec{.name = "T", .columns = {int_column("a")}})
                .status()
                .code(),
            StatusCode::kAlreadyExists);
}

TEST(Catalog, DropDatabaseDropsItsTables) {
  Catalog catalog;
  ASSERT_TRUE(catalog.create_database("d").is_ok());
  ASSERT_TRUE(
      catalog.create_table("d", TableSpec{.name = "t", .columns = {int_column("a")}}).is_ok());
  auto drop = catalog.drop_database("d");
  ASSERT_TRUE(drop.is_ok());
  EXPECT_EQ(drop->type, schema::action::kDropSchema);
  EXPECT_EQ(drop->db_info->state, schema::SchemaState::kNone);
  EXPECT_FALSE(catalog.find_database("d").has_value());
  EXPECT_FALSE(catalog.find_table("d", "t").is_ok());
}

TEST(Catalog, AddIndexTakesTheNextIndexIdAndSetsTiDBsKeyFlags) {
  Catalog catalog;
  ASSERT_TRUE(catalog.create_database("d").is_ok());  // db 100, job 101
  auto created = catalog.create_table(
      "d", TableSpec{.name = "t",
                     .columns = {int_column("id", true), varchar_column("name", 16),
                                 int_column("a"), int_column("b")},
                     .unique_keys = {{.name = "ua", .columns = {"a"}}}});  // table 102, job 103
  ASSERT_TRUE(created.is_ok()) << created.status().to_string();

  auto multi = catalog.add_index("d", "T", IndexSpec{.name = "idx_ba", .columns = {"b", "A"}});
  ASSERT_TRUE(multi.is_ok()) << multi.status().to_string();
  EXPECT_EQ(multi->type, schema::action::kAddIndex);
  EXPECT_EQ(multi->id, 104);
  EXPECT_EQ(multi->schema_version, 3);
  EXPECT_EQ(multi->schema_id, 100);
  EXPECT_EQ(multi->table_id, 102);
  EXPECT_EQ(multi->table_name, "t");
  EXPECT_EQ(multi->state, schema::kJobStateSynced);
  EXPECT_EQ(multi->query, "ALTER TABLE `t` ADD INDEX `idx_ba` (`b`, `a`)");
  ASSERT_TRUE(multi->table_info.has_value());
  ASSERT_EQ(multi->table_info->indices.size(), 2u);
  const schema::IndexInfo& added = multi->table_info->indices[1];
  EXPECT_EQ(added.id, 2);  // after the unique key's 1
  EXPECT_EQ(added.name, "idx_ba");
  EXPECT_FALSE(added.unique);
  EXPECT_FALSE(added.primary);
  ASSERT_EQ(added.columns.size(), 2u);
  EXPECT_EQ(added.columns[0].name, "b");
  EXPECT_EQ(added.columns[0].offset, 3);
  EXPECT_EQ(added.columns[0].length, -1);
  EXPECT_EQ(added.columns[1].name, "a");  // the column's own spelling, not the request's
  EXPECT_EQ(added.columns[1].offset, 2);
  // MULTIPLE_KEY on the first column only; `a` keeps the UNIQUE_KEY of its own unique key.
  EXPECT_EQ(multi->table_info->columns[3].flag, schema::kBinaryFlag | schema::kMultipleKeyFlag);
  EXPECT_EQ(multi->table_info->columns[2].flag, schema::kBinaryFlag | schema::kUniqueKeyFlag);

  auto unique =
      catalog.add_index("d", "t", IndexSpec{.name = "u_name", .columns = {"name"}, .unique = true});
  ASSERT_TRUE(unique.is_ok()) << unique.status().to_string();
  EXPECT_EQ(unique->id, 105);
  EXPECT_EQ(unique->schema_version, 4);
  EXPECT_EQ(unique->query, "ALTER TABLE `t` ADD UNIQUE INDEX `u_name` (`name`)");
  ASSERT_EQ(unique->table_info->indices.size(), 3u);
  EXPECT_EQ(unique->table_info->indices[2].id, 3);
  EXPECT_TRUE(unique->table_info->indices[2].unique);
  EXPECT_EQ(unique->table_info->columns[1].flag, schema::kUniqueKeyFlag);

  auto unique_pair = catalog.add_index(
      "d", "t", IndexSpec{.name = "u_name_b", .columns = {"name", "b"}, .unique = true});
  ASSERT_TRUE(unique_pair.is_ok());
  EXPECT_EQ(unique_pair->query, "ALTER TABLE `t` ADD UNIQUE INDEX `u_name_b` (`name`, `b`)");
  EXPECT_EQ(unique_pair->table_info->columns[1].flag,
            schema::kUniqueKeyFlag | schema::kMultipleKeyFlag);

  // The catalog's layout is the job's.
  auto found = catalog.find_table("d", "t");
  ASSERT_TRUE(found.is_ok());
  EXPECT_EQ(found->info->indices.size(), 4u);

  // The job JSON carries the index; the drainer's parser reads it back.
  auto parsed = schema::parse_ddl_job(schema::to_json(*unique_pair).dump());
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->type, schema::action::kAddIndex);
  ASSERT_EQ(parsed->table_info->indices.size(), 4u);
  EXPECT_EQ(parsed->table_info->indices[3].name, "u_name_b");
  EXPECT_EQ(parsed->table_info->indices[3].columns[1].offset, 3);
}

TEST(Catalog, AddIndexRefusesWhatMariadbRefusesWithoutTakingIds) {
  Catalog catalog;
  ASSERT_TRUE(catalog.create_database("d").is_ok());
  ASSERT_TRUE(catalog
                  .create_table("d", TableSpec{.name = "t",
                                               .columns = {int_column("id", true), int_column("a")},
                                               .unique_keys = {{.name = "ua", .columns = {"a"}}}})
                  .is_ok());
  auto code = [&](const IndexSpec& spec) { return catalog.add_index("d", "t", spec).status(); };
  const Status primary = code(IndexSpec{.name = "Primary", .columns = {"a"}});
  EXPECT_EQ(primary.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(primary.message().find("`Primary`"), std::string::npos) << primary.to_string();
  const Status duplicate = code(IndexSpec{.name = "UA", .columns = {"a"}});
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(duplicate.message().find("duplicate key name `UA`"), std::string::npos);
  EXPECT_NE(duplicate.message().find("add index to `d`.`t`"), std::string::npos)
      << duplicate.to_string();
  const Status unknown = code(IndexSpec{.name = "ix", .columns = {"a", "nope"}});
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.message().find("`nope`"), std::string::npos) << unknown.to_string();
  EXPECT_EQ(code(IndexSpec{.name = "ix", .columns = {"a", "A"}}).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(code(IndexSpec{.name = "ix", .columns = {}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(IndexSpec{.name = "", .columns = {"a"}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(
      catalog.add_index("d", "missing", IndexSpec{.name = "ix", .columns = {"a"}}).status().code(),
      StatusCode::kNotFound);
  // Nothing above took an id, an index id or a schema version.
  EXPECT_EQ(catalog.schema_version(), 2);
  auto ok = catalog.add_index("d", "t", IndexSpec{.name = "ix", .columns = {"a"}});
  ASSERT_TRUE(ok.is_ok()) << ok.status().to_string();
  EXPECT_EQ(ok->id, 104);
  EXPECT_EQ(ok->table_info->indices.back().id, 2);
}

}  // namespace
}  // namespace sluice::producer
