// The loader: Boost.DLL loading, the entry point and every descriptor check; plugins of the
// previous ABI minor (frozen header, plain C with 1.0-sized structs) load and work.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sluice/sdk/testing/batch_builder.h>

#include <filesystem>
#include <string>

#include "core/plugin_host/host_context.h"
#include "core/plugin_host/plugin_loader.h"
#include "core/plugin_host/sink_instance.h"
#include "tests/core/plugin_host/test_support.h"

namespace sluice::plugin_host {
namespace {

using testing::copy_plugin;
using ::testing::ElementsAre;
using testing::fast_retry;
using ::testing::HasSubstr;
using testing::manifest_in;
using testing::read_lines;
using testing::set_manifest_key;
using testing::TempDir;

Status load_status(std::string_view name) {
  TempDir dir;
  copy_plugin(name, dir.path());
  auto loaded = load_plugin(manifest_in(dir.path(), name));
  return loaded.status();
}

std::unique_ptr<HostContext> context_for(const LoadedPlugin& plugin, std::string instance,
                                         std::string config_toml) {
  toml::value config = toml::table{};
  if (!config_toml.empty()) {
    std::istringstream input(config_toml);
    config = toml::parse(input, "test.toml");
  }
  return std::make_unique<HostContext>(plugin.name, plugin.kind, std::move(instance),
                                       std::move(config), "sink[0].config", nullptr, nullptr);
}

TEST(PluginLoaderTest, LoadsAnSdkPluginAndCopiesItsDescriptor) {
  TempDir dir;
  copy_plugin("text-translator", dir.path());
  auto loaded = load_plugin(manifest_in(dir.path(), "text-translator"));
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  const LoadedPlugin& plugin = **loaded;
  EXPECT_EQ(plugin.name, "text-translator");
  EXPECT_EQ(plugin.kind, PluginKind::kTranslator);
  EXPECT_EQ(plugin.version, "1.0.0");
  EXPECT_EQ(plugin.description, "one line per transaction");
  EXPECT_EQ(plugin.content_type, "text/plain");
  EXPECT_EQ(plugin.abi_major, 1u);
  EXPECT_EQ(plugin.library_path, std::filesystem::canonical(dir / "text-translator.so"));
  EXPECT_NE(plugin.validate, nullptr);
  EXPECT_NE(plugin.create, nullptr);
  EXPECT_NE(plugin.destroy, nullptr);
  EXPECT_NE(plugin.translator.encode, nullptr);
}

TEST(PluginLoaderTest, LoadsOneLibraryOnceByCanonicalPath) {
  TempDir dir;
  copy_plugin("keep-filter", dir.path());
  std::filesystem::create_symlink(dir / "keep-filter.so", dir / "alias.so");
  PluginManifest manifest = manifest_in(dir.path(), "keep-filter");
  auto first = load_plugin(manifest);
  manifest.library_path = dir / "alias.so";
  auto second = load_plugin(manifest);
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_EQ((*first)->library_path, (*second)->library_path);
  // The entry point ran once: both copies carry the very same static call table.
  EXPECT_EQ((*first)->filter.filter, (*second)->filter.filter);
}

TEST(PluginLoaderTest, RefusesALibraryWithoutTheEntrySymbol) {
  const Status status = load_status("no-entry");
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(status.message(), HasSubstr("plugin 'no-entry' ("));
  EXPECT_THAT(status.message(), HasSubstr("no-entry.so): the library does not export the entry "
                                          "symbol sluice_plugin_entry_v1"));
}

TEST(PluginLoaderTest, RefusesAMissingRequiredCallback) {
  const Status status = load_status("c-missing-write");
  EXPECT_THAT(status.message(), HasSubstr("c-missing-write.so): the sink call table lacks "
                                          "required callback write (NULL)"));
}

TEST(PluginLoaderTest, RefusesANullDescriptor) {
  testing::CapturedLog log;
  const Status status = load_status("c-null-descriptor");
  // The entry point said why with log(NULL, ...): tagged with the plugin being loaded.
  EXPECT_THAT(log.text(), HasSubstr("warning [c-null-descriptor] refusing to run: test variant"));
  EXPECT_THAT(status.message(),
              HasSubstr("c-null-descriptor.so): its entry point sluice_plugin_entry_v1 returned "
                        "NULL"));
}

TEST(PluginLoaderTest, RefusesADescriptorWhoseNameDiffersFromTheManifest) {
  const Status status = load_status("c-name-mismatch");
  EXPECT_THAT(status.message(), HasSubstr("the descriptor's name 'someone-else' differs from the "
                                          "name 'c-name-mismatch' in manifest"));
}

TEST(PluginLoaderTest, RefusesADescriptorOfANewerMinor) {
  const Status status = load_status("c-newer-minor");
  EXPECT_THAT(status.message(),
              HasSubstr("the descriptor says ABI 1.99, newer than this host's 1.1"));
}

TEST(PluginLoaderTest, RefusesADescriptorWhoseKindDiffersFromTheManifest) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  set_manifest_key(dir / "recording-sink.plugin.toml", "kind", "\"filter\"");
  auto loaded = load_plugin(manifest_in(dir.path(), "recording-sink"));
  EXPECT_THAT(loaded.status().message(),
              HasSubstr("the descriptor's kind 'sink' differs from the kind 'filter' in manifest"));
}

TEST(PluginLoaderTest, RechecksTheManifestBeforeOpeningTheLibrary) {
  TempDir dir;
  copy_plugin("recording-sink", dir.path());
  PluginManifest manifest = manifest_in(dir.path(), "recording-sink");
  manifest.abi_major = 3;
  auto loaded = load_plugin(manifest);
  EXPECT_THAT(loaded.status().message(), HasSubstr("built for ABI 3.x, this host speaks 1.1"));
}

// In-process descriptors for the checks no built plugin can provoke.
class DescriptorCheckTest : public ::testing::Test {
 protected:
  static sluice_status_t validate(sluice_host_context_t*, const sluice_config_t*) {
    return SLUICE_OK;
  }
  static sluice_status_t create(sluice_host_context_t*, const sluice_config_t*, void**) {
    return SLUICE_OK;
  }
  static void destroy(void*) {}
  static sluice_status_t filter(void*, const sluice_batch_t*, uint8_t*, size_t) {
    return SLUICE_OK;
  }

  void SetUp() override {
    vtable_ = {sizeof(vtable_), &validate, &create, &destroy, &filter};
    descriptor_ = {};
    descriptor_.struct_size = sizeof(descriptor_);
    descriptor_.abi_major = 1;
    descriptor_.name = "in-process";
    descriptor_.kind = SLUICE_KIND_FILTER;
    descriptor_.filter = &vtable_;
    manifest_.name = "in-process";
    manifest_.kind = PluginKind::kFilter;
    manifest_.manifest_path = "/plugins/in-process.plugin.toml";
  }

  std::string check() {
    return check_descriptor(&descriptor_, manifest_, "/plugins/in-process.so").status().message();
  }

  sluice_filter_vtable_t vtable_{};
  sluice_plugin_descriptor_t descriptor_{};
  PluginManifest manifest_;
};

TEST_F(DescriptorCheckTest, AcceptsAWellFormedDescriptor) {
  auto plugin = check_descriptor(&descriptor_, manifest_, "/plugins/in-process.so");
  ASSERT_TRUE(plugin.is_ok()) << plugin.status().to_string();
  EXPECT_EQ(plugin->filter.filter, &filter);
  EXPECT_EQ(plugin->version, "");  // NULL strings become empty
}

TEST_F(DescriptorCheckTest, RefusesATooSmallDescriptor) {
  descriptor_.struct_size = offsetof(sluice_plugin_descriptor_t, sink);
  EXPECT_THAT(check(),
              HasSubstr("descriptor struct_size " + std::to_string(descriptor_.struct_size) +
                        " is smaller than ABI 1.0's descriptor"));
}

TEST_F(DescriptorCheckTest, RefusesAnotherMajor) {
  descriptor_.abi_major = 2;
  EXPECT_THAT(check(), HasSubstr("the descriptor says ABI 2.0, this host speaks 1.1"));
}

TEST_F(DescriptorCheckTest, RefusesAnUnknownKind) {
  descriptor_.kind = 9;
  EXPECT_THAT(check(), HasSubstr("the descriptor's kind 9 is not a kind this host knows"));
}

TEST_F(DescriptorCheckTest, RefusesAMissingCallTable) {
  descriptor_.filter = nullptr;
  EXPECT_THAT(check(), HasSubstr("declares kind filter but has no filter call table (NULL)"));
}

TEST_F(DescriptorCheckTest, RefusesImplausibleCallTableSizes) {
  vtable_.struct_size = sizeof(size_t);
  EXPECT_THAT(check(), HasSubstr("the filter call table's struct_size 8 is not plausible"));
  vtable_.struct_size = 1 << 20;
  EXPECT_THAT(check(), HasSubstr("is not plausible"));
}

TEST_F(DescriptorCheckTest, NamesEveryMissingCallback) {
  vtable_.create = nullptr;
  vtable_.filter = nullptr;
  EXPECT_THAT(check(), HasSubstr("the filter call table lacks required callbacks create, filter"));
}

TEST_F(DescriptorCheckTest, ReadsOnlyTheFieldsOfTheDeclaredSize) {
  // A 1.0 table followed by garbage the plugin does not own: nothing past struct_size is read.
  struct Padded {
    sluice_filter_vtable_t table;
    void* beyond;
  } padded{vtable_, reinterpret_cast<void*>(0x1)};
  padded.table.struct_size = kFilterVtableSizeV1_0;
  descriptor_.filter = &padded.table;
  auto plugin = check_descriptor(&descriptor_, manifest_, "/plugins/in-process.so");
  ASSERT_TRUE(plugin.is_ok()) << plugin.status().to_string();
  EXPECT_EQ(plugin->filter.struct_size, kFilterVtableSizeV1_0);
}

// A plugin built with the SDK against the frozen ABI 1.0 header loads and runs.
TEST(PreviousMinorTest, FrozenHeaderSdkPluginLoadsAndWorks) {
  TempDir dir;
  copy_plugin("frozen-sink", dir.path());
  auto loaded = load_plugin(manifest_in(dir.path(), "frozen-sink"));
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ((*loaded)->abi_minor, 0u);  // built against the frozen 1.0 header
  const auto log = dir / "frozen.log";
  {
    auto sink = SinkInstance::create(
        *loaded, context_for(**loaded, "old", "log = \"" + log.string() + "\""), fast_retry());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    sdk::testing::BatchBuilder builder;
    builder.add_table({"db", "t", 1, {{"id"}}, {}});
    builder.begin_transaction(7, 6).insert(0, {int64_t{1}});
    EXPECT_TRUE((*sink)->open(0).is_ok());
    EXPECT_TRUE((*sink)->write(*builder.build()).is_ok());
    int64_t durable = 0;
    EXPECT_TRUE((*sink)->flush(&durable).is_ok());
    EXPECT_EQ(durable, 7);
    EXPECT_TRUE((*sink)->close().is_ok());
  }
  EXPECT_THAT(read_lines(log),
              ElementsAre("create old", "open 0", "write 7", "flush", "close", "destroy"));
}

// A plugin in plain C whose descriptor and call table are exactly ABI 1.0-sized.
TEST(PreviousMinorTest, PlainCPluginWithV1_0SizedStructsLoadsAndWorks) {
  TempDir dir;
  copy_plugin("c-sink", dir.path());
  auto loaded = load_plugin(manifest_in(dir.path(), "c-sink"));
  ASSERT_TRUE(loaded.is_ok()) << loaded.status().to_string();
  EXPECT_EQ((*loaded)->sink.struct_size, kSinkVtableSizeV1_0);
  const auto log = dir / "c.log";
  {
    auto context = context_for(**loaded, "c", "log = \"" + log.string() + "\"");
    ASSERT_TRUE(validate_plugin(**loaded, *context).is_ok());
    auto sink = SinkInstance::create(*loaded, std::move(context), fast_retry());
    ASSERT_TRUE(sink.is_ok()) << sink.status().to_string();
    sdk::testing::BatchBuilder builder;
    builder.add_table({"db", "t", 1, {{"id"}}, {}});
    builder.begin_transaction(7, 6).insert(0, {int64_t{1}});
    builder.begin_transaction(8, 7).insert(0, {int64_t{2}});
    EXPECT_TRUE((*sink)->open(5).is_ok());
    EXPECT_TRUE((*sink)->write(*builder.build()).is_ok());
    EXPECT_TRUE((*sink)->flush().is_ok());
  }  // closed and destroyed by the wrapper
  EXPECT_THAT(read_lines(log),
              ElementsAre("validate", "create", "open 5", "write 2", "flush", "close", "destroy"));
}

}  // namespace
}  // namespace sluice::plugin_host
