// Binding plugins to the daemon's configuration: [[sink]]/[[filter]]/[[translator]], located
// errors, validate-only checking, opaque plugin tables and unread-key warnings.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/plugin_host/plugin_host.h"
#include "tests/core/plugin_host/test_support.h"

namespace sluice::plugin_host {
namespace {

using testing::configure_host;
using testing::ConfiguredHost;
using ::testing::Contains;
using testing::copy_plugin;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using testing::read_lines;
using testing::TempDir;

class ConfigBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    copy_plugin("recording-sink", dir_.path());
    copy_plugin("keep-filter", dir_.path());
    copy_plugin("text-translator", dir_.path());
  }

  ConfiguredHost configure(const std::string& toml) { return configure_host(dir_.path(), toml); }

  TempDir dir_;
  std::string log_ = (dir_ / "calls.log").string();
};

TEST_F(ConfigBindingTest, ValidateAllChecksEveryInstanceWithoutCreatingAny) {
  ConfiguredHost configured = configure(R"(
[[sink]]
name = "good"
plugin = "recording-sink"
[sink.config]
log = ")" + log_ + R"("

[[sink]]
name = "bad"
plugin = "recording-sink"
[sink.config]
log = ")" + log_ + R"("
retry-writes = -1

[[sink]]
name = "worse"
plugin = "recording-sink"
[sink.config]
log = 42
)");
  ASSERT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  const std::vector<Status> problems = configured.host->validate_all();
  ASSERT_EQ(problems.size(), 2u);
  EXPECT_EQ(problems[0].code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(problems[0].message(),
            "drainer.toml:10: sink 'bad' (plugin recording-sink): invalid config: key "
            "'retry-writes' must not be negative");
  EXPECT_EQ(problems[1].message(),
            "drainer.toml:17: sink 'worse' (plugin recording-sink): invalid config: key 'log' "
            "must be a string");
  // validate ran (and only validate: no create, no open); only "good" got far enough to log.
  EXPECT_THAT(read_lines(log_), ElementsAre("validate"));
  EXPECT_TRUE(configured.host->sinks().empty());

  const Status created = configured.host->create_all();
  EXPECT_THAT(created.message(), HasSubstr("2 problems in the plugin configuration"));
  EXPECT_TRUE(configured.host->sinks().empty());
}

TEST_F(ConfigBindingTest, WarnsAboutPluginConfigKeysThePluginDidNotRead) {
  ConfiguredHost configured = configure(R"(
[[sink]]
name = "out"
plugin = "recording-sink"
[sink.config]
log = ")" + log_ + R"("
retry-wirtes = 2
)");
  ASSERT_TRUE(configured.configure_status.is_ok());
  EXPECT_THAT(configured.host->validate_all(), IsEmpty());
  ASSERT_EQ(configured.host->warnings().size(), 1u);
  EXPECT_EQ(configured.host->warnings()[0],
            "drainer.toml:7: sink 'out' (plugin recording-sink): config key "
            "'sink[0].config.retry-wirtes' was not read by the plugin (misspelt, or not used by "
            "it); ignored");
}

TEST_F(ConfigBindingTest, PluginTablesAreOpaqueToTheDocumentsUnknownKeyReport) {
  ConfiguredHost configured = configure(R"(
plugins-dir = ")" + dir_.path().string() +
                                        R"("
[[sink]]
name = "out"
plugin = "recording-sink"
tarnslator = "x"
[sink.config]
anything = 1
)");
  ASSERT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  EXPECT_THAT(configured.document->unknown_keys(), ElementsAre("sink[0].tarnslator"));
}

TEST_F(ConfigBindingTest, PluginsDirInTheConfigWins) {
  TempDir empty;
  ConfiguredHost configured = configure_host(empty.path(), R"(
plugins-dir = ")" + dir_.path().string() + R"("
[[sink]]
plugin = "recording-sink"
)");
  EXPECT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  EXPECT_EQ(configured.host->plugins_dir(), dir_.path());
}

TEST_F(ConfigBindingTest, InstanceNamesDefaultToThePluginAndAreUniquePerKind) {
  ConfiguredHost configured = configure(R"(
[[filter]]
name = "x"
plugin = "keep-filter"

[[sink]]
name = "x"
plugin = "recording-sink"

[[sink]]
plugin = "recording-sink"
)");
  ASSERT_TRUE(configured.configure_status.is_ok()) << configured.configure_status.to_string();
  ASSERT_TRUE(configured.host->create_all().is_ok());
  EXPECT_NE(configured.host->filter("x"), nullptr);
  EXPECT_NE(configured.host->sink("x"), nullptr);
  EXPECT_NE(configured.host->sink("recording-sink"), nullptr);
}

TEST_F(ConfigBindingTest, RefusesDuplicateInstanceNames) {
  ConfiguredHost configured = configure(R"(
[[sink]]
name = "out"
plugin = "recording-sink"

[[sink]]
name = "out"
plugin = "recording-sink"
)");
  EXPECT_EQ(configured.configure_status.message(),
            "drainer.toml:7: key 'sink[1].name': the sink name 'out' is already used at "
            "drainer.toml:4; give each [[sink]] a distinct `name`");
}

TEST_F(ConfigBindingTest, RequiresAPluginKey) {
  ConfiguredHost configured = configure(R"(
[[sink]]
name = "out"
)");
  EXPECT_THAT(configured.configure_status.message(),
              HasSubstr("key 'sink[0].plugin': is required in every [[sink]]"));
}

TEST_F(ConfigBindingTest, RefusesAConfigThatIsNotATable) {
  ConfiguredHost configured = configure(R"(
[[sink]]
plugin = "recording-sink"
config = 5
)");
  EXPECT_THAT(configured.configure_status.message(),
              HasSubstr("drainer.toml:4: key 'sink[0].config': must be a table ([sink.config])"));
}

TEST_F(ConfigBindingTest, RefusesAPluginOfTheWrongKind) {
  ConfiguredHost configured = configure(R"(
[[filter]]
name = "f"
plugin = "recording-sink"
)");
  EXPECT_EQ(configured.configure_status.message(),
            "drainer.toml:4: key 'filter[0].plugin': filter 'f' (plugin recording-sink): plugin "
            "'recording-sink' is a sink plugin; [[filter]] needs a filter plugin");
}

TEST_F(ConfigBindingTest, RefusesAnUnknownTranslatorReference) {
  ConfiguredHost configured = configure(R"(
[[translator]]
name = "json"
plugin = "text-translator"

[[sink]]
name = "out"
plugin = "recording-sink"
translator = "avro"
)");
  const std::string& message = configured.configure_status.message();
  EXPECT_THAT(message, HasSubstr("drainer.toml:9: key 'sink[0].translator': sink 'out' (plugin "
                                 "recording-sink): no [[translator]] is named 'avro' (there are: "
                                 "json) and no translator plugin is: plugin 'avro' not found"));
  EXPECT_THAT(message, HasSubstr("text-translator (translator)"));
}

TEST_F(ConfigBindingTest, RefusesATranslatorReferenceToAnotherKindOfPlugin) {
  ConfiguredHost configured = configure(R"(
[[sink]]
name = "out"
plugin = "recording-sink"
translator = "keep-filter"
)");
  EXPECT_THAT(configured.configure_status.message(),
              HasSubstr("'keep-filter' is a filter plugin, not a translator"));
}

TEST_F(ConfigBindingTest, ReportsEveryProblemAtOnce) {
  ConfiguredHost configured = configure(R"(
[[sink]]
name = "a"
plugin = "nope"

[[sink]]
name = "b"
plugin = "also-nope"
)");
  const std::string& message = configured.configure_status.message();
  EXPECT_THAT(message, HasSubstr("2 problems in the plugin configuration"));
  EXPECT_THAT(message, HasSubstr("plugin 'nope' not found"));
  EXPECT_THAT(message, HasSubstr("plugin 'also-nope' not found"));
}

TEST_F(ConfigBindingTest, CreateAllNeedsASuccessfulConfigure) {
  PluginHost unconfigured;
  EXPECT_EQ(unconfigured.create_all().code(), StatusCode::kFailedPrecondition);
  ConfiguredHost failed = configure("[[sink]]\nplugin = \"nope\"\n");
  EXPECT_EQ(failed.host->create_all().code(), StatusCode::kFailedPrecondition);
}

TEST_F(ConfigBindingTest, SecretsReachThePluginFromTheEnvironment) {
  ASSERT_EQ(::setenv("SLUICE_TEST_SINK_PASSWORD", "hunter2", 1), 0);
  ConfiguredHost configured = configure(R"(
[[sink]]
name = "out"
plugin = "recording-sink"
[sink.config]
log = ")" + log_ + R"("
password = "${SLUICE_TEST_SINK_PASSWORD}"
)");
  ASSERT_TRUE(configured.host->create_all().is_ok());
  ::unsetenv("SLUICE_TEST_SINK_PASSWORD");
  EXPECT_THAT(read_lines(log_), Contains("secret hunter2"));
  EXPECT_THAT(configured.host->warnings(), IsEmpty());
}

}  // namespace
}  // namespace sluice::plugin_host
