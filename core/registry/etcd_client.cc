#include "core/registry/etcd_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

namespace sluice::registry {

namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  return text;
}

}  // namespace

Result<std::vector<std::string>> parse_endpoint_urls(std::string_view urls) {
  std::vector<std::string> endpoints;
  size_t start = 0;
  while (start <= urls.size()) {
    size_t comma = urls.find(',', start);
    if (comma == std::string_view::npos) comma = urls.size();
    std::string_view item = trim(urls.substr(start, comma - start));
    start = comma + 1;
    if (item.empty()) continue;
    if (item.starts_with("https://")) {
      return Status::unsupported(fmt::format(
          "endpoint '{}': TLS to etcd/PD is not supported yet; use http:// endpoints", item));
    }
    if (item.starts_with("http://")) item.remove_prefix(7);
    while (!item.empty() && item.back() == '/')
      item.remove_suffix(1);
    const size_t colon = item.rfind(':');
    if (item.empty() || colon == std::string_view::npos || colon + 1 == item.size() ||
        item.find('/') != std::string_view::npos) {
      return Status::invalid_argument(
          fmt::format("endpoint '{}' is not of the form [http://]host:port", item));
    }
    endpoints.emplace_back(item);
  }
  if (endpoints.empty()) {
    return Status::invalid_argument(fmt::format("no endpoint in '{}'", urls));
  }
  return endpoints;
}

std::string prefix_range_end(std::string_view prefix) {
  std::string end(prefix);
  while (!end.empty()) {
    auto& last = reinterpret_cast<unsigned char&>(end.back());
    if (last < 0xff) {
      ++last;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // etcd: "\0" as range_end means "every key >= key"
}

std::shared_ptr<grpc::Channel> make_fast_reconnect_channel(const std::string& endpoint) {
  grpc::ChannelArguments args;
  // gRPC's defaults back off up to 120 s after a failed connect; a restarted etcd or TSO leader
  // must be found again quickly. The minimum also bounds one connect attempt including the
  // HTTP/2 handshake, so it stays generous for a busy machine.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 2000);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 2000);
  // gRPC shares connections between channels to one target by default; a watcher's failing
  // reconnects would then make every request of the process fail with it.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  return grpc::CreateCustomChannel(endpoint, grpc::InsecureChannelCredentials(), args);
}

bool is_retryable(const grpc::Status& status) {
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
    case grpc::StatusCode::DEADLINE_EXCEEDED:
    case grpc::StatusCode::CANCELLED:
    case grpc::StatusCode::UNKNOWN:  // e.g. an etcd member that lost its leader
      return true;
    default:
      return false;
  }
}

Result<std::unique_ptr<EtcdClient>> EtcdClient::create(EtcdClientOptions options) {
  if (options.endpoints.empty()) return Status::invalid_argument("etcd client: no endpoints");
  if (options.rounds < 1) options.rounds = 1;
  return std::make_unique<EtcdClient>(std::move(options));
}

Result<std::unique_ptr<EtcdClient>> EtcdClient::create(std::string_view urls,
                                                       std::chrono::milliseconds request_timeout) {
  SLUICE_ASSIGN_OR_RETURN(auto endpoints, parse_endpoint_urls(urls));
  EtcdClientOptions options;
  options.endpoints = std::move(endpoints);
  options.request_timeout = request_timeout;
  return create(std::move(options));
}

EtcdClient::EtcdClient(EtcdClientOptions options)
    : options_(std::move(options)), channels_(options_.endpoints.size()) {}

size_t EtcdClient::current_endpoint() const {
  std::lock_guard guard(mutex_);
  return current_;
}

std::shared_ptr<grpc::Channel> EtcdClient::channel(size_t index) {
  std::lock_guard guard(mutex_);
  auto& channel = channels_.at(index);
  if (!channel) channel = make_fast_reconnect_channel(options_.endpoints[index]);
  return channel;
}

void EtcdClient::endpoint_failed(size_t failed) {
  std::lock_guard guard(mutex_);
  if (current_ == failed) current_ = (failed + 1) % options_.endpoints.size();
}

Status EtcdClient::with_failover(std::string_view what, const Call& call) {
  const size_t count = options_.endpoints.size();
  std::string errors;
  for (int round = 0; round < options_.rounds; ++round) {
    if (round > 0) std::this_thread::sleep_for(options_.retry_pause);
    const size_t first = current_endpoint();
    for (size_t step = 0; step < count; ++step) {
      const size_t index = (first + step) % count;
      grpc::ClientContext context;
      context.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
      const grpc::Status status = call(channel(index), context);
      if (status.ok()) {
        std::lock_guard guard(mutex_);
        current_ = index;
        return Status::ok();
      }
      const std::string message =
          fmt::format("{}: {}", options_.endpoints[index], status.error_message());
      if (!is_retryable(status)) {
        return Status::failed_precondition(fmt::format("etcd {} refused by {}", what, message));
      }
      spdlog::debug("etcd {}: {} unreachable: {}", what, options_.endpoints[index],
                    status.error_message());
      endpoint_failed(index);
      if (round == options_.rounds - 1) {
        if (!errors.empty()) errors += "; ";
        errors += message;
      }
    }
  }
  return Status::unavailable(fmt::format("etcd {}: no endpoint answered ({})", what, errors));
}

Result<etcdserverpb::RangeResponse> EtcdClient::range(const std::string& key,
                                                      const std::string& range_end) {
  etcdserverpb::RangeRequest request;
  request.set_key(key);
  request.set_range_end(range_end);
  etcdserverpb::RangeResponse response;
  SLUICE_RETURN_IF_ERROR(with_failover(
      fmt::format("range {}", key), [&](const auto& channel, grpc::ClientContext& context) {
        response.Clear();
        return etcdserverpb::KV::NewStub(channel)->Range(&context, request, &response);
      }));
  return response;
}

Result<etcdserverpb::PutResponse> EtcdClient::put(const std::string& key, const std::string& value,
                                                  int64_t lease) {
  etcdserverpb::PutRequest request;
  request.set_key(key);
  request.set_value(value);
  request.set_lease(lease);
  etcdserverpb::PutResponse response;
  SLUICE_RETURN_IF_ERROR(with_failover(
      fmt::format("put {}", key), [&](const auto& channel, grpc::ClientContext& context) {
        response.Clear();
        return etcdserverpb::KV::NewStub(channel)->Put(&context, request, &response);
      }));
  return response;
}

Result<etcdserverpb::DeleteRangeResponse> EtcdClient::delete_range(const std::string& key,
                                                                   const std::string& range_end) {
  etcdserverpb::DeleteRangeRequest request;
  request.set_key(key);
  request.set_range_end(range_end);
  etcdserverpb::DeleteRangeResponse response;
  SLUICE_RETURN_IF_ERROR(with_failover(
      fmt::format("delete {}", key), [&](const auto& channel, grpc::ClientContext& context) {
        response.Clear();
        return etcdserverpb::KV::NewStub(channel)->DeleteRange(&context, request, &response);
      }));
  return response;
}

Result<etcdserverpb::TxnResponse> EtcdClient::txn(const etcdserverpb::TxnRequest& request) {
  const std::string what =
      request.compare_size() > 0 ? fmt::format("txn on {}", request.compare(0).key()) : "txn";
  etcdserverpb::TxnResponse response;
  SLUICE_RETURN_IF_ERROR(
      with_failover(what, [&](const auto& channel, grpc::ClientContext& context) {
        response.Clear();
        return etcdserverpb::KV::NewStub(channel)->Txn(&context, request, &response);
      }));
  return response;
}

Result<int64_t> EtcdClient::lease_grant(int64_t ttl_seconds) {
  etcdserverpb::LeaseGrantRequest request;
  request.set_ttl(ttl_seconds);
  etcdserverpb::LeaseGrantResponse response;
  SLUICE_RETURN_IF_ERROR(
      with_failover("lease grant", [&](const auto& channel, grpc::ClientContext& context) {
        response.Clear();
        return etcdserverpb::Lease::NewStub(channel)->LeaseGrant(&context, request, &response);
      }));
  if (!response.error().empty()) {
    return Status::failed_precondition("etcd lease grant: " + response.error());
  }
  return response.id();
}

Result<int64_t> EtcdClient::lease_keep_alive(int64_t lease_id) {
  etcdserverpb::LeaseKeepAliveRequest request;
  request.set_id(lease_id);
  etcdserverpb::LeaseKeepAliveResponse response;
  bool answered = false;
  SLUICE_RETURN_IF_ERROR(with_failover(
      fmt::format("lease keep-alive {:x}", lease_id),
      [&](const auto& channel, grpc::ClientContext& context) {
        response.Clear();
        auto stream = etcdserverpb::Lease::NewStub(channel)->LeaseKeepAlive(&context);
        if (stream->Write(request)) answered = stream->Read(&response);
        stream->WritesDone();
        etcdserverpb::LeaseKeepAliveResponse rest;
        while (stream->Read(&rest)) {
        }
        const grpc::Status status = stream->Finish();
        if (status.ok() && !answered) {
          return grpc::Status(grpc::StatusCode::UNAVAILABLE, "keep-alive stream closed early");
        }
        return status;
      }));
  if (response.ttl() <= 0) {
    return Status::not_found(fmt::format("etcd lease {:x} has expired", lease_id));
  }
  return response.ttl();
}

Status EtcdClient::lease_revoke(int64_t lease_id) {
  etcdserverpb::LeaseRevokeRequest request;
  request.set_id(lease_id);
  etcdserverpb::LeaseRevokeResponse response;
  return with_failover(fmt::format("lease revoke {:x}", lease_id),
                       [&](const auto& channel, grpc::ClientContext& context) {
                         return etcdserverpb::Lease::NewStub(channel)->LeaseRevoke(
                             &context, request, &response);
                       });
}

}  // namespace sluice::registry
