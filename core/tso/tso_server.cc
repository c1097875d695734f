#include "core/tso/tso_server.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <charconv>
#include <nlohmann/json.hpp>
#include <random>

#include "core/common/json_reader.h"
#include "core/net/grpc_listen.h"
#include "core/proto/pdpb.grpc.pb.h"
#include "core/tso/tso.h"

namespace sluice::tso {

namespace {

int64_t system_now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t random_u64() {
  std::random_device device;
  return (uint64_t{device()} << 32) | device();
}

Result<int64_t> parse_decimal(const std::string& text, const std::string& what) {
  int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) {
    return Status::corruption(fmt::format("{}: '{}' is not a decimal number", what, text));
  }
  return value;
}

}  // namespace

class TsoServer::Service final : public pdpb::PD::Service {
 public:
  explicit Service(TsoServer& owner) : owner_(owner) {}

  grpc::Status GetMembers(grpc::ServerContext*, const pdpb::GetMembersRequest*,
                          pdpb::GetMembersResponse* response) override {
    response->mutable_header()->set_cluster_id(owner_.cluster_id_);
    std::lock_guard guard(owner_.mutex_);  // address and name are set once the port is bound
    auto* self = response->add_members();
    self->set_name(owner_.options_.name);
    self->add_client_urls("http://" + owner_.address_);
    const std::string leader = owner_.leader_address_;
    if (!leader.empty()) {
      response->mutable_leader()->set_name(leader);
      response->mutable_leader()->add_client_urls("http://" + leader);
    }
    return grpc::Status::OK;
  }

  grpc::Status Tso(grpc::ServerContext*,
                   grpc::ServerReaderWriter<pdpb::TsoResponse, pdpb::TsoRequest>* stream) override {
    pdpb::TsoRequest request;
    while (stream->Read(&request)) {
      if (request.header().cluster_id() != owner_.cluster_id_) {
        return grpc::Status(grpc::StatusCode::FAILED_PRECONDITION,
                            fmt::format("mismatch cluster id, need {} but got {}",
                                        owner_.cluster_id_, request.header().cluster_id()));
      }
      const uint32_t count = std::max<uint32_t>(1, request.count());
      auto ts = owner_.allocate(count);
      if (!ts.is_ok()) {
        return grpc::Status(grpc::StatusCode::UNAVAILABLE, ts.status().message());
      }
      pdpb::TsoResponse response;
      response.mutable_header()->set_cluster_id(owner_.cluster_id_);
      response.set_count(count);
      response.mutable_timestamp()->set_physical(physical_ms(*ts));
      response.mutable_timestamp()->set_logical(logical(*ts));
      if (!stream->Write(response)) break;
    }
    return grpc::Status::OK;
  }

 private:
  TsoServer& owner_;
};

TsoServer::TsoServer(TsoServerOptions options, std::unique_ptr<registry::EtcdClient> etcd)
    : options_(std::move(options)), etcd_(std::move(etcd)) {}

Result<std::unique_ptr<TsoServer>> TsoServer::start(TsoServerOptions options) {
  if (!options.now_ms) options.now_ms = system_now_ms;
  if (options.lease_ttl_seconds < 1) {
    return Status::invalid_argument("TSO server: lease TTL must be at least 1 s");
  }
  SLUICE_ASSIGN_OR_RETURN(auto etcd,
                          registry::EtcdClient::create(options.etcd_urls, options.etcd_timeout));
  auto server = std::make_unique<TsoServer>(std::move(options), std::move(etcd));
  TsoServer& self = *server;

  // The cluster id: created once by whichever server gets there first.
  const std::string id_key = self.key("cluster_id");
  etcdserverpb::TxnRequest txn;
  auto* compare = txn.add_compare();
  compare->set_key(id_key);
  compare->set_target(etcdserverpb::Compare::CREATE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_create_revision(0);
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(id_key);
  put->set_value(std::to_string((random_u64() >> 1) | 1));  // positive, non-zero
  txn.add_failure()->mutable_request_range()->set_key(id_key);
  auto created = self.etcd_->txn(txn);
  if (!created.is_ok()) return created.status().with_context("TSO server: reading the cluster id");
  if (created->succeeded()) {
    self.cluster_id_ = std::stoull(put->value());
  } else {
    const auto& kvs = created->responses(0).response_range().kvs();
    if (kvs.empty()) return Status::internal("TSO server: cluster id vanished");
    SLUICE_ASSIGN_OR_RETURN(int64_t id, parse_decimal(kvs[0].value(), id_key));
    self.cluster_id_ = static_cast<uint64_t>(id);
  }

  self.service_ = std::make_unique<Service>(self);
  grpc::ServerBuilder builder;
  builder.RegisterService(self.service_.get());
  SLUICE_ASSIGN_OR_RETURN(auto handle,
                          net::start_grpc_server(builder, self.options_.listen_addr, nullptr));
  self.server_ = std::move(handle.server);
  std::unique_lock lock(self.mutex_);
  const auto colon = self.options_.listen_addr.rfind(':');
  std::string host = self.options_.listen_addr.substr(0, colon);
  if (host.empty() || host == "0.0.0.0") host = "127.0.0.1";
  self.address_ = self.options_.advertise_addr.empty() ? fmt::format("{}:{}", host, handle.port)
                                                       : self.options_.advertise_addr;
  if (self.options_.name.empty()) self.options_.name = self.address_;
  nlohmann::json member = {
      {"name", self.options_.name}, {"url", self.address_}, {"token", random_u64()}};
  // replace: a --name with invalid UTF-8 must not throw out of start().
  self.member_value_ = member.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  lock.unlock();
  self.campaigner_ = std::thread([&self] { self.campaign_loop(); });
  return server;
}

TsoServer::~TsoServer() {
  stop(true);
}

void TsoServer::stop(bool resign) {
  {
    std::lock_guard guard(mutex_);
    if (stopped_) return;
    stopped_ = true;
    stopping_ = true;
  }
  wake_.notify_all();
  if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(1));
  if (campaigner_.joinable()) campaigner_.join();
  std::lock_guard guard(mutex_);
  if (resign && lease_id_ != 0) {
    // Revoking deletes the leader key, so another server takes over without waiting the TTL.
    const Status status = etcd_->lease_revoke(lease_id_);
    if (!status.is_ok()) spdlog::warn("TSO server {}: resigning: {}", address_, status.message());
  }
  leader_ = false;
  lease_id_ = 0;
}

bool TsoServer::is_leader() const {
  std::lock_guard guard(mutex_);
  return leader_ && std::chrono::steady_clock::now() < lease_deadline_;
}

std::string TsoServer::leader_address() const {
  std::lock_guard guard(mutex_);
  return leader_address_;
}

void TsoServer::campaign_loop() {
  const auto period = std::chrono::milliseconds(options_.lease_ttl_seconds * 1000 / 3);
  while (true) {
    {
      std::unique_lock lock(mutex_);
      if (stopping_) return;
    }
    if (is_leader()) {
      keep_alive();
    } else {
      campaign();
    }
    std::unique_lock lock(mutex_);
    wake_.wait_for(lock, period, [this] { return stopping_; });
  }
}

void TsoServer::campaign() {
  {
    std::lock_guard guard(mutex_);
    if (leader_) {
      leader_ = false;  // the lease ran out locally
      spdlog::warn("TSO server {}: lease expired without a keep-alive; no longer leader", address_);
    }
  }
  auto lease = etcd_->lease_grant(options_.lease_ttl_seconds);
  if (!lease.is_ok()) {
    spdlog::warn("TSO server {}: campaign: {}", address_, lease.status().message());
    return;
  }
  const auto granted_at = std::chrono::steady_clock::now();
  const std::string leader_key = key("leader");
  etcdserverpb::TxnRequest txn;
  auto* compare = txn.add_compare();
  compare->set_key(leader_key);
  compare->set_target(etcdserverpb::Compare::CREATE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_create_revision(0);
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(leader_key);
  put->set_value(member_value_);
  put->set_lease(*lease);
  txn.add_failure()->mutable_request_range()->set_key(leader_key);
  auto answer = etcd_->txn(txn);
  if (!answer.is_ok() || !answer->succeeded()) {
    (void)etcd_->lease_revoke(*lease);
    if (!answer.is_ok()) {
      spdlog::warn("TSO server {}: campaign: {}", address_, answer.status().message());
      return;
    }
    const auto& kvs = answer->responses(0).response_range().kvs();
    std::string leader;
    if (!kvs.empty()) {
      // Another server's record: unreadable, it names no leader, and this one campaigns on.
      const std::string where = "TSO leader record " + leader_key;
      auto record = json_reader::parse_object(kvs[0].value(), where);
      auto read = record.is_ok() ? json_reader::read_string(*record, "url", where)
                                 : Result<std::string>(record.status());
      if (read.is_ok()) {
        leader = std::move(read).value();
      } else {
        spdlog::warn("TSO server {}: campaign: {}", address_, read.status().message());
      }
    }
    std::lock_guard guard(mutex_);
    leader_address_ = leader;
    return;
  }
  std::lock_guard guard(mutex_);
  lease_id_ = *lease;
  lease_deadline_ = granted_at + std::chrono::seconds(options_.lease_ttl_seconds);
  const Status status = take_over();
  if (!status.is_ok()) {
    spdlog::warn("TSO server {}: won the election but cannot serve: {}", address_,
                 status.message());
    (void)etcd_->lease_revoke(lease_id_);
    lease_id_ = 0;
    return;
  }
  leader_ = true;
  leader_address_ = address_;
  spdlog::info("TSO server {} is the leader; issuing above {}", address_, physical_);
}

Status TsoServer::take_over() {
  SLUICE_ASSIGN_OR_RETURN(auto saved, etcd_->range(key("timestamp")));
  int64_t persisted = 0;
  if (saved.kvs_size() > 0) {
    SLUICE_ASSIGN_OR_RETURN(persisted, parse_decimal(saved.kvs(0).value(), key("timestamp")));
  }
  // The previous leader issued only physical < persisted: start at or above it.
  physical_ = std::max(options_.now_ms(), persisted + 1);
  logical_ = 0;
  return save_bound(physical_ + options_.window.count());
}

Status TsoServer::save_bound(int64_t bound) {
  // Guarded by our leader key still holding our value: a deposed leader cannot move the bound.
  etcdserverpb::TxnRequest txn;
  auto* compare = txn.add_compare();
  compare->set_key(key("leader"));
  compare->set_target(etcdserverpb::Compare::VALUE);
  compare->set_result(etcdserverpb::Compare::EQUAL);
  compare->set_value(member_value_);
  auto* put = txn.add_success()->mutable_request_put();
  put->set_key(key("timestamp"));
  put->set_value(std::to_string(bound));
  SLUICE_ASSIGN_OR_RETURN(auto answer, etcd_->txn(txn));
  if (!answer.succeeded()) {
    leader_ = false;
    return Status::failed_precondition(
        fmt::format("TSO server {}: lost leadership while saving the time window", address_));
  }
  bound_ = bound;
  return Status::ok();
}

void TsoServer::keep_alive() {
  int64_t lease = 0;
  {
    std::lock_guard guard(mutex_);
    lease = lease_id_;
  }
  const auto sent_at = std::chrono::steady_clock::now();
  auto ttl = etcd_->lease_keep_alive(lease);
  std::lock_guard guard(mutex_);
  if (ttl.is_ok()) {
    lease_deadline_ = sent_at + std::chrono::seconds(*ttl);
    return;
  }
  if (ttl.status().code() == StatusCode::kNotFound) {
    leader_ = false;
    lease_id_ = 0;
    spdlog::warn("TSO server {}: {}; no longer leader", address_, ttl.status().message());
    return;
  }
  spdlog::warn("TSO server {}: keep-alive: {}", address_, ttl.status().message());
}

Result<int64_t> TsoServer::allocate(uint32_t count) {
  if (count == 0 || count > kMaxLogical) {
    return Status::invalid_argument(fmt::format("TSO: cannot grant {} timestamps at once", count));
  }
  std::lock_guard guard(mutex_);
  if (!leader_ || std::chrono::steady_clock::now() >= lease_deadline_) {
    return Status::failed_precondition(fmt::format(
        "TSO server {} is not the leader (leader: {})", address_,
        leader_address_.empty() || leader_address_ == address_ ? "unknown" : leader_address_));
  }
  const int64_t now = options_.now_ms();
  if (now > physical_) {
    physical_ = now;
    logical_ = 0;
  }
  if (logical_ + count > kMaxLogical) {  // logical space of this millisecond used up
    ++physical_;
    logical_ = 0;
  }
  if (physical_ >= bound_) {
    SLUICE_RETURN_IF_ERROR(save_bound(physical_ + options_.window.count()));
  }
  logical_ += count;
  return compose(physical_, logical_);
}

}  // namespace sluice::tso
