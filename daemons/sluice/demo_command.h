#pragma once
// `sluice demo`: the embedded pipeline on one machine, with no servers to install: two pumps and
// a drainer in this process (embedded registry and TSO under --dir), a load generator committing
// transactions through TiDB's pump-client semantics, and two sinks: the `file` sink writing the
// original drainer's binlog files, and the same sink through the `jsonl` translator. Prints
// progress every second and, at the end, what was committed against what the sinks made durable;
// exits non-zero when they differ.

#include <filesystem>

namespace sluice::tools {

struct DemoOptions {
  std::filesystem::path dir = "sluice-demo";  // wiped at start
  double seconds = 10;
  int writers = 8;
};

int run_demo(const DemoOptions& options);

}  // namespace sluice::tools
