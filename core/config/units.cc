#include "core/config/units.h"

#include <fmt/format.h>

#include <array>
#include <cctype>
#include <charconv>
#include <cmath>
#include <string>
#include <utility>

namespace sluice::config {
namespace {

Status bad_duration(std::string_view text, std::string_view why) {
  return Status::invalid_argument(fmt::format(
      "'{}' is not a duration ({}); examples: \"300ms\", \"10s\", \"8h\", \"1h30m\"", text, why));
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  static const std::array<std::pair<std::string_view, double>, 7> kUnits = {{
      {"ns", 1.0},
      {"us", 1e3},
      {"\xC2\xB5s", 1e3},  // µs
      {"ms", 1e6},
      {"s", 1e9},
      {"m", 60e9},
      {"h", 3600e9},
  }};
  if (text.empty()) return bad_duration(text, "empty");
  if (text == "0") return std::chrono::nanoseconds(0);
  if (text.front() == '-') return bad_duration(text, "negative");
  std::string_view rest = text;
  if (rest.front() == '+') rest.remove_prefix(1);
  double total = 0;
  while (!rest.empty()) {
    size_t number_end = 0;
    while (
        number_end < rest.size() &&
        (std::isdigit(static_cast<unsigned char>(rest[number_end])) || rest[number_end] == '.')) {
      ++number_end;
    }
    if (number_end == 0) return bad_duration(text, "expected a number");
    const std::string number(rest.substr(0, number_end));
    if (number == ".") return bad_duration(text, "expected a number");
    const double amount = std::strtod(number.c_str(), nullptr);
    rest.remove_prefix(number_end);
    size_t unit_end = 0;
    while (unit_end < rest.size() && !std::isdigit(static_cast<unsigned char>(rest[unit_end])) &&
           rest[unit_end] != '.') {
      ++unit_end;
    }
    const std::string_view unit = rest.substr(0, unit_end);
    if (unit.empty()) return bad_duration(text, "missing unit");
    double scale = 0;
    for (const auto& [name, nanos] : kUnits) {
      if (unit == name) scale = nanos;
    }
    if (scale == 0) return bad_duration(text, fmt::format("unknown unit '{}'", unit));
    total += amount * scale;
    rest.remove_prefix(unit_end);
  }
  if (total > 9.2e18) return bad_duration(text, "too large");
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(total)));
}

Result<uint64_t> parse_byte_size(std::string_view text) {
  static const std::array<std::pair<std::string_view, double>, 22> kUnits = {{
      {"", 1},
      {"b", 1},
      {"k", 1e3},
      {"kb", 1e3},
      {"ki", 1024.0},
      {"kib", 1024.0},
      {"m", 1e6},
      {"mb", 1e6},
      {"mi", 1048576.0},
      {"mib", 1048576.0},
      {"g", 1e9},
      {"gb", 1e9},
      {"gi", 1073741824.0},
      {"gib", 1073741824.0},
      {"t", 1e12},
      {"tb", 1e12},
      {"ti", 1099511627776.0},
      {"tib", 1099511627776.0},
      {"p", 1e15},
      {"pb", 1e15},
      {"pi", 1125899906842624.0},
      {"pib", 1125899906842624.0},
  }};
  const std::string normalized = lower(text);
  size_t position = 0;
  while (position < normalized.size() &&
         std::isspace(static_cast<unsigned char>(normalized[position])))
    ++position;
  const size_t number_start = position;
  while (position < normalized.size() &&
         (std::isdigit(static_cast<unsigned char>(normalized[position])) ||
          normalized[position] == '.' || normalized[position] == ',')) {
    ++position;
  }
  std::string number;
  for (size_t i = number_start; i < position; ++i) {
    if (normalized[i] != ',') number.push_back(normalized[i]);
  }
  while (position < normalized.size() &&
         std::isspace(static_cast<unsigned char>(normalized[position])))
    ++position;
  std::string unit = normalized.substr(position);
  while (!unit.empty() && std::isspace(static_cast<unsigned char>(unit.back())))
    unit.pop_back();
  if (number.empty() || number == ".") {
    return Status::invalid_argument(
        fmt::format("'{}' is not a byte size; examples: \"10 GiB\", \"512MB\", \"1048576\"", text));
  }
  double scale = 0;
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) scale = factor;
  }
  if (scale == 0) {
    return Status::invalid_argument(fmt::format(
        "'{}' is not a byte size: unknown unit '{}' (use B, KB/KiB, MB/MiB, GB/GiB, TB/TiB)", text,
        unit));
  }
  const double bytes = std::strtod(number.c_str(), nullptr) * scale;
  if (bytes >= 1.8e19) return Status::invalid_argument(fmt::format("'{}' is too large", text));
  return static_cast<uint64_t>(bytes + 0.5);
}

}  // namespace sluice::config
