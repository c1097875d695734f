#include "core/checkpoint/checkpoint_store.h"

#include <gtest/gtest.h>

#include "core/common/atomic_file.h"
#include "tests/support/temp_dir.h"

namespace sluice::checkpoint {
namespace {

TEST(CheckpointJson, MatchesTheOriginalsTableFormat) {
  Checkpoint checkpoint;
  checkpoint.commit_ts = 408437806742896641;
  checkpoint.schema_version = 52;
  EXPECT_EQ(to_table_json(checkpoint),
            R"({"consistent":false,"commitTS":408437806742896641,"schema-version":52})");
  checkpoint.consistent = true;
  checkpoint.ts_map = TsMap{408437806742896641, 408437806742896900};
  EXPECT_EQ(to_table_json(checkpoint),
            R"({"consistent":true,"commitTS":408437806742896641,"ts-map":{"primary-ts":)"
            R"(408437806742896641,"secondary-ts":408437806742896900},"schema-version":52})");
  auto back = from_table_json(to_table_json(checkpoint));
  ASSERT_TRUE(back.is_ok());
  EXPECT_EQ(*back, checkpoint);
}

TEST(CheckpointJson, ReadsWhatTheOriginalWroteAndRejectsGarbage) {
  // The original writes "ts-map" with zeros when it has no AppliedTS.
  auto original = from_table_json(
      R"({"consistent":false,"commitTS":417000000000000000,"ts-map":{"primary-ts":0,"secondary-ts":0},"schema-version":0})");
  ASSERT_TRUE(original.is_ok()) << original.status().to_string();
  EXPECT_FALSE(original->ts_map.has_value());
  EXPECT_FALSE(from_table_json("{}").is_ok());
  EXPECT_FALSE(from_table_json("nonsense").is_ok());
}

TEST(SavepointToml, RoundTripAndGenerateMetaFiles) {
  Checkpoint checkpoint;
  checkpoint.commit_ts = 417000000000000000;
  checkpoint.schema_version = 9;
  EXPECT_EQ(to_savepoint_toml(checkpoint),
            "consistent = false\ncommitTS = 417000000000000000\nschema-version = 9\n");
  EXPECT_EQ(from_savepoint_toml(to_savepoint_toml(checkpoint), "savepoint").value(), checkpoint);
  // What binlogctl -cmd generate_meta writes: commitTS plus time lines.
  auto meta = from_savepoint_toml(
      "commitTS = 417000000000000000\n1-physical-time = \"2020-05-05 10:00:00\"\n", "savepoint");
  ASSERT_TRUE(meta.is_ok()) << meta.status().to_string();
  EXPECT_EQ(meta->commit_ts, 417000000000000000);
  EXPECT_FALSE(meta->consistent);
  auto missing = from_savepoint_toml("consistent = true\n", "savepoint");
  ASSERT_FALSE(missing.is_ok());
  EXPECT_NE(missing.status().message().find("no commitTS"), std::string::npos);
}

TEST(FileCheckpointStore, SavesAndLoadsWithTheSchemaSnapshot) {
  testing::TempDir dir;
  FileCheckpointStore store(dir.path() / "data.drainer");
  EXPECT_FALSE(store.load()->has_value());
  Checkpoint checkpoint;
  checkpoint.commit_ts = 100;
  checkpoint.schema_version = 3;
  checkpoint.schema_snapshot = R"({"format":1})";
  ASSERT_TRUE(store.save(checkpoint).is_ok());
  FileCheckpointStore reopened(dir.path() / "data.drainer");
  auto loaded = reopened.load();
  ASSERT_TRUE(loaded.is_ok());
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, checkpoint);
  checkpoint.commit_ts = 200;
  checkpoint.consistent = true;
  ASSERT_TRUE(reopened.save(checkpoint).is_ok());
  EXPECT_EQ(read_file(store.savepoint_path()).value(),
            "consistent = true\ncommitTS = 200\nschema-version = 3\n");
}

TEST(FileCheckpointStore, ACorruptSavepointIsAnErrorNamingTheFile) {
  testing::TempDir dir;
  ASSERT_TRUE(write_file_atomically(dir.path() / "savepoint", "commitTS = = 5").is_ok());
  FileCheckpointStore store(dir.path());
  auto loaded = store.load();
  ASSERT_FALSE(loaded.is_ok());
  EXPECT_NE(loaded.status().message().find("savepoint"), std::string::npos);
}

}  // namespace
}  // namespace sluice::checkpoint
