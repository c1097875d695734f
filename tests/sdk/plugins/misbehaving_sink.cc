// misbehaving-sink: an in-memory sink that breaks the contract in the way its config says, so
// the tests can see the conformance tool report each failure.
//
//   mode = "ok"              behaves
//   mode = "throw-in-write"  write throws; the SDK must turn it into FATAL with the message
//   mode = "retry-then-ok"   the first write of each batch returns RETRY, the resend OK
//   mode = "fatal"           write returns FATAL
//   mode = "bad-status"      write returns 42, from a plain C function in the call table
//   mode = "ignore-stop"     write retries internally forever once the host is stopping,
//                            never returning (it ignores the stop flag)
//   mode = "escape"          write throws through the C ABI (no SDK guard): std::terminate
//   mode = "crash"           write dies with SIGSEGV
//
// The SDK builds the descriptor; the entry point below swaps `write` for a plain function that
// can do what the SDK never would (return 42, let an exception through, crash).
#include <sluice/sdk/plugin.h>

#include <chrono>
#include <csignal>
#include <string>
#include <thread>

namespace {

using namespace sluice::sdk;

constexpr const char* kModes[] = {"ok",         "throw-in-write", "retry-then-ok", "fatal",
                                  "bad-status", "ignore-stop",    "escape",        "crash"};

class MisbehavingSink : public Sink {
 public:
  static Status validate(const Config& config) {
    const std::string mode = config.string_or("mode", "ok");
    for (const char* known : kModes) {
      if (mode == known) return Status::ok();
    }
    return Status::invalid_config("'mode' is \"" + mode + "\", not one of the known modes");
  }

  MisbehavingSink(Host host, const Config& config)
      : host_(host), mode_(config.string_or("mode", "ok")) {}

  const std::string& mode() const { return mode_; }

  Status open(const Resume& resume) override {
    durable_ts_ = resume.checkpoint_ts;
    return Status::ok();
  }

  Status write(const Batch& batch) override {
    const int64_t first = batch.empty() ? 0 : batch.transactions()[0].commit_ts();
    if (mode_ == "throw-in-write") {
      throw std::runtime_error("simulated failure: the target threw in write");
    }
    if (mode_ == "fatal") return Status::fatal("simulated fatal error: the target refused");
    if (mode_ == "retry-then-ok" && first != retried_batch_) {
      retried_batch_ = first;
      return Status::retry("simulated transient error: try again");
    }
    if (mode_ == "ignore-stop") {
      // "Retries until the target takes it", which it never does once the host is stopping.
      while (host_.stop_requested())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    for (Transaction transaction : batch.transactions())
      written_ts_ = transaction.commit_ts();
    return Status::ok();
  }

  Status flush(int64_t& durable_ts) override {
    durable_ts_ = written_ts_;
    durable_ts = durable_ts_;
    return Status::ok();
  }

  Status close() override { return Status::ok(); }

 private:
  Host host_;
  std::string mode_;
  int64_t retried_batch_ = -1;
  int64_t written_ts_ = 0;
  int64_t durable_ts_ = 0;
};

// The SDK's write, which the plain function below calls for the modes it does not handle.
sluice_status_t (*sdk_write)(void*, const sluice_batch_t*) = nullptr;

// Plain C linkage semantics: no noexcept, no exception guard.
sluice_status_t raw_write(void* pointer, const sluice_batch_t* batch) {
  const std::string& mode =
      sluice::sdk::detail::as_instance<MisbehavingSink>(pointer)->impl->mode();
  if (mode == "bad-status") return 42;
  if (mode == "escape") throw std::runtime_error("simulated exception thrown through the C ABI");
  if (mode == "crash") std::raise(SIGSEGV);
  return sdk_write(pointer, batch);
}

}  // namespace

extern "C" __attribute__((visibility("default"))) const sluice_plugin_descriptor_t*
sluice_plugin_entry_v1(const sluice_host_api_t* host) {
  const sluice_plugin_descriptor_t* built = sluice::sdk::detail::sink_entry<MisbehavingSink>(
      host, "misbehaving-sink", "1.0.0", "A sink that breaks the contract on request", 0);
  if (built == nullptr) return nullptr;
  static sluice_sink_vtable_t vtable = *built->sink;
  static sluice_plugin_descriptor_t descriptor = *built;
  sdk_write = built->sink->write;
  vtable.write = &raw_write;
  descriptor.sink = &vtable;
  return &descriptor;
}
