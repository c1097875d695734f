#pragma once
// The host API table (sluice_host_api_t) every plugin receives from its entry point: one table
// for the process, in static storage, valid until exit (struct_size = sizeof, ABI 1.0). Every
// callback is noexcept and thread-safe; `ctx` arguments are HostContext handles (NULL is
// tolerated: logs are then tagged with the plugin being loaded on this thread, other calls do
// nothing or answer "unsupported").

#include <sluice/plugin_abi.h>

#include <string>

namespace sluice::plugin_host {

const sluice_host_api_t* host_api();

// While alive, tags log(NULL, ...) calls made on this thread with `plugin_name` (the entry point
// of a plugin being loaded may log before it has a context). Nests.
class ScopedLoadingPlugin {
 public:
  explicit ScopedLoadingPlugin(const std::string& plugin_name);
  ~ScopedLoadingPlugin();
  ScopedLoadingPlugin(const ScopedLoadingPlugin&) = delete;
  ScopedLoadingPlugin& operator=(const ScopedLoadingPlugin&) = delete;

 private:
  const std::string* previous_;
};

}  // namespace sluice::plugin_host
