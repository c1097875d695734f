#pragma once
// A private directory for fuzz targets whose parser reads a file: created on first use under
// /dev/shm when it exists (no disk wear), else TMPDIR or /tmp, and removed at exit. One process,
// one thread (libFuzzer runs inputs one at a time).

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>

namespace sluice::fuzz {

inline const std::filesystem::path& temp_dir() {
  static const std::filesystem::path dir = [] {
    std::string base = "/dev/shm";
    if (access(base.c_str(), W_OK) != 0) {
      const char* tmp = std::getenv("TMPDIR");
      base = tmp != nullptr && *tmp != '\0' ? tmp : "/tmp";
    }
    std::string pattern = base + "/sluice-fuzz-XXXXXX";
    if (mkdtemp(pattern.data()) == nullptr) {
      std::perror("mkdtemp");
      std::abort();
    }
    std::atexit([] {
      std::error_code ignored;
      std::filesystem::remove_all(temp_dir(), ignored);
    });
    return std::filesystem::path(pattern);
  }();
  return dir;
}

// Replaces the file `name` in temp_dir() with `bytes`; returns its path.
inline std::filesystem::path write_temp_file(std::string_view name, std::string_view bytes) {
  std::filesystem::path path = temp_dir() / name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) {
    std::perror(path.c_str());
    std::abort();
  }
  return path;
}

}  // namespace sluice::fuzz
