#include "core/registry/etcd_watcher.h"

#include <spdlog/spdlog.h>

namespace sluice::registry {

EtcdWatcher::EtcdWatcher(EtcdClient& client, std::string key, std::string range_end,
                         int64_t start_revision, Callback callback)
    : client_(client),
      key_(std::move(key)),
      range_end_(std::move(range_end)),
      next_revision_(start_revision),
      callback_(std::move(callback)),
      channels_(client_.endpoints().size()),
      thread_([this] { run(); }) {}

EtcdWatcher::~EtcdWatcher() {
  {
    std::lock_guard guard(mutex_);
    stopping_ = true;
    if (active_ != nullptr) active_->TryCancel();
  }
  changed_.notify_all();
  thread_.join();
}

bool EtcdWatcher::wait_until_established(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [this] { return established_ || stopping_; }) &&
         established_;
}

void EtcdWatcher::run() {
  size_t endpoint = client_.current_endpoint();
  while (true) {
    {
      std::lock_guard guard(mutex_);
      if (stopping_) return;
    }
    watch_once(endpoint);
    std::unique_lock lock(mutex_);
    if (stopping_) return;
    client_.endpoint_failed(endpoint);
    endpoint = (endpoint + 1) % client_.endpoints().size();
    // A pause before reconnecting, so a down etcd is not hammered; stop cuts it short.
    changed_.wait_for(lock, client_.options().retry_pause, [this] { return stopping_; });
  }
}

void EtcdWatcher::watch_once(size_t endpoint) {
  grpc::ClientContext context;
  {
    std::lock_guard guard(mutex_);
    if (stopping_) return;
    active_ = &context;
  }
  const std::string& name = client_.endpoints()[endpoint];
  auto& channel = channels_[endpoint];
  if (!channel) channel = make_fast_reconnect_channel(name);
  // A stream opened before the connection is up fails at once; wait (bounded, so a dead
  // endpoint is left for the next one) until it is.
  // Waits in short slices so that destruction is not held up by a dead endpoint.
  const auto give_up = std::chrono::system_clock::now() + client_.options().request_timeout;
  bool connected = false;
  while (!connected && std::chrono::system_clock::now() < give_up) {
    connected = channel->WaitForConnected(std::chrono::system_clock::now() +
                                          std::chrono::milliseconds(100));
    std::lock_guard guard(mutex_);
    if (stopping_) break;
  }
  if (!connected) {
    std::lock_guard guard(mutex_);
    active_ = nullptr;
    if (!stopping_) spdlog::warn("etcd watch of {}: cannot connect to {}", key_, name);
    return;
  }
  auto stream = etcdserverpb::Watch::NewStub(channel)->Watch(&context);
  etcdserverpb::WatchRequest request;
  auto* create = request.mutable_create_request();
  create->set_key(key_);
  create->set_range_end(range_end_);
  create->set_start_revision(next_revision_);
  etcdserverpb::WatchResponse response;
  if (stream->Write(request)) {
    while (stream->Read(&response)) {
      if (response.created()) {
        if (next_revision_ == 0) next_revision_ = response.header().revision() + 1;
        std::lock_guard guard(mutex_);
        established_ = true;
        changed_.notify_all();
      }
      if (response.compact_revision() > 0) {
        spdlog::warn("etcd watch of {} on {}: revisions before {} are compacted; listing again",
                     key_, name, response.compact_revision());
        next_revision_ = response.compact_revision();
        callback_({}, response.header().revision());
      }
      if (response.canceled()) break;  // compaction or server-side cancel: reconnect
      if (response.events_size() > 0) {
        std::vector<mvccpb::Event> events(response.events().begin(), response.events().end());
        next_revision_ = events.back().kv().mod_revision() + 1;
        callback_(events, response.header().revision());
      }
    }
  }
  context.TryCancel();
  const grpc::Status status = stream->Finish();
  std::lock_guard guard(mutex_);
  active_ = nullptr;
  if (!stopping_) {
    spdlog::warn("etcd watch of {} on {} broke ({}); reconnecting from revision {}", key_, name,
                 status.error_message().empty() ? "stream closed" : status.error_message(),
                 next_revision_);
  }
}

}  // namespace sluice::registry
