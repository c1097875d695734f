#include "core/config/config_document.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace sluice::config {
namespace {

std::shared_ptr<ConfigDocument> parse(std::string_view text, std::string name = "pump.toml") {
  auto document = ConfigDocument::parse_string(text, std::move(name));
  EXPECT_TRUE(document.is_ok()) << document.status().to_string();
  return document.value();
}

bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

TEST(ConfigDocument, ReadsTypedValuesAndKeepsDefaultsForAbsentKeys) {
  auto document = parse(R"(
addr = "127.0.0.1:8250"
heartbeat-interval = 2
gc-ratio = 0.5
[storage]
sync-log = false
)");
  auto root = document->root();
  std::string addr;
  int heartbeat = 0;
  double ratio = 0;
  std::string absent = "default";
  ASSERT_TRUE(root.read("addr", addr).is_ok());
  ASSERT_TRUE(root.read("heartbeat-interval", heartbeat).is_ok());
  ASSERT_TRUE(root.read("gc-ratio", ratio).is_ok());
  ASSERT_TRUE(root.read("data-dir", absent).is_ok());
  EXPECT_EQ(addr, "127.0.0.1:8250");
  EXPECT_EQ(heartbeat, 2);
  EXPECT_DOUBLE_EQ(ratio, 0.5);
  EXPECT_EQ(absent, "default");

  auto storage = root.section("storage");
  ASSERT_TRUE(storage.is_ok());
  bool sync_log = true;
  ASSERT_TRUE(storage->read("sync-log", sync_log).is_ok());
  EXPECT_FALSE(sync_log);
  EXPECT_TRUE(document->unknown_keys().empty());
}

TEST(ConfigDocument, TypeErrorNamesFileLineAndKey) {
  auto document = parse("addr = 1\n[storage]\nsync-log = \"yes\"\n");
  auto storage = document->root().section("storage");
  ASSERT_TRUE(storage.is_ok());
  bool sync_log = true;
  const Status status = storage->read("sync-log", sync_log);
  ASSERT_FALSE(status.is_ok());
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(contains(status.message(), "pump.toml:3")) << status.message();
  EXPECT_TRUE(contains(status.message(), "'storage.sync-log'")) << status.message();
  EXPECT_TRUE(contains(status.message(), "must be a boolean")) << status.message();
  EXPECT_TRUE(contains(status.message(), "found a string")) << status.message();
}

TEST(ConfigDocument, UnknownKeysAreReportedWithDottedPaths) {
  auto document = parse(R"(
addr = "x"
adr = "typo"
[storage]
sync-log = true
sync-lgo = true
[never-read]
a = 1
)");
  auto root = document->root();
  std::string addr;
  ASSERT_TRUE(root.read("addr", addr).is_ok());
  auto storage = root.section("storage");
  ASSERT_TRUE(storage.is_ok());
  bool sync_log = false;
  ASSERT_TRUE(storage->read("sync-log", sync_log).is_ok());
  const auto unknown = document->unknown_keys();
  EXPECT_EQ(unknown, (std::vector<std::string>{"adr", "never-read", "storage.sync-lgo"}));
  EXPECT_EQ(document->warn_unknown_keys(), 3u);
}

TEST(ConfigDocument, ArrayOfTablesAndOpaquePluginConfig) {
  auto document = parse(R"(
[[sink]]
name = "files"
plugin = "file"
[sink.config]
dir = "/tmp/x"
anything = 3

[[sink]]
name = "db"
plugin = "mysql"
colour = "typo"
)");
  auto sinks = document->root().sections("sink");
  ASSERT_TRUE(sinks.is_ok());
  ASSERT_EQ(sinks->size(), 2u);
  std::string name;
  ASSERT_TRUE((*sinks)[0].read("name", name).is_ok());
  EXPECT_EQ(name, "files");
  std::string plugin;
  ASSERT_TRUE((*sinks)[0].read("plugin", plugin).is_ok());
  (*sinks)[0].mark_opaque("config");
  ASSERT_NE((*sinks)[0].raw("config"), nullptr);
  EXPECT_TRUE((*sinks)[0].raw("config")->is_table());
  ASSERT_TRUE((*sinks)[1].read("name", name).is_ok());
  ASSERT_TRUE((*sinks)[1].read("plugin", plugin).is_ok());
  EXPECT_EQ(document->unknown_keys(), (std::vector<std::string>{"sink[1].colour"}));
}

TEST(ConfigDocument, SyntaxErrorNamesFileAndLine) {
  auto document = ConfigDocument::parse_string("a = 1\nb = = 2\n", "drainer.toml");
  ASSERT_FALSE(document.is_ok());
  EXPECT_TRUE(contains(document.status().message(), "drainer.toml")) << document.status().message();
  EXPECT_TRUE(contains(document.status().message(), "2")) << document.status().message();
}

TEST(ConfigDocument, MissingFileIsNotFound) {
  auto document = ConfigDocument::load_file("/nonexistent/sluice.toml");
  ASSERT_FALSE(document.is_ok());
  EXPECT_EQ(document.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(contains(document.status().message(), "/nonexistent/sluice.toml"));
}

TEST(ConfigDocument, LoadsFromFileAndNamesItInErrors) {
  const auto path = std::filesystem::temp_directory_path() / "sluice_config_test.toml";
  {
    std::ofstream out(path);
    out << "port = \"eighty\"\n";
  }
  auto document = ConfigDocument::load_file(path);
  ASSERT_TRUE(document.is_ok()) << document.status().to_string();
  int port = 0;
  const Status status = (*document)->root().read("port", port);
  std::filesystem::remove(path);
  ASSERT_FALSE(status.is_ok());
  EXPECT_TRUE(contains(status.message(), path.string() + ":1")) << status.message();
}

TEST(ConfigDocument, IntegerRangeAndSignChecks) {
  auto document = parse("big = 9999999999\nnegative = -1\n");
  auto root = document->root();
  int narrow = 0;
  EXPECT_FALSE(root.read("big", narrow).is_ok());
  uint64_t unsigned_value = 0;
  const Status status = root.read("negative", unsigned_value);
  ASSERT_FALSE(status.is_ok());
  EXPECT_TRUE(contains(status.message(), "must not be negative"));
}

TEST(ConfigDocument, ArraysOfStringsAndIntegers) {
  auto document = parse("dbs = [\"a\", \"b\"]\nts = [1, 2]\nmixed = [\"a\", 1]\n");
  auto root = document->root();
  std::vector<std::string> dbs;
  std::vector<int64_t> ts;
  ASSERT_TRUE(root.read("dbs", dbs).is_ok());
  ASSERT_TRUE(root.read("ts", ts).is_ok());
  EXPECT_EQ(dbs, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(ts, (std::vector<int64_t>{1, 2}));
  std::vector<std::string> mixed;
  EXPECT_FALSE(root.read("mixed", mixed).is_ok());
}

TEST(ConfigDocument, GetReturnsOptional) {
  auto document = parse("level = \"debug\"\n");
  auto root = document->root();
  auto level = root.get<std::string>("level");
  ASSERT_TRUE(level.is_ok());
  EXPECT_EQ(level->value_or(""), "debug");
  auto missing = root.get<std::string>("file");
  ASSERT_TRUE(missing.is_ok());
  EXPECT_FALSE(missing->has_value());
  EXPECT_TRUE(document->unknown_keys().empty());
}

}  // namespace
}  // namespace sluice::config
