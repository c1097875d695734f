// Runs sluice-plugin-conformance on test plugins and checks each line it prints: every check
// passes on the well-behaved sink, and each way the misbehaving sink breaks the contract is
// reported by the check meant to catch it (and the tool survives crashes and hangs).
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const std::string kPlugins = SDK_TEST_PLUGIN_DIR;

struct Line {
  std::string outcome;  // PASS, FAIL, SKIP
  std::string detail;
};

struct ToolRun {
  int exit_code = -1;
  std::string output;
  std::map<std::string, Line> checks;  // by check name
  std::string summary;                 // the last line
};

std::string quote(const std::string& argument) {
  std::string quoted = "'";
  for (char c : argument) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  return quoted + "'";
}

ToolRun run_tool(const std::vector<std::string>& arguments) {
  std::string command = quote(SDK_CONFORMANCE_TOOL);
  for (const std::string& argument : arguments)
    command += " " + quote(argument);
  command += " 2>/dev/null";
  ToolRun run;
  FILE* pipe = ::popen(command.c_str(), "r");
  if (pipe == nullptr) return run;
  char buffer[4096];
  size_t got = 0;
  while ((got = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
    run.output.append(buffer, got);
  const int status = ::pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::istringstream lines(run.output);
  std::string line;
  while (std::getline(lines, line)) {
    if (line.empty()) continue;
    run.summary = line;
    const std::string outcome = line.substr(0, 4);
    if (outcome != "PASS" && outcome != "FAIL" && outcome != "SKIP") continue;
    std::istringstream fields(line.substr(5));
    std::string name;
    fields >> name;
    std::string detail;
    std::getline(fields, detail);
    const size_t start = detail.find_first_not_of(' ');
    run.checks[name] = {outcome, start == std::string::npos ? "" : detail.substr(start)};
  }
  return run;
}

std::string plugin(const std::string& name) {
  return kPlugins + "/" + name + ".so";
}

ToolRun run_misbehaving(const std::string& mode) {
  return run_tool({plugin("misbehaving-sink"), "--set", "mode=" + mode, "--invalid-set",
                   "mode=bogus", "--stop-timeout", "1", "--batches", "2"});
}

// Asserts the outcome of each named check; the others are not looked at.
void expect_outcomes(const ToolRun& run, const std::map<std::string, std::string>& expected) {
  for (const auto& [name, outcome] : expected) {
    auto found = run.checks.find(name);
    ASSERT_NE(found, run.checks.end()) << "no line for check " << name << " in:\n" << run.output;
    EXPECT_EQ(found->second.outcome, outcome)
        << "check " << name << ": " << found->second.detail << "\nfull output:\n"
        << run.output;
  }
}

const std::vector<std::string> kAllChecks = {
    "descriptor",        "manifest", "validate",   "failed-create", "several-instances",
    "write-flush-close", "statuses", "exceptions", "shutdown"};

std::map<std::string, std::string> all(const std::string& outcome) {
  std::map<std::string, std::string> expected;
  for (const std::string& name : kAllChecks)
    expected[name] = outcome;
  return expected;
}

TEST(ConformanceTool, WellBehavedSinkPassesEveryCheck) {
  const ToolRun run = run_tool({plugin("conformance-sink"), "--set", "name=test", "--set",
                                "capacity=2", "--invalid-set", "target=unreachable"});
  expect_outcomes(run, all("PASS"));
  EXPECT_EQ(run.summary, "9 passed, 0 failed");
  EXPECT_EQ(run.exit_code, 0);
  EXPECT_NE(run.checks.at("failed-create").detail.find("cannot connect to target 'unreachable'"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.checks.at("descriptor").detail.find("sink \"conformance-sink\" 1.0.0, ABI 1.1"),
            std::string::npos)
      << run.output;
}

TEST(ConformanceTool, InvalidConfigRejectedByValidatePasses) {
  const ToolRun run = run_tool({plugin("conformance-sink"), "--invalid-set", "capacity=0"});
  expect_outcomes(run, {{"failed-create", "PASS"}});
  EXPECT_NE(run.checks.at("failed-create").detail.find("'capacity' must be greater than 0"),
            std::string::npos)
      << run.output;
}

TEST(ConformanceTool, WithoutInvalidConfigFailedCreateIsSkipped) {
  const ToolRun run = run_tool({plugin("conformance-sink")});
  expect_outcomes(run, {{"failed-create", "SKIP"}, {"validate", "PASS"}});
  EXPECT_EQ(run.summary, "8 passed, 0 failed, 1 skipped");
  EXPECT_EQ(run.exit_code, 0);
}

TEST(ConformanceTool, ConfigThatValidateRejectsFailsValidate) {
  const ToolRun run = run_tool({plugin("conformance-sink"), "--set", "capacity=-1"});
  expect_outcomes(run, {{"validate", "FAIL"}});
  EXPECT_EQ(run.exit_code, 1);
}

TEST(ConformanceTool, InvalidConfigThatIsAcceptedFails) {
  const ToolRun run = run_tool({plugin("conformance-sink"), "--invalid-set", "capacity=5"});
  expect_outcomes(run, {{"failed-create", "FAIL"}});
  EXPECT_NE(run.checks.at("failed-create").detail.find("both accepted"), std::string::npos);
}

TEST(ConformanceTool, ConfigFileIsRead) {
  const fs::path work(SDK_TEST_WORK_DIR);
  fs::create_directories(work);
  const fs::path file = work / "sink.toml";
  std::ofstream(file) << "name = \"from-file\"\ncapacity = -3\n";
  const ToolRun run =
      run_tool({plugin("conformance-sink"), "--config", file.string(), "--only", "validate"});
  expect_outcomes(run, {{"validate", "FAIL"}});
  EXPECT_NE(run.checks.at("validate").detail.find("not -3"), std::string::npos) << run.output;
  // --set overrides the file.
  const ToolRun fixed = run_tool({plugin("conformance-sink"), "--config", file.string(), "--set",
                                  "capacity=3", "--only", "validate"});
  expect_outcomes(fixed, {{"validate", "PASS"}});
  EXPECT_EQ(fixed.summary, "1 passed, 0 failed");
}

TEST(ConformanceTool, MisbehavingSinkInOkModePasses) {
  const ToolRun run = run_misbehaving("ok");
  expect_outcomes(run, all("PASS"));
  EXPECT_EQ(run.exit_code, 0);
}

TEST(ConformanceTool, ExceptionInWriteBecomesFatalWithItsMessage) {
  const ToolRun run = run_misbehaving("throw-in-write");
  expect_outcomes(run, {{"descriptor", "PASS"},
                        {"validate", "PASS"},
                        {"failed-create", "PASS"},
                        {"several-instances", "FAIL"},
                        {"write-flush-close", "FAIL"},
                        {"statuses", "PASS"},
                        {"exceptions", "PASS"},
                        {"shutdown", "PASS"}});
  const std::string& statuses = run.checks.at("statuses").detail;
  EXPECT_NE(statuses.find("write returned FATAL (\"unhandled exception: simulated failure: the "
                          "target threw in write\")"),
            std::string::npos)
      << statuses;
  EXPECT_NE(statuses.find("close and destroy after it worked"), std::string::npos) << statuses;
  EXPECT_NE(run.checks.at("several-instances").detail.find("returned FATAL: unhandled exception"),
            std::string::npos);
  EXPECT_EQ(run.exit_code, 1);
}

TEST(ConformanceTool, RetryThenOkIsRetriedAndPasses) {
  const ToolRun run = run_misbehaving("retry-then-ok");
  expect_outcomes(run, all("PASS"));
  EXPECT_NE(run.checks.at("statuses")
                .detail.find("write returned RETRY 4x (\"simulated transient error: try again\")"),
            std::string::npos)
      << run.checks.at("statuses").detail;
  EXPECT_EQ(run.exit_code, 0);
}

TEST(ConformanceTool, FatalIsClosedAndDestroyed) {
  const ToolRun run = run_misbehaving("fatal");
  expect_outcomes(run, {{"several-instances", "FAIL"},
                        {"write-flush-close", "FAIL"},
                        {"statuses", "PASS"},
                        {"exceptions", "PASS"},
                        {"shutdown", "PASS"}});
  EXPECT_NE(run.checks.at("statuses").detail.find("FATAL"), std::string::npos);
  EXPECT_NE(run.checks.at("write-flush-close").detail.find("simulated fatal error"),
            std::string::npos);
}

TEST(ConformanceTool, UnknownStatusIsReported) {
  const ToolRun run = run_misbehaving("bad-status");
  expect_outcomes(run, {{"descriptor", "PASS"},
                        {"several-instances", "FAIL"},
                        {"statuses", "FAIL"},
                        {"exceptions", "PASS"}});
  EXPECT_NE(run.checks.at("statuses")
                .detail.find(
                    "write returned unknown status 42, which is not one of the six status codes"),
            std::string::npos)
      << run.checks.at("statuses").detail;
  EXPECT_EQ(run.exit_code, 1);
}

TEST(ConformanceTool, SinkIgnoringTheStopFlagFailsShutdown) {
  const ToolRun run = run_misbehaving("ignore-stop");
  expect_outcomes(run, {{"several-instances", "PASS"},
                        {"write-flush-close", "PASS"},
                        {"statuses", "PASS"},
                        {"exceptions", "PASS"},
                        {"shutdown", "FAIL"}});
  EXPECT_NE(
      run.checks.at("shutdown")
          .detail.find("write did not return within 1 s of being called with the stop flag set"),
      std::string::npos)
      << run.checks.at("shutdown").detail;
  EXPECT_EQ(run.summary, "8 passed, 1 failed");
  EXPECT_EQ(run.exit_code, 1);
}

TEST(ConformanceTool, ExceptionEscapingTheAbiFailsTheExceptionsCheck) {
  const ToolRun run = run_misbehaving("escape");
  expect_outcomes(run, {{"descriptor", "PASS"},
                        {"validate", "PASS"},
                        {"exceptions", "FAIL"},
                        {"several-instances", "FAIL"},
                        {"shutdown", "FAIL"}});
  EXPECT_NE(run.checks.at("exceptions")
                .detail.find("an exception escaped into the host (std::terminate): simulated "
                             "exception thrown through the C ABI"),
            std::string::npos)
      << run.checks.at("exceptions").detail;
}

TEST(ConformanceTool, CrashFailsTheCheckNotTheTool) {
  const ToolRun run = run_misbehaving("crash");
  expect_outcomes(run, {{"descriptor", "PASS"},
                        {"validate", "PASS"},
                        {"several-instances", "FAIL"},
                        {"exceptions", "FAIL"}});
  EXPECT_NE(run.checks.at("exceptions").detail.find("crashed with signal 11 (SIGSEGV"),
            std::string::npos)
      << run.checks.at("exceptions").detail;
  EXPECT_NE(run.checks.at("exceptions").detail.find("during: write of batch 1 (DML)"),
            std::string::npos)
      << run.checks.at("exceptions").detail;
  EXPECT_EQ(run.summary, "4 passed, 5 failed");  // descriptor, manifest, validate, failed-create
}

TEST(ConformanceTool, FilterSkipsSinkOnlyChecks) {
  const ToolRun run = run_tool({plugin("conformance-filter")});
  expect_outcomes(run, {{"descriptor", "PASS"},
                        {"manifest", "PASS"},
                        {"validate", "PASS"},
                        {"failed-create", "SKIP"},
                        {"several-instances", "PASS"},
                        {"write-flush-close", "SKIP"},
                        {"statuses", "PASS"},
                        {"exceptions", "PASS"},
                        {"shutdown", "SKIP"}});
  EXPECT_EQ(run.summary, "6 passed, 0 failed, 3 skipped");
}

TEST(ConformanceTool, LibraryWithoutEntrySymbolFailsDescriptor) {
  const ToolRun run = run_tool({plugin("not-a-plugin")});
  expect_outcomes(run, {{"descriptor", "FAIL"}, {"validate", "SKIP"}, {"shutdown", "SKIP"}});
  EXPECT_NE(run.checks.at("descriptor").detail.find("does not export sluice_plugin_entry_v1"),
            std::string::npos);
  EXPECT_EQ(run.exit_code, 1);
}

TEST(ConformanceTool, MissingAndMismatchedManifests) {
  const fs::path work = fs::path(SDK_TEST_WORK_DIR) / "manifests";
  fs::remove_all(work);
  fs::create_directories(work);
  const fs::path copy = work / "renamed-sink.so";
  fs::copy_file(plugin("conformance-sink"), copy);
  ToolRun run = run_tool({copy.string(), "--only", "manifest"});
  expect_outcomes(run, {{"manifest", "SKIP"}});

  std::ofstream(work / "renamed-sink.plugin.toml")
      << "name = \"renamed-sink\"\nkind = \"filter\"\nversion = \"1.0.0\"\nabi_major = 1\n"
         "abi_minor = 0\nplatform = \"plan9-mips\"\nlibrary = \"renamed-sink.so\"\n";
  run = run_tool({copy.string(), "--only", "manifest"});
  expect_outcomes(run, {{"manifest", "FAIL"}});
  const std::string& detail = run.checks.at("manifest").detail;
  EXPECT_NE(detail.find("manifest name \"renamed-sink\" but the descriptor says "
                        "\"conformance-sink\""),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("manifest kind \"filter\" but the descriptor says \"sink\""),
            std::string::npos)
      << detail;
  EXPECT_NE(detail.find("manifest platform \"plan9-mips\" but this host is"), std::string::npos)
      << detail;
}

TEST(ConformanceTool, UsageErrorsExitWithTwo) {
  EXPECT_EQ(run_tool({}).exit_code, 2);
  EXPECT_EQ(run_tool({plugin("conformance-sink"), "--set", "no-equals-sign"}).exit_code, 2);
  EXPECT_EQ(run_tool({plugin("conformance-sink"), "--only", "no-such-check"}).exit_code, 2);
}

}  // namespace
