// The canal-json translator, loaded as the host loads it, against lines worked out by hand from
// the shape documented in plugins/translators/canal_json/canal_json_translator.cc.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>

#include <string>

namespace {

using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeBuffer;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;

std::string plugin(const std::string& name) {
  return std::string(TRANSLATOR_PLUGIN_DIR) + "/" + name + ".so";
}

// commit_ts with physical time 1000 ms and logical 5.
constexpr int64_t kCommitTs = (int64_t{1000} << 18) + 5;

TEST(CanalJsonTranslator, RowsGroupedByRunOfTableAndType) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("canal-json")), "canal");
  EXPECT_STREQ(translator.descriptor()->translator->content_type, "application/json");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  BatchBuilder builder;
  const size_t t = builder.add_table(
      {"test",
       "t",
       1,
       {{"id", 3, SLUICE_COLUMN_PRIMARY_KEY, "int", 11, 0}, {"name", 15, 0, "varchar", 10, 0}},
       {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  builder.begin_transaction(kCommitTs, kCommitTs - 1)
      .insert(t, {int64_t{1}, std::string("a")})
      .insert(t, {int64_t{3}, std::string("\xc3\xa9")})
      .update(t, {int64_t{1}, std::string("a")}, {int64_t{1}, std::string("b")})
      .erase(t, {int64_t{2}, std::monostate{}});
  builder.begin_transaction(kCommitTs + 1, kCommitTs, SLUICE_TXN_DDL)
      .ddl("test", "t", "DROP TABLE t");
  const sluice_batch_t* batch = builder.build();
  const std::string head =
      R"~({"id":0,"database":"test","table":"t","pkNames":["id"],"isDdl":false,)~";
  const std::string types = R"~("es":1000,"ts":1000,"sql":"","sqlType":{"id":4,"name":12},)~"
                            R"~("mysqlType":{"id":"int","name":"varchar(10)"},)~";
  const std::string tail = R"~(,"_tidb":{"commitTs":262144005}})~"
                           "\n";
  const std::string expected =
      head + R"~("type":"INSERT",)~" + types +
      R"~("data":[{"id":"1","name":"a"},{"id":"3","name":")~" + "\xc3\xa9" + R"~("}],"old":null)~" +
      tail + head + R"~("type":"UPDATE",)~" + types +
      R"~("data":[{"id":"1","name":"b"}],"old":[{"id":"1","name":"a"}])~" + tail + head +
      R"~("type":"DELETE",)~" + types + R"~("data":[{"id":"2","name":null}],"old":null)~" + tail;
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  EXPECT_EQ(out.bytes(), expected);

  ASSERT_TRUE(translator.encode(&batch->transactions[1], out).ok());
  EXPECT_EQ(out.bytes(),
            R"~({"id":0,"database":"test","table":"t","pkNames":null,"isDdl":true,)~"
            R"~("type":"ERASE","es":1000,"ts":1000,"sql":"DROP TABLE t","sqlType":null,)~"
            R"~("mysqlType":null,"data":null,"old":null,"_tidb":{"commitTs":262144006}})~"
            "\n");
}

TEST(CanalJsonTranslator, EnumSetBinaryAndNumbersAsText) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("canal-json")), "canal");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  BatchBuilder builder;
  sluice::sdk::testing::ColumnSpec e{"e", 247, 0, "enum"};
  e.elements_text = "red,green";
  sluice::sdk::testing::ColumnSpec s{"s", 248, 0, "set"};
  s.elements_text = "x,y,z";
  const size_t t = builder.add_table({"d",
                                      "v",
                                      2,
                                      {e,
                                       s,
                                       {"b", 254, SLUICE_COLUMN_BINARY, "binary", 2, 0},
                                       {"u", 8, SLUICE_COLUMN_UNSIGNED, "bigint", 20, 0},
                                       {"f", 5, 0, "double", -1, -1},
                                       {"m", 246, 0, "decimal", 10, 2}},
                                      {}});
  builder.begin_transaction(kCommitTs, 1)
      .insert(t, {uint64_t{2}, uint64_t{5}, std::string("\x00\xff", 2),
                  uint64_t{18446744073709551615ull}, 0.1, std::string("1.20")});
  const sluice_batch_t* batch = builder.build();
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  EXPECT_EQ(out.bytes(),
            R"~({"id":0,"database":"d","table":"v","pkNames":null,"isDdl":false,"type":"INSERT",)~"
            R"~("es":1000,"ts":1000,"sql":"","sqlType":{"e":4,"s":4,"b":2004,"u":-5,"f":8,"m":3},)~"
            R"~("mysqlType":{"e":"enum","s":"set","b":"binary(2)","u":"bigint unsigned",)~"
            R"~("f":"double","m":"decimal(10,2)"},"data":[{"e":"green","s":"x,z","b":"\u0000)~"
            "\xc3\xbf"  // byte FF as ISO-8859-1: U+00FF
            R"~(","u":"18446744073709551615","f":"0.1","m":"1.20"}],"old":null,)~"
            R"~("_tidb":{"commitTs":262144005}})~"
            "\n");
}

}  // namespace
