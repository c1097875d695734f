// A sink for the host's tests: appends one line per call to the file named by its `log` key
// ("validate", "create", "open <ts>", "write <commit_ts,...>", "flush", "close", "destroy"), and
// misbehaves on request (config keys below) so the host's handling can be checked.
#include <sluice/sdk/plugin.h>

#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>

#ifndef RECORDING_SINK_NAME
#define RECORDING_SINK_NAME "recording-sink"
#endif

namespace {

using sluice::sdk::Batch;
using sluice::sdk::Config;
using sluice::sdk::Host;
using sluice::sdk::Resume;
using sluice::sdk::Status;

void append_line(const std::string& path, const std::string& line) {
  if (path.empty()) return;
  std::ofstream out(path, std::ios::app);
  out << line << '\n';
}

class RecordingSink : public sluice::sdk::Sink {
 public:
  static Status validate(const Config& config) {
    // Reads every key it knows, so the host's unknown-key warning flags only the others.
    const std::string log = config.string_or("log", "");
    config.bool_or("fail-create", false);
    config.bool_or("fatal-on-write", false);
    config.bool_or("reject-on-write", false);
    config.bool_or("translate", false);
    config.bool_or("ack-on-write", false);
    config.string_or("throw-on-write", "");
    config.int_or("ack-extra", 0);
    config.int_or("flush-durable", -1);
    config.has("password");
    if (config.int_or("retry-writes", 0) < 0) {
      return Status::invalid_config("key 'retry-writes' must not be negative");
    }
    append_line(log, "validate");
    return Status::ok();
  }

  RecordingSink(Host host, const Config& config)
      : host_(host),
        log_(config.string_or("log", "")),
        retry_writes_(config.int_or("retry-writes", 0)),
        fatal_on_write_(config.bool_or("fatal-on-write", false)),
        reject_on_write_(config.bool_or("reject-on-write", false)),
        translate_(config.bool_or("translate", false)),
        ack_on_write_(config.bool_or("ack-on-write", false)),
        throw_on_write_(config.string_or("throw-on-write", "")),
        ack_extra_(config.int_or("ack-extra", 0)),
        flush_durable_(config.int_or("flush-durable", -1)) {
    record("create " + std::string(host.instance_name()));
    if (config.has("password")) record("secret " + config.get_secret("password").value_or("?"));
    if (config.bool_or("fail-create", false)) throw std::runtime_error("create failed on purpose");
    writes_ = host.counter("recording_sink_writes_total", "Batches the recording sink accepted",
                           {{"table", "t"}});
  }
  ~RecordingSink() override { record("destroy"); }

  Status open(const Resume& resume) override {
    record("open " + std::to_string(resume.checkpoint_ts));
    return Status::ok();
  }

  Status write(const Batch& batch) override {
    std::string line = "write";
    char separator = ' ';
    for (auto transaction : batch.transactions()) {
      line += separator + std::to_string(transaction.commit_ts());
      separator = ',';
    }
    record(line);
    if (retry_writes_ > 0) {
      --retry_writes_;
      return Status::retry("target busy, try again");
    }
    if (fatal_on_write_) return Status::fatal("the target table is gone");
    if (!throw_on_write_.empty()) throw std::runtime_error(throw_on_write_);
    if (reject_on_write_) return Status::rejected("value too long for column 'c'");
    for (auto transaction : batch.transactions()) {
      if (translate_) record("translated " + std::string(host_.translate(transaction)));
      last_ts_ = transaction.commit_ts();
    }
    if (ack_on_write_) {
      host_.ack_durable(last_ts_);
      if (ack_extra_ != 0) host_.ack_durable(ack_extra_);  // going backwards: ignored
    }
    writes_.add();
    return Status::ok();
  }

  Status flush(int64_t& durable_ts) override {
    record("flush");
    durable_ts = flush_durable_ >= 0 ? flush_durable_ : last_ts_;
    return Status::ok();
  }

  Status close() override {
    record("close");
    return Status::ok();
  }

 private:
  void record(const std::string& line) const { append_line(log_, line); }

  Host host_;
  std::string log_;
  int64_t retry_writes_;
  bool fatal_on_write_;
  bool reject_on_write_;
  bool translate_;
  bool ack_on_write_;
  std::string throw_on_write_;
  int64_t ack_extra_;
  int64_t flush_durable_;
  int64_t last_ts_ = 0;
  sluice::sdk::Metric writes_;
};

}  // namespace

SLUICE_SINK_PLUGIN(RecordingSink, RECORDING_SINK_NAME, "1.0.0",
                   "records every call, for the plugin host's tests", 0)
