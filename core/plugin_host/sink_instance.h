#pragma once
// SinkInstance: one configured sink (RAII over the plugin's instance). Lifecycle: create ->
// open(resume) -> write/flush ... -> close -> destroy; the destructor closes an open sink and
// destroys the instance on every path. A SLUICE_RETRY answer re-sends the same call (the same
// batch) per the RetryPolicy; SLUICE_REJECTED is reported distinctly (kInvalidArgument: apply
// the dead-letter policy); SLUICE_FATAL or an unknown code closes the sink and marks it failed
// (kFailedPrecondition; no further calls). See plugin_status.h for the full mapping.
// The durable watermark is max(what flush reported, what ack_durable reported).
// Thread-safety: any thread may call; calls on one instance are serialised (never overlap).

#include <sluice/plugin_abi.h>

#include <cstdint>
#include <memory>

#include "core/common/result.h"
#include "core/plugin_host/plugin_instance.h"

namespace sluice::plugin_host {

class TranslatorInstance;

class SinkInstance : public PluginInstance {
  struct Token {
    explicit Token() = default;
  };

 public:
  // Creates the plugin's instance. On failure the instance is destroyed (destroy is still called
  // with whatever create stored) and the error names the sink, the plugin and the reason.
  static Result<std::unique_ptr<SinkInstance>> create(std::shared_ptr<const LoadedPlugin> plugin,
                                                      std::unique_ptr<HostContext> context,
                                                      RetryPolicy retry = {},
                                                      TranslatorInstance* translator = nullptr);

  SinkInstance(Token, std::shared_ptr<const LoadedPlugin> plugin,
               std::unique_ptr<HostContext> context, RetryPolicy retry);
  ~SinkInstance() override;

  // Connects to the target; everything up to resume.checkpoint_ts counts as durable.
  Status open(const sluice_resume_t& resume);
  Status open(int64_t checkpoint_ts, bool unclean = false);
  // Hands over a batch (host-owned, valid during the call).
  Status write(const sluice_batch_t& batch);
  // Makes what was written durable; `durable_ts`, when given, receives the watermark.
  Status flush(int64_t* durable_ts = nullptr);
  // Flushes what it can and disconnects. No write follows. Idempotent.
  Status close();

  // max(flush-reported, ack_durable-reported, resume checkpoint): every transaction with
  // commit_ts <= this is durable in the target.
  int64_t durable_ts() const { return context_->durable_ts(); }
  // The latest ts-map pair the sink reported (TiDB downstreams), if any.
  std::optional<std::pair<int64_t, int64_t>> ts_map() const { return context_->ts_map(); }
  bool is_open() const;
  // The translator translate() calls from this sink go to (nullptr: none).
  TranslatorInstance* translator() const { return context_->translator(); }

 private:
  // A fatal answer: close (best effort), mark failed. Caller holds call_mutex_.
  Status fail(Status status);
  // Caller holds call_mutex_.
  Status close_locked();

  bool opened_ = false;
  bool closed_ = false;
};

}  // namespace sluice::plugin_host
