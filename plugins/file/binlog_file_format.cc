#include "plugins/file/binlog_file_format.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <system_error>

#include "core/checksum/crc32c.h"

namespace sluice::file {
namespace {

bool all_digits(std::string_view text) {
  return !text.empty() &&
         std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

template <typename Number>
std::optional<Number> parse_number(std::string_view text) {
  if (!all_digits(text)) return std::nullopt;
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

void put_u32_le(char* at, uint32_t value) {
  for (int i = 0; i < 4; ++i)
    at[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

void put_u64_le(char* at, uint64_t value) {
  for (int i = 0; i < 8; ++i)
    at[i] = static_cast<char>((value >> (8 * i)) & 0xFF);
}

uint32_t get_u32_le(const char* at) {
  uint32_t value = 0;
  for (int i = 3; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(at[i]);
  return value;
}

uint64_t get_u64_le(const char* at) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i)
    value = (value << 8) | static_cast<unsigned char>(at[i]);
  return value;
}

std::string binlog_file_name(uint64_t index, std::time_t created) {
  std::tm local{};
  ::localtime_r(&created, &local);
  char name[64];
  std::snprintf(name, sizeof(name), "binlog-%016llu-%04d%02d%02d%02d%02d%02d",
                static_cast<unsigned long long>(index), local.tm_year + 1900, local.tm_mon + 1,
                local.tm_mday, local.tm_hour, local.tm_min, local.tm_sec);
  return name;
}

std::optional<BinlogFileName> parse_binlog_file_name(std::string_view name) {
  if (name.ends_with("checkpoint") || name.ends_with(".lock") || name.ends_with(".tmp")) {
    return std::nullopt;
  }
  constexpr std::string_view kPrefix = "binlog-";
  if (!name.starts_with(kPrefix)) return std::nullopt;
  std::string_view rest = name.substr(kPrefix.size());
  if (rest.ends_with(".tar.gz")) rest.remove_suffix(7);
  std::vector<std::string_view> parts;
  while (true) {
    const size_t dash = rest.find('-');
    parts.push_back(rest.substr(0, dash));
    if (dash == std::string_view::npos) break;
    rest.remove_prefix(dash + 1);
  }
  if (parts.size() > 3) return std::nullopt;
  BinlogFileName parsed;
  const auto index = parse_number<uint64_t>(parts[0]);
  if (!index) return std::nullopt;
  parsed.index = *index;
  if (parts.size() >= 2 && (parts[1].size() != 14 || !all_digits(parts[1]))) return std::nullopt;
  if (parts.size() == 3) {
    const auto commit_ts = parse_number<int64_t>(parts[2]);
    if (!commit_ts) return std::nullopt;
    parsed.commit_ts = *commit_ts;
  }
  return parsed;
}

Result<std::vector<BinlogFileEntry>> list_binlog_files(const std::filesystem::path& dir) {
  std::vector<BinlogFileEntry> files;
  std::error_code error;
  std::filesystem::directory_iterator it(dir, error);
  if (error) {
    return Status::io_error("cannot list '" + dir.string() + "': " + error.message());
  }
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    const auto parsed = parse_binlog_file_name(name);
    if (!parsed || !entry.is_regular_file(error)) continue;
    files.push_back({parsed->index, entry.path()});
  }
  std::sort(files.begin(), files.end(),
            [](const BinlogFileEntry& a, const BinlogFileEntry& b) { return a.index < b.index; });
  for (size_t i = 1; i < files.size(); ++i) {
    if (files[i].index != files[i - 1].index + 1) {
      return Status::corruption("binlog files in '" + dir.string() + "' are not contiguous: '" +
                                files[i - 1].path.filename().string() + "' then '" +
                                files[i].path.filename().string() + "'");
    }
  }
  return files;
}

void append_record(std::string& out, std::string_view payload) {
  char header[kRecordHeaderSize];
  put_u32_le(header, kRecordMagic);
  put_u64_le(header + 4, payload.size());
  char crc[4];
  put_u32_le(crc, checksum::crc32c(payload));
  out.append(header, sizeof(header));
  out.append(payload);
  out.append(crc, sizeof(crc));
}

}  // namespace sluice::file
