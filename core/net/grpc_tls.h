#pragma once
// gRPC credentials built from TlsMaterial (core/net/tls_config.h):
//   - server credentials that require a client certificate signed by ssl-ca and, when
//     cert-allowed-cn is set, refuse every call (any service, any method) from a certificate
//     whose common name is not listed, with PERMISSION_DENIED and a message naming the CN;
//   - channel credentials for clients (drainer -> pump, pump -> drainer Cistern) presenting
//     ssl-cert and trusting ssl-ca.
// The returned credentials are shared, immutable and usable from any thread.

#include <grpcpp/grpcpp.h>
#include <grpcpp/security/auth_metadata_processor.h>

#include <memory>
#include <string>
#include <vector>

#include "core/net/tls_config.h"

namespace sluice::net {

std::shared_ptr<grpc::ServerCredentials> make_server_credentials(const TlsMaterial& tls);
std::shared_ptr<grpc::ChannelCredentials> make_channel_credentials(const TlsMaterial& tls);

// The channel credentials for `tls`, or insecure ones when it is null.
std::shared_ptr<grpc::ChannelCredentials> channel_credentials_or_insecure(const TlsMaterial* tls);
// The server credentials for `tls`, or insecure ones when it is null.
std::shared_ptr<grpc::ServerCredentials> server_credentials_or_insecure(const TlsMaterial* tls);

// Runs for every call on a TLS server before the handler: checks the peer certificate's common
// name (the auth context's "x509_common_name") against cert-allowed-cn. Exposed for tests.
class AllowedCnProcessor final : public grpc::AuthMetadataProcessor {
 public:
  explicit AllowedCnProcessor(std::vector<std::string> allowed_cn)
      : allowed_cn_(std::move(allowed_cn)) {}
  // The check is a lookup in a short list: run it inline on the call's thread.
  bool IsBlocking() const override { return false; }
  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* context,
                       OutputMetadata* consumed_auth_metadata,
                       OutputMetadata* response_metadata) override;

 private:
  const std::vector<std::string> allowed_cn_;
};

}  // namespace sluice::net
