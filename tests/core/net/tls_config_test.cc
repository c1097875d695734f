// load_tls_material: the files a [security] section names are checked one by one, and each
// refusal names the key, the file and the reason.
#include "core/net/tls_config.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sluice::net {
namespace {

class TlsConfigTest : public ::testing::Test {
 protected:
  TlsConfig valid() const { return ca_.tls_config(server_, {"alice"}); }

  std::string write(const std::string& name, const std::string& text) const {
    std::ofstream(dir_.file(name)) << text;
    return dir_.file(name).string();
  }

  testing::TempDir dir_{"tls-config-test-"};
  testing::TestCertificateAuthority ca_{dir_.path(), "test"};
  testing::CertificateFiles server_ = ca_.issue_server("server", "server");
  testing::CertificateFiles other_ = ca_.issue_client("other", "other");
};

TEST_F(TlsConfigTest, LoadsValidFiles) {
  auto material = load_tls_material(valid());
  ASSERT_TRUE(material.is_ok()) << material.status().to_string();
  EXPECT_NE(material->ca_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(material->cert_pem.find("-----BEGIN CERTIFICATE-----"), std::string::npos);
  EXPECT_NE(material->key_pem.find("PRIVATE KEY-----"), std::string::npos);
  EXPECT_EQ(material->allowed_cn, std::vector<std::string>{"alice"});
}

TEST_F(TlsConfigTest, MissingFileIsNamed) {
  TlsConfig config = valid();
  config.cert_path = dir_.file("nope.pem").string();
  auto material = load_tls_material(config);
  ASSERT_FALSE(material.is_ok());
  EXPECT_EQ(material.status().message(),
            "[security] ssl-cert " + config.cert_path + ": no such file");
}

TEST_F(TlsConfigTest, DirectoryIsRefused) {
  TlsConfig config = valid();
  config.ca_path = dir_.path().string();
  auto material = load_tls_material(config);
  ASSERT_FALSE(material.is_ok());
  EXPECT_EQ(material.status().message(),
            "[security] ssl-ca " + config.ca_path + ": is a directory, not a file");
}

TEST_F(TlsConfigTest, NotPemIsNamed) {
  TlsConfig config = valid();
  config.ca_path = write("garbage.pem", "this is not a certificate\n");
  auto material = load_tls_material(config);
  ASSERT_FALSE(material.is_ok());
  EXPECT_NE(material.status().message().find("ssl-ca " + config.ca_path + ": holds no PEM"),
            std::string::npos)
      << material.status().message();

  config = valid();
  config.key_path = ca_.ca_file().string();  // a certificate where the key should be
  material = load_tls_material(config);
  ASSERT_FALSE(material.is_ok());
  EXPECT_NE(material.status().message().find("ssl-key " + config.key_path +
                                             ": holds no unencrypted PEM private key"),
            std::string::npos)
      << material.status().message();
}

TEST_F(TlsConfigTest, KeyOfAnotherCertificateIsRefused) {
  TlsConfig config = valid();
  config.key_path = other_.key.string();
  auto material = load_tls_material(config);
  ASSERT_FALSE(material.is_ok());
  EXPECT_EQ(material.status().message(), "[security] ssl-key " + config.key_path +
                                             ": does not match the certificate in ssl-cert " +
                                             config.cert_path);
}

TEST_F(TlsConfigTest, UnsetPathIsNamed) {
  TlsConfig config = valid();
  config.key_path.clear();
  auto material = load_tls_material(config);
  ASSERT_FALSE(material.is_ok());
  EXPECT_EQ(material.status().message(), "[security] ssl-key is not set");
}

TEST(AllowedCn, EmptyListAllowsAnyName) {
  EXPECT_TRUE(is_cn_allowed({}, "anyone"));
  EXPECT_TRUE(is_cn_allowed({}, ""));
  EXPECT_TRUE(is_cn_allowed({"a", "b"}, "b"));
  EXPECT_FALSE(is_cn_allowed({"a", "b"}, "c"));
  EXPECT_FALSE(is_cn_allowed({"a"}, "A"));  // exact, like the original's Go comparison
  EXPECT_FALSE(is_cn_allowed({"a"}, ""));
  EXPECT_EQ(cn_refusal_message({"a", "b"}, "c"),
            "certificate common name \"c\" is not in cert-allowed-cn [a, b]");
}

}  // namespace
}  // namespace sluice::net
