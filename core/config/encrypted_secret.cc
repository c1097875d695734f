#include "core/config/encrypted_secret.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <cstdlib>
#include <memory>

namespace sluice::config {
namespace {

constexpr size_t kIvSize = 16;  // the AES block size
constexpr char kIvSeparator = '@';

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

const EVP_CIPHER* cfb_cipher(size_t key_size) {
  switch (key_size) {
    case 16:
      return EVP_aes_128_cfb128();
    case 24:
      return EVP_aes_192_cfb128();
    case 32:
      return EVP_aes_256_cfb128();
    default:
      return nullptr;
  }
}

struct CipherContextFree {
  void operator()(EVP_CIPHER_CTX* context) const { EVP_CIPHER_CTX_free(context); }
};

// CFB is a stream mode: one call, output as long as the input, no padding.
Result<std::string> run_cfb(std::string_view input, const SecretKey& key, std::string_view iv,
                            bool encrypt) {
  std::unique_ptr<EVP_CIPHER_CTX, CipherContextFree> context(EVP_CIPHER_CTX_new());
  if (!context) return Status::resource_exhausted("cannot allocate an AES context");
  const auto* key_bytes = reinterpret_cast<const unsigned char*>(key.bytes().data());
  const auto* iv_bytes = reinterpret_cast<const unsigned char*>(iv.data());
  if (EVP_CipherInit_ex(context.get(), cfb_cipher(key.bytes().size()), nullptr, key_bytes, iv_bytes,
                        encrypt ? 1 : 0) != 1) {
    return Status::internal("AES-CFB initialisation failed");
  }
  std::string output(input.size(), '\0');
  int written = 0;
  if (!input.empty() &&
      EVP_CipherUpdate(context.get(), reinterpret_cast<unsigned char*>(output.data()), &written,
                       reinterpret_cast<const unsigned char*>(input.data()),
                       static_cast<int>(input.size())) != 1) {
    return Status::internal("AES-CFB failed");
  }
  int final_written = 0;
  if (EVP_CipherFinal_ex(context.get(), reinterpret_cast<unsigned char*>(output.data()) + written,
                         &final_written) != 1) {
    return Status::internal("AES-CFB failed");
  }
  output.resize(static_cast<size_t>(written + final_written));
  return output;
}

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(bytes.data()), bytes.size());
  out.resize(static_cast<size_t>(length));
  return out;
}

bool is_base64_character(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
         c == '/';
}

Result<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock accepts some sloppiness (and counts padding as data): check the standard
  // alphabet and padding first, then drop the padding bytes it returns.
  if (text.empty() || text.size() % 4 != 0) {
    return Status::invalid_argument("is not standard base64 (length not a multiple of 4)");
  }
  size_t padding = 0;
  if (text.back() == '=') padding = text[text.size() - 2] == '=' ? 2 : 1;
  for (size_t i = 0; i < text.size() - padding; ++i) {
    if (!is_base64_character(text[i])) {
      return Status::invalid_argument(
          fmt::format("is not standard base64 (unexpected character at offset {})", i));
    }
  }
  std::string out(text.size() / 4 * 3, '\0');
  const int length =
      EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                      reinterpret_cast<const unsigned char*>(text.data()), text.size());
  if (length < 0) return Status::invalid_argument("is not standard base64");
  out.resize(static_cast<size_t>(length) - padding);
  return out;
}

}  // namespace

Result<SecretKey> SecretKey::from_hex(std::string_view hex) {
  if (hex.size() != 32 && hex.size() != 48 && hex.size() != 64) {
    return Status::invalid_argument(
        fmt::format("the secret key must be 32, 48 or 64 hexadecimal digits (AES-128/192/256), "
                    "not {} characters",
                    hex.size()));
  }
  std::string bytes;
  bytes.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int high = hex_digit(hex[i]);
    const int low = hex_digit(hex[i + 1]);
    if (high < 0 || low < 0) {
      return Status::invalid_argument(
          fmt::format("the secret key is not hexadecimal (offset {})", high < 0 ? i : i + 1));
    }
    bytes.push_back(static_cast<char>(high * 16 + low));
  }
  return SecretKey(std::move(bytes));
}

Result<SecretKey> SecretKey::from_environment() {
  const char* value = std::getenv(std::string(kSecretKeyVariable).c_str());
  if (value == nullptr || *value == '\0') {
    return Status::failed_precondition(
        fmt::format("an encrypted secret needs the key in the environment variable {} "
                    "(hexadecimal, 16/24/32 bytes); it is not set",
                    kSecretKeyVariable));
  }
  auto key = from_hex(value);
  if (!key.is_ok()) {
    return Status::invalid_argument(
        fmt::format("{}: {}", kSecretKeyVariable, key.status().message()));
  }
  return key;
}

Result<std::string> encrypt_secret_with_iv(std::string_view plaintext, const SecretKey& key,
                                           std::string_view iv) {
  if (iv.size() != kIvSize) {
    return Status::invalid_argument(fmt::format("the IV must be {} bytes", kIvSize));
  }
  SLUICE_ASSIGN_OR_RETURN(std::string ciphertext, run_cfb(plaintext, key, iv, true));
  std::string framed;
  framed.reserve(kIvSize + 1 + ciphertext.size());
  framed.append(iv);
  framed.push_back(kIvSeparator);
  framed.append(ciphertext);
  return base64_encode(framed);
}

Result<std::string> encrypt_secret(std::string_view plaintext, const SecretKey& key) {
  std::string iv(kIvSize, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(iv.data()), static_cast<int>(iv.size())) != 1) {
    return Status::internal("the system random generator failed to give an IV");
  }
  return encrypt_secret_with_iv(plaintext, key, iv);
}

Result<std::string> decrypt_secret(std::string_view encoded, const SecretKey& key) {
  auto framed = base64_decode(encoded);
  if (!framed.is_ok()) {
    return Status::invalid_argument("the encrypted value " + framed.status().message());
  }
  const std::string& bytes = framed.value();
  if (bytes.size() < kIvSize + 1 || bytes[kIvSize] != kIvSeparator) {
    return Status::invalid_argument(
        fmt::format("the encrypted value is not IV({}) + '@' + ciphertext", kIvSize));
  }
  return run_cfb(std::string_view(bytes).substr(kIvSize + 1), key,
                 std::string_view(bytes).substr(0, kIvSize), false);
}

}  // namespace sluice::config
