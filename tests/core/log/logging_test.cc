#include "core/log/logging.h"

#include <gtest/gtest.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace sluice::log {
namespace {

std::filesystem::path fresh_dir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / (name + "-" + std::to_string(::getpid()));
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

TEST(Logging, ParsesTheOriginalsLevelNames) {
  EXPECT_EQ(parse_level("info").value(), spdlog::level::info);
  EXPECT_EQ(parse_level("WARN").value(), spdlog::level::warn);
  EXPECT_EQ(parse_level("warning").value(), spdlog::level::warn);
  EXPECT_EQ(parse_level("fatal").value(), spdlog::level::critical);
  auto bad = parse_level("verbose");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("'verbose'"), std::string::npos);
}

TEST(Logging, WritesToFileAtTheChosenLevel) {
  const auto dir = fresh_dir("sluice-log-test");
  LogOptions options;
  options.file = (dir / "sub" / "pump.log").string();
  options.level = "warn";
  options.program = "pump";
  ASSERT_TRUE(configure_logging(options).is_ok());
  spdlog::info("hidden line");
  spdlog::warn("visible line {}", 42);
  spdlog::default_logger()->flush();
  const std::string text = read_file(options.file);
  EXPECT_NE(text.find("visible line 42"), std::string::npos);
  EXPECT_NE(text.find("[pump]"), std::string::npos);
  EXPECT_EQ(text.find("hidden line"), std::string::npos);
  std::filesystem::remove_all(dir);
}

TEST(Logging, RotatesBySizeAndKeepsBoundedFiles) {
  const auto dir = fresh_dir("sluice-log-rotate-test");
  LogOptions options;
  options.file = (dir / "drainer.log").string();
  options.max_file_bytes = 4096;
  options.max_files = 2;
  ASSERT_TRUE(configure_logging(options).is_ok());
  for (int i = 0; i < 500; ++i)
    spdlog::info("line {} {}", i, std::string(40, 'x'));
  spdlog::default_logger()->flush();
  size_t files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    (void)entry;
    ++files;
  }
  EXPECT_EQ(files, 3u);  // drainer.log, drainer.1.log, drainer.2.log
  EXPECT_TRUE(std::filesystem::exists(dir / "drainer.1.log"));
  EXPECT_LE(std::filesystem::file_size(dir / "drainer.log"), 4096u + 200u);
  std::filesystem::remove_all(dir);
}

TEST(Logging, UnwritableFileIsAClearError) {
  LogOptions options;
  options.file = "/proc/sluice-cannot-exist/x.log";
  const Status status = configure_logging(options);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("/proc/sluice-cannot-exist/x.log"), std::string::npos);
}

TEST(Logging, BadLevelKeepsPreviousLogger) {
  auto before = spdlog::default_logger();
  LogOptions options;
  options.level = "loud";
  EXPECT_FALSE(configure_logging(options).is_ok());
  EXPECT_EQ(spdlog::default_logger(), before);
}

}  // namespace
}  // namespace sluice::log
