#pragma once
// PluginKind: what a plugin is (sink, filter or translator) and how the kind is spelt in
// manifests, configuration ([[sink]], ...) and the ABI (SLUICE_KIND_*). Plain values and pure
// functions: safe from any thread.

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::plugin_host {

enum class PluginKind { kSink, kFilter, kTranslator };

// "sink", "filter", "translator": the manifest's `kind` and the config's table names.
std::string_view plugin_kind_name(PluginKind kind);
// The inverse of plugin_kind_name; nullopt for anything else.
std::optional<PluginKind> parse_plugin_kind(std::string_view text);

// SLUICE_KIND_* for a kind, and back (nullopt for a value the ABI does not define).
uint32_t abi_kind(PluginKind kind);
std::optional<PluginKind> from_abi_kind(uint32_t kind);

}  // namespace sluice::plugin_host
