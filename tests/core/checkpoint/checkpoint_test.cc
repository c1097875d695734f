#include "core/checkpoint/checkpoint_store.h"

#include <gtest/gtest.h>

#include "core/common/atomic_file.h"
#include "core/schema/schema_tracker.h"
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

// Valid JSON with a field of the wrong type is an error naming the key, never a throw (the
// table store reads this JSON at the drainer's start).
TEST(CheckpointJson, WrongTypedFieldsAreErrorsNamingTheKey) {
  const struct {
    std::string json;
    std::string expected;
  } cases[] = {
      {R"({"commitTS":5,"consistent":1})", "'consistent' is a number, expected a boolean"},
      {R"({"commitTS":5,"consistent":"false"})", "'consistent' is a string, expected a boolean"},
      {R"({"commitTS":5,"schema-version":"3"})",
       "'schema-version' is a string, expected an integer"},
      {R"({"commitTS":5,"schema-version":{}})",
       "'schema-version' is an object, expected an integer"},
      {R"({"commitTS":"5"})", "'commitTS' is a string, expected an integer"},
      {R"({"commitTS":null})", "'commitTS' is null, expected an integer"},
      {R"({"commitTS":5.5})", "'commitTS' is a non-integer number, expected an integer"},
      {R"({"commitTS":9223372036854775808})", "'commitTS' is 9223372036854775808"},
      {R"({})", "'commitTS' is missing"},
      {R"({"commitTS":5,"ts-map":{"primary-ts":"1","secondary-ts":2}})",
       "ts-map: 'primary-ts' is a string, expected an integer"},
      {R"({"commitTS":5,"ts-map":{"primary-ts":1,"secondary-ts":true}})",
       "ts-map: 'secondary-ts' is a boolean, expected an integer"},
      {R"({"commitTS":5,"ts-map":[1,2]})", "'ts-map' is an array, expected an object"},
      {"[1]", "checkpoint JSON is an array, expected an object"},
      {"null", "checkpoint JSON is null, expected an object"},
      {"7", "checkpoint JSON is a number, expected an object"},
  };
  for (const auto& c : cases) {
    auto parsed = from_table_json(c.json);
    ASSERT_FALSE(parsed.is_ok()) << c.json;
    EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption) << c.json;
    EXPECT_NE(parsed.status().message().find(c.expected), std::string::npos)
        << c.json << " -> " << parsed.status().message();
  }
  // null optional fields read as Go's zero values.
  auto nulls =
      from_table_json(R"({"consistent":null,"commitTS":5,"ts-map":null,"schema-version":null})");
  ASSERT_TRUE(nulls.is_ok()) << nulls.status().to_string();
  EXPECT_EQ(*nulls, (Checkpoint{false, 5, 0, std::nullopt, ""}));
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

// What the drainer does at start: load the file store's checkpoint, then rebuild the schema from
// the snapshot saved beside it. A snapshot with a wrong-typed field (a table id written as a
// string) threw from nlohmann's get<int64_t>() and aborted the drainer; now it is an error naming
// the snapshot's key. A wrong-typed savepoint field is an error naming the file.
TEST(FileCheckpointStore, AWrongTypedSavepointOrSnapshotIsAnErrorNotAnAbort) {
  testing::TempDir dir;
  FileCheckpointStore store(dir.path());
  ASSERT_TRUE(write_file_atomically(store.savepoint_path(),
                                    "consistent = false\ncommitTS = 100\nschema-version = 3\n")
                  .is_ok());
  ASSERT_TRUE(write_file_atomically(
                  store.snapshot_path(),
                  R"({"format":1,"version":3,"databases":[],"tables":[{"id":"46","version":3,)"
                  R"("schema_id":2,"table":null}]})")
                  .is_ok());
  auto loaded = store.load();
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  ASSERT_TRUE(loaded->has_value());
  auto tracker = schema::SchemaTracker::restore((*loaded)->schema_snapshot);
  ASSERT_FALSE(tracker.is_ok());
  EXPECT_EQ(tracker.status().code(), StatusCode::kCorruption);
  EXPECT_NE(tracker.status().message().find("schema snapshot tables[0]: 'id' is a string, "
                                            "expected an integer"),
            std::string::npos)
      << tracker.status().message();

  ASSERT_TRUE(write_file_atomically(store.savepoint_path(), "commitTS = \"100\"\n").is_ok());
  auto wrong = store.load();
  ASSERT_FALSE(wrong.is_ok());
  EXPECT_NE(wrong.status().message().find("savepoint"), std::string::npos)
      << wrong.status().message();
  EXPECT_NE(wrong.status().message().find("commitTS"), std::string::npos)
      << wrong.status().message();
}

}  // namespace
}  // namespace sluice::checkpoint
