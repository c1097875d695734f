#include "sdk/producer/pump_client.h"

#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/proto/pump.grpc.pb.h"

namespace sluice::producer {

struct PumpClient::Pump {
  explicit Pump(std::string id) : node_id(std::move(id)) {}
  const std::string node_id;  // never changes, so it may be read without the lock
  PumpInfo info;              // guarded by the client's mutex, like the fields below
  int errors = 0;             // consecutive failed calls
  std::shared_ptr<grpc::Channel> channel;
  std::shared_ptr<binlog::Pump::Stub> stub;
};

// The last error of each pump a write tried, in the order first tried.
struct PumpClient::Attempts {
  struct Entry {
    std::string node_id;
    std::string address;
    std::string error;
  };
  std::vector<Entry> entries;
  int count = 0;

  void note(const PumpInfo& pump, const Status& status) {
    ++count;
    for (auto& entry : entries) {
      if (entry.node_id == pump.node_id) {
        entry.error = status.message();
        return;
      }
    }
    entries.push_back({pump.node_id, pump.address, status.message()});
  }
  std::string describe() const {
    std::string out;
    for (const auto& entry : entries) {
      if (!out.empty()) out += "; ";
      out += fmt::format("{} ({}): {}", entry.node_id, entry.address, entry.error);
    }
    return out;
  }
};

namespace {

using Clock = std::chrono::steady_clock;

// The names Go's grpc codes print as ("rpc error: code = Unavailable desc = ..."): TiDB's client
// matches "ResourceExhausted" in that text.
std::string_view go_code_name(grpc::StatusCode code) {
  switch (code) {
    case grpc::StatusCode::OK:
      return "OK";
    case grpc::StatusCode::CANCELLED:
      return "Canceled";
    case grpc::StatusCode::UNKNOWN:
      return "Unknown";
    case grpc::StatusCode::INVALID_ARGUMENT:
      return "InvalidArgument";
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return "DeadlineExceeded";
    case grpc::StatusCode::NOT_FOUND:
      return "NotFound";
    case grpc::StatusCode::ALREADY_EXISTS:
      return "AlreadyExists";
    case grpc::StatusCode::PERMISSION_DENIED:
      return "PermissionDenied";
    case grpc::StatusCode::RESOURCE_EXHAUSTED:
      return "ResourceExhausted";
    case grpc::StatusCode::FAILED_PRECONDITION:
      return "FailedPrecondition";
    case grpc::StatusCode::ABORTED:
      return "Aborted";
    case grpc::StatusCode::OUT_OF_RANGE:
      return "OutOfRange";
    case grpc::StatusCode::UNIMPLEMENTED:
      return "Unimplemented";
    case grpc::StatusCode::INTERNAL:
      return "Internal";
    case grpc::StatusCode::UNAVAILABLE:
      return "Unavailable";
    case grpc::StatusCode::DATA_LOSS:
      return "DataLoss";
    case grpc::StatusCode::UNAUTHENTICATED:
      return "Unauthenticated";
    default:
      return "Unknown";
  }
}

bool is_retryable(const Status& status) {
  // tidb-tools isRetryableError: a message naming ResourceExhausted is final.
  return status.message().find("ResourceExhausted") == std::string::npos;
}

std::string_view type_name(binlog::BinlogType type) {
  switch (type) {
    case binlog::Prewrite:
      return "P-binlog";
    case binlog::Commit:
      return "C-binlog (commit)";
    case binlog::Rollback:
      return "C-binlog (rollback)";
    default:
      return "binlog";
  }
}

}  // namespace

Result<PumpSelector> parse_pump_selector(std::string_view name) {
  if (name == "range") return PumpSelector::kRange;
  if (name == "hash") return PumpSelector::kHash;
  return Status::invalid_argument(
      fmt::format("unknown pump selector '{}' (valid: range, hash)", name));
}

Result<std::unique_ptr<PumpClient>> PumpClient::create(
    std::shared_ptr<const PumpDirectory> directory, PumpClientOptions options) {
  if (directory == nullptr) return Status::invalid_argument("pump client needs a directory");
  using std::chrono::milliseconds;
  const std::pair<const char*, milliseconds> positive[] = {
      {"write_timeout", options.write_timeout},
      {"retry_interval", options.retry_interval},
      {"commit_retry_interval", options.commit_retry_interval},
      {"commit_timeout", options.commit_timeout},
      {"probe_interval", options.probe_interval}};
  for (const auto& [name, value] : positive) {
    if (value <= milliseconds::zero()) {
      return Status::invalid_argument(
          fmt::format("pump client option {} must be positive (got {} ms)", name, value.count()));
    }
  }
  if (options.rpc_timeout < milliseconds::zero()) {
    return Status::invalid_argument("pump client option rpc_timeout must not be negative");
  }
  if (options.max_consecutive_errors < 1) {
    return Status::invalid_argument("pump client option max_consecutive_errors must be >= 1");
  }
  if (options.rpc_timeout == milliseconds::zero()) options.rpc_timeout = options.write_timeout;
  return std::make_unique<PumpClient>(Token{}, std::move(directory), options);
}

PumpClient::PumpClient(Token, std::shared_ptr<const PumpDirectory> directory,
                       PumpClientOptions options)
    : directory_(std::move(directory)), options_(options) {
  refresh();
  prober_ = std::thread([this] { probe_loop(); });
}

PumpClient::~PumpClient() {
  stop();
  if (prober_.joinable()) prober_.join();
}

void PumpClient::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    // Calls in flight end now rather than at their deadline (15 s by default).
    for (grpc::ClientContext* call : calls_)
      call->TryCancel();
  }
  stop_cv_.notify_all();
}

bool PumpClient::wait(std::chrono::milliseconds interval) {
  std::unique_lock lock(mutex_);
  return !stop_cv_.wait_for(lock, interval, [this] { return stopping_; });
}

void PumpClient::refresh() {
  std::vector<PumpInfo> listed = directory_->list();
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Pump>> next;
  next.reserve(listed.size());
  for (auto& info : listed) {
    auto it = std::find_if(pumps_.begin(), pumps_.end(),
                           [&](const auto& pump) { return pump->node_id == info.node_id; });
    std::shared_ptr<Pump> pump = it != pumps_.end() ? *it : std::make_shared<Pump>(info.node_id);
    if (pump->info.address != info.address) {
      // A new address is a new connection; the old one's errors do not count against it.
      pump->channel.reset();
      pump->stub.reset();
      pump->errors = 0;
    }
    pump->info = std::move(info);
    next.push_back(std::move(pump));
  }
  pumps_ = std::move(next);
}

bool PumpClient::usable(const Pump& pump) const {
  return pump.info.state == kPumpOnline && pump.errors < options_.max_consecutive_errors;
}

size_t PumpClient::usable_count() const {
  std::lock_guard lock(mutex_);
  return static_cast<size_t>(std::count_if(pumps_.begin(), pumps_.end(),
                                           [this](const auto& pump) { return usable(*pump); }));
}

std::shared_ptr<PumpClient::Pump> PumpClient::select(int64_t start_ts, int retry) {
  std::lock_guard lock(mutex_);
  std::vector<std::shared_ptr<Pump>> candidates;
  for (const auto& pump : pumps_) {
    if (usable(*pump)) candidates.push_back(pump);
  }
  if (candidates.empty()) return nullptr;
  if (options_.selector == PumpSelector::kHash) {
    const uint64_t key = static_cast<uint64_t>(start_ts) + static_cast<uint64_t>(retry);
    return candidates[key % candidates.size()];
  }
  return candidates[range_offset_++ % candidates.size()];
}

Status PumpClient::attempt(Pump& pump, const binlog::WriteBinlogReq& request) {
  std::shared_ptr<binlog::Pump::Stub> stub;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + options_.rpc_timeout);
  {
    std::lock_guard lock(mutex_);
    if (pump.stub == nullptr) {
      grpc::ChannelArguments arguments;
      arguments.SetMaxSendMessageSize(-1);
      arguments.SetMaxReceiveMessageSize(-1);
      // A channel of its own per pump: a reconnect after UNAVAILABLE starts afresh instead of
      // inheriting a shared subchannel's backoff.
      arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      pump.channel = grpc::CreateCustomChannel(pump.info.address,
                                               grpc::InsecureChannelCredentials(), arguments);
      pump.stub = binlog::Pump::NewStub(pump.channel);
    }
    stub = pump.stub;
    calls_.insert(&context);
  }
  binlog::WriteBinlogResp response;
  const grpc::Status rpc = stub->WriteBinlog(&context, request, &response);
  Status result;
  if (!rpc.ok()) {
    std::string text = fmt::format("rpc error: code = {} desc = {}", go_code_name(rpc.error_code()),
                                   rpc.error_message());
    result = rpc.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED
                 ? Status::resource_exhausted(std::move(text))
                 : Status::unavailable(std::move(text));
  } else if (!response.errmsg().empty()) {
    result = Status::unavailable(response.errmsg());
  }
  std::lock_guard lock(mutex_);
  calls_.erase(&context);
  if (result.is_ok()) {
    pump.errors = 0;
  } else {
    ++pump.errors;
    if (rpc.error_code() == grpc::StatusCode::UNAVAILABLE && pump.stub == stub) {
      // TiDB's ResetGrpcClient: the next call dials again.
      pump.stub.reset();
      pump.channel.reset();
    }
  }
  return result;
}

binlog::WriteBinlogReq PumpClient::request_for(const binlog::Binlog& binlog) const {
  binlog::WriteBinlogReq request;
  request.set_clusterid(options_.cluster_id);
  request.set_payload(binlog.SerializeAsString());
  return request;
}

Status PumpClient::write_prewrite(const binlog::Binlog& binlog) {
  if (binlog.tp() != binlog::Prewrite) {
    return Status::invalid_argument("write_prewrite takes a Prewrite binlog");
  }
  const int64_t start_ts = binlog.start_ts();
  const binlog::WriteBinlogReq request = request_for(binlog);
  refresh();
  const auto start = Clock::now();
  Attempts attempts;
  auto remember = [&](const std::shared_ptr<Pump>& pump) {
    std::lock_guard lock(mutex_);
    by_start_ts_[start_ts] = pump;
  };

  int retry = 0;
  std::shared_ptr<Pump> pump = select(start_ts, retry);
  while (pump != nullptr) {
    const Status status = attempt(*pump, request);
    if (status.is_ok()) {
      remember(pump);
      return status;
    }
    attempts.note(info_of(*pump), status);
    if (!is_retryable(status)) {
      return Status::resource_exhausted(fmt::format(
          "write P-binlog (start_ts {}) refused, not retried: {}", start_ts, attempts.describe()));
    }
    if (Clock::now() - start > options_.write_timeout &&
        static_cast<size_t>(retry) > usable_count()) {
      break;
    }
    ++retry;
    if (!wait(options_.retry_interval)) {
      return Status::aborted(
          fmt::format("write P-binlog (start_ts {}): pump client stopped; pumps tried: {}",
                      start_ts, attempts.describe()));
    }
    refresh();
    pump = select(start_ts, retry);
  }

  // Last resort, as TiDB's backoffWriteBinlog: each online pump set aside for its errors, once.
  std::vector<std::shared_ptr<Pump>> set_aside;
  {
    std::lock_guard lock(mutex_);
    for (const auto& candidate : pumps_) {
      if (candidate->info.state == kPumpOnline && !usable(*candidate)) {
        set_aside.push_back(candidate);
      }
    }
  }
  for (const auto& candidate : set_aside) {
    const Status status = attempt(*candidate, request);
    if (status.is_ok()) {
      remember(candidate);
      return status;
    }
    attempts.note(info_of(*candidate), status);
  }

  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  if (attempts.entries.empty()) {
    std::string known;
    for (const auto& status : pumps()) {
      if (!known.empty()) known += ", ";
      known += fmt::format("{} ({}, {} errors)", status.info.node_id, status.info.state,
                           status.consecutive_errors);
    }
    return Status::unavailable(
        fmt::format("write P-binlog (start_ts {}): no online pump available; known pumps: [{}]",
                    start_ts, known));
  }
  return Status::unavailable(
      fmt::format("write P-binlog (start_ts {}) failed after {} attempts in {} ms; pumps tried: {}",
                  start_ts, attempts.count, elapsed.count(), attempts.describe()));
}

Status PumpClient::write_commit(const binlog::Binlog& binlog) {
  if (binlog.tp() == binlog::Prewrite) {
    return Status::invalid_argument("write_commit takes a Commit or Rollback binlog");
  }
  const int64_t start_ts = binlog.start_ts();
  const std::string_view what = type_name(binlog.tp());
  const binlog::WriteBinlogReq request = request_for(binlog);
  const auto start = Clock::now();
  auto forget = [&] {
    std::lock_guard lock(mutex_);
    by_start_ts_.erase(start_ts);
  };

  std::shared_ptr<Pump> pump;
  {
    std::lock_guard lock(mutex_);
    if (auto it = by_start_ts_.find(start_ts); it != by_start_ts_.end()) pump = it->second;
  }
  if (pump == nullptr) {
    spdlog::warn("pump client: no pump recorded for start_ts {}; writing its {} to any pump",
                 start_ts, what);
  }
  Status last = Status::unavailable("no online pump available");
  int failures = 0;
  while (true) {
    if (pump == nullptr) {
      refresh();
      pump = select(start_ts, 0);
    }
    if (pump != nullptr) {
      last = attempt(*pump, request);
      if (last.is_ok()) {
        forget();
        return last;
      }
      if (++failures == 1) {
        spdlog::warn("pump client: write {} (start_ts {}) to pump {} failed, retrying: {}", what,
                     start_ts, pump->node_id, last.message());
      }
    }
    if (Clock::now() - start > options_.commit_timeout) break;
    if (!wait(options_.commit_retry_interval)) {
      forget();
      return Status::aborted(
          fmt::format("write {} (start_ts {}): pump client stopped; last error: {}", what, start_ts,
                      last.message()));
    }
  }
  forget();
  const auto elapsed = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start);
  return Status::unavailable(fmt::format(
      "write {} (start_ts {}) to pump {} failed for {} ms ({} attempts): {}", what, start_ts,
      pump ? pump->node_id : std::string("(none)"), elapsed.count(), failures, last.message()));
}

void PumpClient::probe_loop() {
  binlog::WriteBinlogReq probe;
  probe.set_clusterid(options_.cluster_id);  // empty payload: the pump stores nothing
  while (wait(options_.probe_interval)) {
    refresh();
    std::vector<std::shared_ptr<Pump>> set_aside;
    {
      std::lock_guard lock(mutex_);
      for (const auto& pump : pumps_) {
        if (pump->info.state == kPumpOnline && !usable(*pump)) set_aside.push_back(pump);
      }
    }
    for (const auto& pump : set_aside) {
      const Status status = attempt(*pump, probe);
      if (status.is_ok()) {
        spdlog::info("pump client: pump {} answers again", pump->node_id);
      }
    }
  }
}

std::optional<std::string> PumpClient::pump_for(int64_t start_ts) const {
  std::lock_guard lock(mutex_);
  const auto it = by_start_ts_.find(start_ts);
  if (it == by_start_ts_.end()) return std::nullopt;
  return it->second->node_id;
}

PumpInfo PumpClient::info_of(const Pump& pump) const {
  std::lock_guard lock(mutex_);
  return pump.info;
}

std::vector<PumpStatus> PumpClient::pumps() const {
  std::lock_guard lock(mutex_);
  std::vector<PumpStatus> out;
  for (const auto& pump : pumps_)
    out.push_back({pump->info, pump->errors, usable(*pump)});
  return out;
}

}  // namespace sluice::producer
