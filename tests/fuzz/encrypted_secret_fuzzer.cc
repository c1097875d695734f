// libFuzzer target: `encrypted_<key>` settings (base64 of IV + '@' + AES-CFB ciphertext) as a
// configuration file or a plugin's config hands them to the host, and BINLOG_SECRET_KEY values.
// The input is tried as an encrypted value (with the environment key, as the daemons decrypt),
// as a hex key, and as a plaintext that must encrypt and decrypt back to itself.
// fuzz-sources: core/config/encrypted_secret.cc core/config/secret_setting.cc
// fuzz-sources: core/common/status.cc
// fuzz-libs: -lcrypto -lfmt
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "core/config/encrypted_secret.h"
#include "core/config/secret_setting.h"

namespace {

using sluice::config::SecretKey;

// AES-128, -192 and -256 keys; the first byte of the input picks one.
constexpr std::string_view kKeys[] = {
    "000102030405060708090a0b0c0d0e0f",
    "000102030405060708090a0b0c0d0e0f1011121314151617",
    "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
};
constexpr std::string_view kIv = "0123456789abcdef";

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  setenv(std::string(sluice::config::kSecretKeyVariable).c_str(), std::string(kKeys[2]).c_str(), 1);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  auto key = SecretKey::from_hex(kKeys[data[0] % 3]);
  if (!key.is_ok()) std::abort();

  // As a config value: resolved, or decrypted with the environment's key.
  (void)sluice::config::resolve_secret_text(text);
  (void)sluice::config::decrypt_with_environment_key(text);
  auto plaintext = sluice::config::decrypt_secret(text, *key);
  if (plaintext.is_ok()) {
    // CFB keeps lengths: base64 of 16 + 1 + n bytes decodes to n bytes of plaintext.
    if (plaintext->size() + 17 > text.size() / 4 * 3) std::abort();
  }

  // As a key.
  auto parsed = SecretKey::from_hex(text);
  if (parsed.is_ok() && parsed->bytes().size() * 2 != text.size()) std::abort();

  // As a plaintext: encrypting then decrypting gives it back, under every key size.
  auto encrypted = sluice::config::encrypt_secret_with_iv(text, *key, kIv);
  if (!encrypted.is_ok()) std::abort();
  auto decrypted = sluice::config::decrypt_secret(*encrypted, *key);
  if (!decrypted.is_ok() || *decrypted != text) std::abort();
  return 0;
}
