// libFuzzer target: configuration files. The input is parsed as TOML by ConfigDocument, every key
// is read through every typed accessor, sub-tables and arrays of tables are walked, and the root
// is handed to a plugin's view (PluginConfig) which asks for every key by its dotted path; then
// the pump's, drainer's and arbiter's parsers read the same text (without validate(), which
// reaches for the registry and the network).
// fuzz-sources: core/config/config_document.cc core/config/setting_readers.cc
// fuzz-sources: core/config/units.cc core/config/secret_setting.cc core/config/encrypted_secret.cc
// fuzz-sources: core/plugin_host/plugin_config.cc core/net/tls_config.cc core/net/host_port.cc
// fuzz-sources: core/net/openssl_handles.cc core/registry/node_backend.cc core/tso/tso_factory.cc
// fuzz-sources: core/pump/pump_config.cc core/drainer/drainer_config.cc
// fuzz-sources: core/drainer/legacy_syncer_mapping.cc daemons/arbiter/arbiter_config.cc
// fuzz-sources: core/common/status.cc
// fuzz-libs: -lspdlog -lfmt -lssl -lcrypto
#include <spdlog/spdlog.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "core/config/config_document.h"
#include "core/drainer/drainer_config.h"
#include "core/plugin_host/plugin_config.h"
#include "core/pump/pump_config.h"
#include "daemons/arbiter/arbiter_config.h"

namespace {

using sluice::config::ConfigSection;

constexpr int kMaxDepth = 8;  // deeper tables are not walked: the parser is what is fuzzed

// Reads every key of `section` every way, recursing into tables; collects plugin-style paths.
void walk(ConfigSection section, const std::string& prefix, int depth,
          std::vector<std::string>& paths) {
  if (depth > kMaxDepth) return;
  for (const std::string& key : section.keys()) {
    const std::string path = prefix.empty() ? key : prefix + "." + key;
    paths.push_back(path);
    bool flag = false;
    int64_t integer = 0;
    int small = 0;
    uint64_t unsigned_integer = 0;
    double real = 0;
    std::string text;
    std::vector<std::string> texts;
    std::vector<int64_t> integers;
    (void)section.read(key, flag);
    (void)section.read(key, integer);
    (void)section.read(key, small);
    (void)section.read(key, unsigned_integer);
    (void)section.read(key, real);
    (void)section.read(key, text);
    (void)section.read(key, texts);
    (void)section.read(key, integers);
    (void)section.error(key, "checked");
    if (section.raw(key) == nullptr) std::abort();  // keys() named it
    auto sub = section.section(key);
    if (sub.is_ok() && sub->present()) walk(*sub, path, depth + 1, paths);
    auto array = section.sections(key);
    if (array.is_ok()) {
      for (size_t i = 0; i < array->size(); ++i) {
        walk((*array)[i], path + "[" + std::to_string(i) + "]", depth + 1, paths);
      }
    }
  }
}

void read_as_plugin(const toml::value& root, const std::vector<std::string>& paths) {
  sluice::plugin_host::PluginConfig config(root, "sink[0].config");
  config.set_error_reporter([](std::string_view) {});
  for (const std::string& path : paths) {
    (void)config.type(path);
    int32_t flag = 0;
    int64_t integer = 0;
    double real = 0;
    sluice_str_t text{};
    size_t size = 0;
    (void)config.get_bool(path, &flag);
    (void)config.get_int(path, &integer);
    (void)config.get_double(path, &real);
    (void)config.get_string(path, &text);
    (void)config.get_secret(path, &text);
    if (config.array_size(path, &size) == SLUICE_OK) {
      for (size_t i = 0; i <= size && i < 16; ++i)
        (void)config.get_string_at(path, i, &text);
    }
    (void)config.location(path);
  }
  (void)config.unread_keys();
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  spdlog::set_level(spdlog::level::off);  // warnings about unknown keys would flood the log
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto document = sluice::config::ConfigDocument::parse_string(text, "fuzz.toml");
  if (document.is_ok()) {
    std::vector<std::string> paths;
    walk((*document)->root(), "", 0, paths);
    (void)(*document)->unknown_keys();
    (void)(*document)->warn_unknown_keys();
    read_as_plugin((*document)->mutable_root(), paths);
  }
  (void)sluice::pump::parse_pump_config(text, "pump.toml");
  auto drainer = sluice::drainer::parse_drainer_config(text, "drainer.toml");
  if (drainer.is_ok()) (void)sluice::drainer::apply_legacy_mapping(*drainer);
  (void)sluice::arbiter::parse_arbiter_config(text, "arbiter.toml");
  return 0;
}
