#include "core/net/openssl_handles.h"

#include <openssl/pem.h>

namespace sluice::net {
namespace {

BioPtr memory_bio(std::string_view pem) {
  return BioPtr(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

}  // namespace

std::vector<X509Ptr> read_pem_certificates(std::string_view pem) {
  std::vector<X509Ptr> certificates;
  BioPtr bio = memory_bio(pem);
  if (bio == nullptr) return certificates;
  while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    certificates.emplace_back(cert);
  }
  // The loop ends on "no start line" at the end of the text; that is not an error to keep.
  ERR_clear_error();
  return certificates;
}

EvpPkeyPtr read_pem_private_key(std::string_view pem) {
  BioPtr bio = memory_bio(pem);
  if (bio == nullptr) return nullptr;
  // A null password callback with an empty password: an encrypted key fails instead of
  // prompting on the terminal.
  char empty[] = "";
  EvpPkeyPtr key(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, empty));
  ERR_clear_error();
  return key;
}

std::string take_openssl_error() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "";
  char text[256] = {};
  ERR_error_string_n(code, text, sizeof(text));
  return text;
}

std::string common_name(X509* cert) {
  if (cert == nullptr) return "";
  X509_NAME* subject = X509_get_subject_name(cert);
  const int index = X509_NAME_get_index_by_NID(subject, NID_commonName, -1);
  if (index < 0) return "";
  ASN1_STRING* data = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subject, index));
  unsigned char* utf8 = nullptr;
  const int length = ASN1_STRING_to_UTF8(&utf8, data);
  if (length < 0) return "";
  std::string name(reinterpret_cast<const char*>(utf8), static_cast<size_t>(length));
  OPENSSL_free(utf8);
  return name;
}

}  // namespace sluice::net
