// pb-binlog: a translator encoding each transaction as one marshalled pb_binlog.Binlog, the record
// payload of the original drainer's file output (see ../pb_binlog_encoder.h for the exact column
// encoding). The file sink uses the same encoder when no translator is configured; this plugin
// makes the encoding available to other byte sinks. No config keys.
#include <sluice/sdk/encoder_translator.h>

#include "plugins/file/pb_binlog_encoder.h"

namespace {

using PbBinlogTranslator = sluice::sdk::EncoderTranslator<&sluice::file::append_pb_binlog>;

}  // namespace

SLUICE_TRANSLATOR_PLUGIN(PbBinlogTranslator, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                         "Encodes each transaction as a pb_binlog.Binlog (drainer file output)", 0,
                         "application/x-protobuf; proto=pb_binlog.Binlog")
