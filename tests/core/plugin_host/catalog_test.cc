// Manifests and the catalog: every refusal, each with its message, decided before any plugin
// code runs.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "core/plugin_host/plugin_catalog.h"
#include "core/plugin_host/plugin_manifest.h"
#include "tests/core/plugin_host/test_support.h"

namespace sluice::plugin_host {
namespace {

using testing::configure_host;
using testing::copy_library;
using testing::copy_manifest;
using testing::copy_plugin;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::read_file;
using testing::set_manifest_key;
using testing::TempDir;
using testing::write_file;

constexpr const char* kRecordingSinkConfig = R"(
[[sink]]
name = "out"
plugin = "recording-sink"
)";

// The single refusal recorded for `file` in `catalog`; fails the test when there is none.
std::string refusal_for(const PluginCatalog& catalog, const std::filesystem::path& file) {
  for (const auto& refusal : catalog.refusals()) {
    if (refusal.file == file) return refusal.reason.message();
  }
  ADD_FAILURE() << "no refusal for " << file << "; " << catalog.describe_found();
  return {};
}

TEST(PluginManifestTest, ReadsEveryKey) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  auto manifest = read_manifest(dir / "recording-sink.plugin.toml");
  ASSERT_TRUE(manifest.is_ok()) << manifest.status().to_string();
  EXPECT_EQ(manifest->name, "recording-sink");
  EXPECT_EQ(manifest->kind, PluginKind::kSink);
  EXPECT_EQ(manifest->abi_major, 1);
  EXPECT_EQ(manifest->abi_minor, SLUICE_ABI_VERSION_MINOR);
  EXPECT_EQ(manifest->platform, host_platform());
  EXPECT_FALSE(manifest->build_id.empty());
  EXPECT_FALSE(manifest->version.empty());
  EXPECT_EQ(manifest->library_path, dir / "recording-sink.so");
}

TEST(PluginManifestTest, HostPlatformIsLowerCaseSystemDashProcessor) {
  const std::string platform(host_platform());
  EXPECT_THAT(platform, HasSubstr("-"));
  for (char c : platform)
    EXPECT_FALSE(c >= 'A' && c <= 'Z') << platform;
#if defined(__linux__) && defined(__x86_64__)
  EXPECT_EQ(platform, "linux-x86_64");
#endif
}

TEST(PluginCatalogTest, ListsUsablePlugins) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  copy_plugin("keep-filter", dir.path());
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_TRUE(catalog.directory_status().is_ok());
  ASSERT_EQ(catalog.plugins().size(), 2u);
  EXPECT_EQ(catalog.plugins()[0].name, "keep-filter");
  EXPECT_EQ(catalog.plugins()[1].name, "recording-sink");
  EXPECT_TRUE(catalog.refusals().empty());
}

TEST(PluginCatalogTest, RefusesAbiMajorMismatchBeforeAnyPluginCodeRuns) {
  TempDir dir;
  const auto marker = dir / "marker-ran";
  ASSERT_EQ(::setenv("SLUICE_TEST_MARKER_FILE", marker.c_str(), 1), 0);
  copy_plugin("marker-sink", dir.path());
  set_manifest_key(dir / "marker-sink.plugin.toml", "abi_major", "2");

  auto configured = configure_host(dir.path(), R"(
[[sink]]
name = "m"
plugin = "marker-sink"
)");
  EXPECT_FALSE(configured.configure_status.is_ok());
  EXPECT_THAT(configured.configure_status.message(),
              HasSubstr("built for ABI 2.x, this host speaks 1.1"));
  EXPECT_THAT(configured.configure_status.message(), HasSubstr("marker-sink.plugin.toml"));
  // The library's static initialiser did not run: the manifest was refused first.
  EXPECT_FALSE(std::filesystem::exists(marker));
  ::unsetenv("SLUICE_TEST_MARKER_FILE");
}

TEST(PluginCatalogTest, MarkerControlLoadingACompatiblePluginRunsItsCode) {
  TempDir dir;
  const auto marker = dir / "marker-ran";
  ASSERT_EQ(::setenv("SLUICE_TEST_MARKER_FILE", marker.c_str(), 1), 0);
  copy_plugin("marker-sink", dir.path());

  auto configured = configure_host(dir.path(), R"(
[[sink]]
name = "m"
plugin = "marker-sink"
)");
  EXPECT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  EXPECT_TRUE(std::filesystem::exists(marker));
  ::unsetenv("SLUICE_TEST_MARKER_FILE");
}

TEST(PluginCatalogTest, RefusesANewerAbiMinorButLoadsAnOlderOne) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  set_manifest_key(dir / "recording-sink.plugin.toml", "abi_minor", "2");
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_EQ(catalog.find("recording-sink"), nullptr);
  EXPECT_THAT(refusal_for(catalog, dir / "recording-sink.plugin.toml"),
              HasSubstr("built for ABI 1.2, newer than this host's 1.1 (it may need host "
                        "functions this host lacks)"));

  // The frozen-header plugin declares the oldest minor there is (1.0): it is usable.
  copy_plugin("frozen-sink", dir.path());
  const PluginCatalog again = PluginCatalog::scan(dir.path());
  EXPECT_NE(again.find("frozen-sink"), nullptr);
}

TEST(PluginCatalogTest, RefusesAnotherPlatform) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  set_manifest_key(dir / "recording-sink.plugin.toml", "platform", "\"plan9-mips\"");
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_EQ(catalog.find("recording-sink"), nullptr);
  EXPECT_THAT(refusal_for(catalog, dir / "recording-sink.plugin.toml"),
              HasSubstr("built for platform 'plan9-mips', this host is '" +
                        std::string(host_platform()) + "'"));
}

TEST(PluginCatalogTest, RefusesALibraryWithoutManifest) {
  TempDir dir;
  copy_library("recording-sink", dir.path());
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_TRUE(catalog.plugins().empty());
  const std::string reason = refusal_for(catalog, dir / "recording-sink.so");
  EXPECT_THAT(reason, HasSubstr("recording-sink.so has no manifest"));
  EXPECT_THAT(reason, HasSubstr("recording-sink.plugin.toml"));

  auto configured = configure_host(dir.path(), kRecordingSinkConfig);
  EXPECT_EQ(configured.configure_status.code(), StatusCode::kNotFound);
  EXPECT_THAT(configured.configure_status.message(), HasSubstr("has no manifest"));
}

TEST(PluginCatalogTest, RefusesAManifestWithBadToml) {
  TempDir dir;
  copy_library("recording-sink", dir.path());
  write_file(dir / "recording-sink.plugin.toml", "name = \"recording-sink\nkind = \n");
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  const std::string reason = refusal_for(catalog, dir / "recording-sink.plugin.toml");
  EXPECT_THAT(reason, HasSubstr("recording-sink.plugin.toml is malformed"));
  EXPECT_THAT(reason, HasSubstr("TOML syntax error"));
}

TEST(PluginCatalogTest, RefusesAManifestWithAMissingKey) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  const auto manifest = dir / "recording-sink.plugin.toml";
  std::string text = read_file(manifest);
  const size_t at = text.find("build_id = ");
  text.erase(at, text.find('\n', at) - at + 1);
  write_file(manifest, text);
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  const std::string reason = refusal_for(catalog, manifest);
  EXPECT_THAT(reason, HasSubstr("is malformed"));
  EXPECT_THAT(reason, HasSubstr("key 'build_id': is required"));
}

TEST(PluginCatalogTest, RefusesAManifestWithAWronglyTypedKey) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  set_manifest_key(dir / "recording-sink.plugin.toml", "abi_major", "\"one\"");
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  const std::string reason = refusal_for(catalog, dir / "recording-sink.plugin.toml");
  EXPECT_THAT(reason, HasSubstr("key 'abi_major': must be an integer, found a string"));
  EXPECT_THAT(reason, HasSubstr("recording-sink.plugin.toml:"));  // located, with its line
}

TEST(PluginCatalogTest, RefusesAManifestWithAnUnknownKind) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  set_manifest_key(dir / "recording-sink.plugin.toml", "kind", "\"sinkhole\"");
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_THAT(refusal_for(catalog, dir / "recording-sink.plugin.toml"),
              HasSubstr("unknown kind 'sinkhole' (expected sink, filter or translator)"));
}

TEST(PluginCatalogTest, RefusesAManifestWhoseLibraryIsMissing) {
  TempDir dir;
  copy_manifest("recording-sink", dir.path());
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_THAT(refusal_for(catalog, dir / "recording-sink.plugin.toml"),
              HasSubstr("its library " + (dir / "recording-sink.so").string() + " does not exist"));
}

TEST(PluginCatalogTest, RefusesAManifestWhoseLibraryIsAPath) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  set_manifest_key(dir / "recording-sink.plugin.toml", "library", "\"../elsewhere.so\"");
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_THAT(refusal_for(catalog, dir / "recording-sink.plugin.toml"),
              HasSubstr("must be the file name of a library in the manifest's directory"));
}

TEST(PluginCatalogTest, RefusesAWorldWritableDirectory) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0777));
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_TRUE(catalog.plugins().empty());
  EXPECT_THAT(catalog.directory_status().message(),
              HasSubstr("plugins directory " + dir.path().string() +
                        " is writable by other users (mode 0777)"));

  auto configured = configure_host(dir.path(), kRecordingSinkConfig);
  EXPECT_THAT(configured.configure_status.message(),
              HasSubstr("plugin 'recording-sink' cannot be loaded: plugins directory"));
  EXPECT_THAT(configured.configure_status.message(), HasSubstr("writable by other users"));
  std::filesystem::permissions(dir.path(), std::filesystem::perms(0755));
}

TEST(PluginCatalogTest, RefusesAWorldWritableLibraryOrManifest) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  copy_plugin("keep-filter", dir.path());
  std::filesystem::permissions(dir / "recording-sink.so", std::filesystem::perms(0757));
  std::filesystem::permissions(dir / "keep-filter.plugin.toml", std::filesystem::perms(0646));
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_TRUE(catalog.plugins().empty());
  EXPECT_THAT(refusal_for(catalog, dir / "recording-sink.plugin.toml"),
              HasSubstr("plugin library " + (dir / "recording-sink.so").string() +
                        " is writable by other users (mode 0757)"));
  EXPECT_THAT(refusal_for(catalog, dir / "keep-filter.plugin.toml"),
              HasSubstr("plugin manifest " + (dir / "keep-filter.plugin.toml").string() +
                        " is writable by other users (mode 0646)"));

  auto configured = configure_host(dir.path(), kRecordingSinkConfig);
  EXPECT_EQ(configured.configure_status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(configured.configure_status.message(),
              HasSubstr("plugin 'recording-sink' is refused: plugin library"));
}

TEST(PluginCatalogTest, RefusesFilesOwnedByAnotherUser) {
  if (::geteuid() != 0) GTEST_SKIP() << "needs root to give a file to another user";
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  if (::chown((dir / "recording-sink.so").c_str(), 4242, 4242) != 0) {
    GTEST_SKIP() << "chown refused (user namespace without uid 4242?)";
  }
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_EQ(catalog.find("recording-sink"), nullptr);
  EXPECT_THAT(refusal_for(catalog, dir / "recording-sink.plugin.toml"),
              HasSubstr("is owned by uid 4242, neither the daemon's user (uid 0) nor root"));
}

TEST(PluginCatalogTest, RefusesTwoPluginsWithOneNameNamingBothFiles) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  std::filesystem::copy_file(dir / "recording-sink.so", dir / "copy.so");
  std::filesystem::copy_file(dir / "recording-sink.plugin.toml", dir / "copy.plugin.toml");
  set_manifest_key(dir / "copy.plugin.toml", "library", "\"copy.so\"");
  const PluginCatalog catalog = PluginCatalog::scan(dir.path());
  EXPECT_EQ(catalog.find("recording-sink"), nullptr);
  const std::string first = refusal_for(catalog, dir / "copy.plugin.toml");
  EXPECT_THAT(first, HasSubstr("plugin name 'recording-sink' is also declared by " +
                               (dir / "recording-sink.plugin.toml").string()));
  const std::string second = refusal_for(catalog, dir / "recording-sink.plugin.toml");
  EXPECT_THAT(second, HasSubstr("is also declared by " + (dir / "copy.plugin.toml").string()));

  auto configured = configure_host(dir.path(), kRecordingSinkConfig);
  EXPECT_THAT(configured.configure_status.message(), HasSubstr("copy.plugin.toml"));
  EXPECT_THAT(configured.configure_status.message(), HasSubstr("recording-sink.plugin.toml"));
}

TEST(PluginCatalogTest, AConfiguredPluginNotFoundListsWhatWasFound) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  copy_plugin("keep-filter", dir.path());
  copy_library("marker-sink", dir.path());  // refused: no manifest
  auto configured = configure_host(dir.path(), R"(
[[sink]]
name = "out"
plugin = "kafka"
)");
  EXPECT_EQ(configured.configure_status.code(), StatusCode::kNotFound);
  const std::string& message = configured.configure_status.message();
  EXPECT_THAT(message,
              HasSubstr("drainer.toml:4: key 'sink[0].plugin': sink 'out' (plugin kafka)"));
  EXPECT_THAT(message, HasSubstr("plugin 'kafka' not found in " + dir.path().string()));
  EXPECT_THAT(message, HasSubstr("found: keep-filter (filter), recording-sink (sink)"));
  EXPECT_THAT(message, HasSubstr("refused: marker-sink (marker-sink.so)"));
}

TEST(PluginCatalogTest, UnconfiguredRefusalsAreWarningsNotErrors) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  copy_plugin("keep-filter", dir.path());
  set_manifest_key(dir / "keep-filter.plugin.toml", "abi_major", "7");
  auto configured = configure_host(dir.path(), kRecordingSinkConfig);
  EXPECT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  ASSERT_EQ(configured.host->warnings().size(), 1u);
  EXPECT_THAT(configured.host->warnings()[0],
              HasSubstr("plugin 'keep-filter' not loaded (not configured, so not an error)"));
  EXPECT_THAT(configured.host->warnings()[0], HasSubstr("built for ABI 7.x"));
}

TEST(PluginCatalogTest, AMissingDirectoryFailsOnlyWhenSomethingIsConfigured) {
  TempDir dir;
  auto nothing = configure_host(dir / "absent", "");
  EXPECT_TRUE(nothing.configure_status.is_ok()) << nothing.configure_status.to_string();
  auto something = configure_host(dir / "absent", kRecordingSinkConfig);
  EXPECT_THAT(something.configure_status.message(),
              HasSubstr("plugins directory " + (dir / "absent").string() + " does not exist"));
}

TEST(PluginCatalogTest, DefaultDirectoryIsBesideTheExecutable) {
  const auto executable = std::filesystem::read_symlink("/proc/self/exe");
  EXPECT_EQ(default_plugins_dir(), executable.parent_path() / "plugins");
}

}  // namespace
}  // namespace sluice::plugin_host
