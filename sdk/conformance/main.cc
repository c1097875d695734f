// sluice-plugin-conformance: checks that a plugin library keeps the Sluice plugin ABI contract.
//
//   sluice-plugin-conformance <plugin.so> [--config file.toml] [--set key=value ...]
//                             [--invalid-set key=value ...] [--batches N]
//
// Prints one line per check (PASS, FAIL or SKIP, its name, why) and a summary line
// "N passed, N failed[, N skipped]"; exits 0 only if no check failed, 2 on a usage error.
#include <CLI/CLI.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "isolation.h"
#include "suite.h"

namespace {

using sluice::conformance::all_checks;
using sluice::conformance::Check;
using sluice::conformance::CheckResult;
using sluice::conformance::Options;
using sluice::conformance::Outcome;
using sluice::sdk::testing::ConfigValue;
using sluice::sdk::testing::FakeConfig;

// Applies "key=value" assignments to `config`; throws CLI::ValidationError on a malformed one.
void apply_assignments(const std::vector<std::string>& assignments, FakeConfig& config) {
  for (const std::string& assignment : assignments) {
    const size_t equals = assignment.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw CLI::ValidationError("'" + assignment + "' is not key=value");
    }
    config.set(assignment.substr(0, equals), ConfigValue::parse(assignment.substr(equals + 1)));
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "Runs the Sluice plugin conformance checks on a plugin library. Each check runs in a "
      "child process of its own, so a crash or hang fails that check only.",
      "sluice-plugin-conformance"};
  Options options;
  std::string config_file;
  std::vector<std::string> sets;
  std::vector<std::string> invalid_sets;
  std::vector<std::string> only;
  double stop_timeout = 10;
  double check_timeout = 60;
  bool list = false;
  app.add_option("plugin", options.plugin_path, "the plugin library (.so)");
  app.add_option("--config", config_file,
                 "a TOML file with the plugin's config table (what goes under [sink.config])")
      ->check(CLI::ExistingFile);
  app.add_option("--set", sets, "a config entry key=value (repeatable; after --config)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--invalid-set", invalid_sets,
                 "an entry that makes the config invalid, applied over the valid one "
                 "(repeatable); enables the failed-create check")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--batches", options.dml_batches, "DML batches to send (the DDL batch is extra)")
      ->check(CLI::Range(1, 1000))
      ->capture_default_str();
  app.add_option("--stop-timeout", stop_timeout,
                 "seconds a write may take once the stop flag is set")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--timeout", check_timeout, "seconds each check may take")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--only", only, "run only these checks (repeatable)")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--list", list, "list the checks and exit");
  app.add_flag("-v,--verbose", options.verbose, "print the plugin's log lines on stderr");

  try {
    app.parse(argc, argv);
    if (list) {
      for (const Check& check : all_checks())
        std::printf("%-18s %s\n", check.name, check.summary);
      return 0;
    }
    if (options.plugin_path.empty()) throw CLI::RequiredError("plugin");
    if (!config_file.empty()) options.config = sluice::conformance::read_config_file(config_file);
    apply_assignments(sets, options.config);
    if (!invalid_sets.empty()) {
      FakeConfig invalid = options.config;
      apply_assignments(invalid_sets, invalid);
      options.invalid_config = std::move(invalid);
    }
    std::set<std::string> known;
    for (const Check& check : all_checks())
      known.insert(check.name);
    for (const std::string& name : only) {
      if (!known.contains(name)) throw CLI::ValidationError("--only", "no check named " + name);
    }
  } catch (const CLI::ParseError& error) {
    return app.exit(error) == 0 ? 0 : 2;
  } catch (const std::exception& error) {
    std::fprintf(stderr, "sluice-plugin-conformance: %s\n", error.what());
    return 2;
  }
  options.stop_timeout = std::chrono::milliseconds(static_cast<int64_t>(stop_timeout * 1000));
  options.check_timeout = std::chrono::milliseconds(static_cast<int64_t>(check_timeout * 1000));
  // A check's own limit must leave room for the stop timeout (twice: write and close).
  options.check_timeout = std::max(options.check_timeout, 3 * options.stop_timeout);

  std::printf("Checking %s\n", options.plugin_path.c_str());
  int passed = 0;
  int failed = 0;
  int skipped = 0;
  for (const Check& check : all_checks()) {
    if (!only.empty() && std::find(only.begin(), only.end(), check.name) == only.end()) continue;
    const CheckResult result = sluice::conformance::run_isolated(
        [&options, &check] { return check.run(options); }, options.check_timeout);
    std::printf("%s %-18s %s\n", outcome_word(result.outcome), check.name, result.detail.c_str());
    std::fflush(stdout);
    switch (result.outcome) {
      case Outcome::kPass:
        ++passed;
        break;
      case Outcome::kFail:
        ++failed;
        break;
      case Outcome::kSkip:
        ++skipped;
        break;
    }
  }
  std::printf("%d passed, %d failed", passed, failed);
  if (skipped > 0) std::printf(", %d skipped", skipped);
  std::printf("\n");
  return failed == 0 ? 0 : 1;
}
