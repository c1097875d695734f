#include "tests/core/plugin_host/test_support.h"

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>

namespace sluice::plugin_host::testing {

std::filesystem::path built_plugins_dir() {
  return SLUICE_TEST_PLUGINS_DIR;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = (std::filesystem::path(base != nullptr && *base != '\0' ? base : "/tmp") /
                         "sluice-plugin-host-XXXXXX")
                            .string();
  std::vector<char> buffer(pattern.begin(), pattern.end());
  buffer.push_back('\0');
  if (::mkdtemp(buffer.data()) == nullptr) {
    ADD_FAILURE() << "mkdtemp failed";
    return;
  }
  path_ = buffer.data();
  std::filesystem::permissions(path_, std::filesystem::perms(0755));
}

TempDir::~TempDir() {
  std::error_code error;
  if (!path_.empty()) std::filesystem::remove_all(path_, error);
}

void copy_library(std::string_view name, const std::filesystem::path& directory) {
  const std::string file = std::string(name) + ".so";
  std::filesystem::copy_file(built_plugins_dir() / file, directory / file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(directory / file, std::filesystem::perms(0755));
}

void copy_manifest(std::string_view name, const std::filesystem::path& directory) {
  const std::string file = std::string(name) + ".plugin.toml";
  std::filesystem::copy_file(built_plugins_dir() / file, directory / file,
                             std::filesystem::copy_options::overwrite_existing);
  std::filesystem::permissions(directory / file, std::filesystem::perms(0644));
}

void copy_plugin(std::string_view name, const std::filesystem::path& directory) {
  copy_library(name, directory);
  copy_manifest(name, directory);
}

void set_manifest_key(const std::filesystem::path& manifest, std::string_view key,
                      std::string_view value) {
  const std::string text = read_file(manifest);
  const std::regex line("(^|\n)" + std::string(key) + " = [^\n]*");
  const std::string replaced =
      std::regex_replace(text, line, "$1" + std::string(key) + " = " + std::string(value));
  ASSERT_NE(replaced, text) << "no key " << key << " in " << manifest;
  write_file(manifest, replaced);
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream input(path, std::ios::binary);
  std::ostringstream text;
  text << input.rdbuf();
  return text.str();
}

void write_file(const std::filesystem::path& path, std::string_view text) {
  std::ofstream output(path, std::ios::binary | std::ios::trunc);
  output << text;
}

std::vector<std::string> read_lines(const std::filesystem::path& path) {
  std::vector<std::string> lines;
  std::ifstream input(path);
  for (std::string line; std::getline(input, line);)
    lines.push_back(line);
  return lines;
}

CapturedLog::CapturedLog() : previous_(spdlog::default_logger()) {
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(stream_);
  auto logger = std::make_shared<spdlog::logger>("test", std::move(sink));
  logger->set_level(spdlog::level::trace);
  logger->set_pattern("%l %v");
  spdlog::set_default_logger(std::move(logger));
}

CapturedLog::~CapturedLog() {
  spdlog::set_default_logger(previous_);
}

RetryPolicy fast_retry(int max_attempts) {
  RetryPolicy policy;
  policy.initial_backoff = std::chrono::microseconds(10);
  policy.max_backoff = std::chrono::microseconds(100);
  policy.max_attempts = max_attempts;
  return policy;
}

ConfiguredHost configure_host(const std::filesystem::path& plugins_dir,
                              std::string_view config_toml, RetryPolicy retry,
                              metrics::MetricsRegistry metrics) {
  ConfiguredHost configured;
  auto document = config::ConfigDocument::parse_string(config_toml, "drainer.toml");
  EXPECT_TRUE(document.is_ok()) << document.status().to_string();
  if (!document.is_ok()) return configured;
  configured.document = *document;
  PluginHostOptions options;
  options.plugins_dir = plugins_dir;
  options.retry = retry;
  options.metrics = std::move(metrics);
  configured.host = std::make_unique<PluginHost>(std::move(options));
  configured.configure_status = configured.host->configure(configured.document->root());
  return configured;
}

PluginManifest manifest_in(const std::filesystem::path& directory, std::string_view name) {
  const PluginCatalog catalog = PluginCatalog::scan(directory);
  const PluginManifest* manifest = catalog.find(name);
  EXPECT_NE(manifest, nullptr) << name << " not usable in " << directory << ": "
                               << catalog.describe_found();
  return manifest != nullptr ? *manifest : PluginManifest{};
}

}  // namespace sluice::plugin_host::testing
