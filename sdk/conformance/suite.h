#pragma once
// The conformance suite: the options the command line gives, the checks, and how one check's
// outcome is reported. Each check runs in a forked child process (isolation.h), loads the plugin
// there through the fake host, and returns a CheckResult; nothing here is shared between checks.

#include <sluice/sdk/testing/fake_host.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::conformance {

enum class Outcome { kPass, kFail, kSkip };

struct CheckResult {
  Outcome outcome = Outcome::kPass;
  std::string detail;
};

// "PASS", "FAIL" or "SKIP", as the tool prints it.
inline const char* outcome_word(Outcome outcome) {
  switch (outcome) {
    case Outcome::kPass:
      return "PASS";
    case Outcome::kSkip:
      return "SKIP";
    default:
      return "FAIL";
  }
}

inline CheckResult pass(std::string detail) {
  return {Outcome::kPass, std::move(detail)};
}
inline CheckResult fail(std::string detail) {
  return {Outcome::kFail, std::move(detail)};
}
inline CheckResult skip(std::string detail) {
  return {Outcome::kSkip, std::move(detail)};
}

struct Options {
  std::string plugin_path;
  sdk::testing::FakeConfig config;                         // --config file, then --set
  std::optional<sdk::testing::FakeConfig> invalid_config;  // config with --invalid-set applied
  int dml_batches = 3;                                     // --batches
  std::chrono::milliseconds stop_timeout{10'000};          // --stop-timeout
  std::chrono::milliseconds check_timeout{60'000};         // --timeout
  bool verbose = false;                                    // plugin logs to stderr
};

struct Check {
  const char* name;
  const char* summary;
  CheckResult (*run)(const Options& options);
};

// Every check, in the order they run.
const std::vector<Check>& all_checks();

// The sidecar manifest beside a plugin library (<dir>/<name>.plugin.toml).
struct Manifest {
  std::string path;
  std::optional<std::string> name, kind, version, platform, build_id, library;
  std::optional<int64_t> abi_major, abi_minor;
};

// Reads the manifest for `plugin_path`: nullopt when there is none; throws std::runtime_error
// when it exists but cannot be parsed.
std::optional<Manifest> read_manifest(const std::string& plugin_path);

// Reads a TOML file holding a plugin's config table (what goes under [sink.config]) into a flat
// config of dotted keys. Throws std::runtime_error with the parser's message.
sdk::testing::FakeConfig read_config_file(const std::string& path);

// The platform this tool was built for, as sluice_add_plugin writes it into manifests.
const char* host_platform();

}  // namespace sluice::conformance
