#include "core/plugin_host/plugin_kind.h"

namespace sluice::plugin_host {

std::string_view plugin_kind_name(PluginKind kind) {
  switch (kind) {
    case PluginKind::kSink:
      return "sink";
    case PluginKind::kFilter:
      return "filter";
    case PluginKind::kTranslator:
      return "translator";
  }
  return "unknown";
}

std::optional<PluginKind> parse_plugin_kind(std::string_view text) {
  if (text == "sink") return PluginKind::kSink;
  if (text == "filter") return PluginKind::kFilter;
  if (text == "translator") return PluginKind::kTranslator;
  return std::nullopt;
}

uint32_t abi_kind(PluginKind kind) {
  switch (kind) {
    case PluginKind::kSink:
      return SLUICE_KIND_SINK;
    case PluginKind::kFilter:
      return SLUICE_KIND_FILTER;
    case PluginKind::kTranslator:
      return SLUICE_KIND_TRANSLATOR;
  }
  return 0;
}

std::optional<PluginKind> from_abi_kind(uint32_t kind) {
  switch (kind) {
    case SLUICE_KIND_SINK:
      return PluginKind::kSink;
    case SLUICE_KIND_FILTER:
      return PluginKind::kFilter;
    case SLUICE_KIND_TRANSLATOR:
      return PluginKind::kTranslator;
    default:
      return std::nullopt;
  }
}

}  // namespace sluice::plugin_host
