#include "core/plugin_host/plugin_status.h"

#include <fmt/format.h>

namespace sluice::plugin_host {

std::string plugin_status_name(sluice_status_t status) {
  switch (status) {
    case SLUICE_OK:
      return "ok";
    case SLUICE_RETRY:
      return "retry";
    case SLUICE_FATAL:
      return "fatal";
    case SLUICE_INVALID_CONFIG:
      return "invalid config";
    case SLUICE_UNSUPPORTED:
      return "unsupported";
    case SLUICE_REJECTED:
      return "rejected";
    default:
      return fmt::format("unknown status {}", status);
  }
}

bool is_known_plugin_status(sluice_status_t status) {
  return status >= SLUICE_OK && status <= SLUICE_REJECTED;
}

Status plugin_call_status(std::string_view subject, std::string_view call,
                          const PluginCallResult& result) {
  const std::string message =
      result.message.empty() ? std::string("(the plugin gave no message)") : result.message;
  switch (result.code) {
    case SLUICE_OK:
      return Status::ok();
    case SLUICE_RETRY:
      if (result.stopped) {
        return Status::aborted(
            fmt::format("{}: {} interrupted by shutdown while retrying (after {} attempt{}): {}",
                        subject, call, result.attempts, result.attempts == 1 ? "" : "s", message));
      }
      return Status::unavailable(fmt::format("{}: {} still failing after {} attempt{}: {}", subject,
                                             call, result.attempts, result.attempts == 1 ? "" : "s",
                                             message));
    case SLUICE_REJECTED:
      return Status::invalid_argument(fmt::format(
          "{}: {} rejected the data (permanent data error): {}", subject, call, message));
    case SLUICE_INVALID_CONFIG:
      return Status::invalid_argument(
          fmt::format("{}: {} failed: invalid config: {}", subject, call, message));
    case SLUICE_UNSUPPORTED:
      return Status::unsupported(
          fmt::format("{}: {} failed: unsupported: {}", subject, call, message));
    case SLUICE_FATAL:
      return Status::failed_precondition(fmt::format("{}: {} failed: {}", subject, call, message));
    default:
      return Status::failed_precondition(
          fmt::format("{}: {} failed with unknown status {} (treated as fatal): {}", subject, call,
                      result.code, message));
  }
}

}  // namespace sluice::plugin_host
