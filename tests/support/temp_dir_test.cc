#include "tests/support/temp_dir.h"

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace sluice::testing {
namespace {

namespace fs = std::filesystem;

TEST(TempDirTest, CreatesAndRemovesRecursively) {
  fs::path path;
  {
    TempDir dir("sluice-unit-");
    path = dir.path();
    ASSERT_TRUE(fs::is_directory(path));
    EXPECT_EQ(path.filename().string().rfind("sluice-unit-", 0), 0u);
    fs::create_directories(dir.file("a/b/c"));
    std::ofstream(dir.file("a/b/c/file.txt")) << "data";
    std::ofstream(dir.file("top.txt")) << "data";
  }
  EXPECT_FALSE(fs::exists(path));
}

TEST(TempDirTest, DistinctDirectories) {
  TempDir a;
  TempDir b;
  EXPECT_NE(a.path(), b.path());
}

TEST(TempDirTest, HonoursTmpdir) {
  TempDir outer;
  const char* old = std::getenv("TMPDIR");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TMPDIR", outer.path().c_str(), 1);
  {
    TempDir inner;
    EXPECT_EQ(inner.path().parent_path(), outer.path());
  }
  if (saved) {
    ::setenv("TMPDIR", saved->c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

TEST(TempDirTest, MoveTransfersOwnership) {
  TempDir a;
  const fs::path path = a.path();
  TempDir b(std::move(a));
  EXPECT_EQ(b.path(), path);
  EXPECT_TRUE(a.path().empty());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  b.remove();
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(b.path().empty());
}

TEST(TempDirTest, BadParentThrows) {
  const char* old = std::getenv("TMPDIR");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TMPDIR", "/nonexistent/sluice-no-such-dir", 1);
  EXPECT_THROW(TempDir(), std::runtime_error);
  if (saved) {
    ::setenv("TMPDIR", saved->c_str(), 1);
  } else {
    ::unsetenv("TMPDIR");
  }
}

}  // namespace
}  // namespace sluice::testing
