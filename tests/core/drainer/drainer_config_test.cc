// drainer.toml: the original's keys, Sluice's additions, refusals that name the key, and the
// mapping of an original [syncer] db-type / [syncer.to] onto sink and filter plugins.
#include "core/drainer/drainer_config.h"

#include <gtest/gtest.h>

#include "core/drainer/legacy_syncer_mapping.h"

namespace sluice::drainer {
namespace {

DrainerConfig must_parse(const std::string& text) {
  auto config = parse_drainer_config(text, "drainer.toml");
  EXPECT_TRUE(config.is_ok()) << config.status().to_string();
  return config.is_ok() ? std::move(config).value() : DrainerConfig{};
}

std::string must_fail(const std::string& text) {
  auto config = parse_drainer_config(text, "drainer.toml");
  EXPECT_FALSE(config.is_ok());
  return config.is_ok() ? std::string() : config.status().message();
}

TEST(DrainerConfigTest, DefaultsAreTheOriginals) {
  DrainerConfig config = must_parse("");
  EXPECT_EQ(config.addr, "127.0.0.1:8249");
  EXPECT_EQ(config.data_dir, "data.drainer");
  EXPECT_EQ(config.detect_interval, std::chrono::seconds(5));
  EXPECT_EQ(config.initial_commit_ts, -1);
  EXPECT_EQ(config.synced_check_time, std::chrono::minutes(5));
  EXPECT_FALSE(config.safe_mode);
  EXPECT_EQ(config.effective_status_addr(), "127.0.0.1:8250");
}

TEST(DrainerConfigTest, ReadsTheOriginalSampleKeys) {
  DrainerConfig config = must_parse(R"(
addr = "127.0.0.1:9249"
advertise-addr = "10.0.0.5:9249"
node-id = "drainer-1"
data-dir = "/var/lib/drainer"
detect-interval = 10
pd-urls = "http://127.0.0.1:2379"
initial-commit-ts = 400000000000000000
compressor = ""
synced-check-time = 7
log-file = "drainer.log"
log-level = "debug"
[security]
ssl-ca = "/ca.pem"
ssl-cert = "/drainer.pem"
ssl-key = "/drainer-key.pem"
cert-allowed-cn = ["pump"]
[syncer]
db-type = "file"
safe-mode = true
ignore-txn-commit-ts = [1, 2]
ignore-schemas = "INFORMATION_SCHEMA,PERFORMANCE_SCHEMA,mysql"
txn-batch = 20
worker-count = 16
[syncer.to]
dir = "/data/pb"
)");
  EXPECT_EQ(config.addr, "127.0.0.1:9249");
  EXPECT_EQ(config.advertised(), "10.0.0.5:9249");
  EXPECT_EQ(config.detect_interval, std::chrono::seconds(10));
  EXPECT_EQ(config.initial_commit_ts, 400000000000000000);
  EXPECT_EQ(config.synced_check_time, std::chrono::minutes(7));
  EXPECT_EQ(config.security.allowed_cn, std::vector<std::string>{"pump"});
  EXPECT_TRUE(config.safe_mode);
  EXPECT_EQ(config.ignore_txn_commit_ts, (std::set<int64_t>{1, 2}));
  EXPECT_EQ(config.db_type, "file");
  EXPECT_TRUE(config.document->unknown_keys().empty())
      << ::testing::PrintToString(config.document->unknown_keys());
}

TEST(DrainerConfigTest, RefusesBadValuesNamingTheKey) {
  EXPECT_NE(must_fail("initial-commit-ts = -5").find("initial-commit-ts"), std::string::npos);
  EXPECT_NE(must_fail("compressor = \"zstd\"").find("compressor"), std::string::npos);
  EXPECT_NE(must_fail("detect-interval = \"soon\"").find("detect-interval"), std::string::npos);
  EXPECT_NE(must_fail("sink-queue = 0").find("sink-queue"), std::string::npos);
  EXPECT_NE(must_fail("addr = \"0.0.0.0:8249\"").find("advertise-addr"), std::string::npos);
  EXPECT_NE(must_fail("[security]\nssl-ca = \"/ca.pem\"").find("ssl-key"), std::string::npos);
  EXPECT_NE(must_fail("[syncer]\nsafe-mode = \"yes\"").find("syncer.safe-mode"), std::string::npos);
}

TEST(DrainerConfigTest, UnknownKeysAreReported) {
  DrainerConfig config = must_parse("detect-intervall = 3\n[syncer]\nsafe-mod = true\n");
  auto unknown = config.document->unknown_keys();
  EXPECT_NE(std::find(unknown.begin(), unknown.end(), "detect-intervall"), unknown.end());
  EXPECT_NE(std::find(unknown.begin(), unknown.end(), "syncer.safe-mod"), unknown.end());
}

std::string sink_plugin(const DrainerConfig& config) {
  const auto& root = config.document->mutable_root();
  return root.at("sink").as_array().at(0).at("plugin").as_string().str;
}

TEST(LegacySyncerMappingTest, EachDbTypeBecomesItsSinkPlugin) {
  for (const auto& [db_type, plugin] :
       std::vector<std::pair<std::string, std::string>>{{"mysql", "mysql"},
                                                        {"tidb", "tidb"},
                                                        {"kafka", "kafka"},
                                                        {"file", "file"},
                                                        {"pb", "file"}}) {
    DrainerConfig config = must_parse("[syncer]\ndb-type = \"" + db_type + "\"\n");
    ASSERT_TRUE(apply_legacy_mapping(config).is_ok()) << db_type;
    EXPECT_EQ(sink_plugin(config), plugin) << db_type;
    const auto& sink = config.document->mutable_root().at("sink").as_array().at(0);
    EXPECT_EQ(sink.at("name").as_string().str, db_type);
  }
  // No db-type: the original's default, mysql.
  DrainerConfig config = must_parse("[syncer]\nworker-count = 4\n");
  ASSERT_TRUE(apply_legacy_mapping(config).is_ok());
  EXPECT_EQ(sink_plugin(config), "mysql");
}

TEST(LegacySyncerMappingTest, SyncerKeysGoToTheSinkAndFilterConfigs) {
  DrainerConfig config = must_parse(R"(
data-dir = "/var/lib/d"
[syncer]
db-type = "mysql"
txn-batch = 50
worker-count = 8
replicate-do-db = ["shop"]
[[syncer.ignore-table]]
db-name = "shop"
tbl-name = "tmp"
[syncer.to]
host = "10.0.0.9"
port = 3306
worker-count = 2
)");
  ASSERT_TRUE(apply_legacy_mapping(config).is_ok());
  const auto& root = config.document->mutable_root();
  const auto& sink_config = root.at("sink").as_array().at(0).at("config");
  EXPECT_EQ(sink_config.at("host").as_string().str, "10.0.0.9");
  EXPECT_EQ(sink_config.at("txn-batch").as_integer(), 50);
  EXPECT_EQ(sink_config.at("worker-count").as_integer(), 2);  // [syncer.to] wins
  const auto& filter = root.at("filter").as_array().at(0);
  EXPECT_EQ(filter.at("plugin").as_string().str, "table-filter");
  EXPECT_EQ(filter.at("config").at("replicate-do-db").as_array().size(), 1u);
  EXPECT_EQ(filter.at("config").at("ignore-table").as_array().at(0).at("tbl-name").as_string().str,
            "tmp");
  // The copied value keeps its line in the operator's file.
  EXPECT_GT(sink_config.at("host").location().line(), 0u);

  DrainerConfig file = must_parse("data-dir = \"/var/lib/d\"\n[syncer]\ndb-type = \"file\"\n");
  ASSERT_TRUE(apply_legacy_mapping(file).is_ok());
  EXPECT_EQ(file.document->mutable_root()
                .at("sink")
                .as_array()
                .at(0)
                .at("config")
                .at("dir")
                .as_string()
                .str,
            "/var/lib/d");
}

TEST(LegacySyncerMappingTest, MysqlAndTidbKeepTheCheckpointDownstream) {
  DrainerConfig config = must_parse(R"(
[syncer]
db-type = "tidb"
[syncer.to]
host = "10.0.0.9"
port = 4000
user = "drainer"
password = "${PW}"
[syncer.to.checkpoint]
schema = "ckpt"
)");
  ASSERT_TRUE(apply_legacy_mapping(config).is_ok());
  EXPECT_EQ(config.checkpoint.type, "tidb");
  EXPECT_EQ(config.checkpoint.host, "10.0.0.9");
  EXPECT_EQ(config.checkpoint.port, 4000);
  EXPECT_EQ(config.checkpoint.user, "drainer");
  EXPECT_EQ(config.checkpoint.password, "${PW}");
  EXPECT_EQ(config.checkpoint.schema, "ckpt");
  EXPECT_EQ(config.checkpoint.table, "checkpoint");
  // The sink's own config no longer carries the checkpoint table.
  EXPECT_FALSE(config.document->mutable_root().at("sink").as_array().at(0).at("config").contains(
      "checkpoint"));

  DrainerConfig file = must_parse("[syncer]\ndb-type = \"file\"\n");
  ASSERT_TRUE(apply_legacy_mapping(file).is_ok());
  EXPECT_EQ(file.checkpoint.type, "file");

  EXPECT_NE(must_fail("[checkpoint]\ntype = \"redis\"\n").find("checkpoint.type"),
            std::string::npos);
  DrainerConfig encrypted =
      must_parse("[checkpoint]\ntype = \"mysql\"\nencrypted_password = \"b64\"\n");
  EXPECT_EQ(encrypted.checkpoint.encrypted_password, "b64");
  EXPECT_NE(must_fail("[checkpoint]\ntype = \"mysql\"\nencrypted_password = 7\n")
                .find("checkpoint.encrypted_password"),
            std::string::npos);
}

TEST(LegacySyncerMappingTest, RefusesWhatCannotRun) {
  for (const char* text : {"[syncer]\ndb-type = \"oracle\"\n", "[syncer]\ndb-type = \"flash\"\n",
                           "[syncer]\ndb-type = \"postgres\"\n"}) {
    DrainerConfig config = must_parse(text);
    Status mapped = apply_legacy_mapping(config);
    ASSERT_FALSE(mapped.is_ok()) << text;
    EXPECT_NE(mapped.message().find("db-type"), std::string::npos) << mapped.message();
  }
  DrainerConfig both =
      must_parse("[syncer]\ndb-type = \"file\"\n[[sink]]\nplugin = \"journal-sink\"\n");
  Status mapped = apply_legacy_mapping(both);
  ASSERT_FALSE(mapped.is_ok());
  EXPECT_NE(mapped.message().find("both"), std::string::npos);
}

TEST(LegacySyncerMappingTest, SluiceStyleFilesAreLeftAlone) {
  DrainerConfig config =
      must_parse("[syncer]\nsafe-mode = true\n[[sink]]\nplugin = \"journal-sink\"\n");
  ASSERT_TRUE(apply_legacy_mapping(config).is_ok());
  EXPECT_EQ(config.db_type, "");
  EXPECT_FALSE(config.document->mutable_root().contains("filter"));
}

}  // namespace
}  // namespace sluice::drainer
