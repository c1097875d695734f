// `sluice-sync-diff`: compares two MySQL/MariaDB databases table by table (table_diff.h) and
// prints every difference. Exit status: 0 equal, 1 different, 2 error (bad options, unreachable
// server, failing query).
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "daemons/common/command_line.h"
#include "daemons/sync_diff/table_diff.h"

namespace {

constexpr int kDiffer = 1;
constexpr int kError = 2;

void add_endpoint_options(CLI::App& app, const std::string& side,
                          sluice::mysql::ConnectionOptions& options) {
  options.host = "127.0.0.1";
  app.add_option("--" + side + "-host", options.host, "host of the " + side + " server")
      ->capture_default_str();
  app.add_option("--" + side + "-port", options.port, "port of the " + side + " server")
      ->capture_default_str();
  app.add_option("--" + side + "-user", options.user, "user on the " + side + " server")
      ->capture_default_str();
  app.add_option("--" + side + "-password", options.password, "password on the " + side + " server")
      ->envname("SYNC_DIFF_" + std::string(side == "source" ? "SOURCE" : "TARGET") + "_PASSWORD");
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app(
      "sluice-sync-diff: compares two MySQL/MariaDB databases; exit 0 equal, 1 different, 2 "
      "error");
  sluice::sync_diff::DiffOptions options;
  std::vector<std::string> schemas;
  add_endpoint_options(app, "source", options.source);
  add_endpoint_options(app, "target", options.target);
  app.add_option("-s,--schema", schemas,
                 "schema to compare, NAME or SOURCE_NAME=TARGET_NAME (repeatable; default: every "
                 "non-system schema of the source)");
  app.add_option("--chunk-size", options.chunk_size, "rows per checksummed key range")
      ->capture_default_str();
  app.add_option("--max-printed-rows", options.max_printed_rows, "differing rows printed per table")
      ->capture_default_str();

  if (auto exit_code = sluice::daemon::parse_command_line(app, argc, argv)) {
    return *exit_code == 0 ? 0 : kError;
  }
  for (const auto& text : schemas) {
    auto pair = sluice::sync_diff::parse_schema_pair(text);
    if (!pair.is_ok()) {
      fmt::print(stderr, "sluice-sync-diff: {}\n", pair.status().to_string());
      return kError;
    }
    options.schemas.push_back(*pair);
  }
  auto summary = sluice::sync_diff::compare_databases(options, std::cout);
  std::cout.flush();
  if (!summary.is_ok()) {
    fmt::print(stderr, "sluice-sync-diff: {}\n", summary.status().to_string());
    return kError;
  }
  return summary->equal() ? 0 : kDiffer;
}
