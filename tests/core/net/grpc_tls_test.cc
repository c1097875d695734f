// gRPC with make_server_credentials / make_channel_credentials: mutual TLS against certificates
// generated in the test, cert-allowed-cn enforced on every call, and every way a client without
// the right certificate is kept out.
#include "core/net/grpc_tls.h"

#include <gtest/gtest.h>

#include <atomic>

#include "core/proto/pump.grpc.pb.h"
#include "tests/support/temp_dir.h"
#include "tests/support/test_certificates.h"

namespace sluice::net {
namespace {

// A Cistern whose Notify counts calls and echoes nothing; the smallest real service to secure.
class CountingCistern final : public binlog::Cistern::Service {
 public:
  grpc::Status Notify(grpc::ServerContext*, const binlog::NotifyReq*,
                      binlog::NotifyResp*) override {
    ++calls;
    return grpc::Status::OK;
  }
  std::atomic<int> calls{0};
};

class GrpcTlsTest : public ::testing::Test {
 protected:
  void serve(std::vector<std::string> allowed) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0",
                             make_server_credentials(ca_.tls_material(server_, std::move(allowed))),
                             &port_);
    builder.RegisterService(&service_);
    server_handle_ = builder.BuildAndStart();
    ASSERT_NE(server_handle_, nullptr);
    ASSERT_GT(port_, 0);
  }

  grpc::Status notify(std::shared_ptr<grpc::ChannelCredentials> credentials) {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);  // no connection shared across cases
    auto channel = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port_),
                                             std::move(credentials), arguments);
    auto stub = binlog::Cistern::NewStub(channel);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    binlog::NotifyReq request;
    binlog::NotifyResp response;
    return stub->Notify(&context, request, &response);
  }

  void TearDown() override {
    if (server_handle_ != nullptr) server_handle_->Shutdown();
  }

  testing::TempDir dir_{"grpc-tls-test-"};
  testing::TestCertificateAuthority ca_{dir_.path(), "test"};
  testing::TestCertificateAuthority rogue_ca_{dir_.path(), "rogue"};
  testing::CertificateFiles server_ = ca_.issue_server("sluice-server", "server");
  testing::CertificateFiles alice_ = ca_.issue_client("alice", "alice");
  testing::CertificateFiles mallory_ = ca_.issue_client("mallory", "mallory");
  // Same CN as an allowed client, signed by a CA the server does not trust.
  testing::CertificateFiles rogue_alice_ = rogue_ca_.issue_client("alice", "rogue-alice");
  CountingCistern service_;
  std::unique_ptr<grpc::Server> server_handle_;
  int port_ = 0;
};

TEST_F(GrpcTlsTest, AllowedCommonNameIsServed) {
  serve({"alice", "bob"});
  grpc::Status status = notify(make_channel_credentials(ca_.tls_material(alice_)));
  EXPECT_TRUE(status.ok()) << status.error_code() << " " << status.error_message();
  EXPECT_EQ(service_.calls.load(), 1);
}

TEST_F(GrpcTlsTest, OtherCommonNameIsDeniedNamingIt) {
  serve({"alice", "bob"});
  grpc::Status status = notify(make_channel_credentials(ca_.tls_material(mallory_)));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::PERMISSION_DENIED) << status.error_message();
  EXPECT_EQ(status.error_message(),
            "certificate common name \"mallory\" is not in cert-allowed-cn [alice, bob]");
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(GrpcTlsTest, EmptyAllowListAcceptsAnyVerifiedCertificate) {
  serve({});
  grpc::Status status = notify(make_channel_credentials(ca_.tls_material(mallory_)));
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(service_.calls.load(), 1);
}

TEST_F(GrpcTlsTest, ClientWithoutCertificateFailsTheHandshake) {
  serve({});
  grpc::SslCredentialsOptions options;  // trusts the server, presents nothing
  options.pem_root_certs = ca_.tls_material(alice_).ca_pem;
  grpc::Status status = notify(grpc::SslCredentials(options));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(GrpcTlsTest, ClientCertificateFromAnotherCaFailsTheHandshake) {
  serve({"alice"});
  TlsMaterial rogue = rogue_ca_.tls_material(rogue_alice_);
  rogue.ca_pem = ca_.tls_material(alice_).ca_pem;  // it does trust the real server
  grpc::Status status = notify(make_channel_credentials(rogue));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(GrpcTlsTest, ClientRefusesServerOfAnotherCa) {
  serve({});
  // Alice's own certificate is fine, but she trusts only the rogue CA.
  TlsMaterial alice = ca_.tls_material(alice_);
  alice.ca_pem = rogue_ca_.tls_material(rogue_alice_).ca_pem;
  grpc::Status status = notify(make_channel_credentials(alice));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST_F(GrpcTlsTest, PlaintextClientFails) {
  serve({});
  grpc::Status status = notify(grpc::InsecureChannelCredentials());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(service_.calls.load(), 0);
}

TEST(GrpcTlsCredentials, NullMaterialMeansInsecure) {
  grpc::ServerBuilder builder;
  int port = 0;
  CountingCistern service;
  builder.AddListeningPort("127.0.0.1:0", server_credentials_or_insecure(nullptr), &port);
  builder.RegisterService(&service);
  auto server = builder.BuildAndStart();
  ASSERT_NE(server, nullptr);
  auto stub = binlog::Cistern::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(port), channel_credentials_or_insecure(nullptr)));
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  binlog::NotifyReq request;
  binlog::NotifyResp response;
  EXPECT_TRUE(stub->Notify(&context, request, &response).ok());
  EXPECT_EQ(service.calls.load(), 1);
  server->Shutdown();
}

}  // namespace
}  // namespace sluice::net
