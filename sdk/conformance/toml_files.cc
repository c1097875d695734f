// The two TOML files the conformance tool reads: a plugin's config table and a plugin manifest.
// toml11 is used only here, so its compile cost is paid in one translation unit.
#include <toml.hpp>

#include <filesystem>
#include <stdexcept>
#include <string>

#include "suite.h"

namespace sluice::conformance {
namespace {

using sdk::testing::ConfigOther;
using sdk::testing::ConfigValue;
using sdk::testing::FakeConfig;

void flatten(const toml::value& table, const std::string& prefix, FakeConfig& out) {
  for (const auto& [key, value] : table.as_table()) {
    const std::string dotted = prefix.empty() ? key : prefix + "." + key;
    switch (value.type()) {
      case toml::value_t::boolean:
        out.set(dotted, value.as_boolean());
        break;
      case toml::value_t::integer:
        out.set(dotted, static_cast<int64_t>(value.as_integer()));
        break;
      case toml::value_t::floating:
        out.set(dotted, static_cast<double>(value.as_floating()));
        break;
      case toml::value_t::string:
        out.set(dotted, std::string(value.as_string()));
        break;
      case toml::value_t::table:
        flatten(value, dotted, out);
        break;
      case toml::value_t::array: {
        const auto& items = value.as_array();
        std::vector<std::string> strings;
        bool all_strings = true;
        for (const auto& item : items) {
          if (!item.is_string()) {
            all_strings = false;
            break;
          }
          strings.emplace_back(item.as_string());
        }
        if (all_strings) {
          out.set(dotted, std::move(strings));
        } else {
          out.set(dotted, ConfigOther{SLUICE_CONFIG_ARRAY, items.size()});
        }
        break;
      }
      default:  // dates and times
        out.set(dotted, ConfigOther{});
        break;
    }
  }
}

std::optional<std::string> string_field(const toml::value& root, const char* key) {
  if (!root.contains(key)) return std::nullopt;
  const toml::value& value = root.at(key);
  if (!value.is_string()) throw std::runtime_error(std::string("'") + key + "' is not a string");
  return std::string(value.as_string());
}

std::optional<int64_t> integer_field(const toml::value& root, const char* key) {
  if (!root.contains(key)) return std::nullopt;
  const toml::value& value = root.at(key);
  if (!value.is_integer()) throw std::runtime_error(std::string("'") + key + "' is not an integer");
  return static_cast<int64_t>(value.as_integer());
}

}  // namespace

FakeConfig read_config_file(const std::string& path) {
  try {
    const toml::value root = toml::parse(path);
    FakeConfig config;
    flatten(root, "", config);
    return config;
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot read config file '" + path + "': " + error.what());
  }
}

std::optional<Manifest> read_manifest(const std::string& plugin_path) {
  namespace fs = std::filesystem;
  const fs::path library(plugin_path);
  fs::path manifest_path = library;
  manifest_path.replace_extension(".plugin.toml");
  std::error_code error;
  if (!fs::exists(manifest_path, error)) return std::nullopt;
  try {
    const toml::value root = toml::parse(manifest_path.string());
    Manifest manifest;
    manifest.path = manifest_path.string();
    manifest.name = string_field(root, "name");
    manifest.kind = string_field(root, "kind");
    manifest.version = string_field(root, "version");
    manifest.platform = string_field(root, "platform");
    manifest.build_id = string_field(root, "build_id");
    manifest.library = string_field(root, "library");
    manifest.abi_major = integer_field(root, "abi_major");
    manifest.abi_minor = integer_field(root, "abi_minor");
    return manifest;
  } catch (const std::exception& parse_error) {
    throw std::runtime_error("cannot read manifest '" + manifest_path.string() +
                             "': " + parse_error.what());
  }
}

const char* host_platform() {
  return SLUICE_PLATFORM;
}

}  // namespace sluice::conformance
