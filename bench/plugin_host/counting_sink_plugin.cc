#include "counting_sink.h"

SLUICE_SINK_PLUGIN(sluice::bench::CountingSink, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                   "benchmark sink: counts events", 0)
