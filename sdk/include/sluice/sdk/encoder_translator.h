#pragma once
// EncoderTranslator: a translator plugin made from one encoding function, for formats that need
// no configuration: `append(transaction, out)` appends the bytes of one transaction to `out`.
//
//   using PbBinlogTranslator = sluice::sdk::EncoderTranslator<&append_pb_binlog>;
//   SLUICE_TRANSLATOR_PLUGIN(PbBinlogTranslator, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
//                            "description", 0, "content type")
//
// One instance per sink; the host never calls one instance from two threads. The scratch buffer
// is reused between calls, so encoding allocates only while transactions grow.

#include <sluice/sdk/plugin.h>

#include <string>

namespace sluice::sdk {

template <void (*Append)(const Transaction&, std::string&)>
class EncoderTranslator : public Translator {
 public:
  static Status validate(const Config&) { return Status::ok(); }
  EncoderTranslator(Host, const Config&) {}

  Status encode(const Transaction& transaction, Output& out) override {
    scratch_.clear();
    Append(transaction, scratch_);
    out.append(scratch_);
    return Status::ok();
  }

 private:
  std::string scratch_;
};

}  // namespace sluice::sdk
