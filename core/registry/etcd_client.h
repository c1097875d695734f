#pragma once
// EtcdClient: a small etcd v3 client over gRPC (KV, Lease, Watch channels) for the etcd registry
// and the Sluice TSO service. It holds one channel per endpoint of a comma list ("pd-urls") and
// fails over: a request that cannot reach the current endpoint goes to the next, and the error
// after every endpoint failed names each one with its cause. Each request has a deadline
// (`request_timeout`). Owns its channels; thread-safe (requests may run concurrently).

#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/proto/etcd_rpc.grpc.pb.h"

namespace sluice::registry {

// "http://a:2379,b:2379" (or bare "a:2379") -> {"a:2379", "b:2379"}. Spaces around items are
// dropped; https:// is refused (TLS to etcd is not built yet), as are empty lists and items
// without a port.
Result<std::vector<std::string>> parse_endpoint_urls(std::string_view urls);

// The end of the key range holding every key that starts with `prefix` (etcd's prefix
// convention: the prefix with its last byte incremented, trailing 0xff bytes dropped).
std::string prefix_range_end(std::string_view prefix);

struct EtcdClientOptions {
  std::vector<std::string> endpoints;  // "host:port", at least one
  std::chrono::milliseconds request_timeout{3000};
  // Passes over the whole endpoint list before a request gives up, with `retry_pause` between
  // passes: rides out a short outage (an etcd restart) without failing the caller.
  int rounds = 2;
  std::chrono::milliseconds retry_pause{300};
};

class EtcdClient {
 public:
  // No I/O: channels connect lazily, so a client can be made while etcd is down.
  static Result<std::unique_ptr<EtcdClient>> create(EtcdClientOptions options);
  // The same from a comma list of URLs.
  static Result<std::unique_ptr<EtcdClient>> create(
      std::string_view urls,
      std::chrono::milliseconds request_timeout = std::chrono::milliseconds(3000));
  explicit EtcdClient(EtcdClientOptions options);

  Result<etcdserverpb::RangeResponse> range(const std::string& key,
                                            const std::string& range_end = "");
  Result<etcdserverpb::PutResponse> put(const std::string& key, const std::string& value,
                                        int64_t lease = 0);
  Result<etcdserverpb::DeleteRangeResponse> delete_range(const std::string& key,
                                                         const std::string& range_end = "");
  Result<etcdserverpb::TxnResponse> txn(const etcdserverpb::TxnRequest& request);

  // A lease of `ttl_seconds`; returns its id.
  Result<int64_t> lease_grant(int64_t ttl_seconds);
  // One keep-alive round trip; returns the lease's remaining TTL in seconds, NotFound when the
  // lease has expired or was revoked.
  Result<int64_t> lease_keep_alive(int64_t lease_id);
  Status lease_revoke(int64_t lease_id);

  const std::vector<std::string>& endpoints() const { return options_.endpoints; }
  const EtcdClientOptions& options() const { return options_; }
  // The endpoint requests go to first (the last one that answered), and its channel.
  size_t current_endpoint() const;
  std::shared_ptr<grpc::Channel> channel(size_t index);
  // Moves the preferred endpoint on from `failed` (when it still is the preferred one).
  void endpoint_failed(size_t failed);

 private:
  using Call =
      std::function<grpc::Status(const std::shared_ptr<grpc::Channel>&, grpc::ClientContext&)>;
  // Runs `call` against the endpoints in turn, from the current one, until one answers.
  Status with_failover(std::string_view what, const Call& call);

  EtcdClientOptions options_;
  mutable std::mutex mutex_;
  std::vector<std::shared_ptr<grpc::Channel>> channels_;  // lazily made, one per endpoint
  size_t current_ = 0;
};

// Makes an insecure channel with short reconnect backoff (a restarted etcd is found again within
// about a second). Shared by the TSO client.
std::shared_ptr<grpc::Channel> make_fast_reconnect_channel(const std::string& endpoint);

// True for gRPC failures where another endpoint (or a later retry) may succeed.
bool is_retryable(const grpc::Status& status);

}  // namespace sluice::registry
