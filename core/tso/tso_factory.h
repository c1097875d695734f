#pragma once
// Picks where a daemon's timestamps come from, by the config value `tso` (docs/cluster.md):
//   "embedded"  the process-shared allocator of one host (EmbeddedTso at `embedded_path`);
//   "pd"        PD's Tso RPC at `pd_urls` (a TiDB cluster's PD);
//   "sluice"    Sluice's own TSO servers (tso_server.h) at `tso_urls`; the same RPC and client.
// Pure construction: no I/O beyond opening the embedded state file. The returned source is owned
// by the caller and thread-safe.

#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "core/tso/tso_source.h"

namespace sluice::tso {

enum class TsoMode { kEmbedded, kPd, kSluice };

// "embedded", "pd", "sluice"; InvalidArgument naming the accepted values otherwise.
Result<TsoMode> parse_tso_mode(std::string_view text);
std::string_view tso_mode_name(TsoMode mode);

struct TsoChoice {
  TsoMode mode = TsoMode::kEmbedded;
  std::filesystem::path embedded_path;  // kEmbedded: the state file
  std::string pd_urls;                  // kPd
  std::string tso_urls;                 // kSluice
};

Result<std::unique_ptr<TsoSource>> open_tso_source(const TsoChoice& choice);

}  // namespace sluice::tso
