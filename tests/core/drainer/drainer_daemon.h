#pragma once
// Starting the sluice-drainer binary as a child process in tests: it is ready once it prints
// "serving gRPC" (log lines may come first).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/child_process.h"

namespace sluice::drainer::test {

inline std::filesystem::path drainer_binary() {
  const char* dir = std::getenv("SLUICE_BINARY_DIR");
  if (dir != nullptr && *dir != '\0') return std::filesystem::path(dir) / "bin" / "sluice-drainer";
  return std::filesystem::read_symlink("/proc/self/exe").parent_path().parent_path() / "bin" /
         "sluice-drainer";
}

inline std::unique_ptr<testing::ChildProcess> launch_drainer(const std::filesystem::path& config,
                                                             const std::filesystem::path& log_file,
                                                             std::vector<std::string> extra = {},
                                                             std::vector<std::string> env = {}) {
  testing::ChildProcessOptions options;
  options.extra_env = std::move(env);
  options.argv = {drainer_binary().string(), "-config", config.string(), "-L", "info"};
  for (auto& argument : extra)
    options.argv.push_back(std::move(argument));
  options.log_file = log_file;
  options.pipe_stdout = true;
  auto child = std::make_unique<testing::ChildProcess>(options);
  bool serving = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!serving && std::chrono::steady_clock::now() < deadline) {
    auto line = child->read_stdout_line(std::chrono::seconds(30));
    if (!line) break;
    serving = line->find("serving gRPC") != std::string::npos;
  }
  EXPECT_TRUE(serving) << child->log_tail();
  return child;
}

}  // namespace sluice::drainer::test
