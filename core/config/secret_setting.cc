#include "core/config/secret_setting.h"

#include <fmt/format.h>

#include <cstdlib>

#include "core/config/encrypted_secret.h"

namespace sluice::config {

Result<std::string> resolve_secret_text(std::string_view text) {
  if (text.size() < 4 || !text.starts_with("${") || !text.ends_with("}")) {
    return std::string(text);
  }
  const std::string variable(text.substr(2, text.size() - 3));
  const char* value = std::getenv(variable.c_str());
  if (value == nullptr) {
    return Status::invalid_argument(fmt::format("environment variable {} is not set", variable));
  }
  return std::string(value);
}

Result<std::string> decrypt_with_environment_key(std::string_view encoded) {
  SLUICE_ASSIGN_OR_RETURN(SecretKey key, SecretKey::from_environment());
  return decrypt_secret(encoded, key);
}

}  // namespace sluice::config
