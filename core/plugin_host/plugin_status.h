#pragma once
// How a plugin's answer (sluice_status_t) becomes the sluice::Status a daemon acts on. Every
// message names the instance, the plugin, the call and carries the plugin's own text:
//   "sink 'files' (plugin file): write failed: disk full".
//
//   SLUICE_OK                                   -> ok
//   SLUICE_RETRY, still so after the policy     -> kUnavailable
//   SLUICE_RETRY, back-off cut short by stop    -> kAborted
//   SLUICE_REJECTED (permanent data error)      -> kInvalidArgument: apply the dead-letter policy
//   SLUICE_INVALID_CONFIG                       -> kInvalidArgument
//   SLUICE_UNSUPPORTED                          -> kUnsupported
//   SLUICE_FATAL and any unknown code           -> kFailedPrecondition: the instance has failed
// Pure functions: safe from any thread.

#include <sluice/plugin_abi.h>

#include <string>
#include <string_view>

#include "core/common/status.h"

namespace sluice::plugin_host {

// "ok", "retry", "fatal", "invalid config", "unsupported", "rejected", "unknown status 42".
std::string plugin_status_name(sluice_status_t status);

// True for the codes the ABI defines; anything else counts as fatal.
bool is_known_plugin_status(sluice_status_t status);

struct PluginCallResult {
  sluice_status_t code = SLUICE_OK;
  int attempts = 1;      // calls made, retries included
  bool stopped = false;  // a RETRY's back-off was cut short because stop was requested
  std::string message;   // the plugin's message for the last call ("" when it gave none)
};

// The Status for `result` of call `call` ("write", "open", ...) on `subject` ("sink 'files'
// (plugin file)"), per the table above.
Status plugin_call_status(std::string_view subject, std::string_view call,
                          const PluginCallResult& result);

}  // namespace sluice::plugin_host
