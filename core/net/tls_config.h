#pragma once
// TlsConfig: the [security] section shared by pump and drainer (the original's ssl-ca, ssl-cert,
// ssl-key, cert-allowed-cn; facts §7), and TlsMaterial, the PEM text loaded from those files
// after checking that each one is usable. One CA both verifies peers' certificates and is what
// this process's clients trust; every peer must present a certificate signed by it (mutual TLS).
// Value types; load_tls_material() may be called from any thread.

#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.h"
#include "core/config/config_document.h"

namespace sluice::net {

struct TlsConfig {
  std::string ca_path;    // ssl-ca: PEM, one or more CA certificates
  std::string cert_path;  // ssl-cert: PEM, this process's certificate (then its chain)
  std::string key_path;   // ssl-key: PEM, the unencrypted private key of ssl-cert
  // cert-allowed-cn: the subject common names a peer's certificate may carry; empty accepts any
  // certificate the CA verifies.
  std::vector<std::string> allowed_cn;

  bool enabled() const { return !ca_path.empty() || !cert_path.empty() || !key_path.empty(); }
};

struct TlsMaterial {
  std::string ca_pem;
  std::string cert_pem;
  std::string key_pem;
  std::vector<std::string> allowed_cn;
};

// Reads the [security] section of a daemon's config (ssl-ca, ssl-cert, ssl-key, cert-allowed-cn).
Status read_security_section(config::ConfigSection& root, TlsConfig& out);

// The three files go together: OK when none or all are set, else InvalidArgument.
Status check_tls_settings(const TlsConfig& config);

// Reads and checks the three files: each must exist, be readable and hold PEM of the right
// kind, and the key must belong to the certificate. The error names the key (ssl-ca, ...), the
// file and what is wrong with it.
Result<TlsMaterial> load_tls_material(const TlsConfig& config);

// The cert-allowed-cn rule: an empty list allows every common name.
bool is_cn_allowed(const std::vector<std::string>& allowed, std::string_view common_name);

// "CN \"x\" is not in cert-allowed-cn [a, b]": the one refusal message gRPC and HTTP both use.
std::string cn_refusal_message(const std::vector<std::string>& allowed,
                               std::string_view common_name);

}  // namespace sluice::net
