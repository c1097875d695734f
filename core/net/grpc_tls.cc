#include "core/net/grpc_tls.h"

#include <grpc/grpc_security_constants.h>
#include <spdlog/spdlog.h>

namespace sluice::net {

std::shared_ptr<grpc::ServerCredentials> make_server_credentials(const TlsMaterial& tls) {
  grpc::SslServerCredentialsOptions options(
      GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  options.pem_root_certs = tls.ca_pem;
  options.pem_key_cert_pairs.push_back({tls.key_pem, tls.cert_pem});
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::SslServerCredentials(options);
  // Without a list every verified certificate is accepted, so no per-call check is needed.
  if (!tls.allowed_cn.empty()) {
    credentials->SetAuthMetadataProcessor(std::make_shared<AllowedCnProcessor>(tls.allowed_cn));
  }
  return credentials;
}

std::shared_ptr<grpc::ChannelCredentials> make_channel_credentials(const TlsMaterial& tls) {
  grpc::SslCredentialsOptions options;
  options.pem_root_certs = tls.ca_pem;
  options.pem_private_key = tls.key_pem;
  options.pem_cert_chain = tls.cert_pem;
  return grpc::SslCredentials(options);
}

std::shared_ptr<grpc::ChannelCredentials> channel_credentials_or_insecure(const TlsMaterial* tls) {
  return tls != nullptr ? make_channel_credentials(*tls) : grpc::InsecureChannelCredentials();
}

std::shared_ptr<grpc::ServerCredentials> server_credentials_or_insecure(const TlsMaterial* tls) {
  return tls != nullptr ? make_server_credentials(*tls) : grpc::InsecureServerCredentials();
}

grpc::Status AllowedCnProcessor::Process(const InputMetadata& /*auth_metadata*/,
                                         grpc::AuthContext* context,
                                         OutputMetadata* /*consumed_auth_metadata*/,
                                         OutputMetadata* /*response_metadata*/) {
  std::vector<grpc::string_ref> names =
      context != nullptr ? context->FindPropertyValues(GRPC_X509_CN_PROPERTY_NAME)
                         : std::vector<grpc::string_ref>{};
  if (names.empty()) {
    // The handshake already required a verified certificate; one without a CN cannot match.
    const std::string message = cn_refusal_message(allowed_cn_, "");
    spdlog::warn("gRPC call refused: {}", message);
    return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, message);
  }
  const std::string common_name(names.front().data(), names.front().size());
  if (is_cn_allowed(allowed_cn_, common_name)) return grpc::Status::OK;
  const std::string message = cn_refusal_message(allowed_cn_, common_name);
  spdlog::warn("gRPC call refused: {}", message);
  return grpc::Status(grpc::StatusCode::PERMISSION_DENIED, message);
}

}  // namespace sluice::net
