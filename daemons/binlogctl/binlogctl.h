#pragma once
// The commands of `sluice-binlogctl`, the original binlogctl's (§8 of the facts): pumps,
// drainers, update-pump, update-drainer, pause-pump, pause-drainer, offline-pump,
// offline-drainer, generate_meta, encrypt (with the key in BINLOG_SECRET_KEY). Works on the etcd
// registry
// (-pd-urls) or the embedded directory registry (-registry-dir). A library so tests run the same
// code the binary does. Stateless between calls; each call opens what it needs.

#include <string>

#include "core/common/result.h"

namespace sluice::binlogctl {

struct Options {
  std::string cmd = "pumps";
  std::string pd_urls = "http://127.0.0.1:2379";
  std::string registry_dir;  // non-empty: the embedded registry and TSO there, not etcd/PD
  std::string node_id;
  std::string state;
  std::string data_dir = "binlog_position";  // generate_meta writes <data-dir>/savepoint
  bool show_offline_nodes = false;
  // pause/offline: the node's HTTP address. Empty: its registered host with the port + 1, where
  // Sluice daemons serve HTTP by default (the original serves it on the gRPC port itself).
  std::string http_addr;
  int timeout_ms = 3000;  // per etcd/PD/HTTP request
  std::string text;       // encrypt: the text to encrypt
};

// Runs one command; returns what it prints on success (one JSON record per line for pumps and
// drainers). Errors name the command, the node and the unreachable address.
Result<std::string> run(const Options& options);

}  // namespace sluice::binlogctl
