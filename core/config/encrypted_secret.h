#pragma once
// Encrypted secrets in configuration files (`encrypted_password = "..."`), in the original's
// scheme so a value produced by its `binlogctl -cmd encrypt` decrypts here and the other way round:
// AES in CFB mode (128-bit feedback) keyed by the hex-encoded environment variable
// BINLOG_SECRET_KEY (16, 24 or 32 bytes: AES-128/192/256); the stored text is the standard base64
// of IV(16 bytes) + '@' + ciphertext.
//
// Unlike the original there is no built-in default key: a key compiled into every binary protects
// nothing, so an encrypted value without BINLOG_SECRET_KEY is an error that says so.
// Pure functions; thread-safe. No function puts a plaintext or a key into a Status message.

#include <string>
#include <string_view>

#include "core/common/result.h"

namespace sluice::config {

inline constexpr std::string_view kSecretKeyVariable = "BINLOG_SECRET_KEY";

// The raw AES key: 16, 24 or 32 bytes.
class SecretKey {
 public:
  // `hex` is the key in hexadecimal (32, 48 or 64 digits).
  static Result<SecretKey> from_hex(std::string_view hex);
  // Reads BINLOG_SECRET_KEY; an error naming the variable when it is unset or malformed.
  static Result<SecretKey> from_environment();

  const std::string& bytes() const { return bytes_; }

 private:
  explicit SecretKey(std::string bytes) : bytes_(std::move(bytes)) {}
  std::string bytes_;
};

// base64(IV + '@' + AES-CFB(plaintext)) with a fresh random IV.
Result<std::string> encrypt_secret(std::string_view plaintext, const SecretKey& key);
// The same with a given 16-byte IV (tests compare against a worked vector).
Result<std::string> encrypt_secret_with_iv(std::string_view plaintext, const SecretKey& key,
                                           std::string_view iv);
// The plaintext of an encrypt_secret value. Malformed base64, a missing '@' after the IV, or a
// value too short are InvalidArgument. (CFB has no integrity check: a wrong key yields garbage,
// which the server then refuses as a bad password.)
Result<std::string> decrypt_secret(std::string_view encoded, const SecretKey& key);

}  // namespace sluice::config
