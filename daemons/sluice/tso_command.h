#pragma once
// `sluice tso`: runs one of Sluice's own TSO servers (core/tso/tso_server.h) for clusters with
// etcd but no PD (docs/cluster.md). Several run against the same etcd; one leads, the others take
// over when it stops or dies. Pumps and drainers use them with tso = "sluice" and tso-urls.
// Runs on the calling (main) thread until SIGTERM/SIGINT; call it before any other thread starts.

#include <string>

namespace sluice::tools {

struct TsoCommandOptions {
  std::string etcd_urls;                // comma list, as pd-urls
  std::string addr = "127.0.0.1:2390";  // gRPC listen address
  std::string advertise_addr;           // what GetMembers reports; default: the bound address
  std::string name;                     // member name; default: the advertise address
  std::string log_level = "info";
};

// Returns the process exit code: 0 after a clean stop, 1 when the server cannot start.
int run_tso(const TsoCommandOptions& options);

}  // namespace sluice::tools
