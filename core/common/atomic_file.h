#pragma once
// Whole-file reads and crash-safe replacement: write_file_atomically writes a temporary file
// beside the target, fsyncs it, renames it over the target and fsyncs the directory, so a reader
// (or a restart after a crash) sees the old content or the new, never a mix. Thread-safe for
// distinct paths.

#include <filesystem>
#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice {

Status write_file_atomically(const std::filesystem::path& path, std::string_view content);
// NotFound when the file does not exist.
Result<std::string> read_file(const std::filesystem::path& path);

}  // namespace sluice
