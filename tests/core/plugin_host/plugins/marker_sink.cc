// A sink whose static initialiser creates the file named by SLUICE_TEST_MARKER_FILE: proof that
// the library's code ran. The host must refuse an incompatible manifest before this can happen.
#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>

namespace {

struct Marker {
  Marker() {
    if (const char* path = std::getenv("SLUICE_TEST_MARKER_FILE")) {
      std::ofstream(path) << "static initialiser ran\n";
    }
  }
};
const Marker kMarker;

class MarkerSink : public sluice::sdk::Sink {
 public:
  static sluice::sdk::Status validate(const sluice::sdk::Config&) { return {}; }
  MarkerSink(sluice::sdk::Host, const sluice::sdk::Config&) {}
  sluice::sdk::Status open(const sluice::sdk::Resume&) override { return {}; }
  sluice::sdk::Status write(const sluice::sdk::Batch&) override { return {}; }
  sluice::sdk::Status flush(int64_t&) override { return {}; }
  sluice::sdk::Status close() override { return {}; }
};

}  // namespace

SLUICE_SINK_PLUGIN(MarkerSink, "marker-sink", "1.0.0", "marks that its code ran", 0)
