#include "core/plugin_host/plugin_host.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <map>
#include <utility>

namespace sluice::plugin_host {
namespace {

// "<file>:<line>" of a value read from a config file, or "".
std::string location_of(const toml::value* value) {
  if (value == nullptr) return {};
  const auto where = value->location();
  if (where.line() == 0 || where.file_name() == "unknown file") return {};
  return fmt::format("{}:{}", where.file_name(), where.line());
}

Status combine(const std::vector<Status>& problems) {
  if (problems.empty()) return Status::ok();
  if (problems.size() == 1) return problems.front();
  std::vector<std::string> messages;
  for (const auto& problem : problems)
    messages.push_back(problem.message());
  return Status(problems.front().code(),
                fmt::format("{} problems in the plugin configuration:\n  {}", problems.size(),
                            fmt::join(messages, "\n  ")));
}

}  // namespace

PluginHost::PluginHost(PluginHostOptions options)
    : options_(std::move(options)), metrics_(std::make_shared<MetricsBridge>(options_.metrics)) {}

PluginHost::~PluginHost() {
  destroy_all();
}

void PluginHost::destroy_all() {
  // Sinks may still call translate() while closing: they go first, translators last.
  sinks_.clear();
  filters_.clear();
  translators_.clear();
}

std::string PluginHost::describe(const InstanceSpec& spec) const {
  return fmt::format("{} '{}' (plugin {})", plugin_kind_name(spec.kind), spec.name,
                     spec.plugin_name);
}

Status PluginHost::located(const InstanceSpec& spec, const Status& status) const {
  if (status.is_ok() || spec.location.empty()) return status;
  return Status(status.code(), fmt::format("{}: {}", spec.location, status.message()));
}

void PluginHost::warn(std::string message) {
  if (!warned_.insert(message).second) return;
  spdlog::warn("{}", message);
  warnings_.push_back(std::move(message));
}

Status PluginHost::read_specs(config::ConfigSection& root, PluginKind kind,
                              std::vector<Status>& problems) {
  const std::string table_name(plugin_kind_name(kind));
  auto sections = root.sections(table_name);
  if (!sections.is_ok()) return sections.status();
  for (auto& section : *sections) {
    InstanceSpec spec;
    spec.kind = kind;
    if (Status status = section.read("plugin", spec.plugin_name); !status.is_ok()) {
      problems.push_back(status);
      continue;
    }
    if (spec.plugin_name.empty()) {
      problems.push_back(section.error(
          "plugin",
          fmt::format("is required in every [[{}]]: the name of the plugin to run", table_name)));
      continue;
    }
    const bool named = section.has("name");
    if (Status status = section.read("name", spec.name); !status.is_ok()) {
      problems.push_back(status);
      continue;
    }
    if (named && spec.name.empty()) {
      problems.push_back(section.error("name", "must not be empty"));
      continue;
    }
    if (!named) spec.name = spec.plugin_name;
    if (kind == PluginKind::kSink) {
      if (Status status = section.read("translator", spec.translator_ref); !status.is_ok()) {
        problems.push_back(status);
        continue;
      }
    }
    // The plugin reads its own table; the host's unknown-key report skips it.
    section.mark_opaque("config");
    if (const toml::value* config = section.raw("config")) {
      if (!config->is_table()) {
        problems.push_back(section.error(
            "config",
            fmt::format("must be a table ([{}.config]), found another type", table_name)));
        continue;
      }
      spec.config = *config;
    }
    spec.config_path = section.path() + ".config";
    spec.location = location_of(section.raw("plugin"));
    bool duplicate = false;
    for (const auto& other : specs_) {
      if (other.kind != kind || other.name != spec.name) continue;
      problems.push_back(section.error(
          named ? "name" : "plugin",
          fmt::format("the {} name '{}' is already used{}; give each [[{}]] a distinct `name`",
                      table_name, spec.name,
                      other.location.empty() ? std::string() : " at " + other.location,
                      table_name)));
      duplicate = true;
      break;
    }
    if (duplicate) continue;
    spec.section = section;
    specs_.push_back(std::move(spec));
  }
  return Status::ok();
}

void PluginHost::resolve_translators(std::vector<Status>& problems) {
  const size_t configured = specs_.size();
  for (size_t i = 0; i < configured; ++i) {
    if (specs_[i].kind != PluginKind::kSink || specs_[i].translator_ref.empty()) continue;
    const std::string ref = specs_[i].translator_ref;
    std::optional<size_t> found;
    for (size_t j = 0; j < specs_.size(); ++j) {
      if (specs_[j].kind == PluginKind::kTranslator && specs_[j].name == ref) {
        found = j;
        break;
      }
    }
    const auto translator_error = [&](const std::string& message) {
      return specs_[i].section->error("translator",
                                      fmt::format("{}: {}", describe(specs_[i]), message));
    };
    if (!found) {
      const PluginManifest* manifest = catalog_.find(ref);
      if (manifest == nullptr) {
        std::vector<std::string> instances;
        for (const auto& spec : specs_) {
          if (spec.kind == PluginKind::kTranslator && !spec.implicit) {
            instances.push_back(spec.name);
          }
        }
        const auto lookup = catalog_.require(ref);
        problems.push_back(translator_error(fmt::format(
            "no [[translator]] is named '{}' ({}) and no translator plugin is: {}", ref,
            instances.empty() ? std::string("there are none")
                              : fmt::format("there are: {}", fmt::join(instances, ", ")),
            lookup.status().message())));
        continue;
      }
      if (manifest->kind != PluginKind::kTranslator) {
        problems.push_back(translator_error(fmt::format("'{}' is a {} plugin, not a translator",
                                                        ref, plugin_kind_name(manifest->kind))));
        continue;
      }
      // A default instance of the translator plugin, with an empty config, shared by the sinks
      // that name the plugin.
      InstanceSpec implicit;
      implicit.kind = PluginKind::kTranslator;
      implicit.name = ref;
      implicit.plugin_name = ref;
      implicit.location = location_of(specs_[i].section->raw("translator"));
      implicit.config_path = fmt::format("{}.translator", specs_[i].section->path());
      implicit.implicit = true;
      specs_.push_back(std::move(implicit));
      found = specs_.size() - 1;
    }
    specs_[i].translator_spec = found;
  }
}

Status PluginHost::configure(config::ConfigSection root) {
  if (configure_called_) {
    return Status::failed_precondition("PluginHost::configure() may be called only once");
  }
  configure_called_ = true;
  std::vector<Status> problems;

  std::filesystem::path directory =
      options_.plugins_dir.empty() ? default_plugins_dir() : options_.plugins_dir;
  std::string configured_dir;
  if (Status status = root.read("plugins-dir", configured_dir); !status.is_ok()) {
    problems.push_back(status);
  } else if (!configured_dir.empty()) {
    directory = configured_dir;
  }

  for (PluginKind kind : {PluginKind::kTranslator, PluginKind::kFilter, PluginKind::kSink}) {
    if (Status status = read_specs(root, kind, problems); !status.is_ok()) {
      problems.push_back(status);
    }
  }

  // Every manifest is read before any library is opened.
  catalog_ = PluginCatalog::scan(directory);
  resolve_translators(problems);

  std::set<std::string> configured_plugins;
  std::map<std::string, std::shared_ptr<const LoadedPlugin>> loaded;
  for (auto& spec : specs_) {
    configured_plugins.insert(spec.plugin_name);
    const auto problem = [&](const Status& status) {
      const std::string message = fmt::format("{}: {}", describe(spec), status.message());
      if (spec.section) {
        return Status(status.code(), spec.section->error("plugin", message).message());
      }
      return located(spec, Status(status.code(), message));
    };
    auto manifest = catalog_.require(spec.plugin_name);
    if (!manifest.is_ok()) {
      problems.push_back(problem(manifest.status()));
      continue;
    }
    if (manifest->kind != spec.kind) {
      problems.push_back(problem(Status::invalid_argument(
          fmt::format("plugin '{}' is a {} plugin; [[{}]] needs a {} plugin", spec.plugin_name,
                      plugin_kind_name(manifest->kind), plugin_kind_name(spec.kind),
                      plugin_kind_name(spec.kind)))));
      continue;
    }
    auto& plugin = loaded[spec.plugin_name];
    if (plugin == nullptr) {
      auto result = load_plugin(*manifest);
      if (!result.is_ok()) {
        loaded.erase(spec.plugin_name);
        problems.push_back(problem(result.status()));
        continue;
      }
      plugin = std::move(result).value();
    }
    spec.plugin = plugin;
  }

  // Refused plugins nobody asked for are not errors, but the operator should know.
  for (const auto& refusal : catalog_.refusals()) {
    if (configured_plugins.count(refusal.name) == 0) {
      warn(fmt::format("plugin '{}' not loaded (not configured, so not an error): {}", refusal.name,
                       refusal.reason.message()));
    }
  }
  if (!catalog_.directory_status().is_ok() && configured_plugins.empty() &&
      catalog_.directory_status().code() != StatusCode::kNotFound) {
    warn(catalog_.directory_status().message());
  }

  configured_ = problems.empty();
  return combine(problems);
}

std::unique_ptr<HostContext> PluginHost::make_context(const InstanceSpec& spec) {
  return std::make_unique<HostContext>(spec.plugin_name, spec.kind, spec.name, spec.config,
                                       spec.config_path, &stop_, metrics_);
}

void PluginHost::warn_unread_keys(const InstanceSpec& spec, const HostContext& context) {
  for (const auto& key : context.config().unread_keys()) {
    std::string where = context.config().location(key);
    if (where.empty()) where = spec.location;
    warn(fmt::format(
        "{}{}: config key '{}.{}' was not read by the plugin (misspelt, or not used "
        "by it); ignored",
        where.empty() ? std::string() : where + ": ", describe(spec), spec.config_path, key));
  }
}

std::vector<Status> PluginHost::validate_all() {
  std::vector<Status> problems;
  for (const auto& spec : specs_) {
    if (spec.plugin == nullptr) continue;
    auto context = make_context(spec);
    const Status status = validate_plugin(*spec.plugin, *context);
    if (!status.is_ok()) problems.push_back(located(spec, status));
    warn_unread_keys(spec, *context);
  }
  return problems;
}

Status PluginHost::create_all() {
  if (!configure_called_ || !configured_) {
    return Status::failed_precondition(
        "the plugin configuration was not read successfully (configure() first, and fix the "
        "problems it reports)");
  }
  if (!sinks_.empty() || !filters_.empty() || !translators_.empty()) {
    return Status::failed_precondition("PluginHost::create_all() was already called");
  }
  if (const auto problems = validate_all(); !problems.empty()) return combine(problems);

  std::vector<TranslatorInstance*> translator_of_spec(specs_.size(), nullptr);
  for (PluginKind kind : {PluginKind::kTranslator, PluginKind::kFilter, PluginKind::kSink}) {
    for (size_t i = 0; i < specs_.size(); ++i) {
      const InstanceSpec& spec = specs_[i];
      if (spec.kind != kind) continue;
      Status status;
      if (kind == PluginKind::kTranslator) {
        auto created = TranslatorInstance::create(spec.plugin, make_context(spec));
        if (created.is_ok()) {
          translator_of_spec[i] = created->get();
          translators_.push_back(std::move(created).value());
        } else {
          status = created.status();
        }
      } else if (kind == PluginKind::kFilter) {
        auto created = FilterInstance::create(spec.plugin, make_context(spec), options_.retry);
        if (created.is_ok()) {
          filters_.push_back(std::move(created).value());
        } else {
          status = created.status();
        }
      } else {
        TranslatorInstance* translator =
            spec.translator_spec ? translator_of_spec[*spec.translator_spec] : nullptr;
        auto created =
            SinkInstance::create(spec.plugin, make_context(spec), options_.retry, translator);
        if (created.is_ok()) {
          sinks_.push_back(std::move(created).value());
        } else {
          status = created.status();
        }
      }
      if (!status.is_ok()) {
        destroy_all();
        return located(spec, status);
      }
    }
  }
  return Status::ok();
}

SinkInstance* PluginHost::sink(std::string_view name) const {
  for (const auto& sink : sinks_)
    if (sink->name() == name) return sink.get();
  return nullptr;
}

FilterInstance* PluginHost::filter(std::string_view name) const {
  for (const auto& filter : filters_)
    if (filter->name() == name) return filter.get();
  return nullptr;
}

TranslatorInstance* PluginHost::translator(std::string_view name) const {
  for (const auto& translator : translators_)
    if (translator->name() == name) return translator.get();
  return nullptr;
}

std::vector<SinkInstance*> PluginHost::sinks() const {
  std::vector<SinkInstance*> result;
  for (const auto& sink : sinks_)
    result.push_back(sink.get());
  return result;
}

std::vector<FilterInstance*> PluginHost::filters() const {
  std::vector<FilterInstance*> result;
  for (const auto& filter : filters_)
    result.push_back(filter.get());
  return result;
}

std::vector<TranslatorInstance*> PluginHost::translators() const {
  std::vector<TranslatorInstance*> result;
  for (const auto& translator : translators_)
    result.push_back(translator.get());
  return result;
}

}  // namespace sluice::plugin_host
