#include "core/net/tls_config.h"

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <openssl/x509.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/net/openssl_handles.h"

namespace sluice::net {
namespace {

Result<std::string> read_tls_file(std::string_view key, const std::string& path) {
  if (path.empty()) return Status::invalid_argument(fmt::format("[security] {} is not set", key));
  std::error_code error;
  const auto type = std::filesystem::status(path, error).type();
  if (type == std::filesystem::file_type::not_found) {
    return Status::not_found(fmt::format("[security] {} {}: no such file", key, path));
  }
  if (type == std::filesystem::file_type::directory) {
    return Status::invalid_argument(
        fmt::format("[security] {} {}: is a directory, not a file", key, path));
  }
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Status::io_error(
        fmt::format("[security] {} {}: cannot read: {}", key, path, std::strerror(errno)));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    return Status::io_error(fmt::format("[security] {} {}: read failed", key, path));
  }
  return text.str();
}

}  // namespace

Status read_security_section(config::ConfigSection& root, TlsConfig& out) {
  SLUICE_ASSIGN_OR_RETURN(config::ConfigSection security, root.section("security"));
  SLUICE_RETURN_IF_ERROR(security.read("ssl-ca", out.ca_path));
  SLUICE_RETURN_IF_ERROR(security.read("ssl-cert", out.cert_path));
  SLUICE_RETURN_IF_ERROR(security.read("ssl-key", out.key_path));
  SLUICE_RETURN_IF_ERROR(security.read("cert-allowed-cn", out.allowed_cn));
  return Status::ok();
}

Status check_tls_settings(const TlsConfig& config) {
  if (config.enabled() &&
      (config.ca_path.empty() || config.cert_path.empty() || config.key_path.empty())) {
    return Status::invalid_argument(
        "[security] needs ssl-ca, ssl-cert and ssl-key together (some are missing)");
  }
  return Status::ok();
}

Result<TlsMaterial> load_tls_material(const TlsConfig& config) {
  TlsMaterial material;
  material.allowed_cn = config.allowed_cn;
  SLUICE_ASSIGN_OR_RETURN(material.ca_pem, read_tls_file("ssl-ca", config.ca_path));
  SLUICE_ASSIGN_OR_RETURN(material.cert_pem, read_tls_file("ssl-cert", config.cert_path));
  SLUICE_ASSIGN_OR_RETURN(material.key_pem, read_tls_file("ssl-key", config.key_path));

  if (read_pem_certificates(material.ca_pem).empty()) {
    return Status::invalid_argument(fmt::format(
        "[security] ssl-ca {}: holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
        config.ca_path));
  }
  std::vector<X509Ptr> chain = read_pem_certificates(material.cert_pem);
  if (chain.empty()) {
    return Status::invalid_argument(fmt::format(
        "[security] ssl-cert {}: holds no PEM certificate (expected -----BEGIN CERTIFICATE-----)",
        config.cert_path));
  }
  EvpPkeyPtr key = read_pem_private_key(material.key_pem);
  if (key == nullptr) {
    return Status::invalid_argument(
        fmt::format("[security] ssl-key {}: holds no unencrypted PEM private key (expected "
                    "-----BEGIN PRIVATE KEY----- or a key of a named type)",
                    config.key_path));
  }
  if (X509_check_private_key(chain.front().get(), key.get()) != 1) {
    take_openssl_error();
    return Status::invalid_argument(
        fmt::format("[security] ssl-key {}: does not match the certificate in ssl-cert {}",
                    config.key_path, config.cert_path));
  }
  return material;
}

bool is_cn_allowed(const std::vector<std::string>& allowed, std::string_view common_name) {
  return allowed.empty() || std::find(allowed.begin(), allowed.end(), common_name) != allowed.end();
}

std::string cn_refusal_message(const std::vector<std::string>& allowed,
                               std::string_view common_name) {
  return fmt::format("certificate common name \"{}\" is not in cert-allowed-cn [{}]", common_name,
                     fmt::join(allowed, ", "));
}

}  // namespace sluice::net
