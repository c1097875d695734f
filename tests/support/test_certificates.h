#pragma once
// TestCertificateAuthority: a throwaway CA for TLS tests, made with the OpenSSL C API (ECDSA
// P-256 keys, SHA-256 signatures, valid from an hour ago for a day). It writes <name>-ca.pem
// into a directory the caller owns (a TempDir) and issues certificates into it:
//   - server certificates with subjectAltName IP:127.0.0.1, DNS:localhost and the given CN;
//   - client certificates with the given CN.
// Every leaf carries extendedKeyUsage serverAuth + clientAuth, so one certificate can serve a
// daemon that is both server and client. Failures throw std::runtime_error (test code).
// Not thread-safe; use one object from one thread.

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/net/openssl_handles.h"
#include "core/net/tls_config.h"

namespace sluice::testing {

struct CertificateFiles {
  std::filesystem::path cert;  // PEM certificate
  std::filesystem::path key;   // PEM private key (PKCS#8, unencrypted)
};

class TestCertificateAuthority {
 public:
  // Generates the CA key and self-signed certificate (CN = name) into dir/<name>-ca.pem.
  TestCertificateAuthority(std::filesystem::path dir, std::string name);

  const std::filesystem::path& ca_file() const { return ca_file_; }

  // dir/<file_stem>.pem and dir/<file_stem>-key.pem.
  CertificateFiles issue_server(std::string_view common_name, std::string_view file_stem);
  CertificateFiles issue_client(std::string_view common_name, std::string_view file_stem);

  // A [security] section trusting this CA and presenting `files`.
  net::TlsConfig tls_config(const CertificateFiles& files,
                            std::vector<std::string> allowed_cn = {}) const;
  // The same, loaded by net::load_tls_material; throws if it refuses.
  net::TlsMaterial tls_material(const CertificateFiles& files,
                                std::vector<std::string> allowed_cn = {}) const;

 private:
  CertificateFiles issue(std::string_view common_name, std::string_view file_stem, bool server);

  std::filesystem::path dir_;
  std::string name_;
  std::filesystem::path ca_file_;
  net::EvpPkeyPtr ca_key_;
  net::X509Ptr ca_cert_;
  long next_serial_ = 2;
};

}  // namespace sluice::testing
