#pragma once
// PdTsoClient: timestamps from PD's TSO RPC (pdpb.PD/Tso), as TiDB and the original pump and
// drainer get them, or from Sluice's own TSO service (tso_server.h), which serves the same RPC.
// It learns the cluster id once through pdpb.PD/GetMembers, then asks for one timestamp per
// next() on a short-lived stream with a deadline. Endpoints (pd-urls) are tried in turn from the
// last one that answered, so a PD follower or a dead TSO server is skipped; the error after every
// endpoint failed names each one with its cause. Owns its channels; thread-safe (calls are
// serialised).

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/proto/pdpb.grpc.pb.h"
#include "core/tso/tso_source.h"

namespace sluice::tso {

// The first timestamp of a batch PD granted: PD answers with the *last* logical value of the
// `count` it reserved, each logical step being 1 << suffix_bits.
int64_t first_of_batch(int64_t physical, int64_t last_logical, uint32_t count,
                       uint32_t suffix_bits);

struct PdTsoClientOptions {
  std::vector<std::string> endpoints;  // "host:port"
  std::chrono::milliseconds request_timeout{3000};
  int rounds = 2;  // passes over the endpoint list before next() gives up
  std::chrono::milliseconds retry_pause{300};
};

class PdTsoClient : public TsoSource {
 public:
  static Result<std::unique_ptr<PdTsoClient>> create(PdTsoClientOptions options);
  // From a comma list of URLs as pd-urls ("http://a:2379,http://b:2379"). No I/O.
  static Result<std::unique_ptr<PdTsoClient>> create(std::string_view urls);
  explicit PdTsoClient(PdTsoClientOptions options);

  Result<int64_t> next() override;
  // The cluster id GetMembers reported (asks when not known yet).
  Result<uint64_t> cluster_id();

 private:
  Result<uint64_t> cluster_id_locked(size_t index);
  Result<int64_t> tso_from(size_t index);
  std::shared_ptr<grpc::Channel> channel(size_t index);

  PdTsoClientOptions options_;
  std::mutex mutex_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;
  size_t current_ = 0;
  uint64_t cluster_id_ = 0;
  int64_t last_ = 0;
};

}  // namespace sluice::tso
