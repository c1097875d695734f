// The translator plugins loaded from build/bin/plugins through the SDK's fake host: the jsonl
// line against text worked out by hand, the pb-binlog translator against the file sink's own
// encoding (decoded with the generated pb_binlog classes), and the file sink writing through each
// translator in the binlog file framing.
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>

#include "core/proto/pb_binlog.pb.h"
#include "plugins/file/binlog_file_reader.h"

namespace {

namespace fs = std::filesystem;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeBuffer;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;

std::string plugin(const std::string& name) {
  return std::string(TRANSLATOR_PLUGIN_DIR) + "/" + name + ".so";
}

// test.items with one column of each value kind, and test.kv for update/delete.
struct Tables {
  size_t items;
  size_t kv;
};

Tables add_tables(BatchBuilder& builder) {
  Tables tables;
  tables.items = builder.add_table({"test",
                                    "items",
                                    1,
                                    {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint"},
                                     {"u", 8, SLUICE_COLUMN_UNSIGNED, "bigint"},
                                     {"price", 246, 0, "decimal"},
                                     {"bin", 252, SLUICE_COLUMN_BINARY, "blob"},
                                     {"name", 15, 0, "varchar"},
                                     {"d", 5, 0, "double"},
                                     {"n", 3, 0, "int"}},
                                    {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  tables.kv =
      builder.add_table({"test", "kv", 2, {{"k", 3, 0, "int"}, {"v", 15, 0, "varchar"}}, {}});
  return tables;
}

void add_sample(BatchBuilder& builder) {
  const Tables tables = add_tables(builder);
  builder.begin_transaction(1000, 990)
      .insert(tables.items, {int64_t{-7}, std::numeric_limits<uint64_t>::max(), std::string("1.50"),
                             std::string("\x00\xff\x10", 3),
                             std::string("a\xff"
                                         "b\"\n"),
                             std::nan(""), std::monostate{}})
      .insert(tables.items, {int64_t{8}, uint64_t{0}, std::string("-0.01"), std::string("\xfb"),
                             std::string("\xc3\xa9t\xc3\xa9"), 0.25, int64_t{3}})
      .update(tables.kv, {int64_t{1}, std::string("x")}, {int64_t{1}, std::string("y")})
      .erase(tables.kv, {int64_t{2}, std::monostate{}});
  builder.begin_transaction(1010, 1005, SLUICE_TXN_DDL)
      .ddl("test", "kv", "ALTER TABLE kv ADD COLUMN w int");
}

// The sample of add_sample() and the transactions of its batch.
struct Sample {
  BatchBuilder builder;
  const sluice_batch_t* batch = nullptr;
  Sample() {
    add_sample(builder);
    batch = builder.build();
  }
};

TEST(JsonlTranslator, EncodesTheDocumentedShape) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("jsonl")), "jsonl");
  ASSERT_EQ(translator.descriptor()->kind, static_cast<uint32_t>(SLUICE_KIND_TRANSLATOR));
  EXPECT_STREQ(translator.descriptor()->translator->content_type, "application/x-ndjson");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  const Sample sample;
  const sluice_batch_t* batch = sample.batch;
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  // Worked out by hand from the shape in plugins/translators/jsonl/jsonl_translator.cc: integers
  // exact, the binary column in base64 (00 FF 10 -> "AP8Q", FB -> "+w=="), the invalid byte FF
  // replaced by U+FFFD (EF BF BD), quote and newline escaped, NaN as null, NULL as null.
  const std::string expected =
      R"({"commit_ts":1000,"start_ts":990,"events":[)"
      R"({"type":"insert","schema":"test","table":"items","new":{"id":-7,)"
      R"("u":18446744073709551615,"price":"1.50","bin":"AP8Q","name":"a)"
      "\xEF\xBF\xBD"
      R"(b\"\n","d":null,"n":null}},)"
      R"({"type":"insert","schema":"test","table":"items","new":{"id":8,"u":0,"price":"-0.01",)"
      R"("bin":"+w==","name":")"
      "\xC3\xA9t\xC3\xA9"  // valid UTF-8 is copied as is
      R"(","d":0.25,"n":3}},)"
      R"({"type":"update","schema":"test","table":"kv","old":{"k":1,"v":"x"},)"
      R"("new":{"k":1,"v":"y"}},)"
      R"({"type":"delete","schema":"test","table":"kv","old":{"k":2,"v":null}}]})"
      "\n";
  EXPECT_EQ(out.bytes(), expected);

  ASSERT_TRUE(translator.encode(&batch->transactions[1], out).ok());
  EXPECT_EQ(out.bytes(),
            R"({"commit_ts":1010,"start_ts":1005,"events":[{"type":"ddl","schema":"test",)"
            R"("table":"kv","query":"ALTER TABLE kv ADD COLUMN w int"}]})"
            "\n");
  // Every line parses as JSON.
  EXPECT_TRUE(nlohmann::json::accept(out.bytes()));
}

TEST(JsonlTranslator, Base64PadsEveryRemainder) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("jsonl")), "jsonl");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  BatchBuilder builder;
  const size_t table =
      builder.add_table({"s", "b", 1, {{"b", 252, SLUICE_COLUMN_BINARY, "blob"}}, {}});
  builder.begin_transaction(5, 4)
      .insert(table, {std::string("")})
      .insert(table, {std::string("a")})
      .insert(table, {std::string("ab")})
      .insert(table, {std::string("abc")})
      .insert(table, {std::string("abcd")});
  const sluice_batch_t* batch = builder.build();
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  const auto line = nlohmann::json::parse(out.bytes());
  std::vector<std::string> encoded;
  for (const auto& event : line["events"])
    encoded.push_back(event["new"]["b"]);
  EXPECT_EQ(encoded, (std::vector<std::string>{"", "YQ==", "YWI=", "YWJj", "YWJjZA=="}));
}

TEST(PbBinlogTranslator, EncodesWhatTheFileSinkWritesByDefault) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin("pb-binlog")), "pb");
  EXPECT_STREQ(translator.descriptor()->translator->content_type,
               "application/x-protobuf; proto=pb_binlog.Binlog");
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  const Sample sample;
  const sluice_batch_t* batch = sample.batch;
  FakeBuffer out;
  ASSERT_TRUE(translator.encode(&batch->transactions[0], out).ok());
  pb_binlog::Binlog dml;
  ASSERT_TRUE(dml.ParseFromString(out.bytes()));
  EXPECT_EQ(dml.tp(), pb_binlog::DML);
  EXPECT_EQ(dml.commit_ts(), 1000);
  ASSERT_EQ(dml.dml_data().events_size(), 4);
  pb_binlog::column u;
  ASSERT_TRUE(u.ParseFromString(dml.dml_data().events(0).row(1)));
  EXPECT_EQ(u.name(), "u");
  EXPECT_EQ(u.mysql_type(), "bigint");
  // uvarintFlag 9 + uvarint(2^64 - 1): nine 0xFF then 0x01.
  EXPECT_EQ(u.value(), std::string("\x09\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", 11));
  pb_binlog::column v;
  ASSERT_TRUE(v.ParseFromString(dml.dml_data().events(2).row(1)));
  EXPECT_EQ(v.value(), std::string("\x02\x02x", 3));
  EXPECT_EQ(v.changed_value(), std::string("\x02\x02y", 3));

  ASSERT_TRUE(translator.encode(&batch->transactions[1], out).ok());
  pb_binlog::Binlog ddl;
  ASSERT_TRUE(ddl.ParseFromString(out.bytes()));
  EXPECT_EQ(ddl.tp(), pb_binlog::DDL);
  EXPECT_EQ(ddl.ddl_query(), "use `test`; ALTER TABLE kv ADD COLUMN w int;");
}

// The file sink with a translator plugin behind host->translate: each record's payload is
// exactly what the translator produced.
void expect_sink_writes_translator_output(const std::string& translator_name) {
  FakeHost host;
  PluginInstance translator(host, host.load_plugin(plugin(translator_name)), translator_name);
  ASSERT_TRUE(translator.create(FakeConfig{}).ok());
  host.set_translate_hook([&](const sluice_transaction_t& transaction, std::string& out) {
    FakeBuffer buffer;
    const auto result = translator.encode(&transaction, buffer);
    out = buffer.bytes();
    return result.status;
  });
  const fs::path dir =
      fs::path(TRANSLATOR_TEST_WORK_DIR) / (translator_name + "-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  PluginInstance sink(host, host.load_plugin(plugin("file")), "files");
  ASSERT_TRUE(sink.create(FakeConfig{{"dir", dir.string()}}).ok());
  ASSERT_TRUE(sink.open(0).ok());
  BatchBuilder builder;
  add_sample(builder);
  const sluice_batch_t* batch = builder.build();
  ASSERT_TRUE(sink.write(batch).ok());
  ASSERT_TRUE(sink.close().ok());

  auto payloads = sluice::file::read_binlog_directory(dir);
  ASSERT_TRUE(payloads.is_ok()) << payloads.status().to_string();
  ASSERT_EQ(payloads->size(), batch->transaction_count);
  for (size_t i = 0; i < batch->transaction_count; ++i) {
    FakeBuffer expected;
    ASSERT_TRUE(translator.encode(&batch->transactions[i], expected).ok());
    EXPECT_EQ((*payloads)[i], expected.bytes());
  }
  sink.destroy();
  fs::remove_all(dir);
}

TEST(TranslatorsInTheFileSink, JsonlLinesInBinlogFraming) {
  expect_sink_writes_translator_output("jsonl");
}

TEST(TranslatorsInTheFileSink, PbBinlogTranslatorEqualsTheBuiltInEncoding) {
  expect_sink_writes_translator_output("pb-binlog");
}

}  // namespace
