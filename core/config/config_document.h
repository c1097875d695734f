#pragma once
// ConfigDocument: a parsed TOML configuration file that remembers which keys the program read,
// so keys nobody read can be reported as unknown (usually a typo) instead of silently ignored.
// ConfigSection: a view of one table of the document with typed, located reads: every error
// names the file, the line and the dotted key.
//
// Ownership: sections share the document (shared_ptr); a section stays valid as long as any
// section or the document handle is alive. Not thread-safe: load configuration on one thread.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml.hpp>

#include "core/common/result.h"

namespace sluice::config {

class ConfigSection;

class ConfigDocument : public std::enable_shared_from_this<ConfigDocument> {
  struct ConstructionToken {
    explicit ConstructionToken() = default;
  };

 public:
  // Use load_file or parse_string; public only so make_shared can reach it.
  ConfigDocument(ConstructionToken, toml::value root, std::string source_name)
      : root_(std::move(root)), source_name_(std::move(source_name)) {}

  // Reads and parses a file. Errors name the file and, for syntax errors, the line.
  static Result<std::shared_ptr<ConfigDocument>> load_file(const std::filesystem::path& path);
  // Parses TOML text; `source_name` stands in for the file name in messages.
  static Result<std::shared_ptr<ConfigDocument>> parse_string(std::string_view text,
                                                              std::string source_name);

  ConfigSection root();
  const std::string& source_name() const { return source_name_; }
  // The parsed tree, for a daemon that rewrites legacy settings into their current form before
  // reading them (the drainer turns [syncer] db-type into a [[sink]]). Values moved or copied
  // keep their source locations, so later errors still name the original line.
  toml::value& mutable_root() { return root_; }

  // Dotted paths ("storage.sync-lgo", "sink[1].nmae") of keys that were never read, sorted.
  // A table never read at all is reported once, not key by key.
  std::vector<std::string> unknown_keys() const;
  // Logs one warning per unknown key with its line; returns how many there were.
  size_t warn_unknown_keys() const;

 private:
  friend class ConfigSection;

  void collect_unknown(const toml::value& table, const std::string& prefix,
                       std::vector<std::string>& out) const;

  toml::value root_;
  std::string source_name_;
  std::set<std::string> consulted_;        // dotted paths read by the program
  std::set<std::string> opaque_subtrees_;  // tables handed whole to someone else (plugin configs)
};

class ConfigSection {
 public:
  // The dotted path of this section ("" for the root, "syncer.to", "sink[0]").
  const std::string& path() const { return path_; }
  // False for a section that is absent from the file (reads then leave defaults untouched).
  bool present() const { return table_ != nullptr; }
  bool has(std::string_view key) const;
  std::vector<std::string> keys() const;

  // Each read leaves `out` untouched when the key is absent, and fails with a located message
  // when the value has the wrong type or is out of range.
  Status read(std::string_view key, bool& out);
  Status read(std::string_view key, int64_t& out);
  Status read(std::string_view key, int& out);
  Status read(std::string_view key, uint64_t& out);
  Status read(std::string_view key, double& out);  // integers are accepted too
  Status read(std::string_view key, std::string& out);
  Status read(std::string_view key, std::vector<std::string>& out);
  Status read(std::string_view key, std::vector<int64_t>& out);

  // The same, with the value wrapped in optional (nullopt when absent).
  template <typename T>
  Result<std::optional<T>> get(std::string_view key) {
    if (!has(key)) {
      mark_consulted(key);
      return std::optional<T>();
    }
    T value{};
    SLUICE_RETURN_IF_ERROR(read(key, value));
    return std::optional<T>(std::move(value));
  }

  // A sub-table; an absent key gives a section with present() == false. A non-table is an error.
  Result<ConfigSection> section(std::string_view key);
  // An array of tables ([[sink]]); absent gives an empty vector.
  Result<std::vector<ConfigSection>> sections(std::string_view key);

  // Marks a whole sub-table as read by someone else (a plugin's own config): its keys are
  // never reported as unknown by the host.
  void mark_opaque(std::string_view key);
  // The raw TOML value, for handing a sub-table to a plugin; nullptr when absent.
  const toml::value* raw(std::string_view key) const;

  // An InvalidArgument status located at `key` (or at this section when the key is absent):
  // "<file>:<line>: key '<path>': <message>". For validation errors found by the caller.
  Status error(std::string_view key, std::string_view message) const;

 private:
  friend class ConfigDocument;
  ConfigSection(std::shared_ptr<ConfigDocument> document, const toml::value* table,
                std::string path)
      : document_(std::move(document)), table_(table), path_(std::move(path)) {}

  const toml::value* find(std::string_view key) const;
  std::string child_path(std::string_view key) const;
  void mark_consulted(std::string_view key);
  Status type_error(std::string_view key, const toml::value& value,
                    std::string_view expected) const;

  std::shared_ptr<ConfigDocument> document_;
  const toml::value* table_;
  std::string path_;
};

}  // namespace sluice::config
