#include "core/config/config_document.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

namespace sluice::config {
namespace {

std::string_view type_name(const toml::value& value) {
  switch (value.type()) {
    case toml::value_t::boolean:
      return "a boolean";
    case toml::value_t::integer:
      return "an integer";
    case toml::value_t::floating:
      return "a float";
    case toml::value_t::string:
      return "a string";
    case toml::value_t::array:
      return "an array";
    case toml::value_t::table:
      return "a table";
    case toml::value_t::offset_datetime:
    case toml::value_t::local_datetime:
    case toml::value_t::local_date:
    case toml::value_t::local_time:
      return "a date/time";
    case toml::value_t::empty:
      return "empty";
  }
  return "an unknown type";
}

// toml11 syntax errors span several lines with ANSI-free ascii art; keep them as they are but
// make sure the file name leads.
Status syntax_error(const std::string& source_name, const std::exception& error) {
  return Status::invalid_argument(
      fmt::format("config {}: TOML syntax error: {}", source_name, error.what()));
}

// Where the first byte that does not begin a well-formed UTF-8 sequence is (RFC 3629: no
// overlong forms, no surrogates, nothing above U+10FFFF), or npos when all of `text` is UTF-8.
size_t first_invalid_utf8(std::string_view text) {
  size_t at = 0;
  while (at < text.size()) {
    const auto lead = static_cast<unsigned char>(text[at]);
    if (lead < 0x80) {
      ++at;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80;  // the range of the second byte, which rules out the bad forms
    unsigned char high = 0xBF;
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;
      if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;
      if (lead == 0xF4) high = 0x8F;
    } else {
      return at;
    }
    if (text.size() - at < length) return at;
    for (size_t i = 1; i < length; ++i) {
      const auto next = static_cast<unsigned char>(text[at + i]);
      if (i == 1 ? (next < low || next > high) : (next < 0x80 || next > 0xBF)) return at;
    }
    at += length;
  }
  return std::string_view::npos;
}

}  // namespace

Result<std::shared_ptr<ConfigDocument>> ConfigDocument::load_file(
    const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  if (!input) {
    return Status::not_found(
        fmt::format("config {}: cannot open: {}", path.string(), std::strerror(errno)));
  }
  std::ostringstream text;
  text << input.rdbuf();
  return parse_string(text.str(), path.string());
}

Result<std::shared_ptr<ConfigDocument>> ConfigDocument::parse_string(std::string_view text,
                                                                     std::string source_name) {
  // A TOML document is UTF-8 (TOML 1.0). toml11 refuses other bytes wherever they are, but for
  // a literal string ('...') its error path reads outside its buffer (toml11 3.7.1
  // parse_literal_string; found by tests/fuzz/config_fuzzer), so such bytes are refused first.
  if (const size_t bad = first_invalid_utf8(text); bad != std::string_view::npos) {
    const auto line =
        1 + std::count(text.begin(), text.begin() + static_cast<ptrdiff_t>(bad), '\n');
    return Status::invalid_argument(
        fmt::format("config {}: line {}: byte 0x{:02x} at offset {} is not UTF-8 (a TOML file must "
                    "be UTF-8)",
                    source_name, line, static_cast<unsigned char>(text[bad]), bad));
  }
  std::istringstream input{std::string(text)};
  try {
    toml::value root = toml::parse(input, source_name);
    return std::make_shared<ConfigDocument>(ConstructionToken{}, std::move(root), source_name);
  } catch (const std::exception& error) {
    return syntax_error(source_name, error);
  }
}

ConfigSection ConfigDocument::root() {
  return ConfigSection(shared_from_this(), &root_, "");
}

void ConfigDocument::collect_unknown(const toml::value& table, const std::string& prefix,
                                     std::vector<std::string>& out) const {
  for (const auto& [key, value] : table.as_table()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (opaque_subtrees_.count(path) != 0) continue;
    if (consulted_.count(path) == 0) {
      out.push_back(path);
      continue;
    }
    if (value.is_table()) {
      collect_unknown(value, path, out);
    } else if (value.is_array()) {
      const auto& items = value.as_array();
      for (size_t i = 0; i < items.size(); ++i) {
        if (!items[i].is_table()) continue;
        const std::string item_path = fmt::format("{}[{}]", path, i);
        if (consulted_.count(item_path) == 0) {
          out.push_back(item_path);
        } else {
          collect_unknown(items[i], item_path, out);
        }
      }
    }
  }
}

std::vector<std::string> ConfigDocument::unknown_keys() const {
  std::vector<std::string> unknown;
  if (root_.is_table()) collect_unknown(root_, "", unknown);
  std::sort(unknown.begin(), unknown.end());
  return unknown;
}

size_t ConfigDocument::warn_unknown_keys() const {
  const auto unknown = unknown_keys();
  for (const auto& key : unknown) {
    spdlog::warn("config {}: unknown key '{}' ignored (misspelt, or not used by this program)",
                 source_name_, key);
  }
  return unknown.size();
}

bool ConfigSection::has(std::string_view key) const {
  return find(key) != nullptr;
}

std::vector<std::string> ConfigSection::keys() const {
  std::vector<std::string> names;
  if (table_ == nullptr) return names;
  for (const auto& entry : table_->as_table())
    names.push_back(entry.first);
  std::sort(names.begin(), names.end());
  return names;
}

const toml::value* ConfigSection::find(std::string_view key) const {
  if (table_ == nullptr) return nullptr;
  const auto& table = table_->as_table();
  const auto it = table.find(std::string(key));
  return it == table.end() ? nullptr : &it->second;
}

std::string ConfigSection::child_path(std::string_view key) const {
  return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
}

void ConfigSection::mark_consulted(std::string_view key) {
  document_->consulted_.insert(child_path(key));
}

void ConfigSection::mark_opaque(std::string_view key) {
  document_->consulted_.insert(child_path(key));
  document_->opaque_subtrees_.insert(child_path(key));
}

const toml::value* ConfigSection::raw(std::string_view key) const {
  return find(key);
}

Status ConfigSection::error(std::string_view key, std::string_view message) const {
  const toml::value* value = find(key);
  const toml::value* anchor = value != nullptr ? value : table_;
  if (anchor != nullptr && anchor->location().line() > 0 &&
      anchor->location().file_name() != "unknown file") {
    return Status::invalid_argument(fmt::format("{}:{}: key '{}': {}", document_->source_name_,
                                                anchor->location().line(), child_path(key),
                                                message));
  }
  return Status::invalid_argument(
      fmt::format("{}: key '{}': {}", document_->source_name_, child_path(key), message));
}

Status ConfigSection::type_error(std::string_view key, const toml::value& value,
                                 std::string_view expected) const {
  return error(key, fmt::format("must be {}, found {}", expected, type_name(value)));
}

Status ConfigSection::read(std::string_view key, bool& out) {
  mark_consulted(key);
  const toml::value* value = find(key);
  if (value == nullptr) return Status::ok();
  if (!value->is_boolean()) return type_error(key, *value, "a boolean (true or false)");
  out = value->as_boolean();
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, int64_t& out) {
  mark_consulted(key);
  const toml::value* value = find(key);
  if (value == nullptr) return Status::ok();
  if (!value->is_integer()) return type_error(key, *value, "an integer");
  out = value->as_integer();
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, int& out) {
  int64_t wide = out;
  SLUICE_RETURN_IF_ERROR(read(key, wide));
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return error(key, fmt::format("{} is out of range", wide));
  }
  out = static_cast<int>(wide);
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, uint64_t& out) {
  int64_t wide = 0;
  const bool present = has(key);
  SLUICE_RETURN_IF_ERROR(read(key, wide));
  if (!present) return Status::ok();
  if (wide < 0) return error(key, fmt::format("must not be negative, found {}", wide));
  out = static_cast<uint64_t>(wide);
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, double& out) {
  mark_consulted(key);
  const toml::value* value = find(key);
  if (value == nullptr) return Status::ok();
  if (value->is_floating()) {
    out = value->as_floating();
  } else if (value->is_integer()) {
    out = static_cast<double>(value->as_integer());
  } else {
    return type_error(key, *value, "a number");
  }
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, std::string& out) {
  mark_consulted(key);
  const toml::value* value = find(key);
  if (value == nullptr) return Status::ok();
  if (!value->is_string()) return type_error(key, *value, "a string");
  out = value->as_string().str;
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, std::vector<std::string>& out) {
  mark_consulted(key);
  const toml::value* value = find(key);
  if (value == nullptr) return Status::ok();
  if (!value->is_array()) return type_error(key, *value, "an array of strings");
  std::vector<std::string> items;
  for (const auto& item : value->as_array()) {
    if (!item.is_string()) return type_error(key, item, "an array of strings");
    items.push_back(item.as_string().str);
  }
  out = std::move(items);
  return Status::ok();
}

Status ConfigSection::read(std::string_view key, std::vector<int64_t>& out) {
  mark_consulted(key);
  const toml::value* value = find(key);
  if (value == nullptr) return Status::ok();
  if (!value->is_array()) return type_error(key, *value, "an array of integers");
  std::vector<int64_t> items;
  for (const auto& item : value->as_array()) {
    if (!item.is_integer()) return type_error(key, item, "an array of integers");
    items.push_back(item.as_integer());
  }
  out = std::move(items);
  return Status::ok();
}

Result<ConfigSection> ConfigSection::section(std::string_view key) {
  mark_consulted(key);
  const toml::value* value = find(key);
  if (value == nullptr) return ConfigSection(document_, nullptr, child_path(key));
  if (!value->is_table()) return type_error(key, *value, "a table");
  return ConfigSection(document_, value, child_path(key));
}

Result<std::vector<ConfigSection>> ConfigSection::sections(std::string_view key) {
  mark_consulted(key);
  std::vector<ConfigSection> result;
  const toml::value* value = find(key);
  if (value == nullptr) return result;
  if (!value->is_array()) return type_error(key, *value, "an array of tables ([[...]])");
  const auto& items = value->as_array();
  for (size_t i = 0; i < items.size(); ++i) {
    if (!items[i].is_table()) return type_error(key, items[i], "an array of tables ([[...]])");
    const std::string item_path = fmt::format("{}[{}]", child_path(key), i);
    document_->consulted_.insert(item_path);
    result.push_back(ConfigSection(document_, &items[i], item_path));
  }
  return result;
}

}  // namespace sluice::config
