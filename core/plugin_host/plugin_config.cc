#include "core/plugin_host/plugin_config.h"

#include <fmt/format.h>

#include "core/config/secret_setting.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>

namespace sluice::plugin_host {
namespace {

sluice_str_t to_str(const std::string& text) {
  return {text.data(), text.size()};
}

}  // namespace

PluginConfig::PluginConfig(toml::value table, std::string path)
    : table_(table.is_table() ? std::move(table) : toml::value(toml::table{})),
      path_(std::move(path)) {}

void PluginConfig::set_error_reporter(std::function<void(std::string_view)> reporter) {
  reporter_ = std::move(reporter);
}

// A key path is segments joined by '.'; a segment is a table key, optionally followed by one or
// more array indexes: "replicate-do-table[0].db-name", "matrix[1][2]". An index is decimal digits
// only; a malformed path (empty segment, "[x]", missing ']') finds nothing.
const toml::value* PluginConfig::find(std::string_view key) const {
  if (key.empty()) return nullptr;
  const toml::value* at = &table_;
  size_t begin = 0;
  while (true) {
    const size_t dot = key.find('.', begin);
    std::string_view part =
        key.substr(begin, dot == std::string_view::npos ? std::string_view::npos : dot - begin);
    const size_t bracket = part.find('[');
    const std::string_view name = part.substr(0, bracket);
    if (name.empty() || !at->is_table()) return nullptr;
    const auto& table = at->as_table();
    const auto it = table.find(std::string(name));
    if (it == table.end()) return nullptr;
    at = &it->second;
    part.remove_prefix(name.size());
    while (!part.empty()) {  // "[i]" repeated
      const size_t close = part.find(']');
      if (part.front() != '[' || close == std::string_view::npos || close < 2) return nullptr;
      size_t index = 0;
      for (const char digit : part.substr(1, close - 1)) {
        if (digit < '0' || digit > '9' || index > (SIZE_MAX - 9) / 10) return nullptr;
        index = index * 10 + static_cast<size_t>(digit - '0');
      }
      if (!at->is_array() || index >= at->as_array().size()) return nullptr;
      at = &at->as_array()[index];
      part.remove_prefix(close + 1);
    }
    if (dot == std::string_view::npos) return at;
    begin = dot + 1;
  }
}

void PluginConfig::mark_read(std::string_view key) const {
  try {
    std::lock_guard<std::mutex> lock(mutex_);
    read_.emplace(key);
  } catch (...) {
    // Only the unknown-key warning loses this key.
  }
}

void PluginConfig::report(const std::string& message) const {
  if (reporter_) reporter_(message);
}

int32_t PluginConfig::type(std::string_view key) const {
  mark_read(key);
  const toml::value* value = find(key);
  if (value == nullptr) return SLUICE_CONFIG_ABSENT;
  switch (value->type()) {
    case toml::value_t::boolean:
      return SLUICE_CONFIG_BOOL;
    case toml::value_t::integer:
      return SLUICE_CONFIG_INT;
    case toml::value_t::floating:
      return SLUICE_CONFIG_DOUBLE;
    case toml::value_t::string:
      return SLUICE_CONFIG_STRING;
    case toml::value_t::array:
      return SLUICE_CONFIG_ARRAY;
    case toml::value_t::table:
      return SLUICE_CONFIG_TABLE;
    default:
      return SLUICE_CONFIG_OTHER;
  }
}

sluice_status_t PluginConfig::get_bool(std::string_view key, int32_t* out) const {
  mark_read(key);
  const toml::value* value = find(key);
  if (value == nullptr || !value->is_boolean() || out == nullptr) return SLUICE_INVALID_CONFIG;
  *out = value->as_boolean() ? 1 : 0;
  return SLUICE_OK;
}

sluice_status_t PluginConfig::get_int(std::string_view key, int64_t* out) const {
  mark_read(key);
  const toml::value* value = find(key);
  if (value == nullptr || !value->is_integer() || out == nullptr) return SLUICE_INVALID_CONFIG;
  *out = value->as_integer();
  return SLUICE_OK;
}

sluice_status_t PluginConfig::get_double(std::string_view key, double* out) const {
  mark_read(key);
  const toml::value* value = find(key);
  if (value == nullptr || out == nullptr) return SLUICE_INVALID_CONFIG;
  if (value->is_floating()) {
    *out = value->as_floating();
  } else if (value->is_integer()) {
    *out = static_cast<double>(value->as_integer());
  } else {
    return SLUICE_INVALID_CONFIG;
  }
  return SLUICE_OK;
}

sluice_status_t PluginConfig::get_string(std::string_view key, sluice_str_t* out) const {
  mark_read(key);
  const toml::value* value = find(key);
  if (value == nullptr || !value->is_string() || out == nullptr) return SLUICE_INVALID_CONFIG;
  *out = to_str(value->as_string().str);
  return SLUICE_OK;
}

sluice_status_t PluginConfig::get_secret(std::string_view key, sluice_str_t* out) const {
  mark_read(key);
  if (out == nullptr) return SLUICE_INVALID_CONFIG;
  try {
    const size_t dot = key.rfind('.');
    const std::string encrypted_key =
        dot == std::string_view::npos
            ? "encrypted_" + std::string(key)
            : std::string(key.substr(0, dot + 1)) + "encrypted_" + std::string(key.substr(dot + 1));
    mark_read(encrypted_key);
    if (const toml::value* encrypted = find(encrypted_key); encrypted != nullptr) {
      if (!encrypted->is_string()) {
        report(
            fmt::format("key '{}.{}': an encrypted secret must be a string", path_, encrypted_key));
        return SLUICE_INVALID_CONFIG;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      auto cached = secrets_.find(std::string(key));
      if (cached == secrets_.end()) {
        auto plaintext = config::decrypt_with_environment_key(encrypted->as_string().str);
        if (!plaintext.is_ok()) {
          // The message names the cause (key missing, not base64, ...), never the value.
          report(
              fmt::format("key '{}.{}': {}", path_, encrypted_key, plaintext.status().message()));
          return SLUICE_INVALID_CONFIG;
        }
        cached = secrets_.emplace(std::string(key), std::move(plaintext).value()).first;
      }
      *out = to_str(cached->second);
      return SLUICE_OK;
    }
    const toml::value* value = find(key);
    if (value == nullptr) return SLUICE_INVALID_CONFIG;
    if (!value->is_string()) {
      report(fmt::format("key '{}.{}': a secret must be a string", path_, key));
      return SLUICE_INVALID_CONFIG;
    }
    const std::string& text = value->as_string().str;
    if (text.size() < 4 || text.compare(0, 2, "${") != 0 || text.back() != '}') {
      *out = to_str(text);
      return SLUICE_OK;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    auto cached = secrets_.find(std::string(key));
    if (cached == secrets_.end()) {
      auto resolved = config::resolve_secret_text(text);
      if (!resolved.is_ok()) {
        report(fmt::format("key '{}.{}': {}", path_, key, resolved.status().message()));
        return SLUICE_INVALID_CONFIG;
      }
      cached = secrets_.emplace(std::string(key), std::move(resolved).value()).first;
    }
    *out = to_str(cached->second);
    return SLUICE_OK;
  } catch (...) {
    return SLUICE_FATAL;
  }
}

sluice_status_t PluginConfig::array_size(std::string_view key, size_t* out) const {
  mark_read(key);
  const toml::value* value = find(key);
  if (value == nullptr || !value->is_array() || out == nullptr) return SLUICE_INVALID_CONFIG;
  *out = value->as_array().size();
  return SLUICE_OK;
}

sluice_status_t PluginConfig::get_string_at(std::string_view key, size_t index,
                                            sluice_str_t* out) const {
  mark_read(key);
  const toml::value* value = find(key);
  if (value == nullptr || !value->is_array() || out == nullptr) return SLUICE_INVALID_CONFIG;
  const auto& items = value->as_array();
  if (index >= items.size() || !items[index].is_string()) return SLUICE_INVALID_CONFIG;
  *out = to_str(items[index].as_string().str);
  return SLUICE_OK;
}

namespace {

bool is_array_of_tables(const toml::value& value) {
  if (!value.is_array() || value.as_array().empty()) return false;
  const auto& items = value.as_array();
  return std::all_of(items.begin(), items.end(),
                     [](const toml::value& item) { return item.is_table(); });
}

}  // namespace

void PluginConfig::collect_unread(const toml::value& table, const std::string& prefix,
                                  std::vector<std::string>& out) const {
  for (const auto& [key, value] : table.as_table()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    if (value.is_table()) {
      collect_unread(value, path, out);
    } else if (is_array_of_tables(value)) {
      // Each entry's keys are read as "path[i].key", so they are reported one by one.
      const auto& items = value.as_array();
      for (size_t i = 0; i < items.size(); ++i) {
        collect_unread(items[i], path + "[" + std::to_string(i) + "]", out);
      }
    } else if (read_.count(path) == 0) {
      out.push_back(path);
    }
  }
}

std::vector<std::string> PluginConfig::unread_keys() const {
  std::vector<std::string> unread;
  std::lock_guard<std::mutex> lock(mutex_);
  collect_unread(table_, "", unread);
  std::sort(unread.begin(), unread.end());
  return unread;
}

std::string PluginConfig::location(std::string_view key) const {
  const toml::value* value = find(key);
  if (value == nullptr) return {};
  const auto where = value->location();
  if (where.line() == 0 || where.file_name() == "unknown file") return {};
  return fmt::format("{}:{}", where.file_name(), where.line());
}

}  // namespace sluice::plugin_host
