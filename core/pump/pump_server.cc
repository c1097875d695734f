#include "core/pump/pump_server.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>

#include "core/net/grpc_listen.h"
#include "core/proto/binlog.pb.h"
#include "core/storage/binlog_header.h"

namespace sluice::pump {
namespace {

constexpr int kPrewrite = 0;  // binlog::Prewrite
// How long one wait for store progress lasts before the loop re-checks cancellation/shutdown.
constexpr std::chrono::milliseconds kMaxPullWait{100};

}  // namespace

grpc::StatusCode to_grpc_code(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return grpc::StatusCode::OK;
    case StatusCode::kInvalidArgument:
    case StatusCode::kCorruption:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case StatusCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case StatusCode::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case StatusCode::kResourceExhausted:
    case StatusCode::kIoError:
      // A full or failing disk: the original answers these as plain Go errors (gRPC Unknown),
      // which TiDB's pump client retries and then takes to another pump; it gives up at once on
      // RESOURCE_EXHAUSTED.
      return grpc::StatusCode::UNKNOWN;
    case StatusCode::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case StatusCode::kUnavailable:
    case StatusCode::kAborted:
      return grpc::StatusCode::UNAVAILABLE;
    case StatusCode::kUnsupported:
      return grpc::StatusCode::UNIMPLEMENTED;
    case StatusCode::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::UNKNOWN;
}

PumpServer::PumpServer(storage::BinlogStore& store, tso::TsoSource& tso,
                       metrics::MetricsRegistry* metrics, PumpServerOptions options)
    : store_(store), tso_(tso), options_(options) {
  if (metrics != nullptr) {
    rpc_duration_ = &prometheus::BuildHistogram()
                         .Name("binlog_pump_rpc_duration_seconds")
                         .Help("Bucketed histogram of processing time (s) of rpc queries.")
                         .Register(metrics->get());
    loss_binlog_ = &prometheus::BuildCounter()
                        .Name("binlog_pump_loss_binlog_count")
                        .Help("Total loss binlog count")
                        .Register(metrics->get())
                        .Add({});
  }
}

PumpServer::~PumpServer() {
  stop();
}

Status PumpServer::start(const std::string& address) {
  grpc::ServerBuilder builder;
  const bool tls = options_.credentials != nullptr;
  if (!options_.unix_socket.empty()) {
    builder.AddListeningPort(options_.unix_socket,
                             tls ? options_.credentials : grpc::InsecureServerCredentials());
  }
  builder.SetMaxReceiveMessageSize(options_.max_receive_message_size);
  builder.SetMaxSendMessageSize(-1);
  builder.RegisterService(this);
  SLUICE_ASSIGN_OR_RETURN(
      net::GrpcServerHandle handle,
      net::start_grpc_server(builder, address, options_.credentials, options_.unix_socket));
  server_ = std::move(handle.server);
  port_ = handle.port;
  if (options_.fake_binlog_interval.count() > 0) ticker_ = std::thread([this] { ticker_loop(); });
  spdlog::info("pump gRPC server listening on {} (port {}{})", address, port_, tls ? ", TLS" : "");
  return Status::ok();
}

void PumpServer::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_.store(true);
  }
  stop_cv_.notify_all();
  if (ticker_.joinable()) ticker_.join();
  if (server_ != nullptr) {
    // Pull streams notice stopping_ within kMaxPullWait; the deadline cancels anything else.
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server_->Wait();
    server_.reset();
  }
  // Shutdown() waits for every call to be finished; a completion may still be running its last
  // lines after Finish().
  std::unique_lock lock(calls_mutex_);
  calls_cv_.wait(lock, [this] { return calls_in_flight_ == 0; });
}

void PumpServer::set_state(std::string state) {
  std::lock_guard lock(mutex_);
  state_ = std::move(state);
}

std::string PumpServer::state() const {
  std::lock_guard lock(mutex_);
  return state_;
}

void PumpServer::hold_prewrites(std::string why) {
  std::lock_guard lock(mutex_);
  prewrite_hold_ = std::move(why);
}

std::string PumpServer::prewrite_hold() const {
  std::lock_guard lock(mutex_);
  return prewrite_hold_;
}

Result<int64_t> PumpServer::write_fake_binlog() {
  SLUICE_ASSIGN_OR_RETURN(int64_t ts, tso_.next());
  binlog::Binlog fake;
  fake.set_tp(binlog::Rollback);
  fake.set_start_ts(ts);
  fake.set_commit_ts(ts);
  SLUICE_RETURN_IF_ERROR(store_.write(fake.SerializeAsString()));
  return ts;
}

void PumpServer::observe(const char* method, bool ok,
                         std::chrono::steady_clock::time_point started) {
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  // A pull stream lives as long as its drainer: only a slow write is worth a warning.
  if (seconds > 1.0 && std::string_view(method) == "WriteBinlog") {
    spdlog::warn("{} took {:.3f} s", method, seconds);
  }
  if (rpc_duration_ == nullptr) return;
  // The original's buckets: prometheus.ExponentialBuckets(0.00005, 2, 18).
  rpc_duration_
      ->Add({{"method", method}, {"label", ok ? "succ" : "fail"}},
            metrics::exponential_buckets(0.00005, 2, 18))
      .Observe(seconds);
}

grpc::ServerUnaryReactor* PumpServer::WriteBinlog(grpc::CallbackServerContext* context,
                                                  const binlog::WriteBinlogReq* request,
                                                  binlog::WriteBinlogResp* response) {
  const auto started = std::chrono::steady_clock::now();
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  {
    std::lock_guard lock(calls_mutex_);
    ++calls_in_flight_;
  }
  write_binlog(*request, *response, [this, reactor, started](grpc::Status status) {
    observe("WriteBinlog", status.ok(), started);
    if (!status.ok() && loss_binlog_ != nullptr) loss_binlog_->Increment();
    reactor->Finish(std::move(status));
    // Last: once the count is zero stop() may return and the server go away.
    std::lock_guard lock(calls_mutex_);
    if (--calls_in_flight_ == 0) calls_cv_.notify_all();
  });
  return reactor;
}

void PumpServer::write_binlog(const binlog::WriteBinlogReq& request,
                              binlog::WriteBinlogResp& response,
                              std::function<void(grpc::Status)> done) {
  // Like the original, fill errmsg and fail the call. gRPC (Go's as well) does not send the
  // response body of a failed call, so clients see the same text as the status message.
  auto fail = [&response, &done](grpc::StatusCode code, std::string message) {
    response.set_errmsg(message);
    done(grpc::Status(code, std::move(message)));
  };
  if (request.clusterid() != options_.cluster_id) {
    return fail(
        grpc::StatusCode::FAILED_PRECONDITION,
        fmt::format("cluster ID are mismatch, {} vs {}", request.clusterid(), options_.cluster_id));
  }
  written_since_tick_.store(true, std::memory_order_relaxed);
  // TiDB's pump client probes an unavailable pump with an empty payload.
  if (request.payload().empty()) return done(grpc::Status::OK);
  auto header = storage::scan_binlog_header(request.payload());
  if (!header.is_ok()) {
    return fail(grpc::StatusCode::INVALID_ARGUMENT,
                fmt::format("unmarshal binlog: {}", header.status().message()));
  }
  if (header->start_ts == 0 && header->commit_ts == 0) return done(grpc::Status::OK);  // probe
  if (header->tp == kPrewrite) {
    std::string current = state();
    if (current != "online") return fail(grpc::StatusCode::UNAVAILABLE, "no online: " + current);
    if (std::string hold = prewrite_hold(); !hold.empty()) {
      return fail(grpc::StatusCode::UNAVAILABLE, hold);
    }
  }
  store_.write_async(request.payload(),
                     [&response, done = std::move(done), start_ts = header->start_ts,
                      commit_ts = header->commit_ts](Status written) {
                       if (written.is_ok()) return done(grpc::Status::OK);
                       spdlog::error("write binlog (start_ts {}, commit_ts {}) failed: {}",
                                     start_ts, commit_ts, written.to_string());
                       response.set_errmsg(written.message());
                       done(grpc::Status(to_grpc_code(written.code()), written.message()));
                     });
}

grpc::Status PumpServer::PullBinlogs(grpc::ServerContext* context,
                                     const binlog::PullBinlogReq* request,
                                     grpc::ServerWriter<binlog::PullBinlogResp>* writer) {
  const auto started = std::chrono::steady_clock::now();
  grpc::Status status = pull_binlogs(*context, *request, *writer);
  observe("PullBinlogs", status.ok(), started);
  return status;
}

grpc::Status PumpServer::pull_binlogs(grpc::ServerContext& context,
                                      const binlog::PullBinlogReq& request,
                                      grpc::ServerWriter<binlog::PullBinlogResp>& writer) {
  if (request.clusterid() != options_.cluster_id) {
    return grpc::Status(
        grpc::StatusCode::FAILED_PRECONDITION,
        fmt::format("cluster ID are mismatch, {} vs {}", request.clusterid(), options_.cluster_id));
  }
  // Start where the drainer asks, whatever gc_ts says: GC keeps what a live drainer still needs
  // (protect_from_ts), and only the store knows what was really purged. A drainer whose position
  // is below the purge point gets OUT_OF_RANGE (it stops, naming the gap) instead of the skip the
  // original does; position 0 (a drainer with no checkpoint) starts at the first binlog kept.
  int64_t last = request.startfrom().offset();
  spdlog::info("PullBinlogs from {} starts after commit ts {}", context.peer(), last);
  auto last_sent = std::chrono::steady_clock::now();
  const auto idle = options_.idle_watermark_interval;
  const auto wait = idle.count() > 0 ? std::min(idle, kMaxPullWait) : kMaxPullWait;
  binlog::PullBinlogResp response;
  while (!stopping_.load() && !context.IsCancelled()) {
    auto read = store_.read(last, options_.pull_batch_items, options_.pull_batch_bytes);
    if (!read.is_ok()) {
      spdlog::error("PullBinlogs: read after {} failed: {}", last, read.status().to_string());
      return grpc::Status(to_grpc_code(read.status().code()), read.status().message());
    }
    if (read->clamped_to_gc && last > 0) {
      const std::string message = fmt::format(
          "binlogs after commit_ts {} were purged: this pump keeps only commit_ts >= {} (gc_ts {})",
          last, read->purged_ts, store_.gc_ts());
      spdlog::error("PullBinlogs from {}: {}", context.peer(), message);
      return grpc::Status(grpc::StatusCode::OUT_OF_RANGE, message);
    }
    for (storage::StoredBinlog& item : read->binlogs) {
      binlog::Entity* entity = response.mutable_entity();
      entity->set_payload(std::move(item.payload));
      entity->mutable_meta()->set_startts(item.start_ts);
      entity->mutable_meta()->set_committs(item.commit_ts);
      if (!writer.Write(response)) return grpc::Status::OK;  // the client went away
      last = item.commit_ts;
      last_sent = std::chrono::steady_clock::now();
    }
    if (!read->binlogs.empty()) continue;
    if (store_.wait_for_progress(last, wait)) continue;
    if (idle.count() > 0 && std::chrono::steady_clock::now() - last_sent >= idle &&
        store_.all_matched()) {
      maybe_write_watermark();
    }
  }
  return grpc::Status::OK;
}

void PumpServer::maybe_write_watermark() {
  std::lock_guard lock(watermark_mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (now - last_watermark_ < options_.idle_watermark_interval / 2) return;
  last_watermark_ = now;
  auto fake = write_fake_binlog();
  if (!fake.is_ok()) {
    spdlog::warn("idle watermark: writing a fake binlog failed: {}", fake.status().to_string());
  }
}

void PumpServer::ticker_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_.load()) {
    stop_cv_.wait_for(lock, options_.fake_binlog_interval, [this] { return stopping_.load(); });
    if (stopping_.load()) break;
    if (written_since_tick_.exchange(false)) continue;
    lock.unlock();
    auto fake = write_fake_binlog();
    if (!fake.is_ok()) {
      spdlog::warn("periodic fake binlog failed: {}", fake.status().to_string());
    }
    lock.lock();
  }
}

}  // namespace sluice::pump
