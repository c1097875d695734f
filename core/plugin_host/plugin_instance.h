#pragma once
// PluginInstance: what every plugin instance wrapper (SinkInstance, FilterInstance,
// TranslatorInstance) shares: it owns the plugin's instance pointer and its HostContext, keeps
// the LoadedPlugin alive, calls create once and destroy exactly once on every path (even after a
// failed create, with whatever create stored), serialises calls on the instance (one mutex, so
// calls never overlap), and runs calls that answer SLUICE_RETRY again per the RetryPolicy.
// Thread-safety: every public method of the wrappers may be called from any thread; calls on one
// instance are serialised.

#include <sluice/plugin_abi.h>

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/common/status.h"
#include "core/plugin_host/host_context.h"
#include "core/plugin_host/plugin_loader.h"
#include "core/plugin_host/plugin_status.h"
#include "core/plugin_host/retry_policy.h"

namespace sluice::plugin_host {

// Runs the plugin's validate on the context's config: no instance is created and, by the ABI's
// contract, no I/O is done. The error names the instance, the plugin and the plugin's reason.
Status validate_plugin(const LoadedPlugin& plugin, HostContext& context);

class PluginInstance {
 public:
  virtual ~PluginInstance();
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;

  const LoadedPlugin& plugin() const { return *plugin_; }
  HostContext& context() { return *context_; }
  const std::string& name() const { return context_->instance_name(); }
  // "sink 'files' (plugin file)".
  const std::string& describe() const { return context_->describe(); }

  // True once a call answered fatally: the instance takes no further calls.
  bool failed() const;
  // Why it failed (ok while it has not).
  Status failure() const;

 protected:
  PluginInstance(std::shared_ptr<const LoadedPlugin> plugin, std::unique_ptr<HostContext> context,
                 RetryPolicy retry);

  // Calls the plugin's create once. What it stores is kept even on failure, so destroy runs.
  Status create_instance();
  // Calls destroy exactly once, with whatever create stored (possibly NULL). Call with
  // call_mutex_ held, or from a destructor.
  void destroy_instance();

  // Runs `call` once, or again while it answers SLUICE_RETRY and the policy allows, sleeping
  // the back-off in between (cut short by stop). The caller holds call_mutex_.
  PluginCallResult call_with_retry(std::string_view call_name,
                                   const std::function<sluice_status_t()>& call);
  // Runs `call` once and collects its message.
  PluginCallResult call_once(const std::function<sluice_status_t()>& call);

  // Records the first fatal failure. Caller holds call_mutex_.
  void mark_failed(const Status& reason);
  // failed(), for a caller that holds call_mutex_.
  bool failed_locked() const { return failed_; }
  // The error a call on a failed instance gets.
  Status failed_error(std::string_view call_name) const;

  std::shared_ptr<const LoadedPlugin> plugin_;
  std::unique_ptr<HostContext> context_;
  RetryPolicy retry_;
  mutable std::mutex call_mutex_;
  void* instance_ = nullptr;

 private:
  bool destroyed_ = false;
  bool failed_ = false;
  Status failure_;
};

}  // namespace sluice::plugin_host
