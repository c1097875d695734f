// A filter for the host's tests: drops the events of the tables listed in `drop-tables`; notes
// its creation in the file named by `log`.
#include <sluice/sdk/plugin.h>

#include <algorithm>
#include <fstream>
#include <string>
#include <vector>

namespace {

using sluice::sdk::Status;

class KeepFilter : public sluice::sdk::Filter {
 public:
  static Status validate(const sluice::sdk::Config& config) {
    config.get_strings("drop-tables");
    config.get_string("log");
    return Status::ok();
  }
  KeepFilter(sluice::sdk::Host host, const sluice::sdk::Config& config)
      : drop_(config.get_strings("drop-tables").value_or(std::vector<std::string>{})) {
    if (auto log = config.get_string("log")) {
      std::ofstream(*log, std::ios::app) << "create filter " << host.instance_name() << '\n';
    }
  }

  Status filter(const sluice::sdk::Batch& batch, std::span<uint8_t> keep) override {
    size_t index = 0;
    for (auto transaction : batch.transactions()) {
      for (auto event : transaction.events()) {
        if (std::find(drop_.begin(), drop_.end(), std::string(event.table_name())) != drop_.end()) {
          keep[index] = 0;
        }
        ++index;
      }
    }
    return Status::ok();
  }

 private:
  std::vector<std::string> drop_;
};

}  // namespace

SLUICE_FILTER_PLUGIN(KeepFilter, "keep-filter", "1.0.0", "drops the events of listed tables", 0)
