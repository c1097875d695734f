#include "tests/support/test_certificates.h"

#include <openssl/ec.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace sluice::testing {
namespace {

struct FileClose {
  void operator()(FILE* file) const { std::fclose(file); }
};

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("test certificates: " + what + ": " + net::take_openssl_error());
}

net::EvpPkeyPtr new_key() {
  net::EvpPkeyPtr key(EVP_EC_gen("P-256"));
  if (key == nullptr) fail("EC key generation");
  return key;
}

void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX context;
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value);
  if (extension == nullptr) fail(std::string("extension ") + value);
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) fail(std::string("adding extension ") + value);
}

// An unsigned certificate for `key` named `common_name`, issued by `issuer` (self-issued when
// null); sign() it once the extensions are added.
net::X509Ptr make_certificate(EVP_PKEY* key, std::string_view common_name, long serial,
                              X509* issuer) {
  net::X509Ptr cert(X509_new());
  if (cert == nullptr) fail("X509_new");
  X509_set_version(cert.get(), 2);  // v3
  ASN1_INTEGER_set(X509_get_serialNumber(cert.get()), serial);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 24 * 3600);
  X509_set_pubkey(cert.get(), key);
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string cn(common_name);
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Sluice tests"), -1, -1, 0);
  if (!cn.empty()) {
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  }
  X509_set_issuer_name(cert.get(), issuer != nullptr ? X509_get_subject_name(issuer) : name);
  return cert;
}

void sign(X509* cert, EVP_PKEY* key) {
  if (X509_sign(cert, key, EVP_sha256()) == 0) fail("signing");
}

void write_pem(const std::filesystem::path& path, X509* cert, EVP_PKEY* key) {
  std::unique_ptr<FILE, FileClose> file(std::fopen(path.c_str(), "w"));
  if (file == nullptr) throw std::runtime_error("test certificates: cannot write " + path.string());
  const bool ok = cert != nullptr ? PEM_write_X509(file.get(), cert) == 1
                                  : PEM_write_PrivateKey(file.get(), key, nullptr, nullptr, 0,
                                                         nullptr, nullptr) == 1;
  if (!ok) fail("writing " + path.string());
}

}  // namespace

TestCertificateAuthority::TestCertificateAuthority(std::filesystem::path dir, std::string name)
    : dir_(std::move(dir)), name_(std::move(name)), ca_file_(dir_ / (name_ + "-ca.pem")) {
  ca_key_ = new_key();
  ca_cert_ = make_certificate(ca_key_.get(), name_, 1, nullptr);
  add_extension(ca_cert_.get(), ca_cert_.get(), NID_basic_constraints, "critical,CA:TRUE");
  add_extension(ca_cert_.get(), ca_cert_.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca_cert_.get(), ca_cert_.get(), NID_subject_key_identifier, "hash");
  sign(ca_cert_.get(), ca_key_.get());
  write_pem(ca_file_, ca_cert_.get(), nullptr);
}

CertificateFiles TestCertificateAuthority::issue_server(std::string_view common_name,
                                                        std::string_view file_stem) {
  return issue(common_name, file_stem, true);
}

CertificateFiles TestCertificateAuthority::issue_client(std::string_view common_name,
                                                        std::string_view file_stem) {
  return issue(common_name, file_stem, false);
}

CertificateFiles TestCertificateAuthority::issue(std::string_view common_name,
                                                 std::string_view file_stem, bool server) {
  net::EvpPkeyPtr key = new_key();
  net::X509Ptr cert = make_certificate(key.get(), common_name, next_serial_++, ca_cert_.get());
  add_extension(cert.get(), ca_cert_.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(cert.get(), ca_cert_.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(cert.get(), ca_cert_.get(), NID_ext_key_usage, "serverAuth,clientAuth");
  add_extension(cert.get(), ca_cert_.get(), NID_authority_key_identifier, "keyid:always");
  if (server) {
    add_extension(cert.get(), ca_cert_.get(), NID_subject_alt_name, "IP:127.0.0.1,DNS:localhost");
  }
  sign(cert.get(), ca_key_.get());
  CertificateFiles files{dir_ / (std::string(file_stem) + ".pem"),
                         dir_ / (std::string(file_stem) + "-key.pem")};
  write_pem(files.cert, cert.get(), nullptr);
  write_pem(files.key, nullptr, key.get());
  return files;
}

net::TlsConfig TestCertificateAuthority::tls_config(const CertificateFiles& files,
                                                    std::vector<std::string> allowed_cn) const {
  net::TlsConfig config;
  config.ca_path = ca_file_.string();
  config.cert_path = files.cert.string();
  config.key_path = files.key.string();
  config.allowed_cn = std::move(allowed_cn);
  return config;
}

net::TlsMaterial TestCertificateAuthority::tls_material(const CertificateFiles& files,
                                                        std::vector<std::string> allowed_cn) const {
  auto material = net::load_tls_material(tls_config(files, std::move(allowed_cn)));
  if (!material.is_ok()) {
    throw std::runtime_error("test certificates: " + material.status().to_string());
  }
  return std::move(material).value();
}

}  // namespace sluice::testing
