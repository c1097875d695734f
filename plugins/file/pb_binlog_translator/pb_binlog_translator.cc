// pb-binlog: a translator encoding each transaction as one marshalled pb_binlog.Binlog, the record
// payload of the original drainer's file output (see ../pb_binlog_encoder.h for the exact column
// encoding). The file sink uses the same encoder when no translator is configured; this plugin
// makes the encoding available to other byte sinks. No config keys.
#include <sluice/sdk/plugin.h>

#include <string>

#include "plugins/file/pb_binlog_encoder.h"

namespace {

using sluice::sdk::Config;
using sluice::sdk::Host;
using sluice::sdk::Output;
using sluice::sdk::Status;
using sluice::sdk::Transaction;

class PbBinlogTranslator : public sluice::sdk::Translator {
 public:
  static Status validate(const Config&) { return Status::ok(); }
  PbBinlogTranslator(Host, const Config&) {}

  Status encode(const Transaction& transaction, Output& out) override {
    scratch_.clear();
    sluice::file::append_pb_binlog(transaction, scratch_);
    out.append(scratch_);
    return Status::ok();
  }

 private:
  std::string scratch_;  // reused between calls
};

}  // namespace

SLUICE_TRANSLATOR_PLUGIN(PbBinlogTranslator, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                         "Encodes each transaction as a pb_binlog.Binlog (drainer file output)", 0,
                         "application/x-protobuf; proto=pb_binlog.Binlog")
