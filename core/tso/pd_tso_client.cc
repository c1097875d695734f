#include "core/tso/pd_tso_client.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <thread>

#include "core/registry/etcd_client.h"  // parse_endpoint_urls, make_fast_reconnect_channel
#include "core/tso/tso.h"

namespace sluice::tso {

int64_t first_of_batch(int64_t physical, int64_t last_logical, uint32_t count,
                       uint32_t suffix_bits) {
  const int64_t steps = count > 0 ? int64_t{count} - 1 : 0;
  return compose(physical, last_logical - (steps << suffix_bits));
}

Result<std::unique_ptr<PdTsoClient>> PdTsoClient::create(PdTsoClientOptions options) {
  if (options.endpoints.empty()) return Status::invalid_argument("TSO client: no endpoints");
  if (options.rounds < 1) options.rounds = 1;
  return std::make_unique<PdTsoClient>(std::move(options));
}

Result<std::unique_ptr<PdTsoClient>> PdTsoClient::create(std::string_view urls) {
  SLUICE_ASSIGN_OR_RETURN(auto endpoints, registry::parse_endpoint_urls(urls));
  PdTsoClientOptions options;
  options.endpoints = std::move(endpoints);
  return create(std::move(options));
}

PdTsoClient::PdTsoClient(PdTsoClientOptions options)
    : options_(std::move(options)), channels_(options_.endpoints.size()) {}

std::shared_ptr<grpc::Channel> PdTsoClient::channel(size_t index) {
  auto& channel = channels_.at(index);
  if (!channel) channel = registry::make_fast_reconnect_channel(options_.endpoints[index]);
  return channel;
}

Result<uint64_t> PdTsoClient::cluster_id_locked(size_t index) {
  if (cluster_id_ != 0) return cluster_id_;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
  pdpb::GetMembersRequest request;
  pdpb::GetMembersResponse response;
  const grpc::Status status =
      pdpb::PD::NewStub(channel(index))->GetMembers(&context, request, &response);
  if (!status.ok()) return Status::unavailable("GetMembers: " + status.error_message());
  if (response.header().has_error() && response.header().error().type() != pdpb::OK) {
    return Status::unavailable("GetMembers: " + response.header().error().message());
  }
  if (response.header().cluster_id() == 0) {
    return Status::unavailable("GetMembers: no cluster id in the answer");
  }
  cluster_id_ = response.header().cluster_id();
  return cluster_id_;
}

Result<int64_t> PdTsoClient::tso_from(size_t index) {
  SLUICE_ASSIGN_OR_RETURN(const uint64_t cluster, cluster_id_locked(index));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.request_timeout);
  auto stream = pdpb::PD::NewStub(channel(index))->Tso(&context);
  pdpb::TsoRequest request;
  request.mutable_header()->set_cluster_id(cluster);
  request.set_count(1);
  pdpb::TsoResponse response;
  bool answered = false;
  if (stream->Write(request)) answered = stream->Read(&response);
  stream->WritesDone();
  pdpb::TsoResponse rest;
  while (stream->Read(&rest)) {
  }
  const grpc::Status status = stream->Finish();
  if (!answered) {
    if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) cluster_id_ = 0;
    return Status::unavailable(fmt::format(
        "Tso: {}", status.ok() ? "stream closed without an answer" : status.error_message()));
  }
  if (response.header().has_error() && response.header().error().type() != pdpb::OK) {
    cluster_id_ = 0;  // a mismatch is the likely cause: ask again next time
    return Status::unavailable("Tso: " + response.header().error().message());
  }
  if (!response.has_timestamp() || response.timestamp().physical() <= 0) {
    return Status::corruption("Tso: answer without a timestamp");
  }
  const auto& ts = response.timestamp();
  return first_of_batch(ts.physical(), ts.logical(), response.count(), ts.suffix_bits());
}

Result<int64_t> PdTsoClient::next() {
  std::lock_guard guard(mutex_);
  const size_t count = options_.endpoints.size();
  std::string errors;
  for (int round = 0; round < options_.rounds; ++round) {
    if (round > 0) std::this_thread::sleep_for(options_.retry_pause);
    for (size_t step = 0; step < count; ++step) {
      const size_t index = (current_ + step) % count;
      auto ts = tso_from(index);
      if (ts.is_ok()) {
        current_ = index;
        if (*ts <= last_) {
          return Status::corruption(fmt::format("TSO from {} went backwards: {} after {}",
                                                options_.endpoints[index], *ts, last_));
        }
        last_ = *ts;
        return ts;
      }
      spdlog::debug("TSO endpoint {}: {}", options_.endpoints[index], ts.status().message());
      if (round == options_.rounds - 1) {
        if (!errors.empty()) errors += "; ";
        errors += fmt::format("{}: {}", options_.endpoints[index], ts.status().message());
      }
    }
  }
  return Status::unavailable(fmt::format("no TSO endpoint issued a timestamp ({})", errors));
}

Result<uint64_t> PdTsoClient::cluster_id() {
  std::lock_guard guard(mutex_);
  std::string errors;
  for (size_t step = 0; step < options_.endpoints.size(); ++step) {
    const size_t index = (current_ + step) % options_.endpoints.size();
    auto id = cluster_id_locked(index);
    if (id.is_ok()) return id;
    if (!errors.empty()) errors += "; ";
    errors += fmt::format("{}: {}", options_.endpoints[index], id.status().message());
  }
  return Status::unavailable(fmt::format("no TSO endpoint answered ({})", errors));
}

}  // namespace sluice::tso
