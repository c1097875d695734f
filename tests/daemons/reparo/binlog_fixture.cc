#include "tests/daemons/reparo/binlog_fixture.h"

#include <gtest/gtest.h>
#include <sluice/sdk/testing/fake_host.h>
#include <sys/wait.h>

#include <chrono>
#include <fstream>

#include "tests/support/child_process.h"

namespace sluice::reparo::testing {
namespace {

using sdk::testing::BatchBuilder;
using sdk::testing::ColumnSpec;
using sdk::testing::FakeConfig;
using sdk::testing::FakeHost;
using sdk::testing::PluginInstance;

std::vector<ColumnSpec> item_columns(bool with_note) {
  std::vector<ColumnSpec> columns = {
      {"id", 8, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "bigint"},
      {"name", 15, 0, "varchar"},
      {"price", 246, 0, "decimal"},
      {"created", 12, 0, "datetime"},
      {"data", 15, SLUICE_COLUMN_BINARY, "varbinary"},
      {"score", 5, 0, "double"}};
  if (with_note) columns.push_back({"note", 15, 0, "varchar"});
  return columns;
}

}  // namespace

void write_binlog_files(const std::filesystem::path& dir, BatchBuilder& builder,
                        int64_t max_file_size) {
  FakeHost host;
  const sluice_plugin_descriptor_t* descriptor =
      host.load_plugin(std::string(FILE_SINK_PLUGIN_DIR) + "/file.so");
  ASSERT_NE(descriptor, nullptr);
  PluginInstance sink(host, descriptor, "file");
  FakeConfig config{{"dir", dir.string()}, {"max-file-size", max_file_size}};
  const auto created = sink.create(config);
  ASSERT_TRUE(created.ok()) << created.describe();
  const auto opened = sink.open(0);
  ASSERT_TRUE(opened.ok()) << opened.describe();
  const auto written = sink.write(builder.build());
  ASSERT_TRUE(written.ok()) << written.describe();
  const auto closed = sink.close();
  ASSERT_TRUE(closed.ok()) << closed.describe();
}

void add_shop_history(BatchBuilder& builder) {
  const size_t items = builder.add_table(
      {"shop", "items", 1, item_columns(false), {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  const size_t items2 = builder.add_table(
      {"shop", "items", 1, item_columns(true), {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  const size_t other =
      builder.add_table({"other",
                         "t",
                         2,
                         {{"id", 3, SLUICE_COLUMN_PRIMARY_KEY | SLUICE_COLUMN_NOT_NULL, "int"},
                          {"v", 15, 0, "varchar"}},
                         {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
  const std::monostate null;
  const std::string odd_bytes("\x00\xff'\\", 4);
  builder.begin_transaction(100, 99, SLUICE_TXN_DDL).ddl("shop", "", "CREATE DATABASE shop");
  builder.begin_transaction(105, 104, SLUICE_TXN_DDL).ddl("other", "", "CREATE DATABASE other");
  builder.begin_transaction(110, 109, SLUICE_TXN_DDL)
      .ddl("shop", "items",
           "CREATE TABLE items (id BIGINT PRIMARY KEY, name VARCHAR(32) NULL, price "
           "DECIMAL(10,2), created DATETIME, data VARBINARY(16) NULL, score DOUBLE NULL)");
  builder.begin_transaction(115, 114, SLUICE_TXN_DDL)
      .ddl("other", "t", "CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(8))");
  builder.begin_transaction(120, 119)
      .insert(items, {int64_t{1}, std::string("apple"), std::string("1.50"),
                      std::string("2024-01-02 03:04:05"), odd_bytes, 0.5})
      .insert(items, {int64_t{2}, std::string("pear"), std::string("20.00"),
                      std::string("2024-02-03 04:05:06"), std::string("ab"), -2.25})
      .insert(items, {int64_t{3}, null, std::string("0.01"), std::string("2024-03-04 05:06:07"),
                      null, 1e10})
      .insert(other, {int64_t{1}, std::string("a")});
  builder.begin_transaction(130, 129)
      .update(items,
              {int64_t{1}, std::string("apple"), std::string("1.50"),
               std::string("2024-01-02 03:04:05"), odd_bytes, 0.5},
              {int64_t{1}, std::string("it's"), std::string("1.50"),
               std::string("2024-01-02 03:04:05"), odd_bytes, 0.5})
      .update(items,
              {int64_t{2}, std::string("pear"), std::string("20.00"),
               std::string("2024-02-03 04:05:06"), std::string("ab"), -2.25},
              {int64_t{20}, std::string("pear"), std::string("20.00"),
               std::string("2024-02-03 04:05:06"), std::string("ab"), -2.25})
      .erase(items, {int64_t{3}, null, std::string("0.01"), std::string("2024-03-04 05:06:07"),
                     null, 1e10});
  builder.begin_transaction(140, 139, SLUICE_TXN_DDL)
      .ddl("shop", "items", "ALTER TABLE items ADD COLUMN note VARCHAR(16) NULL");
  builder.begin_transaction(150, 149)
      .insert(items2,
              {int64_t{4}, std::string("kiwi"), std::string("3.25"),
               std::string("2024-05-06 07:08:09"), std::string("\x01"), null, std::string("new")})
      .update(items2,
              {int64_t{1}, std::string("it's"), std::string("1.50"),
               std::string("2024-01-02 03:04:05"), odd_bytes, 0.5, null},
              {int64_t{1}, std::string("it's"), std::string("1.50"),
               std::string("2024-01-02 03:04:05"), odd_bytes, 0.5, std::string("x")})
      .insert(other, {int64_t{2}, std::string("b")});
  builder.begin_transaction(160, 159).erase(
      items2, {int64_t{20}, std::string("pear"), std::string("20.00"),
               std::string("2024-02-03 04:05:06"), std::string("ab"), -2.25, null});
}

void write_shop_history(const std::filesystem::path& dir, int64_t max_file_size) {
  BatchBuilder builder;
  add_shop_history(builder);
  write_binlog_files(dir, builder, max_file_size);
}

ReparoRun run_reparo_binary(const std::vector<std::string>& args,
                            const std::filesystem::path& work_dir) {
  sluice::testing::ChildProcessOptions options;
  options.argv.push_back(REPARO_BINARY);
  options.argv.insert(options.argv.end(), args.begin(), args.end());
  options.log_file = work_dir / "reparo.log";
  std::filesystem::remove(options.log_file);
  options.pipe_stdout = true;
  sluice::testing::ChildProcess child(options);
  ReparoRun run;
  while (auto line = child.read_stdout_line(std::chrono::seconds(60)))
    run.stdout_lines.push_back(*line);
  const auto status = child.wait_for_exit(std::chrono::seconds(60));
  if (status && WIFEXITED(*status)) run.exit_code = WEXITSTATUS(*status);
  run.log = sluice::testing::read_file_tail(options.log_file, 1 << 20);
  return run;
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

}  // namespace sluice::reparo::testing
