#pragma once
// PluginConfig: one plugin instance's configuration table ([sink.config] etc.), behind the
// opaque sluice_config_t of the host API. Keys are dotted paths into the table, and a segment may
// index an array: "replicate-do-table[0].db-name" (see find()). It records which
// keys the plugin read, so the host can warn about keys nobody read (usually a typo), and it
// resolves secrets ("${NAME}" reads the environment variable NAME).
// Owned by the instance's HostContext; strings it hands out live as long as it does. Every
// method is thread-safe (the read-key record and the secret cache are locked).

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml.hpp>

namespace sluice::plugin_host {

class PluginConfig {
 public:
  // `table` is the instance's config table (a default-constructed or empty value means none);
  // `path` is its dotted path in the daemon's configuration ("sink[0].config"), for messages.
  PluginConfig(toml::value table, std::string path);
  PluginConfig(const PluginConfig&) = delete;  // handles point at this object
  PluginConfig& operator=(const PluginConfig&) = delete;

  const sluice_config_t* handle() const { return reinterpret_cast<const sluice_config_t*>(this); }
  static const PluginConfig* from(const sluice_config_t* config) {
    return reinterpret_cast<const PluginConfig*>(config);
  }

  // Where explanations of failed secret reads go (the owning context's set_error).
  void set_error_reporter(std::function<void(std::string_view)> reporter);

  // The host API's config calls (see plugin_abi.h): SLUICE_OK and `out` filled, or
  // SLUICE_INVALID_CONFIG (absent, wrong type) with `out` untouched.
  int32_t type(std::string_view key) const;
  sluice_status_t get_bool(std::string_view key, int32_t* out) const;
  sluice_status_t get_int(std::string_view key, int64_t* out) const;
  sluice_status_t get_double(std::string_view key, double* out) const;  // integers too
  sluice_status_t get_string(std::string_view key, sluice_str_t* out) const;
  // "${NAME}" -> the environment variable NAME (resolved once, then cached); any other string as
  // is. An `encrypted_<key>` entry is not supported yet: SLUICE_UNSUPPORTED, with an explanation
  // through the error reporter. An unset variable: SLUICE_INVALID_CONFIG, explained likewise.
  sluice_status_t get_secret(std::string_view key, sluice_str_t* out) const;
  sluice_status_t array_size(std::string_view key, size_t* out) const;
  sluice_status_t get_string_at(std::string_view key, size_t index, sluice_str_t* out) const;

  // Dotted keys of the values (not tables) the plugin never asked about, sorted. Arrays of tables
  // are looked into: an unread key inside one is reported as "name[i].key".
  std::vector<std::string> unread_keys() const;
  // "<file>:<line>" of a key's value, or "" when unknown.
  std::string location(std::string_view key) const;
  // This table's dotted path in the daemon's configuration.
  const std::string& path() const { return path_; }
  const toml::value& table() const { return table_; }

 private:
  const toml::value* find(std::string_view key) const;
  void mark_read(std::string_view key) const;
  void report(const std::string& message) const;
  void collect_unread(const toml::value& table, const std::string& prefix,
                      std::vector<std::string>& out) const;

  toml::value table_;
  std::string path_;
  std::function<void(std::string_view)> reporter_;
  mutable std::mutex mutex_;
  mutable std::set<std::string> read_;
  mutable std::map<std::string, std::string> secrets_;  // key -> resolved value (node-stable)
};

}  // namespace sluice::plugin_host
