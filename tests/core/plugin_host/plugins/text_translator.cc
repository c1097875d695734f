// A translator for the host's tests: "<prefix>txn <commit_ts> events=<n>"; rejects the
// transaction whose commit_ts equals `reject-ts`; notes its creation in the file named by `log`.
#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace {

using sluice::sdk::Status;

class TextTranslator : public sluice::sdk::Translator {
 public:
  static Status validate(const sluice::sdk::Config& config) {
    config.get_string("prefix");
    config.get_int("reject-ts");
    config.get_string("log");
    return Status::ok();
  }
  TextTranslator(sluice::sdk::Host host, const sluice::sdk::Config& config)
      : prefix_(config.string_or("prefix", "")), reject_ts_(config.int_or("reject-ts", -1)) {
    if (auto log = config.get_string("log")) {
      std::ofstream(*log, std::ios::app) << "create translator " << host.instance_name() << '\n';
    }
  }

  Status encode(const sluice::sdk::Transaction& transaction, sluice::sdk::Output& out) override {
    if (transaction.commit_ts() == reject_ts_) {
      return Status::rejected("cannot encode transaction " +
                              std::to_string(transaction.commit_ts()));
    }
    out.append(prefix_ + "txn " + std::to_string(transaction.commit_ts()) +
               " events=" + std::to_string(transaction.events().size()));
    return Status::ok();
  }

 private:
  std::string prefix_;
  int64_t reject_ts_;
};

}  // namespace

SLUICE_TRANSLATOR_PLUGIN(TextTranslator, "text-translator", "1.0.0", "one line per transaction", 0,
                         "text/plain")
