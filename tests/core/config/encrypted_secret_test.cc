#include "core/config/encrypted_secret.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>

namespace sluice::config {
namespace {

std::string from_hex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

SecretKey key_of(std::string_view hex) {
  auto key = SecretKey::from_hex(hex);
  EXPECT_TRUE(key.is_ok()) << key.status().to_string();
  return key.value();
}

// NIST SP 800-38A, F.3.13 CFB128-AES128.Encrypt, first block.
TEST(EncryptedSecretTest, MatchesTheNistCfb128Vector) {
  const SecretKey key = key_of("2b7e151628aed2a6abf7158809cf4f3c");
  const std::string iv = from_hex("000102030405060708090a0b0c0d0e0f");
  const std::string plaintext = from_hex("6bc1bee22e409f96e93d7e117393172a");
  auto encoded = encrypt_secret_with_iv(plaintext, key, iv);
  ASSERT_TRUE(encoded.is_ok());
  // base64(iv + '@' + 3b3fd92eb72dad20333449f8e83cfb4a), worked out with `base64`.
  EXPECT_EQ(encoded.value(), "AAECAwQFBgcICQoLDA0OD0A7P9kuty2tIDM0SfjoPPtK");
  auto decrypted = decrypt_secret(encoded.value(), key);
  ASSERT_TRUE(decrypted.is_ok());
  EXPECT_EQ(decrypted.value(), plaintext);
}

// Vectors produced independently with `openssl enc -aes-{128,256}-cfb -K .. -iv .. -nosalt`.
TEST(EncryptedSecretTest, DecryptsValuesMadeByOpensslForEveryKeySize) {
  auto short_key = decrypt_secret("oKGio6SlpqeoqaqrrK2ur0AuefXagS16GueYE/o=",
                                  key_of("000102030405060708090a0b0c0d0e0f"));
  ASSERT_TRUE(short_key.is_ok());
  EXPECT_EQ(short_key.value(), "pa$$w0rd';--");
  auto long_key =
      decrypt_secret("oKGio6SlpqeoqaqrrK2ur0B7IC1b",
                     key_of("603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4"));
  ASSERT_TRUE(long_key.is_ok());
  EXPECT_EQ(long_key.value(), "root");
}

TEST(EncryptedSecretTest, RandomIvsDifferAndRoundTripWithA192BitKey) {
  const SecretKey key = key_of("8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b");
  auto first = encrypt_secret("secret", key);
  auto second = encrypt_secret("secret", key);
  ASSERT_TRUE(first.is_ok());
  ASSERT_TRUE(second.is_ok());
  EXPECT_NE(first.value(), second.value());
  EXPECT_EQ(decrypt_secret(first.value(), key).value(), "secret");
  EXPECT_EQ(decrypt_secret(second.value(), key).value(), "secret");
}

TEST(EncryptedSecretTest, MalformedValuesAndKeysAreRefusedWithoutEchoingThem) {
  const SecretKey key = key_of("000102030405060708090a0b0c0d0e0f");
  auto not_base64 = decrypt_secret("hunter2!", key);
  EXPECT_EQ(not_base64.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(not_base64.status().message().find("hunter2"), std::string::npos);
  // Valid base64 of 17 bytes whose 17th byte is not '@'.
  auto no_separator = decrypt_secret("AAECAwQFBgcICQoLDA0ODxE=", key);
  EXPECT_EQ(no_separator.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_separator.status().message().find("'@'"), std::string::npos);
  EXPECT_FALSE(SecretKey::from_hex("0011").is_ok());
  auto not_hex = SecretKey::from_hex("zz0102030405060708090a0b0c0d0e0f");
  EXPECT_NE(not_hex.status().message().find("not hexadecimal"), std::string::npos);
}

TEST(EncryptedSecretTest, KeyComesFromBinlogSecretKey) {
  ::unsetenv("BINLOG_SECRET_KEY");
  auto missing = SecretKey::from_environment();
  EXPECT_EQ(missing.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(missing.status().message().find("BINLOG_SECRET_KEY"), std::string::npos);
  ::setenv("BINLOG_SECRET_KEY", "000102030405060708090a0b0c0d0e0f", 1);
  auto present = SecretKey::from_environment();
  ASSERT_TRUE(present.is_ok());
  EXPECT_EQ(present.value().bytes(), from_hex("000102030405060708090a0b0c0d0e0f"));
  ::setenv("BINLOG_SECRET_KEY", "abc", 1);
  auto malformed = SecretKey::from_environment();
  EXPECT_NE(malformed.status().message().find("BINLOG_SECRET_KEY"), std::string::npos);
  ::unsetenv("BINLOG_SECRET_KEY");
}

}  // namespace
}  // namespace sluice::config
