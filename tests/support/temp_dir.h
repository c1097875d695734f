#pragma once
// TempDir: a fresh directory made with mkdtemp under $TMPDIR (or /tmp). Owns the directory and
// everything in it; the destructor removes it recursively. Movable, not copyable.
// Thread-safety: none needed beyond a value type; do not share one object between threads.

#include <filesystem>
#include <string>
#include <string_view>

namespace sluice::testing {

class TempDir {
 public:
  // Creates <$TMPDIR or /tmp>/<prefix>XXXXXX. Throws std::runtime_error when mkdtemp fails.
  explicit TempDir(std::string_view prefix = "sluice-test-");
  ~TempDir();

  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&& other) noexcept;
  TempDir& operator=(TempDir&& other) noexcept;

  const std::filesystem::path& path() const { return path_; }
  // path() / name, as a convenience for building file names inside the directory.
  std::filesystem::path file(std::string_view name) const { return path_ / name; }

  // Removes the directory now (idempotent); path() is empty afterwards.
  void remove();

 private:
  std::filesystem::path path_;
};

}  // namespace sluice::testing
