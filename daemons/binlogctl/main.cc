// `sluice-binlogctl`: the original binlogctl's commands on Sluice's registries. Parses flags (the
// original's single-dash spellings too), runs one command, prints its output.
#include <fmt/format.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "daemons/binlogctl/binlogctl.h"
#include "daemons/common/command_line.h"

int main(int argc, char** argv) {
  sluice::binlogctl::Options options;
  CLI::App app("sluice-binlogctl: inspect and change pump and drainer records");
  app.add_option("--cmd", options.cmd,
                 "pumps, drainers, update-pump, update-drainer, pause-pump, pause-drainer, "
                 "offline-pump, offline-drainer, generate_meta, encrypt")
      ->capture_default_str();
  app.add_option("--pd-urls", options.pd_urls, "etcd/PD endpoints, comma separated")
      ->capture_default_str();
  app.add_option("--registry-dir", options.registry_dir,
                 "use the embedded registry (and TSO) in this directory instead of etcd/PD");
  app.add_option("--node-id", options.node_id, "the node a command acts on");
  app.add_option("--state", options.state, "update-*: online, pausing, paused, closing, offline");
  app.add_option("--data-dir", options.data_dir, "generate_meta: where the savepoint goes")
      ->capture_default_str();
  app.add_flag("--show-offline-nodes", options.show_offline_nodes,
               "pumps/drainers: list offline nodes too");
  app.add_option("--http-addr", options.http_addr,
                 "pause/offline: the node's HTTP address (default: registered port + 1)");
  app.add_option("--text", options.text, "encrypt: the text to encrypt");
  app.add_option("--timeout-ms", options.timeout_ms, "per request")->capture_default_str();
  bool version = false;
  app.add_flag("-V,--version", version, "print the version and exit");
  if (auto exit_code = sluice::daemon::parse_command_line(app, argc, argv)) return *exit_code;
  if (version) {
    fmt::print("sluice-binlogctl {}\n", SLUICE_VERSION);
    return 0;
  }
  auto output = sluice::binlogctl::run(options);
  if (!output.is_ok()) return sluice::daemon::fail("sluice-binlogctl", output.status().message());
  std::fputs(output->c_str(), stdout);
  return 0;
}
