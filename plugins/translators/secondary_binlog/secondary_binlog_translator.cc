// secondary-binlog: a translator encoding each transaction as one marshalled slave.binlog.Binlog,
// the message the original drainer's Kafka output carries (see secondary_binlog_encoder.h for the
// exact mapping). The Kafka sink uses the same encoder when no translator is configured; this
// plugin makes the encoding available to other byte sinks (e.g. the file sink). No config keys.
#include <sluice/sdk/encoder_translator.h>

#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"

namespace {

using SecondaryBinlogTranslator =
    sluice::sdk::EncoderTranslator<&sluice::translators::append_secondary_binlog>;

}  // namespace

SLUICE_TRANSLATOR_PLUGIN(SecondaryBinlogTranslator, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                         "Encodes each transaction as a slave.binlog.Binlog (the Kafka format)", 0,
                         "application/x-protobuf; proto=slave.binlog.Binlog")
