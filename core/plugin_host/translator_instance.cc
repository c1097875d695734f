#include "core/plugin_host/translator_instance.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sluice::plugin_host {

Result<std::unique_ptr<TranslatorInstance>> TranslatorInstance::create(
    std::shared_ptr<const LoadedPlugin> plugin, std::unique_ptr<HostContext> context) {
  if (plugin == nullptr || context == nullptr) {
    return Status::internal("TranslatorInstance::create: no plugin or no context");
  }
  if (plugin->kind != PluginKind::kTranslator) {
    return Status::invalid_argument(fmt::format("{}: plugin '{}' is a {} plugin, not a translator",
                                                context->describe(), plugin->name,
                                                plugin_kind_name(plugin->kind)));
  }
  auto translator =
      std::make_unique<TranslatorInstance>(Token{}, std::move(plugin), std::move(context));
  SLUICE_RETURN_IF_ERROR(translator->create_instance());
  return translator;
}

TranslatorInstance::TranslatorInstance(Token, std::shared_ptr<const LoadedPlugin> plugin,
                                       std::unique_ptr<HostContext> context)
    : PluginInstance(std::move(plugin), std::move(context), RetryPolicy{}) {}

sluice_status_t TranslatorInstance::encode(const sluice_transaction_t& transaction, HostBuffer& out,
                                           std::string* message) {
  std::lock_guard<std::mutex> lock(call_mutex_);
  if (failed_locked()) {
    if (message != nullptr) *message = failed_error("encode").message();
    return SLUICE_FATAL;
  }
  out.clear();
  const PluginCallResult result = call_once([&] {
    return plugin_->translator.encode(instance_, &transaction, HostBuffer::api(), out.handle());
  });
  if (result.code == SLUICE_OK) return SLUICE_OK;
  const Status status = Status::failed_precondition(fmt::format(
      "{}: encode failed ({}): {}", describe(), plugin_status_name(result.code),
      result.message.empty() ? std::string("(the plugin gave no message)") : result.message));
  if (message != nullptr) *message = status.message();
  if (!is_known_plugin_status(result.code) || result.code == SLUICE_FATAL) {
    mark_failed(status);
    spdlog::error("{}", status.message());
    return SLUICE_FATAL;
  }
  return result.code;
}

Status TranslatorInstance::encode(const sluice_transaction_t& transaction, HostBuffer& out) {
  std::string message;
  const sluice_status_t code = encode(transaction, out, &message);
  if (code == SLUICE_OK) return Status::ok();
  // `message` already names this translator and the call: keep it as it is.
  switch (code) {
    case SLUICE_RETRY:
      return Status::unavailable(message);
    case SLUICE_REJECTED:
    case SLUICE_INVALID_CONFIG:
      return Status::invalid_argument(message);
    case SLUICE_UNSUPPORTED:
      return Status::unsupported(message);
    default:
      return Status::failed_precondition(message);
  }
}

}  // namespace sluice::plugin_host
