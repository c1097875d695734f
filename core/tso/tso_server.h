#pragma once
// TsoServer: Sluice's own TSO service for clusters without PD. Several servers share one etcd;
// one is the leader, elected through an etcd lease (a leader key created only when absent and
// bound to the lease, kept alive every TTL/3). The leader issues physical_ms << 18 | logical
// timestamps over pdpb.PD/Tso (so PdTsoClient talks to it as to PD) and, like PD, persists an
// upper bound of the physical time it may issue ("allocation window", now + window) in etcd
// before issuing past the previous bound. A new leader starts above the persisted bound, so no
// timestamp after a failover is at or below one issued before it, whatever the clocks say.
// etcd keys under `root` (default /sluice/tso): leader (JSON {name, url, token}, leased),
// timestamp (the bound, decimal ms), cluster_id (decimal, created once).
// Owns its gRPC server and election thread; thread-safe; stop() or the destructor ends both.

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "core/common/result.h"
#include "core/registry/etcd_client.h"

namespace grpc {
class Server;
}

namespace sluice::tso {

struct TsoServerOptions {
  std::string etcd_urls;                    // comma list, as pd-urls
  std::string listen_addr = "127.0.0.1:0";  // gRPC address (port 0: any free port)
  std::string advertise_addr;               // what GetMembers reports; default: bound address
  std::string name;                         // member name; default: the advertise address
  std::string root = "/sluice/tso";         // etcd key prefix
  int64_t lease_ttl_seconds = 3;            // 3 s: PD's default leader-lease
  std::chrono::milliseconds window{3000};   // 3 s: PD's default tso-save-interval
  std::chrono::milliseconds etcd_timeout{2000};
  std::function<int64_t()> now_ms;  // wall clock; injectable for tests
};

class TsoServer {
 public:
  // Binds the gRPC port, reads (or creates) the cluster id in etcd and starts campaigning.
  // Fails naming the address or the etcd endpoints.
  static Result<std::unique_ptr<TsoServer>> start(TsoServerOptions options);
  ~TsoServer();
  TsoServer(const TsoServer&) = delete;
  TsoServer& operator=(const TsoServer&) = delete;

  // Stops serving. resign = true hands leadership over at once (revokes the lease);
  // false leaves the lease to expire, as a crashed server would.
  void stop(bool resign = true);

  bool is_leader() const;
  // "127.0.0.1:<port>": the gRPC address clients list in their TSO URLs.
  const std::string& address() const { return address_; }
  uint64_t cluster_id() const { return cluster_id_; }
  // The leader's name and address as last seen in etcd ("" when none).
  std::string leader_address() const;

  // Grants `count` timestamps; returns the last one (PD's convention). FailedPrecondition when
  // this server is not the leader, Unavailable when the window could not be persisted.
  Result<int64_t> allocate(uint32_t count);

  class Service;
  TsoServer(TsoServerOptions options, std::unique_ptr<registry::EtcdClient> etcd);

 private:
  void campaign_loop();
  void campaign();
  Status take_over();  // as the new leader: load and advance the persisted bound
  void keep_alive();
  void step_down(const std::string& why);
  Status save_bound(int64_t bound);  // requires mutex_
  std::string key(const char* name) const { return options_.root + "/" + name; }

  TsoServerOptions options_;
  std::unique_ptr<registry::EtcdClient> etcd_;
  std::unique_ptr<Service> service_;
  std::unique_ptr<grpc::Server> server_;
  std::string address_;
  std::string member_value_;  // this server's leader-key value
  uint64_t cluster_id_ = 0;

  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool stopped_ = false;
  bool leader_ = false;
  int64_t lease_id_ = 0;
  std::chrono::steady_clock::time_point lease_deadline_;
  int64_t physical_ = 0;  // last issued physical ms
  int64_t logical_ = 0;   // last issued logical
  int64_t bound_ = 0;     // persisted: nothing at or above it is issued
  std::string leader_address_;
  std::thread campaigner_;
};

}  // namespace sluice::tso
