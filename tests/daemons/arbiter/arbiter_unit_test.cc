// The arbiter's parts without servers: arbiter.toml (the original's keys and defaults, facts §8),
// the split-transaction headers and the part assembler.
#include <gtest/gtest.h>
#include <stdlib.h>

#include "daemons/arbiter/arbiter_config.h"
#include "daemons/arbiter/kafka_source.h"
#include "daemons/arbiter/part_assembler.h"

namespace sluice::arbiter {
namespace {

TEST(ArbiterConfigTest, DefaultsAreTheOriginals) {
  auto config = parse_arbiter_config("[up]\ntopic = \"6895_obinlog\"\n", "test.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->addr, "127.0.0.1:8251");
  EXPECT_EQ(config->up.kafka_version, "0.8.2.0");
  EXPECT_EQ(config->up.initial_commit_ts, 0);
  EXPECT_FALSE(config->up.skip_invalid_message);
  EXPECT_EQ(config->down.port, 3306);
  EXPECT_EQ(config->down.worker_count, 16);
  EXPECT_EQ(config->down.batch_size, 64);
  EXPECT_FALSE(config->down.safe_mode);
  EXPECT_TRUE(validate(*config).is_ok());
}

TEST(ArbiterConfigTest, ReadsEveryKey) {
  auto config = parse_arbiter_config(R"(addr = "0.0.0.0:9000"
log-level = "debug"
log-file = "/tmp/a.log"
[up]
kafka-addrs = "k1:9092,k2:9092"
kafka-version = "2.0.0"
topic = "t"
initial-commit-ts = 42
skip-invalid-message = true
[down]
host = "db"
port = 4000
user = "u"
password = "p"
worker-count = 3
batch-size = 7
safe-mode = true
)",
                                     "test.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->addr, "0.0.0.0:9000");
  EXPECT_EQ(config->log_level, "debug");
  EXPECT_EQ(config->log_file, "/tmp/a.log");
  EXPECT_EQ(config->up.kafka_addrs, "k1:9092,k2:9092");
  EXPECT_EQ(config->up.kafka_version, "2.0.0");
  EXPECT_EQ(config->up.topic, "t");
  EXPECT_EQ(config->up.initial_commit_ts, 42);
  EXPECT_TRUE(config->up.skip_invalid_message);
  EXPECT_EQ(config->down.host, "db");
  EXPECT_EQ(config->down.port, 4000);
  EXPECT_EQ(config->down.user, "u");
  EXPECT_EQ(config->down.password, "p");
  EXPECT_EQ(config->down.worker_count, 3);
  EXPECT_EQ(config->down.batch_size, 7);
  EXPECT_TRUE(config->down.safe_mode);
}

TEST(ArbiterConfigTest, ErrorsNameTheKeyAndNeverThePassword) {
  auto port = parse_arbiter_config("[down]\nport = 70000\n", "test.toml");
  ASSERT_FALSE(port.is_ok());
  EXPECT_NE(port.status().message().find("port"), std::string::npos) << port.status().message();

  auto workers = parse_arbiter_config("[down]\nworker-count = 0\n", "test.toml");
  ASSERT_FALSE(workers.is_ok());
  EXPECT_NE(workers.status().message().find("worker-count"), std::string::npos);

  auto both = parse_arbiter_config("[down]\npassword = \"hunter2\"\nencrypted_password = \"xyz\"\n",
                                   "test.toml");
  ASSERT_FALSE(both.is_ok());
  EXPECT_EQ(both.status().message().find("hunter2"), std::string::npos);

  auto no_topic = parse_arbiter_config("", "test.toml");
  ASSERT_TRUE(no_topic.is_ok());
  Status valid = validate(*no_topic);
  ASSERT_FALSE(valid.is_ok());
  EXPECT_NE(valid.message().find("topic"), std::string::npos);
}

TEST(ArbiterConfigTest, PasswordFromTheEnvironment) {
  ::setenv("SLUICE_ARBITER_TEST_PASSWORD", "s3cret", 1);
  auto config =
      parse_arbiter_config("[down]\npassword = \"${SLUICE_ARBITER_TEST_PASSWORD}\"\n", "test.toml");
  ASSERT_TRUE(config.is_ok()) << config.status().message();
  EXPECT_EQ(config->down.password, "s3cret");
  ::unsetenv("SLUICE_ARBITER_TEST_PASSWORD_UNSET");
  auto unset = parse_arbiter_config(
      "[down]\npassword = \"${SLUICE_ARBITER_TEST_PASSWORD_UNSET}\"\n", "test.toml");
  ASSERT_FALSE(unset.is_ok());
  EXPECT_NE(unset.status().message().find("password"), std::string::npos);
}

TEST(PartHeaderTest, ParsesAndRefuses) {
  auto good = parse_part_header("2/3", "445566");
  ASSERT_TRUE(good.is_ok());
  EXPECT_EQ(good->index, 2);
  EXPECT_EQ(good->count, 3);
  EXPECT_EQ(good->commit_ts, 445566);
  EXPECT_FALSE(parse_part_header("4/3", "1").is_ok());
  EXPECT_FALSE(parse_part_header("0/3", "1").is_ok());
  EXPECT_FALSE(parse_part_header("1-3", "1").is_ok());
  EXPECT_FALSE(parse_part_header("1/3", "").is_ok());
  EXPECT_FALSE(parse_part_header("1/3", "12x").is_ok());
}

KafkaRecord part(int64_t offset, int64_t commit_ts, int index, int count, std::string value) {
  return KafkaRecord{offset, std::move(value), PartHeader{commit_ts, index, count}};
}

TEST(PartAssemblerTest, WholeMessagesPassThrough) {
  PartAssembler assembler;
  auto whole = assembler.add(KafkaRecord{7, "abc", std::nullopt});
  ASSERT_TRUE(whole.is_ok());
  ASSERT_TRUE(whole->has_value());
  EXPECT_EQ((*whole)->first_offset, 7);
  EXPECT_EQ((*whole)->values, std::vector<std::string>{"abc"});
  EXPECT_FALSE((*whole)->commit_ts.has_value());
}

TEST(PartAssemblerTest, PartsInIndexOrderAndRepeatsReplaced) {
  PartAssembler assembler;
  auto first = assembler.add(part(10, 100, 2, 3, "b"));
  ASSERT_TRUE(first.is_ok());
  EXPECT_FALSE(first->has_value());
  auto second = assembler.add(part(11, 100, 1, 3, "a"));
  ASSERT_TRUE(second.is_ok());
  EXPECT_FALSE(second->has_value());
  auto repeat = assembler.add(part(12, 100, 1, 3, "a"));
  ASSERT_TRUE(repeat.is_ok());
  EXPECT_FALSE(repeat->has_value());
  EXPECT_EQ(assembler.waiting(), 1u);
  auto last = assembler.add(part(13, 100, 3, 3, "c"));
  ASSERT_TRUE(last.is_ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->values, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ((*last)->first_offset, 10);
  EXPECT_EQ((*last)->commit_ts, 100);
  EXPECT_EQ(assembler.waiting(), 0u);
}

TEST(PartAssemblerTest, AMissingPartIsReportedWhenALaterTransactionCompletes) {
  PartAssembler assembler;
  ASSERT_TRUE(assembler.add(part(20, 100, 1, 2, "a")).is_ok());
  ASSERT_TRUE(assembler.add(part(21, 200, 1, 2, "x")).is_ok());
  auto later = assembler.add(part(22, 200, 2, 2, "y"));
  ASSERT_FALSE(later.is_ok());
  EXPECT_NE(later.status().message().find("commit_ts=100"), std::string::npos)
      << later.status().message();
  EXPECT_NE(later.status().message().find("offset 20"), std::string::npos);
  EXPECT_EQ(assembler.waiting(), 1u);  // commit_ts 100, still missing part 2
}

TEST(PartAssemblerTest, DropThroughForgetsAppliedParts) {
  PartAssembler assembler;
  ASSERT_TRUE(assembler.add(part(30, 100, 1, 2, "a")).is_ok());
  EXPECT_FALSE(assembler.check_nothing_pending_before(150).is_ok());
  EXPECT_TRUE(assembler.check_nothing_pending_before(100).is_ok());
  assembler.drop_through(100);
  EXPECT_EQ(assembler.waiting(), 0u);
  EXPECT_TRUE(assembler.check_nothing_pending_before(150).is_ok());
}

TEST(PartAssemblerTest, DisagreeingCountsAreRefused) {
  PartAssembler assembler;
  ASSERT_TRUE(assembler.add(part(40, 100, 1, 2, "a")).is_ok());
  EXPECT_FALSE(assembler.add(part(41, 100, 2, 3, "b")).is_ok());
}

}  // namespace
}  // namespace sluice::arbiter
