// The secondary-binlog translator (slave.binlog.Binlog, the Kafka format), loaded as the host
// loads it: one small transaction and one DDL against bytes worked out by hand from the protobuf
// wire format and the original's field rules (tidb-binlog-facts.md section 3), and the value
// mapping of every type family, decoded with the generated slave.binlog classes.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>

#include <string>

#include "core/proto/secondary_binlog.pb.h"

namespace {

using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeBuffer;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;

std::string plugin(const std::string& name) {
  return std::string(TRANSLATOR_PLUGIN_DIR) + "/" + name + ".so";
}

std::string hex(const std::string& bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string text;
  for (unsigned char byte : bytes) {
    text.push_back(kDigits[byte >> 4]);
    text.push_back(kDigits[byte & 0xF]);
  }
  return text;
}

// test.t (id int primary key, name varchar(10)).
size_t add_t(BatchBuilder& builder) {
  return builder.add_table(
      {"test",
       "t",
       1,
       {{"id", 3, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int", 11, 0},
        {"name", 15, 0, "varchar", 10, 0}},
       {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
}

TEST(SecondaryBinlogTranslator, InsertUpdateDeleteMatchHandWorkedBytes) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("secondary-binlog")), "sb");
  EXPECT_STREQ(translator.descriptor()->translator->content_type,
               "application/x-protobuf; proto=slave.binlog.Binlog");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  BatchBuilder builder;
  const size_t t = add_t(builder);
  builder.begin_transaction(5, 4)
      .insert(t, {int64_t{1}, std::string("a")})
      .update(t, {int64_t{1}, std::string("a")}, {int64_t{1}, std::string("b")})
      .erase(t, {int64_t{2}, std::monostate{}});
  builder.begin_transaction(7, 6, SLUICE_TXN_DDL).ddl("test", "t", "ALTER TABLE t ADD c int");
  const sluice_batch_t* batch = builder.build();

  // Binlog{type=DML(0), commit_ts=5, dml_data{tables:[Table]}}; sizes in brackets.
  const std::string expected_dml =
      "0800"          // type = DML, always written (gogo nullable=false)
      "1005"          // commit_ts = 5
      "1a79"          // dml_data [121]
      "0a77"          // tables[0] [119]
      "0a0474657374"  // schema_name "test"
      "120174"        // table_name "t"
      // column_info id [15]: name, mysql_type "int", is_primary_key 1, flen 11, decimal 0
      "1a0f"
      "0a026964"
      "1203696e74"
      "1801"
      "200b"
      "2800"
      // column_info name [21]: "varchar", is_primary_key 0, flen 10, decimal 0
      "1a15"
      "0a046e616d65"
      "120776617263686172"
      "1800"
      "200a"
      "2800"
      // mutation Insert [13]: type 0, row [9] = {int64 1}, {string "a"}
      "220d"
      "0800"
      "1209"
      "0a021001"
      "0a03320161"
      // mutation Update [24]: type 1, row = NEW (1, "b"), change_row = OLD (1, "a")
      "2218"
      "0801"
      "1209"
      "0a021001"
      "0a03320162"
      "1a09"
      "0a021001"
      "0a03320161"
      // mutation Delete [12]: type 2, row = OLD (2, NULL): NULL is is_null = true only
      "220c"
      "0802"
      "1208"
      "0a021002"
      "0a020801"
      // unique_keys [13]: name "PRIMARY", column_names ["id"]
      "2a0d"
      "0a075052494d415259"
      "12026964";
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  EXPECT_EQ(hex(out.bytes()), expected_dml);

  // Binlog{type=DDL(1), commit_ts=7, ddl_data{schema_name, table_name, ddl_query}}.
  const std::string expected_ddl =
      "0801"
      "1007"
      "2222"
      "0a0474657374"
      "120174"
      "1a17"
      "414c544552205441424c45207420414444206320696e74";  // "ALTER TABLE t ADD c int"
  ASSERT_TRUE(translator.encode(&batch->transactions[1], out).ok());
  EXPECT_EQ(hex(out.bytes()), expected_ddl);

  // The generated classes read the same bytes back.
  slave::binlog::Binlog ddl;
  ASSERT_TRUE(ddl.ParseFromString(out.bytes()));
  EXPECT_EQ(ddl.type(), slave::binlog::DDL);
  EXPECT_EQ(ddl.ddl_data().ddl_query(), "ALTER TABLE t ADD c int");
  EXPECT_FALSE(ddl.has_time_zone());
}

TEST(SecondaryBinlogTranslator, MapsEachTypeFamilyToTheOriginalsField) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("secondary-binlog")), "sb");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  BatchBuilder builder;
  const size_t table = builder.add_table({"s",
                                          "all",
                                          2,
                                          {{"i", 8, 0, "bigint", 20, 0},
                                           {"u", 8, SLUICE_COLUMN_UNSIGNED, "bigint", 20, 0},
                                           {"d", 5, 0, "double", -1, -1},
                                           {"dec", 246, 0, "decimal", 10, 2},
                                           {"ts", 7, 0, "timestamp", 19, 0},
                                           {"y", 13, 0, "year", 4, 0},
                                           {"txt", 252, 0, "text", 65535, 0},
                                           {"blb", 252, SLUICE_COLUMN_BINARY, "blob", 65535, 0},
                                           {"e", 247, 0, "enum", 1, 0},
                                           {"b", 16, 0, "bit", 12, 0},
                                           {"j", 245, 0, "json", -1, 0}},
                                          {}});
  builder.begin_transaction(9, 8).insert(
      table, {int64_t{-3}, uint64_t{18446744073709551615ull}, 1.5, std::string("12.30"),
              std::string("2021-01-02 03:04:05"), int64_t{2021}, std::string("h\xc3\xa9"),
              std::string("\x00\x01", 2), uint64_t{2}, uint64_t{0x0A0B}, std::string("{\"a\":1}")});
  const sluice_batch_t* batch = builder.build();
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  slave::binlog::Binlog binlog;
  ASSERT_TRUE(binlog.ParseFromString(out.bytes()));
  ASSERT_EQ(binlog.dml_data().tables_size(), 1);
  const auto& t = binlog.dml_data().tables(0);
  EXPECT_EQ(t.unique_keys_size(), 0);
  ASSERT_EQ(t.column_info_size(), 11);
  EXPECT_EQ(t.column_info(2).flen(), -1);  // int32 -1: ten-byte varint, read back as -1
  EXPECT_EQ(t.column_info(3).decimal(), 2);
  const auto& row = t.mutations(0).row();
  ASSERT_EQ(row.columns_size(), 11);
  EXPECT_EQ(row.columns(0).int64_value(), -3);
  EXPECT_FALSE(row.columns(0).has_uint64_value());
  EXPECT_EQ(row.columns(1).uint64_value(), 18446744073709551615ull);
  EXPECT_EQ(row.columns(2).double_value(), 1.5);
  EXPECT_EQ(row.columns(3).string_value(), "12.30");
  EXPECT_EQ(row.columns(4).string_value(), "2021-01-02 03:04:05");
  EXPECT_EQ(row.columns(5).string_value(), "2021");  // YEAR: string_value, as "%v" prints it
  EXPECT_EQ(row.columns(6).string_value(), "h\xc3\xa9");
  EXPECT_EQ(row.columns(7).bytes_value(), std::string("\x00\x01", 2));
  EXPECT_EQ(row.columns(8).uint64_value(), 2u);
  EXPECT_EQ(row.columns(9).bytes_value(), std::string("\x0a\x0b", 2));  // bit(12): 2 bytes BE
  EXPECT_EQ(row.columns(10).bytes_value(), "{\"a\":1}");
  for (int i = 0; i < row.columns_size(); ++i)
    EXPECT_FALSE(row.columns(i).has_is_null()) << i;
  // Only the one value field is set: e.g. the double column has nothing else.
  EXPECT_FALSE(row.columns(2).has_string_value());
}

TEST(SecondaryBinlogTranslator, LongMessagesGetMultiByteLengths) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("secondary-binlog")), "sb");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  BatchBuilder builder;
  const size_t t = add_t(builder);
  builder.begin_transaction(11, 10);
  for (int64_t i = 0; i < 300; ++i)
    builder.insert(t, {i, std::string(static_cast<size_t>(i % 50), 'x')});
  const sluice_batch_t* batch = builder.build();
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  slave::binlog::Binlog binlog;
  ASSERT_TRUE(binlog.ParseFromString(out.bytes()));
  ASSERT_EQ(binlog.dml_data().tables(0).mutations_size(), 300);
  EXPECT_EQ(binlog.dml_data().tables(0).mutations(299).row().columns(1).string_value(),
            std::string(49, 'x'));
  // The generated serializer writes the same bytes (field order and lengths agree).
  EXPECT_EQ(binlog.SerializeAsString(), out.bytes());
}

}  // namespace
