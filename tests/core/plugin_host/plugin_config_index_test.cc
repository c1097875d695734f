// Indexed key paths in a plugin's config: "name[i]" steps into an array, so entries of an array
// of tables ([[ignore-table]] ...) are reachable as "ignore-table[0].db-name".
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>
#include <string>

#include "core/plugin_host/host_api.h"
#include "core/plugin_host/plugin_config.h"

namespace sluice::plugin_host {
namespace {

using ::testing::ElementsAre;

toml::value parse(std::string_view toml_text) {
  std::istringstream input{std::string(toml_text)};
  return toml::parse(input, "drainer.toml");
}

std::string text(sluice_str_t value) {
  return std::string(value.data, value.size);
}

constexpr std::string_view kConfig = R"(name = "plain"
matrix = [[1, 2], [3, 4, 5]]
empty = []
[[replicate-do-table]]
db-name = "shop"
tbl-name = "orders"
[[replicate-do-table]]
db-name = "~^log_"
tbl-name = "events"
[[rules]]
events = ["insert", "delete"]
[rules.source]
schema = "db*"
)";

class PluginConfigIndexTest : public ::testing::Test {
 protected:
  PluginConfig config_{parse(kConfig), "filter[0].config"};

  std::string string_at(std::string_view key) {
    sluice_str_t out{};
    EXPECT_EQ(config_.get_string(key, &out), SLUICE_OK) << key;
    return text(out);
  }
};

TEST_F(PluginConfigIndexTest, ReadsKeysInsideAnArrayOfTables) {
  EXPECT_EQ(string_at("replicate-do-table[0].db-name"), "shop");
  EXPECT_EQ(string_at("replicate-do-table[0].tbl-name"), "orders");
  EXPECT_EQ(string_at("replicate-do-table[1].db-name"), "~^log_");
  EXPECT_EQ(string_at("rules[0].source.schema"), "db*");
}

TEST_F(PluginConfigIndexTest, TypesAndSizes) {
  EXPECT_EQ(config_.type("replicate-do-table"), SLUICE_CONFIG_ARRAY);
  EXPECT_EQ(config_.type("replicate-do-table[0]"), SLUICE_CONFIG_TABLE);
  EXPECT_EQ(config_.type("replicate-do-table[1]"), SLUICE_CONFIG_TABLE);
  EXPECT_EQ(config_.type("replicate-do-table[2]"), SLUICE_CONFIG_ABSENT);
  EXPECT_EQ(config_.type("replicate-do-table[1].tbl-name"), SLUICE_CONFIG_STRING);
  EXPECT_EQ(config_.type("rules[0].events"), SLUICE_CONFIG_ARRAY);
  size_t size = 0;
  ASSERT_EQ(config_.array_size("replicate-do-table", &size), SLUICE_OK);
  EXPECT_EQ(size, 2u);
  ASSERT_EQ(config_.array_size("rules", &size), SLUICE_OK);
  EXPECT_EQ(size, 1u);
  ASSERT_EQ(config_.array_size("rules[0].events", &size), SLUICE_OK);
  EXPECT_EQ(size, 2u);
  sluice_str_t item{};
  ASSERT_EQ(config_.get_string_at("rules[0].events", 1, &item), SLUICE_OK);
  EXPECT_EQ(text(item), "delete");
  // An array of tables has no string items.
  EXPECT_EQ(config_.get_string_at("replicate-do-table", 0, &item), SLUICE_INVALID_CONFIG);
}

TEST_F(PluginConfigIndexTest, NestedArrays) {
  int64_t value = 0;
  ASSERT_EQ(config_.get_int("matrix[1][2]", &value), SLUICE_OK);
  EXPECT_EQ(value, 5);
  ASSERT_EQ(config_.get_int("matrix[0][1]", &value), SLUICE_OK);
  EXPECT_EQ(value, 2);
  size_t size = 0;
  ASSERT_EQ(config_.array_size("matrix[1]", &size), SLUICE_OK);
  EXPECT_EQ(size, 3u);
  EXPECT_EQ(config_.type("matrix[0][2]"), SLUICE_CONFIG_ABSENT);
}

TEST_F(PluginConfigIndexTest, MalformedOrOutOfRangePathsAreAbsent) {
  for (const char* key :
       {"replicate-do-table[", "replicate-do-table[]", "replicate-do-table[x]",
        "replicate-do-table[0", "replicate-do-table[0]]", "replicate-do-table[0]x",
        "replicate-do-table[-1]", "replicate-do-table[ 0]", "replicate-do-table.[0]", "[0].db-name",
        "replicate-do-table[99999999999999999999999].db-name", "name[0]", "empty[0]",
        "replicate-do-table[0].", "replicate-do-table[0]..db-name"}) {
    EXPECT_EQ(config_.type(key), SLUICE_CONFIG_ABSENT) << key;
    sluice_str_t out{};
    EXPECT_EQ(config_.get_string(key, &out), SLUICE_INVALID_CONFIG) << key;
  }
  // Plain dotted keys still work.
  EXPECT_EQ(string_at("name"), "plain");
}

TEST_F(PluginConfigIndexTest, UnreadKeysInsideArraysOfTablesAreNamedByIndex) {
  string_at("replicate-do-table[0].db-name");
  string_at("replicate-do-table[0].tbl-name");
  string_at("replicate-do-table[1].db-name");
  config_.type("rules[0].events");
  config_.type("name");
  config_.type("matrix");
  EXPECT_THAT(config_.unread_keys(),
              ElementsAre("empty", "replicate-do-table[1].tbl-name", "rules[0].source.schema"));
}

TEST_F(PluginConfigIndexTest, LocationOfAnIndexedKey) {
  EXPECT_EQ(config_.location("replicate-do-table[1].tbl-name"), "drainer.toml:9");
}

TEST_F(PluginConfigIndexTest, ThroughTheHostApi) {
  const sluice_host_api_t* api = host_api();
  const sluice_config_t* handle = config_.handle();
  const std::string key = "replicate-do-table[1].tbl-name";
  sluice_str_t out{};
  ASSERT_EQ(api->config_get_string(handle, {key.data(), key.size()}, &out), SLUICE_OK);
  EXPECT_EQ(text(out), "events");
  const std::string entry = "replicate-do-table[0]";
  EXPECT_EQ(api->config_type(handle, {entry.data(), entry.size()}), SLUICE_CONFIG_TABLE);
  const std::string array = "replicate-do-table";
  size_t size = 0;
  ASSERT_EQ(api->config_array_size(handle, {array.data(), array.size()}, &size), SLUICE_OK);
  EXPECT_EQ(size, 2u);
}

}  // namespace
}  // namespace sluice::plugin_host
