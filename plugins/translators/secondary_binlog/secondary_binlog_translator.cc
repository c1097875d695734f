// secondary-binlog: a translator encoding each transaction as one marshalled slave.binlog.Binlog,
// the message the original drainer's Kafka output carries (see secondary_binlog_encoder.h for the
// exact mapping). The Kafka sink uses the same encoder when no translator is configured; this
// plugin makes the encoding available to other byte sinks (e.g. the file sink). No config keys.
#include <sluice/sdk/plugin.h>

#include <string>

#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"

namespace {

using sluice::sdk::Config;
using sluice::sdk::Host;
using sluice::sdk::Output;
using sluice::sdk::Status;
using sluice::sdk::Transaction;

class SecondaryBinlogTranslator : public sluice::sdk::Translator {
 public:
  static Status validate(const Config&) { return Status::ok(); }
  SecondaryBinlogTranslator(Host, const Config&) {}

  Status encode(const Transaction& transaction, Output& out) override {
    scratch_.clear();
    sluice::translators::append_secondary_binlog(transaction, scratch_);
    out.append(scratch_);
    return Status::ok();
  }

 private:
  std::string scratch_;  // reused between calls
};

}  // namespace

SLUICE_TRANSLATOR_PLUGIN(SecondaryBinlogTranslator, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                         "Encodes each transaction as a slave.binlog.Binlog (the Kafka format)", 0,
                         "application/x-protobuf; proto=slave.binlog.Binlog")
