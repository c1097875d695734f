// The checks of sluice-plugin-conformance. Each runs in its own child process (isolation.cc):
// it loads the plugin through the fake host, drives it as the real host would, and returns PASS,
// FAIL or SKIP with a one-line reason.
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "batches.h"
#include "isolation.h"
#include "suite.h"

namespace sluice::conformance {
namespace {

using sdk::testing::CallResult;
using sdk::testing::ConfigOther;
using sdk::testing::FakeBuffer;
using sdk::testing::FakeConfig;
using sdk::testing::FakeHost;
using sdk::testing::is_known_status;
using sdk::testing::LogLine;
using sdk::testing::PluginInstance;
using sdk::testing::PluginLibrary;
using sdk::testing::status_name;

// The host re-sends a batch on RETRY; it gives up after this many attempts (back-off 1, 2, 4,
// 8 ms: short, because the suite is about the contract, not the target).
constexpr int kMaxAttempts = 5;
constexpr int kInstances = 3;

std::string join(const std::vector<std::string>& parts, const char* separator = "; ") {
  std::string text;
  for (const std::string& part : parts) {
    if (!text.empty()) text += separator;
    text += part;
  }
  return text;
}

const char* kind_name(uint32_t kind) {
  switch (kind) {
    case SLUICE_KIND_SINK:
      return "sink";
    case SLUICE_KIND_FILTER:
      return "filter";
    case SLUICE_KIND_TRANSLATOR:
      return "translator";
    default:
      return "unknown";
  }
}

const char* level_name(int32_t level) {
  static const char* const kNames[] = {"TRACE", "DEBUG", "INFO", "WARN", "ERROR"};
  return level >= 0 && level <= 4 ? kNames[level] : "LOG";
}

// ------------------------------------------------------------------------------------------------
// Loading
// ------------------------------------------------------------------------------------------------

// Problems that make the plugin unusable: the other checks cannot call it.
std::vector<std::string> fatal_descriptor_problems(const sluice_plugin_descriptor_t* d) {
  std::vector<std::string> problems;
  if (d == nullptr) return {"the entry point returned NULL"};
  if (d->struct_size < sizeof(sluice_plugin_descriptor_t)) {
    return {"descriptor struct_size " + std::to_string(d->struct_size) + " is smaller than the " +
            std::to_string(sizeof(sluice_plugin_descriptor_t)) + " bytes of ABI 1.0"};
  }
  if (d->abi_major != SLUICE_ABI_VERSION_MAJOR) {
    problems.push_back("built for ABI major " + std::to_string(d->abi_major) +
                       ", this host speaks " + std::to_string(SLUICE_ABI_VERSION_MAJOR));
    return problems;
  }
  const int tables = (d->sink != nullptr) + (d->filter != nullptr) + (d->translator != nullptr);
  switch (d->kind) {
    case SLUICE_KIND_SINK: {
      const sluice_sink_vtable_t* v = d->sink;
      if (v == nullptr) {
        problems.push_back("kind is sink but the sink table is NULL");
      } else if (v->struct_size < sizeof(sluice_sink_vtable_t)) {
        problems.push_back("sink table struct_size " + std::to_string(v->struct_size) +
                           " is smaller than ABI 1.0's " +
                           std::to_string(sizeof(sluice_sink_vtable_t)));
      } else {
        const std::pair<const char*, bool> required[] = {
            {"validate", v->validate != nullptr}, {"create", v->create != nullptr},
            {"destroy", v->destroy != nullptr},   {"open", v->open != nullptr},
            {"write", v->write != nullptr},       {"flush", v->flush != nullptr},
            {"close", v->close != nullptr}};
        for (const auto& [name, present] : required) {
          if (!present)
            problems.push_back(std::string("required sink callback ") + name + " is NULL");
        }
      }
      break;
    }
    case SLUICE_KIND_FILTER: {
      const sluice_filter_vtable_t* v = d->filter;
      if (v == nullptr) {
        problems.push_back("kind is filter but the filter table is NULL");
      } else if (v->struct_size < sizeof(sluice_filter_vtable_t)) {
        problems.push_back("filter table struct_size is smaller than ABI 1.0's");
      } else if (!v->validate || !v->create || !v->destroy || !v->filter) {
        problems.push_back(
            "a required filter callback (validate, create, destroy, filter) is NULL");
      }
      break;
    }
    case SLUICE_KIND_TRANSLATOR: {
      const sluice_translator_vtable_t* v = d->translator;
      if (v == nullptr) {
        problems.push_back("kind is translator but the translator table is NULL");
      } else if (v->struct_size < offsetof(sluice_translator_vtable_t, content_type)) {
        problems.push_back("translator table struct_size is smaller than ABI 1.0's");
      } else if (!v->validate || !v->create || !v->destroy || !v->encode) {
        problems.push_back(
            "a required translator callback (validate, create, destroy, encode) is NULL");
      }
      break;
    }
    default:
      problems.push_back("unknown kind " + std::to_string(d->kind));
  }
  if (tables != 1 && problems.empty()) {
    problems.push_back(std::to_string(tables) +
                       " call tables are set; exactly the one matching the kind must be");
  }
  return problems;
}

// Problems that do not stop the other checks.
std::vector<std::string> minor_descriptor_problems(const sluice_plugin_descriptor_t* d) {
  std::vector<std::string> problems;
  if (d->name == nullptr || d->name[0] == '\0') {
    problems.push_back("name is NULL or empty");
  } else {
    const std::string name = d->name;
    const bool valid =
        name.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_.-") == std::string::npos &&
        name.front() != '_' && name.front() != '.' && name.front() != '-';
    if (!valid) problems.push_back("name '" + name + "' is not lower-case letters, digits, _ . -");
  }
  if (d->version == nullptr || d->version[0] == '\0')
    problems.push_back("version is NULL or empty");
  if (d->description == nullptr) problems.push_back("description is NULL");
  return problems;
}

void print_log(const LogLine& line) {
  std::fprintf(stderr, "  [%s] %s %s\n", line.instance.c_str(), level_name(line.level),
               line.message.c_str());
}

// The plugin loaded in this (child) process.
struct Session {
  FakeHost host;
  std::optional<PluginLibrary> library;
  const sluice_plugin_descriptor_t* descriptor = nullptr;
  std::string problem;  // why the plugin cannot be driven; empty when it can

  explicit Session(const Options& options) {
    if (options.verbose) host.set_log_observer(&print_log);
    note_step("loading the library");
    library = PluginLibrary::try_open(options.plugin_path, problem);
    if (!library) return;
    note_step("calling the entry point");
    descriptor = library->call_entry(host.api());
    const std::vector<std::string> problems = fatal_descriptor_problems(descriptor);
    if (!problems.empty()) problem = join(problems);
  }
  bool usable() const { return problem.empty(); }
  bool is_sink() const { return descriptor->kind == SLUICE_KIND_SINK; }
  CheckResult unusable() const {
    return skip("the plugin cannot be driven (see the descriptor check): " + problem);
  }
};

// ------------------------------------------------------------------------------------------------
// Driving instances
// ------------------------------------------------------------------------------------------------

// Every status the plugin returned during a check, and what was wrong with them.
class StatusLog {
 public:
  void record(const std::string& call, const CallResult& result) {
    ++calls_;
    if (!is_known_status(result.status)) {
      add_problem(call + " returned " + status_name(result.status) +
                  ", which is not one of the six status codes (the host treats it as FATAL)");
    } else if (result.status != SLUICE_OK && result.error.empty()) {
      add_problem(call + " returned " + status_name(result.status) +
                  " without a message (call host->set_error before returning)");
    }
    if (result.status != SLUICE_OK) {
      Seen& seen = seen_[call + " returned " + status_name(result.status)];
      if (seen.count++ == 0) seen.message = result.error;
    }
  }
  size_t calls() const { return calls_; }
  const std::vector<std::string>& problems() const { return problems_; }
  // "write returned RETRY 4x (first: ...)" for every non-OK status, or "every call returned OK".
  std::string summary() const {
    if (seen_.empty()) return "every call returned OK";
    std::vector<std::string> parts;
    for (const auto& [what, seen] : seen_) {
      std::string part = what + (seen.count > 1 ? " " + std::to_string(seen.count) + "x" : "");
      if (!seen.message.empty()) part += " (\"" + seen.message + "\")";
      parts.push_back(part);
    }
    return join(parts);
  }

 private:
  struct Seen {
    int count = 0;
    std::string message;
  };
  void add_problem(std::string problem) {
    for (const std::string& known : problems_) {
      if (known == problem) return;
    }
    problems_.push_back(std::move(problem));
  }
  size_t calls_ = 0;
  std::vector<std::string> problems_;
  std::map<std::string, Seen> seen_;
};

// Tracks one sink instance's durable watermark against what was written to it.
struct Watermarks {
  int64_t reported = 0;         // what flush last said (goes in as flush's *durable_ts)
  int64_t highest_written = 0;  // the largest commit_ts written (the resume checkpoint: 0)
  std::string problem;

  void flushed(const std::string& instance, int64_t watermark) {
    if (!problem.empty()) return;
    if (watermark < reported) {
      problem = instance + ": flush's durable watermark went backwards from " +
                std::to_string(reported) + " to " + std::to_string(watermark);
    } else if (watermark > highest_written) {
      problem = instance + ": flush reported durable watermark " + std::to_string(watermark) +
                ", beyond the highest commit_ts written (" + std::to_string(highest_written) + ")";
    }
    reported = watermark;
  }
  void check_acks(const PluginInstance& instance) {
    for (int64_t ack : instance.context().acks()) {
      if (problem.empty() && ack > highest_written) {
        problem = instance.context().instance_name() + ": ack_durable(" + std::to_string(ack) +
                  ") is beyond the highest commit_ts written (" + std::to_string(highest_written) +
                  ")";
      }
    }
  }
};

void back_off(int attempt) {
  std::this_thread::sleep_for(std::chrono::milliseconds(1 << (attempt - 1)));
}

// Writes one stamped batch as the host does: on RETRY the same batch again, up to kMaxAttempts.
CallResult write_batch(PluginInstance& sink, const sluice_batch_t* stamped, const std::string& what,
                       StatusLog* log) {
  CallResult result;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    note_step("write of " + what + " to " + sink.context().instance_name() +
              (attempt > 1 ? " (attempt " + std::to_string(attempt) + ")" : ""));
    result = sink.write(stamped);
    if (log) log->record("write", result);
    if (result.status != SLUICE_RETRY) return result;
    back_off(attempt);
  }
  return result;
}

CallResult flush_sink(PluginInstance& sink, Watermarks& marks, StatusLog* log) {
  CallResult result;
  for (int attempt = 1; attempt <= kMaxAttempts; ++attempt) {
    note_step("flush of " + sink.context().instance_name());
    int64_t watermark = marks.reported;
    result = sink.flush(watermark);
    if (log) log->record("flush", result);
    if (result.ok()) marks.flushed(sink.context().instance_name(), watermark);
    if (result.status != SLUICE_RETRY) return result;
    back_off(attempt);
  }
  return result;
}

// Hands a batch to an instance of any kind: a sink writes it (with retries), a filter filters
// it, a translator encodes each transaction. `problem` gets a contract violation the call
// itself cannot show (a keep mask with values other than 0 and 1).
CallResult process(PluginInstance& instance, Delivery& delivery, const TestBatch& batch,
                   StatusLog* log, std::string& problem) {
  const sluice_batch_t* stamped = delivery.stamp(*batch.batch);
  switch (instance.descriptor()->kind) {
    case SLUICE_KIND_FILTER: {
      note_step("filter of " + batch.label + " on " + instance.context().instance_name());
      std::vector<uint8_t> keep;
      CallResult result = instance.filter(stamped, keep);
      if (log) log->record("filter", result);
      for (uint8_t value : keep) {
        if (value > 1 && problem.empty()) {
          problem = "filter wrote " + std::to_string(value) + " into the keep mask (only 0 or 1)";
        }
      }
      return result;
    }
    case SLUICE_KIND_TRANSLATOR: {
      const auto* base = reinterpret_cast<const unsigned char*>(stamped->transactions);
      for (size_t i = 0; i < stamped->transaction_count; ++i) {
        note_step("encode of " + batch.label + " on " + instance.context().instance_name());
        FakeBuffer out;
        CallResult result = instance.encode(
            reinterpret_cast<const sluice_transaction_t*>(base + i * stamped->transaction_size),
            out);
        if (log) log->record("encode", result);
        if (!result.ok()) return result;
      }
      return {};
    }
    default:
      return write_batch(instance, stamped, batch.label, log);
  }
}

std::string call_failed(const std::string& call, const PluginInstance& instance,
                        const CallResult& result) {
  return call + " on " + instance.context().instance_name() + " returned " + result.describe();
}

// Runs `body` on a thread of its own and waits up to `limit`. nullopt: it did not return (the
// thread is left running; the caller must finish_now and touch nothing it uses).
std::optional<CallResult> call_within(const std::function<CallResult()>& body,
                                      std::chrono::milliseconds limit) {
  struct Shared {
    std::mutex mutex;
    std::condition_variable done_changed;
    bool done = false;
    CallResult result;
  };
  auto shared = std::make_shared<Shared>();
  std::thread worker([shared, body] {
    CallResult result = body();
    std::lock_guard lock(shared->mutex);
    shared->result = result;
    shared->done = true;
    shared->done_changed.notify_all();
  });
  std::unique_lock lock(shared->mutex);
  if (!shared->done_changed.wait_for(lock, limit, [&] { return shared->done; })) {
    lock.unlock();
    worker.detach();
    return std::nullopt;
  }
  lock.unlock();
  worker.join();
  return shared->result;
}

std::string seconds_text(std::chrono::milliseconds limit) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g s", static_cast<double>(limit.count()) / 1000.0);
  return text;
}

// The config with `key` replaced by a value of another type.
FakeConfig mistyped(const FakeConfig& config, const std::string& key, int32_t type) {
  FakeConfig copy = config;
  switch (type) {
    case SLUICE_CONFIG_STRING:
      copy.set(key, int64_t{12345});
      break;
    case SLUICE_CONFIG_BOOL:
      copy.set(key, "maybe");
      break;
    case SLUICE_CONFIG_ARRAY:
      copy.set(key, true);
      break;
    default:
      copy.set(key, "not a number");
      break;
  }
  return copy;
}

// ------------------------------------------------------------------------------------------------
// The checks
// ------------------------------------------------------------------------------------------------

CheckResult check_descriptor(const Options& options) {
  FakeHost host;
  if (options.verbose) host.set_log_observer(&print_log);
  std::string error;
  note_step("loading the library");
  std::optional<PluginLibrary> library = PluginLibrary::try_open(options.plugin_path, error);
  if (!library) return fail(error);
  note_step("calling the entry point");
  const sluice_plugin_descriptor_t* d = library->call_entry(host.api());
  std::vector<std::string> problems = fatal_descriptor_problems(d);
  if (d == nullptr) {
    const std::vector<LogLine> logs = host.logs();
    return fail(problems.front() + (logs.empty()
                                        ? std::string(" (it logged nothing)")
                                        : " (it logged: \"" + logs.back().message + "\")"));
  }
  if (problems.empty()) {
    for (std::string& problem : minor_descriptor_problems(d))
      problems.push_back(problem);
  }
  if (d->abi_minor > SLUICE_ABI_VERSION_MINOR) {
    // plugin-api/VERSIONING.md: a host of 1.M refuses a plugin built for 1.m with m > M.
    problems.push_back("built for ABI 1." + std::to_string(d->abi_minor) + ", newer than the 1." +
                       std::to_string(SLUICE_ABI_VERSION_MINOR) +
                       " this tool (and hosts of that version) speak; check it with the "
                       "conformance tool of a newer SDK");
  }
  if (!problems.empty()) return fail(join(problems));
  std::string detail = std::string(kind_name(d->kind)) + " \"" + d->name + "\" " + d->version +
                       ", ABI " + std::to_string(d->abi_major) + "." + std::to_string(d->abi_minor);
  std::vector<std::string> capabilities;
  if (d->capabilities & SLUICE_CAP_CONCURRENT_WRITES) capabilities.push_back("concurrent-writes");
  if (d->capabilities & SLUICE_CAP_ASYNC_ACK) capabilities.push_back("async-ack");
  if (d->capabilities & SLUICE_CAP_IDEMPOTENT) capabilities.push_back("idempotent");
  const uint32_t unknown =
      d->capabilities &
      ~uint32_t{SLUICE_CAP_CONCURRENT_WRITES | SLUICE_CAP_ASYNC_ACK | SLUICE_CAP_IDEMPOTENT};
  if (unknown != 0) capabilities.push_back("unknown bits " + std::to_string(unknown));
  detail +=
      ", capabilities: " + (capabilities.empty() ? std::string("none") : join(capabilities, ", "));
  return pass(detail);
}

CheckResult check_manifest(const Options& options) {
  std::optional<Manifest> manifest;
  try {
    manifest = read_manifest(options.plugin_path);
  } catch (const std::exception& error) {
    return fail(error.what());
  }
  if (!manifest) {
    std::filesystem::path expected(options.plugin_path);
    expected.replace_extension(".plugin.toml");
    return skip("no manifest beside the library (" + expected.string() +
                "); the host refuses a plugin without one");
  }
  Session session(options);
  if (!session.usable()) return session.unusable();
  const sluice_plugin_descriptor_t* d = session.descriptor;
  std::vector<std::string> problems;
  auto compare_text = [&](const char* field, const std::optional<std::string>& in_manifest,
                          const std::string& actual, const char* actual_source) {
    if (!in_manifest) {
      problems.push_back(std::string("the manifest has no '") + field + "'");
    } else if (*in_manifest != actual) {
      problems.push_back(std::string("manifest ") + field + " \"" + *in_manifest + "\" but " +
                         actual_source + " \"" + actual + "\"");
    }
  };
  auto compare_number = [&](const char* field, const std::optional<int64_t>& in_manifest,
                            int64_t actual) {
    if (!in_manifest) {
      problems.push_back(std::string("the manifest has no '") + field + "'");
    } else if (*in_manifest != actual) {
      problems.push_back(std::string("manifest ") + field + " " + std::to_string(*in_manifest) +
                         " but the descriptor says " + std::to_string(actual));
    }
  };
  compare_text("name", manifest->name, d->name ? d->name : "", "the descriptor says");
  compare_text("kind", manifest->kind, kind_name(d->kind), "the descriptor says");
  compare_number("abi_major", manifest->abi_major, d->abi_major);
  compare_number("abi_minor", manifest->abi_minor, d->abi_minor);
  compare_text("platform", manifest->platform, host_platform(), "this host is");
  compare_text("library", manifest->library,
               std::filesystem::path(options.plugin_path).filename().string(), "the file is");
  if (!problems.empty()) return fail(join(problems));
  std::string detail = "name, kind, ABI " + std::to_string(*manifest->abi_major) + "." +
                       std::to_string(*manifest->abi_minor) + ", platform " + *manifest->platform +
                       " and library match";
  if (manifest->version && d->version && *manifest->version != d->version) {
    detail += " (note: manifest version " + *manifest->version + ", descriptor version " +
              d->version + ")";
  }
  return pass(detail);
}

CheckResult check_validate(const Options& options) {
  Session session(options);
  if (!session.usable()) return session.unusable();
  PluginInstance validator(session.host, session.descriptor, "conformance-validate");
  note_step("validate");
  const CallResult result = validator.validate(options.config);
  if (!result.ok()) {
    return fail("validate rejected the given config: " + result.describe() +
                " (pass a valid one with --config or --set)");
  }
  const size_t keys = options.config.entries().size();
  return pass("validate accepted the config (" + std::to_string(keys) +
              (keys == 1 ? " key)" : " keys)"));
}

CheckResult check_failed_create(const Options& options) {
  if (!options.invalid_config) {
    return skip("no invalid config given (add --invalid-set key=value)");
  }
  Session session(options);
  if (!session.usable()) return session.unusable();
  PluginInstance instance(session.host, session.descriptor, "conformance-invalid");
  note_step("validate of the invalid config");
  const CallResult validated = instance.validate(*options.invalid_config);
  if (!validated.ok()) {
    if (validated.status != SLUICE_INVALID_CONFIG) {
      return fail("validate returned " + validated.describe() +
                  " for the invalid config; it must return INVALID_CONFIG");
    }
    if (validated.error.empty()) {
      return fail("validate returned INVALID_CONFIG without a message (name the key and why)");
    }
    return pass("validate rejected it: " + validated.describe());
  }
  note_step("create with the invalid config");
  const CallResult created = instance.create(*options.invalid_config);
  note_step("destroy after create with the invalid config");
  instance.destroy();
  if (created.ok()) {
    return fail("validate and create both accepted the invalid config");
  }
  if (!is_known_status(created.status)) {
    return fail("create returned " + status_name(created.status) +
                ", which is not one of the six status codes");
  }
  if (created.error.empty()) {
    return fail("create failed with " + status_name(created.status) + " but without a message");
  }
  return pass("validate accepted it (no I/O), create failed: " + created.describe() +
              "; destroy after the failed create was safe");
}

CheckResult check_several_instances(const Options& options) {
  Session session(options);
  if (!session.usable()) return session.unusable();
  const bool sink = session.is_sink();
  std::vector<TestBatch> batches = standard_batches(options.dml_batches);
  std::vector<std::unique_ptr<PluginInstance>> instances;
  std::vector<Delivery> deliveries(kInstances);
  std::vector<Watermarks> marks(kInstances);
  std::vector<bool> opened(kInstances, false);
  // On failure: close what was opened (the host does), then the destructors destroy.
  auto failed = [&](std::string why) {
    for (size_t i = 0; i < instances.size(); ++i) {
      if (opened[i]) instances[i]->close();
    }
    return fail(std::move(why));
  };

  std::set<void*> pointers;
  for (int i = 0; i < kInstances; ++i) {
    instances.push_back(std::make_unique<PluginInstance>(session.host, session.descriptor,
                                                         "conformance-" + std::to_string(i + 1)));
    note_step("create of conformance-" + std::to_string(i + 1));
    const CallResult created = instances[i]->create(options.config);
    if (!created.ok()) return failed(call_failed("create", *instances[i], created));
    void* pointer = instances[i]->raw_instance();
    if (pointer != nullptr && !pointers.insert(pointer).second) {
      return failed("create returned the same instance pointer for two instances");
    }
  }
  if (sink) {
    for (int i = 0; i < kInstances; ++i) {
      note_step("open of " + instances[i]->context().instance_name());
      const CallResult result = instances[i]->open(0);
      if (!result.ok()) return failed(call_failed("open", *instances[i], result));
      opened[i] = true;
    }
  }
  std::string problem;
  for (const TestBatch& batch : batches) {
    if (sink && batch.ddl) {
      for (int i = 0; i < kInstances; ++i) {
        const CallResult result = flush_sink(*instances[i], marks[i], nullptr);
        if (!result.ok()) return failed(call_failed("flush", *instances[i], result));
      }
    }
    for (int i = 0; i < kInstances; ++i) {
      const CallResult result = process(*instances[i], deliveries[i], batch, nullptr, problem);
      if (!result.ok()) {
        return failed(call_failed(sink ? "write of " + batch.label : "a call for " + batch.label,
                                  *instances[i], result));
      }
      if (!problem.empty()) return failed(problem);
      marks[i].highest_written = batch.last_commit_ts;
    }
    if (sink) {
      for (int i = 0; i < kInstances; ++i) {
        const CallResult result = flush_sink(*instances[i], marks[i], nullptr);
        if (!result.ok()) return failed(call_failed("flush", *instances[i], result));
        if (!marks[i].problem.empty()) return failed(marks[i].problem);
      }
    }
  }
  std::string detail = std::to_string(kInstances) + " instances, " +
                       std::to_string(batches.size()) + " batches each, interleaved";
  if (sink) {
    for (int i = 0; i < kInstances; ++i) {
      note_step("close of " + instances[i]->context().instance_name());
      opened[i] = false;
      const CallResult result = instances[i]->close();
      if (!result.ok()) return failed(call_failed("close", *instances[i], result));
      marks[i].check_acks(*instances[i]);
      if (!marks[i].problem.empty()) return failed(marks[i].problem);
    }
    std::vector<std::string> watermarks;
    for (const Watermarks& mark : marks)
      watermarks.push_back(std::to_string(mark.reported));
    detail += "; durable watermarks " + join(watermarks, ", ") + " of " +
              std::to_string(batches.back().last_commit_ts);
  }
  for (auto& instance : instances) {
    note_step("destroy of " + instance->context().instance_name());
    instance->destroy();
  }
  return pass(detail);
}

CheckResult check_write_flush_close(const Options& options) {
  Session session(options);
  if (!session.usable()) return session.unusable();
  if (!session.is_sink())
    return skip(std::string("not a sink (") + kind_name(session.descriptor->kind) + ")");
  std::vector<TestBatch> batches = standard_batches(options.dml_batches);
  PluginInstance sink(session.host, session.descriptor, "conformance-order");
  Delivery delivery;
  Watermarks marks;
  note_step("create");
  CallResult result = sink.create(options.config);
  if (!result.ok()) return fail(call_failed("create", sink, result));
  note_step("open");
  result = sink.open(0);
  if (!result.ok()) return fail(call_failed("open", sink, result));
  auto failed = [&](std::string why) {
    sink.close();
    return fail(std::move(why));
  };
  // A flush before anything was written may report at most the resume checkpoint (0).
  result = flush_sink(sink, marks, nullptr);
  if (!result.ok()) return failed(call_failed("flush before any write", sink, result));
  int flushes = 1;
  for (size_t index = 0; index < batches.size(); ++index) {
    const TestBatch& batch = batches[index];
    if (batch.ddl) {
      result = flush_sink(sink, marks, nullptr);
      ++flushes;
      if (!result.ok()) return failed(call_failed("flush", sink, result));
    }
    result = write_batch(sink, delivery.stamp(*batch.batch), batch.label, nullptr);
    if (!result.ok()) return failed(call_failed("write of " + batch.label, sink, result));
    marks.highest_written = batch.last_commit_ts;
    // Flush after every other batch and after the DDL, so some flushes cover two batches.
    if (batch.ddl || index % 2 == 1 || index + 1 == batches.size()) {
      result = flush_sink(sink, marks, nullptr);
      ++flushes;
      if (!result.ok()) return failed(call_failed("flush", sink, result));
    }
    if (!marks.problem.empty()) return failed(marks.problem);
  }
  // Nothing new written: a second flush must not go backwards.
  result = flush_sink(sink, marks, nullptr);
  ++flushes;
  if (!result.ok()) return failed(call_failed("flush", sink, result));
  if (!marks.problem.empty()) return failed(marks.problem);
  note_step("close");
  result = sink.close();
  if (!result.ok()) return fail(call_failed("close after flush", sink, result));
  marks.check_acks(sink);
  if (!marks.problem.empty()) return fail(marks.problem);
  note_step("destroy");
  sink.destroy();
  std::string detail = std::to_string(batches.size()) + " batches, " + std::to_string(flushes) +
                       " flushes; the durable watermark never went backwards and reached " +
                       std::to_string(marks.reported) + " of " +
                       std::to_string(marks.highest_written) + "; close OK";
  if (marks.reported < marks.highest_written) {
    const auto acked = sink.context().acked_durable();
    detail += acked ? " (ack_durable reached " + std::to_string(*acked) + ")"
                    : " (note: flush never reported everything written as durable)";
  }
  return pass(detail);
}

CheckResult check_statuses(const Options& options) {
  Session session(options);
  if (!session.usable()) return session.unusable();
  const bool sink = session.is_sink();
  std::vector<TestBatch> batches = standard_batches(options.dml_batches);
  batches.push_back(edge_case_batch(batches.back().last_commit_ts + 10));
  PluginInstance instance(session.host, session.descriptor, "conformance-statuses");
  StatusLog log;
  Delivery delivery;
  Watermarks marks;
  std::string fatal;  // the call that ended the instance, if one did

  note_step("validate");
  log.record("validate", instance.validate(options.config));
  note_step("create");
  const CallResult created = instance.create(options.config);
  log.record("create", created);
  bool opened = false;
  if (created.ok() && sink) {
    note_step("open");
    const CallResult result = instance.open(0);
    log.record("open", result);
    opened = true;
    if (!result.ok()) fatal = "open returned " + status_name(result.status);
  } else if (!created.ok()) {
    fatal = "create returned " + status_name(created.status);
  }
  std::string problem;
  int gave_up = 0;
  int rejected = 0;
  for (const TestBatch& batch : batches) {
    if (!fatal.empty()) break;
    if (sink && batch.ddl) {
      const CallResult result = flush_sink(instance, marks, &log);
      if (!result.ok() && result.status != SLUICE_RETRY)
        fatal = "flush returned " + status_name(result.status);
      if (!fatal.empty()) break;
    }
    const CallResult result = process(instance, delivery, batch, &log, problem);
    if (result.status == SLUICE_RETRY) {
      ++gave_up;  // the host would give up on the batch after its retries and stop
      fatal = "write kept returning RETRY";
    } else if (result.status == SLUICE_REJECTED) {
      ++rejected;  // dead-letter the batch and go on
    } else if (!result.ok()) {
      fatal = (sink ? "write of " : "a call for ") + batch.label + " returned " +
              status_name(result.status);
    }
    marks.highest_written = batch.last_commit_ts;
  }
  if (sink && fatal.empty()) flush_sink(instance, marks, &log);
  if (opened) {
    note_step(fatal.empty() ? std::string("close") : "close after " + fatal);
    log.record("close", instance.close());
  }
  note_step(fatal.empty() ? std::string("destroy") : "destroy after " + fatal);
  instance.destroy();

  std::vector<std::string> problems = log.problems();
  if (!problem.empty()) problems.push_back(problem);
  if (!problems.empty()) return fail(join(problems));
  std::string detail = std::to_string(log.calls()) + " calls: " + log.summary();
  if (gave_up > 0) detail += "; gave up after " + std::to_string(kMaxAttempts) + " attempts";
  if (rejected > 0) detail += "; " + std::to_string(rejected) + " batches rejected";
  if (!fatal.empty() && opened) detail += "; close and destroy after it worked";
  return pass(detail);
}

CheckResult check_exceptions(const Options& options) {
  Session session(options);
  if (!session.usable()) return session.unusable();
  const bool sink = session.is_sink();
  size_t calls = 0;
  std::string first_failure;
  auto note = [&](const std::string& call, const CallResult& result) {
    ++calls;
    if (!result.ok() && first_failure.empty()) first_failure = call + " -> " + result.describe();
  };

  // validate sees missing keys and keys of the wrong type.
  {
    PluginInstance probe(session.host, session.descriptor, "conformance-exceptions-validate");
    note_step("validate with an empty config");
    probe.validate(FakeConfig());
    ++calls;
    for (const auto& [key, value] : options.config.entries()) {
      note_step("validate with '" + key + "' of the wrong type");
      probe.validate(mistyped(options.config, key, value.type()));
      ++calls;
    }
  }
  // Then a whole lifecycle over every batch, the awkward values included.
  std::vector<TestBatch> batches = standard_batches(options.dml_batches);
  batches.push_back(edge_case_batch(batches.back().last_commit_ts + 10));
  PluginInstance instance(session.host, session.descriptor, "conformance-exceptions");
  Delivery delivery;
  Watermarks marks;
  note_step("create");
  const CallResult created = instance.create(options.config);
  note("create", created);
  if (created.ok()) {
    bool stopped = false;
    if (sink) {
      note_step("open");
      const CallResult result = instance.open(0);
      note("open", result);
      stopped = !result.ok();
    }
    std::string ignored;
    for (const TestBatch& batch : batches) {
      if (stopped) break;
      if (sink && batch.ddl) note("flush", flush_sink(instance, marks, nullptr));
      const CallResult result = process(instance, delivery, batch, nullptr, ignored);
      note(sink ? "write" : "call", result);
      stopped = !result.ok() && result.status != SLUICE_REJECTED;
    }
    if (sink) {
      if (!stopped) note("flush", flush_sink(instance, marks, nullptr));
      note_step("close");
      note("close", instance.close());
    }
  }
  note_step("destroy");
  instance.destroy();
  return pass("no exception escaped in " + std::to_string(calls) +
              " calls (missing and mistyped config keys, every batch with awkward values)" +
              (first_failure.empty() ? "" : "; failures came back as statuses: " + first_failure));
}

// For the shutdown check: runs `body` (a call on `sink`) within `limit`. If it does not return,
// reports `stuck` and ends the process at once, never destroying the instance under the thread
// that is still inside it.
CallResult call_or_finish(std::unique_ptr<PluginInstance>& sink,
                          const std::function<CallResult()>& body, std::chrono::milliseconds limit,
                          const std::string& stuck) {
  std::optional<CallResult> result = call_within(body, limit);
  if (!result) {
    (void)sink.release();
    finish_now(fail(stuck));
  }
  return *result;
}

// Creates and opens a sink; the failure, or an empty string.
std::string create_and_open(PluginInstance& sink, const Options& options) {
  note_step("create");
  CallResult result = sink.create(options.config);
  if (!result.ok()) return call_failed("create", sink, result);
  note_step("open");
  result = sink.open(0);
  if (!result.ok()) return call_failed("open", sink, result);
  return {};
}

// Closes a sink after the stop (bounded) and destroys it; the failure, or an empty string.
std::string close_after_stop(std::unique_ptr<PluginInstance>& sink, const Options& options,
                             const std::string& when) {
  note_step("close " + when);
  PluginInstance* raw = sink.get();
  const CallResult closed = call_or_finish(
      sink, [raw] { return raw->close(); }, options.stop_timeout,
      "close did not return within " + seconds_text(options.stop_timeout) + " " + when);
  if (!closed.ok()) return "close " + when + " returned " + closed.describe();
  note_step("destroy");
  sink->destroy();
  return {};
}

CheckResult check_shutdown(const Options& options) {
  Session session(options);
  if (!session.usable()) return session.unusable();
  if (!session.is_sink()) {
    return skip(std::string("not a sink (") + kind_name(session.descriptor->kind) + ")");
  }
  std::vector<TestBatch> batches = standard_batches(options.dml_batches);
  const std::string limit = seconds_text(options.stop_timeout);
  std::string seen;

  // 1. The stop flag is already set when write is called.
  {
    auto sink =
        std::make_unique<PluginInstance>(session.host, session.descriptor, "conformance-stop-1");
    if (std::string failure = create_and_open(*sink, options); !failure.empty()) {
      return fail(failure);
    }
    Delivery delivery;
    Watermarks marks;
    const CallResult first =
        write_batch(*sink, delivery.stamp(*batches[0].batch), batches[0].label, nullptr);
    if (first.ok()) {
      flush_sink(*sink, marks, nullptr);
      session.host.request_stop(true);
      const TestBatch& next = batches[1 % batches.size()];
      const sluice_batch_t* stamped = delivery.stamp(*next.batch);
      note_step("write of " + next.label + " with the stop flag set");
      PluginInstance* raw = sink.get();
      const CallResult written = call_or_finish(
          sink, [raw, stamped] { return raw->write(stamped); }, options.stop_timeout,
          "write did not return within " + limit +
              " of being called with the stop flag set (it must check "
              "host->stop_requested and return, e.g. with RETRY)");
      if (!is_known_status(written.status)) {
        return fail("write with the stop flag set returned " + status_name(written.status));
      }
      seen = "write with the stop flag set returned " + status_name(written.status);
    } else {
      // The instance is finished before the stop (the host closes it): only close is checked.
      session.host.request_stop(true);
      seen = "write returned " + status_name(first.status) + " before the stop";
    }
    if (std::string failure = close_after_stop(sink, options, "with the stop flag set");
        !failure.empty()) {
      return fail(failure);
    }
  }

  // 2. The stop flag is set from another thread while the host is writing.
  session.host.request_stop(false);
  {
    auto sink =
        std::make_unique<PluginInstance>(session.host, session.descriptor, "conformance-stop-2");
    if (std::string failure = create_and_open(*sink, options); !failure.empty()) {
      return fail(failure);
    }
    PluginInstance* raw = sink.get();
    FakeHost* host = &session.host;
    const std::vector<TestBatch>* all = &batches;
    // Writes the batches until the host stops, as the host's writer loop would.
    auto writer = [raw, host, all]() -> CallResult {
      Delivery delivery;
      Watermarks marks;
      for (const TestBatch& batch : *all) {
        if (host->stop_flag()) break;
        if (batch.ddl) flush_sink(*raw, marks, nullptr);
        const CallResult result = raw->write(delivery.stamp(*batch.batch));
        if (result.status != SLUICE_OK && result.status != SLUICE_RETRY) return result;
      }
      return {};
    };
    std::thread stopper([host] {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      host->request_stop(true);
    });
    note_step("writing while the stop flag is set from another thread");
    std::optional<CallResult> written = call_within(writer, options.stop_timeout);
    stopper.join();
    if (!written) {
      (void)sink.release();
      finish_now(fail("write did not return within " + limit +
                      " after the stop flag was set during the call"));
    }
    if (std::string failure = close_after_stop(sink, options, "after the stop"); !failure.empty()) {
      return fail(failure);
    }
  }
  return pass(seen + "; writes stopped within " + limit +
              " when the flag was set mid-write; close and destroy OK both times");
}

}  // namespace

const std::vector<Check>& all_checks() {
  static const std::vector<Check> checks = {
      {"descriptor", "entry symbol and descriptor sanity", &check_descriptor},
      {"manifest", "the sidecar manifest matches the descriptor", &check_manifest},
      {"validate", "validate accepts the given config", &check_validate},
      {"failed-create", "an invalid config fails validate or create; destroy is safe",
       &check_failed_create},
      {"several-instances", "three instances at once, the same batches interleaved",
       &check_several_instances},
      {"write-flush-close", "write/flush/close order and the durable watermark",
       &check_write_flush_close},
      {"statuses", "every status is known, has a message, and FATAL can be closed",
       &check_statuses},
      {"exceptions", "no exception escapes the plugin", &check_exceptions},
      {"shutdown", "write returns soon once the stop flag is set", &check_shutdown},
  };
  return checks;
}

}  // namespace sluice::conformance
