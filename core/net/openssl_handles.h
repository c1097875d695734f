#pragma once
// Owning handles for the OpenSSL objects Sluice creates (std::unique_ptr with OpenSSL's free
// functions), and a reader of PEM text held in memory. Each handle owns one reference; none is
// shared between threads by this code.

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::net {

struct BioFree {
  void operator()(BIO* bio) const { BIO_free(bio); }
};
struct X509Free {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct EvpPkeyFree {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, EvpPkeyFree>;

// Every certificate in `pem`, in order; empty when there is none (or the text is not PEM).
std::vector<X509Ptr> read_pem_certificates(std::string_view pem);
// The first private key in `pem`; null when there is none.
EvpPkeyPtr read_pem_private_key(std::string_view pem);
// The oldest queued OpenSSL error of this thread as text (and clears the queue); "" if none.
std::string take_openssl_error();
// The subject common name of `cert`; "" when it has none.
std::string common_name(X509* cert);

}  // namespace sluice::net
