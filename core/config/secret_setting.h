#pragma once
// How a secret setting (a password, a token) is written in a configuration file:
//   password = "literal"            the value itself
//   password = "${NAME}"            the environment variable NAME (an error when unset)
//   encrypted_password = "base64"   decrypted with BINLOG_SECRET_KEY (see encrypted_secret.h)
// One rule for the plugin host's get_secret and the daemons' own connections. Thread-safe.
// Error messages name the setting's source (variable, key) and never contain the secret.

#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::config {

// A plain secret setting: "${NAME}" reads the environment, anything else is literal.
Result<std::string> resolve_secret_text(std::string_view text);

// An `encrypted_<key>` setting, decrypted with the key from BINLOG_SECRET_KEY.
Result<std::string> decrypt_with_environment_key(std::string_view encoded);

}  // namespace sluice::config
