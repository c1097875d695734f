#include "core/registry/directory_registry.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/common/atomic_file.h"
#include "tests/support/temp_dir.h"

namespace sluice::registry {
namespace {

NodeStatus pump(std::string id, std::string state = "online") {
  NodeStatus status;
  status.node_id = std::move(id);
  status.host = "127.0.0.1:8250";
  status.state = std::move(state);
  status.max_commit_ts = 42;
  status.update_ts = 470000000000000000;
  return status;
}

TEST(NodeStatus, JsonHasTheOriginalsKeysInOrder) {
  NodeStatus status = pump("pump-1");
  status.label_json = R"({"labels":{"zone":"a"}})";
  EXPECT_EQ(to_json(status),
            R"({"nodeId":"pump-1","host":"127.0.0.1:8250","state":"online","isAlive":true,)"
            R"("score":0,"label":{"labels":{"zone":"a"}},"maxCommitTS":42,)"
            R"("updateTS":470000000000000000})");
  auto parsed = parse_node_status(to_json(status));
  ASSERT_TRUE(parsed.is_ok());
  EXPECT_EQ(*parsed, status);
}

TEST(NodeStatus, ParsesARecordWrittenByTheOriginal) {
  // As the Go original marshals it: label null for unlabelled nodes.
  auto parsed = parse_node_status(
      R"({"nodeId":"ip-10-0-0-1:8250","host":"10.0.0.1:8250","state":"paused","isAlive":false,)"
      R"("score":0,"label":null,"maxCommitTS":408437806742896641,"updateTS":408437806742896700})");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_EQ(parsed->state, "paused");
  EXPECT_FALSE(parsed->is_alive);
  EXPECT_EQ(parsed->max_commit_ts, 408437806742896641);
  EXPECT_FALSE(parse_node_status(R"({"nodeId":"x","host":"h","state":"sleeping"})").is_ok());
  EXPECT_FALSE(parse_node_status("[]").is_ok());
}

// A record that is valid JSON but has a field of the wrong type is an error naming the key and
// both types; nlohmann's value()/get() would throw instead, and the throw ended the daemon.
TEST(NodeStatus, WrongTypedFieldsAreErrorsNamingTheKey) {
  const std::string head = R"({"nodeId":"pump-1","host":"h:8250","state":"online")";
  const struct {
    std::string json;
    std::string expected;
  } cases[] = {
      {head + R"(,"isAlive":1})", "'isAlive' is a number, expected a boolean"},
      {head + R"(,"isAlive":"true"})", "'isAlive' is a string, expected a boolean"},
      {head + R"(,"score":"7"})", "'score' is a string, expected an integer"},
      {head + R"(,"score":1.5})", "'score' is a non-integer number, expected an integer"},
      {head + R"(,"maxCommitTS":{}})", "'maxCommitTS' is an object, expected an integer"},
      {head + R"(,"updateTS":[1]})", "'updateTS' is an array, expected an integer"},
      {head + R"(,"updateTS":18446744073709551615})", "'updateTS' is 18446744073709551615"},
      {R"({"nodeId":{"a":1},"host":"h","state":"online"})",
       "'nodeId' is an object, expected a string"},
      {R"({"nodeId":null,"host":"h","state":"online"})", "'nodeId' is null, expected a string"},
      {R"({"nodeId":"p","host":7,"state":"online"})", "'host' is a number, expected a string"},
      {R"({"nodeId":"p","host":"h"})", "'state' is missing"},
      {"[]", "node status is an array, expected an object"},
      {"null", "node status is null, expected an object"},
      {R"("pump-1")", "node status is a string, expected an object"},
  };
  for (const auto& c : cases) {
    auto parsed = parse_node_status(c.json);
    ASSERT_FALSE(parsed.is_ok()) << c.json;
    EXPECT_EQ(parsed.status().code(), StatusCode::kCorruption) << c.json;
    EXPECT_NE(parsed.status().message().find(c.expected), std::string::npos)
        << c.json << " -> " << parsed.status().message();
  }
}

// As the Go original unmarshals it, null leaves a field at its zero value.
TEST(NodeStatus, NullOptionalFieldsReadAsTheirDefaults) {
  auto parsed = parse_node_status(
      R"({"nodeId":"pump-1","host":"h:8250","state":"online","isAlive":null,"score":null,)"
      R"("label":null,"maxCommitTS":null,"updateTS":null})");
  ASSERT_TRUE(parsed.is_ok()) << parsed.status().to_string();
  EXPECT_FALSE(parsed->is_alive);
  EXPECT_EQ(parsed->score, 0);
  EXPECT_EQ(parsed->label_json, "null");
  EXPECT_EQ(parsed->max_commit_ts, 0);
  EXPECT_EQ(parsed->update_ts, 0);
}

// A label nested so deep that printing it back would overflow the stack is refused when read.
TEST(NodeStatus, ADeeplyNestedLabelIsAnErrorNotAStackOverflow) {
  const size_t depth = 1'000'000;
  const std::string json = R"({"nodeId":"pump-1","host":"h","state":"online","label":)" +
                           std::string(depth, '[') + std::string(depth, ']') + "}";
  auto parsed = parse_node_status(json);
  ASSERT_FALSE(parsed.is_ok());
  EXPECT_NE(parsed.status().message().find("nested deeper than"), std::string::npos)
      << parsed.status().message();
}

TEST(DirectoryRegistry, PutGetListCreate) {
  testing::TempDir dir;
  auto registry = DirectoryRegistry::open(dir.path() / "registry");
  ASSERT_TRUE(registry.is_ok()) << registry.status().to_string();
  auto& r = **registry;
  EXPECT_TRUE(r.get(NodeKind::kPump, "pump-1")->has_value() == false);
  ASSERT_TRUE(r.create(NodeKind::kPump, pump("pump-2")).is_ok());
  ASSERT_TRUE(r.put(NodeKind::kPump, pump("pump-1")).is_ok());
  const Status again = r.create(NodeKind::kPump, pump("pump-2"));
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
  ASSERT_TRUE(r.put(NodeKind::kPump, pump("pump-2", "paused")).is_ok());
  auto pumps = r.list(NodeKind::kPump);
  ASSERT_TRUE(pumps.is_ok());
  ASSERT_EQ(pumps->size(), 2u);
  EXPECT_EQ((*pumps)[0].node_id, "pump-1");
  EXPECT_EQ((*pumps)[1].state, "paused");
  EXPECT_TRUE(r.list(NodeKind::kDrainer)->empty());
  // The file is the original's JSON.
  auto raw = read_file(dir.path() / "registry" / "pumps" / "pump-1.json");
  ASSERT_TRUE(raw.is_ok());
  EXPECT_EQ(raw->rfind(R"({"nodeId":"pump-1")", 0), 0u);
}

TEST(DirectoryRegistry, RefusesNodeIdsThatEscapeTheDirectory) {
  testing::TempDir dir;
  auto registry = DirectoryRegistry::open(dir.path());
  ASSERT_TRUE(registry.is_ok());
  EXPECT_EQ((*registry)->put(NodeKind::kPump, pump("../evil")).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ((*registry)->put(NodeKind::kPump, pump("")).code(), StatusCode::kInvalidArgument);
}

TEST(DirectoryRegistry, CorruptRecordIsReportedWithItsFile) {
  testing::TempDir dir;
  auto registry = DirectoryRegistry::open(dir.path());
  ASSERT_TRUE(registry.is_ok());
  ASSERT_TRUE(write_file_atomically(dir.path() / "pumps" / "bad.json", "{broken").is_ok());
  auto pumps = (*registry)->list(NodeKind::kPump);
  ASSERT_FALSE(pumps.is_ok());
  EXPECT_NE(pumps.status().message().find("bad.json"), std::string::npos);
}

// The drainer lists pumps at start: a registry file with "isAlive": 1 aborted it (exit 134).
TEST(DirectoryRegistry, AWrongTypedRecordIsAnErrorNamingTheFileAndKey) {
  testing::TempDir dir;
  auto registry = DirectoryRegistry::open(dir.path());
  ASSERT_TRUE(registry.is_ok());
  ASSERT_TRUE(write_file_atomically(dir.path() / "pumps" / "pump-1.json",
                                    R"({"nodeId":"pump-1","host":"127.0.0.1:8250",)"
                                    R"("state":"online","isAlive":1,"score":0,"label":null,)"
                                    R"("maxCommitTS":0,"updateTS":0})")
                  .is_ok());
  auto pumps = (*registry)->list(NodeKind::kPump);
  ASSERT_FALSE(pumps.is_ok());
  EXPECT_NE(pumps.status().message().find("pump-1.json"), std::string::npos)
      << pumps.status().message();
  EXPECT_NE(pumps.status().message().find("'isAlive' is a number, expected a boolean"),
            std::string::npos)
      << pumps.status().message();
  auto one = (*registry)->get(NodeKind::kPump, "pump-1");
  ASSERT_FALSE(one.is_ok());
  EXPECT_NE(one.status().message().find("'isAlive'"), std::string::npos) << one.status().message();
}

TEST(DirectoryRegistry, ConcurrentCreatesFromProcessesHaveOneWinner) {
  testing::TempDir dir;
  ASSERT_TRUE(DirectoryRegistry::open(dir.path()).is_ok());
  constexpr int kChildren = 6;
  std::vector<pid_t> children;
  for (int i = 0; i < kChildren; ++i) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      auto registry = DirectoryRegistry::open(dir.path());
      const bool won =
          registry.is_ok() && (*registry)->create(NodeKind::kDrainer, pump("d")).is_ok();
      ::_exit(won ? 0 : 1);
    }
    children.push_back(pid);
  }
  int winners = 0;
  for (pid_t pid : children) {
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) ++winners;
  }
  EXPECT_EQ(winners, 1);
}

}  // namespace
}  // namespace sluice::registry
