#include "core/plugin_host/sink_instance.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sluice::plugin_host {
namespace {

bool is_fatal(sluice_status_t code) {
  return code != SLUICE_OK && code != SLUICE_RETRY && code != SLUICE_REJECTED;
}

}  // namespace

Result<std::unique_ptr<SinkInstance>> SinkInstance::create(
    std::shared_ptr<const LoadedPlugin> plugin, std::unique_ptr<HostContext> context,
    RetryPolicy retry, TranslatorInstance* translator) {
  if (plugin == nullptr || context == nullptr) {
    return Status::internal("SinkInstance::create: no plugin or no context");
  }
  if (plugin->kind != PluginKind::kSink) {
    return Status::invalid_argument(fmt::format("{}: plugin '{}' is a {} plugin, not a sink",
                                                context->describe(), plugin->name,
                                                plugin_kind_name(plugin->kind)));
  }
  context->bind_translator(translator);
  auto sink = std::make_unique<SinkInstance>(Token{}, std::move(plugin), std::move(context), retry);
  SLUICE_RETURN_IF_ERROR(sink->create_instance());  // the destructor destroys on failure
  return sink;
}

SinkInstance::SinkInstance(Token, std::shared_ptr<const LoadedPlugin> plugin,
                           std::unique_ptr<HostContext> context, RetryPolicy retry)
    : PluginInstance(std::move(plugin), std::move(context), retry) {}

SinkInstance::~SinkInstance() {
  std::lock_guard<std::mutex> lock(call_mutex_);
  if (opened_ && !closed_) {
    const Status status = close_locked();
    if (!status.is_ok()) spdlog::warn("{}", status.message());
  }
  destroy_instance();
}

bool SinkInstance::is_open() const {
  std::lock_guard<std::mutex> lock(call_mutex_);
  return opened_ && !closed_;
}

Status SinkInstance::open(int64_t checkpoint_ts, bool unclean) {
  sluice_resume_t resume{};
  resume.struct_size = sizeof(resume);
  resume.checkpoint_ts = checkpoint_ts;
  resume.flags = unclean ? SLUICE_RESUME_UNCLEAN : 0u;
  return open(resume);
}

Status SinkInstance::open(const sluice_resume_t& resume) {
  std::lock_guard<std::mutex> lock(call_mutex_);
  if (failed_locked()) return failed_error("open");
  if (opened_) {
    return Status::failed_precondition(fmt::format("{}: open called twice", describe()));
  }
  const PluginCallResult result =
      call_with_retry("open", [&] { return plugin_->sink.open(instance_, &resume); });
  Status status = plugin_call_status(describe(), "open", result);
  if (result.code == SLUICE_OK) {
    opened_ = true;
    context_->ack_durable(resume.checkpoint_ts);
  } else if (result.code != SLUICE_RETRY) {
    mark_failed(status);  // not opened, so nothing to close; destroy cleans up
  }
  return status;
}

Status SinkInstance::write(const sluice_batch_t& batch) {
  std::lock_guard<std::mutex> lock(call_mutex_);
  if (failed_locked()) return failed_error("write");
  if (!opened_ || closed_) {
    return Status::failed_precondition(fmt::format("{}: write refused: the sink is {}", describe(),
                                                   closed_ ? "closed" : "not open"));
  }
  // The same batch is re-sent on RETRY.
  const PluginCallResult result =
      call_with_retry("write", [&] { return plugin_->sink.write(instance_, &batch); });
  Status status = plugin_call_status(describe(), "write", result);
  if (is_fatal(result.code)) return fail(std::move(status));
  return status;
}

Status SinkInstance::flush(int64_t* durable_ts) {
  std::lock_guard<std::mutex> lock(call_mutex_);
  if (failed_locked()) return failed_error("flush");
  if (!opened_ || closed_) {
    return Status::failed_precondition(fmt::format("{}: flush refused: the sink is {}", describe(),
                                                   closed_ ? "closed" : "not open"));
  }
  int64_t reported = 0;
  const PluginCallResult result = call_with_retry("flush", [&] {
    reported = context_->durable_ts();  // a plugin that does not set it reports no progress
    return plugin_->sink.flush(instance_, &reported);
  });
  Status status = plugin_call_status(describe(), "flush", result);
  if (result.code == SLUICE_OK) context_->ack_durable(reported);
  if (durable_ts != nullptr) *durable_ts = context_->durable_ts();
  if (is_fatal(result.code)) return fail(std::move(status));
  return status;
}

Status SinkInstance::close() {
  std::lock_guard<std::mutex> lock(call_mutex_);
  if (!opened_ || closed_) return Status::ok();
  return close_locked();
}

Status SinkInstance::close_locked() {
  closed_ = true;  // no write follows, whatever close answers
  const PluginCallResult result =
      call_with_retry("close", [&] { return plugin_->sink.close(instance_); });
  return plugin_call_status(describe(), "close", result);
}

Status SinkInstance::fail(Status status) {
  mark_failed(status);
  if (opened_ && !closed_) {
    const Status closed = close_locked();
    if (!closed.is_ok()) spdlog::warn("{} (closing after a fatal error)", closed.message());
  }
  spdlog::error("{}", status.message());
  return status;
}

}  // namespace sluice::plugin_host
