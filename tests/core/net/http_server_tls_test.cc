// HttpServer in TLS mode: client certificates are required and verified against the CA, and
// cert-allowed-cn turns other names away with 403 before any route runs.
#include <gtest/gtest.h>

#include <atomic>
#include <csignal>

#include "core/net/http_server.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sluice::net {
namespace {

class HttpServerTlsTest : public ::testing::Test {
 protected:
  void serve(std::vector<std::string> allowed) {
    server_handle_ = std::make_unique<HttpServer>(ca_.tls_material(server_, std::move(allowed)));
    server_handle_->handle_get("/status", [this](const httplib::Request&, httplib::Response& r) {
      ++served_;
      r.set_content(R"({"status":{}})", "application/json");
    });
    ASSERT_TRUE(server_handle_->start("127.0.0.1", 0).is_ok());
    EXPECT_TRUE(server_handle_->tls());
  }

  // A client trusting `trusted_ca` and presenting `client` (none when null).
  httplib::Result get(const testing::CertificateFiles* client,
                      const std::filesystem::path& trusted_ca) {
    std::unique_ptr<httplib::SSLClient> https =
        client != nullptr
            ? std::make_unique<httplib::SSLClient>("127.0.0.1", server_handle_->port(),
                                                   client->cert.string(), client->key.string())
            : std::make_unique<httplib::SSLClient>("127.0.0.1", server_handle_->port());
    https->set_ca_cert_path(trusted_ca.string().c_str());
    https->enable_server_certificate_verification(true);
    https->set_connection_timeout(std::chrono::seconds(10));
    https->set_read_timeout(std::chrono::seconds(10));
    return https->Get("/status");
  }

  testing::TempDir dir_{"http-tls-test-"};
  testing::TestCertificateAuthority ca_{dir_.path(), "test"};
  testing::TestCertificateAuthority rogue_ca_{dir_.path(), "rogue"};
  testing::CertificateFiles server_ = ca_.issue_server("sluice-server", "server");
  testing::CertificateFiles alice_ = ca_.issue_client("alice", "alice");
  testing::CertificateFiles mallory_ = ca_.issue_client("mallory", "mallory");
  testing::CertificateFiles rogue_alice_ = rogue_ca_.issue_client("alice", "rogue-alice");
  std::atomic<int> served_{0};
  std::unique_ptr<HttpServer> server_handle_;
};

TEST_F(HttpServerTlsTest, AllowedClientGetsStatus) {
  serve({"alice"});
  auto response = get(&alice_, ca_.ca_file());
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"status":{}})");
  EXPECT_EQ(served_.load(), 1);
}

TEST_F(HttpServerTlsTest, OtherCommonNameGets403NamingIt) {
  serve({"alice"});
  auto response = get(&mallory_, ca_.ca_file());
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 403);
  EXPECT_EQ(response->body,
            "certificate common name \"mallory\" is not in cert-allowed-cn [alice]\n");
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpServerTlsTest, EmptyAllowListAcceptsAnyVerifiedCertificate) {
  serve({});
  auto response = get(&mallory_, ca_.ca_file());
  ASSERT_TRUE(response) << httplib::to_string(response.error());
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTlsTest, ClientWithoutCertificateGetsNothing) {
  serve({});
  auto response = get(nullptr, ca_.ca_file());
  EXPECT_FALSE(response) << "status " << response->status;
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpServerTlsTest, ClientCertificateOfAnotherCaGetsNothing) {
  serve({"alice"});
  auto response = get(&rogue_alice_, ca_.ca_file());
  EXPECT_FALSE(response) << "status " << response->status;
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpServerTlsTest, PlaintextClientGetsNothing) {
  serve({});
  httplib::Client plain("127.0.0.1", server_handle_->port());
  plain.set_read_timeout(std::chrono::seconds(10));
  auto response = plain.Get("/status");
  EXPECT_FALSE(response) << "status " << response->status;
  EXPECT_EQ(served_.load(), 0);
}

TEST_F(HttpServerTlsTest, UnusableMaterialFailsStart) {
  TlsMaterial broken = ca_.tls_material(server_);
  broken.key_pem = "not a key";
  HttpServer server(broken);
  const Status status = server.start("127.0.0.1", 0);
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("ssl-key"), std::string::npos) << status.message();
}

}  // namespace
}  // namespace sluice::net
