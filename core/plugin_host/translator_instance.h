#pragma once
// TranslatorInstance: one configured translator (RAII over the plugin's instance; destroy on
// every path). It encodes one transaction into a host-owned HostBuffer. Sinks reach it through
// the host API's translate() on their context; the host may also call encode() directly.
// No retry here: the calling sink decides (its own RETRY). A fatal answer marks it failed.
// Thread-safety: any thread may call; calls are serialised (several sinks may share one).

#include <sluice/plugin_abi.h>

#include <memory>
#include <string>

#include "core/common/result.h"
#include "core/plugin_host/host_buffer.h"
#include "core/plugin_host/plugin_instance.h"

namespace sluice::plugin_host {

class TranslatorInstance : public PluginInstance {
  struct Token {
    explicit Token() = default;
  };

 public:
  static Result<std::unique_ptr<TranslatorInstance>> create(
      std::shared_ptr<const LoadedPlugin> plugin, std::unique_ptr<HostContext> context);

  TranslatorInstance(Token, std::shared_ptr<const LoadedPlugin> plugin,
                     std::unique_ptr<HostContext> context);

  // Clears `out` and encodes `transaction` into it.
  Status encode(const sluice_transaction_t& transaction, HostBuffer& out);
  // The same, answering in ABI terms for the host API's translate(): the plugin's status
  // (unknown codes become SLUICE_FATAL) and, on failure, a message naming this translator.
  sluice_status_t encode(const sluice_transaction_t& transaction, HostBuffer& out,
                         std::string* message);

  // The plugin's content type ("" when it declares none).
  const std::string& content_type() const { return plugin_->content_type; }
};

}  // namespace sluice::plugin_host
