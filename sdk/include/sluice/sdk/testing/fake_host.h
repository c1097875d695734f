#pragma once
// FakeHost: a complete in-memory implementation of the host services (sluice_host_api_t), for
// plugin unit tests and for the conformance tool (sluice-plugin-conformance).
//
//   using namespace sluice::sdk::testing;
//   FakeHost host;
//   PluginInstance sink(host, host.load_plugin("build/plugins/my-sink.so"), "my-sink");
//   FakeConfig config{{"path", "/tmp/out.jsonl"}, {"fsync", false}};
//   EXPECT_EQ(sink.validate(config).status, SLUICE_OK);
//   EXPECT_EQ(sink.create(config).status, SLUICE_OK);
//   ...
//   EXPECT_EQ(host.metric_value("my_sink_rows_total"), 3);
//
// A test that links the plugin's sources directly can skip the .so:
// PluginInstance sink(host, sluice_plugin_entry_v1(host.api()), "my-sink").
//
// Ownership and lifetime: the FakeHost owns every context, metric handle and translate buffer it
// hands out; they stay valid until it is destroyed, which must come after every plugin instance
// that uses it was destroyed. A FakeConfig passed to a call must outlive that call; strings a
// plugin got from it stay valid as long as the FakeConfig. Libraries opened through PluginLibrary
// are never unloaded, as in the real host.
// Threads: every host API function is thread-safe and noexcept (the ABI requires both), and so are
// the accessors of FakeHost and FakeContext. A PluginInstance is driven by one thread at a time,
// like an instance in the real host. Calls a plugin makes with a NULL context (such as
// host->log(NULL, ...) from its entry point) are recorded by the most recently constructed FakeHost
// that is still alive, on its host_context().
// Header-only; link the CMake target Sluice::testing (it adds the dl library).

#include <dlfcn.h>
#include <sluice/plugin_abi.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace sluice::sdk::testing {

// ------------------------------------------------------------------------------------------------
// Status names
// ------------------------------------------------------------------------------------------------

inline bool is_known_status(sluice_status_t status) {
  return status >= SLUICE_OK && status <= SLUICE_REJECTED;
}

// "OK", "RETRY", ... or "unknown status 42".
inline std::string status_name(sluice_status_t status) {
  switch (status) {
    case SLUICE_OK:
      return "OK";
    case SLUICE_RETRY:
      return "RETRY";
    case SLUICE_FATAL:
      return "FATAL";
    case SLUICE_INVALID_CONFIG:
      return "INVALID_CONFIG";
    case SLUICE_UNSUPPORTED:
      return "UNSUPPORTED";
    case SLUICE_REJECTED:
      return "REJECTED";
    default:
      return "unknown status " + std::to_string(status);
  }
}

// ------------------------------------------------------------------------------------------------
// Configuration
// ------------------------------------------------------------------------------------------------

// A value the ABI has no getter for: a date or time, or an array that is not all strings. `type`
// is what config_type reports (SLUICE_CONFIG_OTHER or SLUICE_CONFIG_ARRAY); `array_size` is the
// length config_array_size reports for an array.
struct ConfigOther {
  int32_t type = SLUICE_CONFIG_OTHER;
  size_t array_size = 0;
};

// One typed config value: bool, integer, double, string, array of strings, or "other".
class ConfigValue {
 public:
  using Storage =
      std::variant<bool, int64_t, double, std::string, std::vector<std::string>, ConfigOther>;

  ConfigValue(bool value) : storage_(value) {}  // NOLINT: implicit on purpose, as for all below
  template <std::integral T>
  requires(!std::same_as<T, bool>) ConfigValue(T value) : storage_(static_cast<int64_t>(value)) {}
  ConfigValue(double value) : storage_(value) {}
  ConfigValue(const char* value) : storage_(std::string(value)) {}
  ConfigValue(std::string value) : storage_(std::move(value)) {}
  ConfigValue(std::string_view value) : storage_(std::string(value)) {}
  ConfigValue(std::vector<std::string> value) : storage_(std::move(value)) {}
  ConfigValue(ConfigOther value) : storage_(value) {}

  // SLUICE_CONFIG_BOOL, _INT, _DOUBLE, _STRING, _ARRAY or _OTHER.
  int32_t type() const {
    switch (storage_.index()) {
      case 0:
        return SLUICE_CONFIG_BOOL;
      case 1:
        return SLUICE_CONFIG_INT;
      case 2:
        return SLUICE_CONFIG_DOUBLE;
      case 3:
        return SLUICE_CONFIG_STRING;
      case 4:
        return SLUICE_CONFIG_ARRAY;
      default:
        return std::get<ConfigOther>(storage_).type;
    }
  }
  const Storage& storage() const { return storage_; }
  template <typename T>
  const T* get_if() const {
    return std::get_if<T>(&storage_);
  }

  // The value as TOML-like text, for messages: true, 42, 1.5, "text", ["a", "b"].
  std::string to_string() const {
    switch (storage_.index()) {
      case 0:
        return std::get<bool>(storage_) ? "true" : "false";
      case 1:
        return std::to_string(std::get<int64_t>(storage_));
      case 2:
        return std::to_string(std::get<double>(storage_));
      case 3:
        return "\"" + std::get<std::string>(storage_) + "\"";
      case 4: {
        std::string text = "[";
        for (const std::string& item : std::get<std::vector<std::string>>(storage_)) {
          if (text.size() > 1) text += ", ";
          text += "\"" + item + "\"";
        }
        return text + "]";
      }
      default:
        return "<other>";
    }
  }

  // Reads the value side of a command-line `key=value`: true/false, an integer, a floating-point
  // number, a "quoted string", a [list, "of", strings]; anything else is taken as a plain string.
  static ConfigValue parse(std::string_view text) {
    const std::string_view trimmed = trim(text);
    if (trimmed == "true") return ConfigValue(true);
    if (trimmed == "false") return ConfigValue(false);
    if (trimmed.size() >= 2 && trimmed.front() == '"' && trimmed.back() == '"') {
      return ConfigValue(std::string(trimmed.substr(1, trimmed.size() - 2)));
    }
    if (trimmed.size() >= 2 && trimmed.front() == '[' && trimmed.back() == ']') {
      std::vector<std::string> items;
      std::string_view rest = trimmed.substr(1, trimmed.size() - 2);
      while (!trim(rest).empty()) {
        const size_t comma = rest.find(',');
        std::string_view item = trim(rest.substr(0, comma));
        if (item.size() >= 2 && item.front() == '"' && item.back() == '"') {
          item = item.substr(1, item.size() - 2);
        }
        items.emplace_back(item);
        if (comma == std::string_view::npos) break;
        rest = rest.substr(comma + 1);
      }
      return ConfigValue(std::move(items));
    }
    const std::string copy(trimmed);
    if (!copy.empty()) {
      const bool integral = copy.find_first_not_of("+-0123456789") == std::string::npos;
      char* end = nullptr;
      errno = 0;
      if (integral) {
        const long long number = std::strtoll(copy.c_str(), &end, 10);
        if (errno == 0 && end == copy.c_str() + copy.size()) {
          return ConfigValue(static_cast<int64_t>(number));
        }
      } else if (copy.find_first_not_of("+-0123456789.eE") == std::string::npos) {
        const double number = std::strtod(copy.c_str(), &end);
        if (errno == 0 && end == copy.c_str() + copy.size()) return ConfigValue(number);
      }
    }
    return ConfigValue(copy);
  }

 private:
  static std::string_view trim(std::string_view text) {
    while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
      text.remove_prefix(1);
    while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
      text.remove_suffix(1);
    return text;
  }

  Storage storage_;
};

// One instance's config table as a flat map of dotted keys ("security.ssl-ca") to values. A key
// that is a proper prefix of others ("security") reads as a table. Arrays of tables are written
// with indexed keys, as the host API reads them: {"ignore-table[0].db-name", "test"} makes
// "ignore-table" an array (config_array_size gives the highest index + 1) and "ignore-table[0]" a
// table. Secrets: config_get_secret
// returns "${NAME}" values from the environment and decrypts `encrypted_<key>` entries with the
// decryptor (without one they fail as the real host does with a wrong key).
class FakeConfig {
 public:
  using Entries = std::map<std::string, ConfigValue, std::less<>>;
  using Decryptor = std::function<std::optional<std::string>(std::string_view ciphertext)>;

  FakeConfig() = default;
  FakeConfig(std::initializer_list<std::pair<const std::string, ConfigValue>> entries)
      : entries_(entries) {}
  explicit FakeConfig(Entries entries) : entries_(std::move(entries)) {}
  FakeConfig(const FakeConfig& other) : entries_(other.entries_), decryptor_(other.decryptor_) {}
  FakeConfig& operator=(const FakeConfig& other) {
    if (this != &other) {
      entries_ = other.entries_;
      decryptor_ = other.decryptor_;
      std::lock_guard lock(secrets_mutex_);
      secrets_.clear();
    }
    return *this;
  }

  FakeConfig& set(std::string key, ConfigValue value) {
    entries_.insert_or_assign(std::move(key), std::move(value));
    return *this;
  }
  FakeConfig& erase(std::string_view key) {
    if (auto found = entries_.find(key); found != entries_.end()) entries_.erase(found);
    return *this;
  }
  // Sets every entry of `other`, replacing entries with the same key.
  FakeConfig& merge(const FakeConfig& other) {
    for (const auto& [key, value] : other.entries_)
      set(key, value);
    return *this;
  }
  FakeConfig& set_decryptor(Decryptor decryptor) {
    decryptor_ = std::move(decryptor);
    return *this;
  }

  const Entries& entries() const { return entries_; }
  const ConfigValue* find(std::string_view key) const {
    auto found = entries_.find(key);
    return found == entries_.end() ? nullptr : &found->second;
  }

  // What config_type reports for `key`.
  int32_t type_of(std::string_view key) const {
    if (const ConfigValue* value = find(key)) return value->type();
    if (key.empty()) return SLUICE_CONFIG_TABLE;
    for (auto it = entries_.lower_bound(key); it != entries_.end(); ++it) {
      const std::string_view candidate = it->first;
      if (candidate.substr(0, key.size()) != key) break;
      if (candidate.size() <= key.size()) continue;
      if (candidate[key.size()] == '.') return SLUICE_CONFIG_TABLE;
      if (candidate[key.size()] == '[') return SLUICE_CONFIG_ARRAY;
    }
    return SLUICE_CONFIG_ABSENT;
  }

  // The length of an array written with indexed keys ("key[0]...", "key[3]..." -> 4); nullopt
  // when no entry indexes `key`.
  std::optional<size_t> indexed_size(std::string_view key) const {
    std::optional<size_t> size;
    for (auto it = entries_.lower_bound(key); it != entries_.end(); ++it) {
      const std::string_view candidate = it->first;
      if (candidate.substr(0, key.size()) != key) break;
      if (candidate.size() <= key.size() + 2 || candidate[key.size()] != '[') continue;
      const size_t close = candidate.find(']', key.size());
      if (close == std::string_view::npos) continue;
      size_t index = 0;
      bool digits = close > key.size() + 1;
      for (const char digit : candidate.substr(key.size() + 1, close - key.size() - 1)) {
        if (digit < '0' || digit > '9') digits = false;
        index = index * 10 + static_cast<size_t>(digit - '0');
      }
      if (digits) size = std::max(size.value_or(0), index + 1);
    }
    return size;
  }

  const sluice_config_t* raw() const { return reinterpret_cast<const sluice_config_t*>(this); }
  static const FakeConfig* from_raw(const sluice_config_t* config) {
    return reinterpret_cast<const FakeConfig*>(config);
  }

  // Resolves a secret as config_get_secret does; the string lives as long as this config.
  std::optional<sluice_str_t> resolve_secret(std::string_view key) const {
    std::string encrypted_key(key);
    const size_t dot = encrypted_key.rfind('.');
    encrypted_key.insert(dot == std::string::npos ? 0 : dot + 1, "encrypted_");
    if (const ConfigValue* encrypted = find(encrypted_key)) {
      const std::string* ciphertext = encrypted->get_if<std::string>();
      if (ciphertext == nullptr || !decryptor_) return std::nullopt;
      std::optional<std::string> plain = decryptor_(*ciphertext);
      if (!plain) return std::nullopt;
      return keep(std::move(*plain));
    }
    const ConfigValue* value = find(key);
    const std::string* text = value ? value->get_if<std::string>() : nullptr;
    if (text == nullptr) return std::nullopt;
    if (text->size() > 3 && text->starts_with("${") && text->back() == '}') {
      const std::string name = text->substr(2, text->size() - 3);
      const char* from_environment = std::getenv(name.c_str());
      if (from_environment == nullptr) return std::nullopt;
      return keep(from_environment);
    }
    return sluice_str_t{text->data(), text->size()};
  }

 private:
  sluice_str_t keep(std::string text) const {
    std::lock_guard lock(secrets_mutex_);
    const std::string& kept = secrets_.emplace_back(std::move(text));
    return {kept.data(), kept.size()};
  }

  Entries entries_;
  Decryptor decryptor_;
  mutable std::mutex secrets_mutex_;
  mutable std::deque<std::string> secrets_;  // deque: resolved secrets never move
};

// ------------------------------------------------------------------------------------------------
// The host
// ------------------------------------------------------------------------------------------------

class FakeHost;

struct LogLine {
  std::string instance;
  int32_t level = SLUICE_LOG_INFO;
  std::string message;
};

struct MetricSample {
  std::string instance;
  int32_t kind = SLUICE_METRIC_COUNTER;
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value = 0;    // counter and gauge: the value; histogram: the sum of observations
  uint64_t count = 0;  // number of add/set/observe calls
};

// What a host context (one per plugin instance, or per validate call) recorded.
class FakeContext {
 public:
  FakeContext(FakeHost* host, std::string instance_name)
      : host_(host), instance_name_(std::move(instance_name)) {}
  FakeContext(const FakeContext&) = delete;
  FakeContext& operator=(const FakeContext&) = delete;

  sluice_host_context_t* handle() { return reinterpret_cast<sluice_host_context_t*>(this); }
  static FakeContext* from_handle(sluice_host_context_t* context) {
    return reinterpret_cast<FakeContext*>(context);
  }
  FakeHost& host() const { return *host_; }
  const std::string& instance_name() const { return instance_name_; }

  // The last message set_error recorded (empty if none since clear_error) and how many there were.
  std::string last_error() const {
    std::lock_guard lock(mutex_);
    return last_error_;
  }
  size_t error_count() const {
    std::lock_guard lock(mutex_);
    return error_count_;
  }
  void clear_error() {
    std::lock_guard lock(mutex_);
    last_error_.clear();
  }

  // Every ack_durable call in order, and the resulting watermark (backward acks are ignored;
  // nullopt before the first ack).
  std::vector<int64_t> acks() const {
    std::lock_guard lock(mutex_);
    return acks_;
  }
  // The latest pair the plugin passed to report_ts_map.
  std::optional<std::pair<int64_t, int64_t>> reported_ts_map() const {
    std::lock_guard lock(mutex_);
    return ts_map_;
  }
  std::optional<int64_t> acked_durable() const {
    std::lock_guard lock(mutex_);
    return acked_durable_;
  }

  // A stop flag for this context alone; stop_requested() is true if it or the host's is set.
  void request_stop(bool stop = true) { stop_.store(stop); }
  bool stop_flag() const { return stop_.load(); }

 private:
  friend class FakeHost;

  FakeHost* host_;
  std::string instance_name_;
  mutable std::mutex mutex_;
  std::string last_error_;
  size_t error_count_ = 0;
  std::vector<int64_t> acks_;
  std::optional<int64_t> acked_durable_;
  std::optional<std::pair<int64_t, int64_t>> ts_map_;
  std::atomic<bool> stop_{false};
  std::string translated_;  // the bytes of the last translate call
};

class FakeHost {
 public:
  using Clock = std::function<int64_t()>;
  // Encodes `transaction` into `out`; returns a status (SLUICE_OK when `out` holds the encoding).
  using TranslateHook =
      std::function<sluice_status_t(const sluice_transaction_t& transaction, std::string& out)>;
  using LogObserver = std::function<void(const LogLine& line)>;

  FakeHost() : host_context_(this, "host") {
    api_.struct_size = sizeof(sluice_host_api_t);
    api_.abi_major = SLUICE_ABI_VERSION_MAJOR;
    api_.abi_minor = SLUICE_ABI_VERSION_MINOR;
    api_.log = &log_cb;
    api_.set_error = &set_error_cb;
    api_.wall_clock_ns = &wall_clock_cb;
    api_.monotonic_clock_ns = &monotonic_clock_cb;
    api_.stop_requested = &stop_requested_cb;
    api_.ack_durable = &ack_durable_cb;
    api_.metric_register = &metric_register_cb;
    api_.metric_add = &metric_add_cb;
    api_.metric_set = &metric_set_cb;
    api_.metric_observe = &metric_observe_cb;
    api_.config_type = &config_type_cb;
    api_.config_get_bool = &config_get_bool_cb;
    api_.config_get_int = &config_get_int_cb;
    api_.config_get_double = &config_get_double_cb;
    api_.config_get_string = &config_get_string_cb;
    api_.config_get_secret = &config_get_secret_cb;
    api_.config_array_size = &config_array_size_cb;
    api_.config_get_string_at = &config_get_string_at_cb;
    api_.instance_name = &instance_name_cb;
    api_.host_alloc = &host_alloc_cb;
    api_.host_free = &host_free_cb;
    api_.translate = &translate_cb;
#if SLUICE_ABI_VERSION_MINOR >= 1
    api_.report_ts_map = &report_ts_map_cb;
#endif
    std::lock_guard lock(registry_mutex());
    registry().push_back(this);
  }
  ~FakeHost() {
    std::lock_guard lock(registry_mutex());
    std::erase(registry(), this);
  }
  FakeHost(const FakeHost&) = delete;
  FakeHost& operator=(const FakeHost&) = delete;

  // The table to hand to a plugin's entry point.
  const sluice_host_api_t* api() const {
    return &api_;
  }
  // Loads the plugin library at `path` (PluginLibrary::open) and calls its entry point with this
  // host's table. Throws std::runtime_error when the library cannot be loaded or the entry point
  // returns NULL.
  const sluice_plugin_descriptor_t* load_plugin(const std::string& path);
  // A copy a test may edit (e.g. a smaller struct_size to act as an older host). The copy's
  // functions still record into this FakeHost.
  sluice_host_api_t api_copy() const {
    return api_;
  }

  // A new context, e.g. one per instance. Valid until the host is destroyed.
  FakeContext& create_context(std::string instance_name) {
    std::lock_guard lock(mutex_);
    return *contexts_.emplace_back(std::make_unique<FakeContext>(this, std::move(instance_name)));
  }
  // Where calls with a NULL context are recorded.
  FakeContext& host_context() {
    return host_context_;
  }

  // Logs, in the order they arrived. The observer (if any) sees each line as it arrives, on the
  // plugin's thread; it must not throw.
  std::vector<LogLine> logs() const {
    std::lock_guard lock(mutex_);
    return logs_;
  }
  void clear_logs() {
    std::lock_guard lock(mutex_);
    logs_.clear();
  }
  void set_log_observer(LogObserver observer) {
    std::lock_guard lock(mutex_);
    log_observer_ = std::move(observer);
  }

  // The host-wide stop flag (shutdown).
  void request_stop(bool stop = true) {
    stop_.store(stop);
  }
  bool stop_flag() const {
    return stop_.load();
  }

  // Every registered series with its current value.
  std::vector<MetricSample> metrics() const {
    std::lock_guard lock(mutex_);
    std::vector<MetricSample> samples;
    for (const auto& metric : metrics_)
      samples.push_back(metric->sample);
    return samples;
  }
  // The value of the series with this name and labels (summed over instances); nullopt if no
  // such series was registered.
  std::optional<double> metric_value(
      std::string_view name,
      const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
    std::lock_guard lock(mutex_);
    std::optional<double> total;
    for (const auto& metric : metrics_) {
      if (metric->sample.name == name && metric->sample.labels == labels) {
        total = total.value_or(0) + metric->sample.value;
      }
    }
    return total;
  }

  // Installs the translator behind host->translate (none: it returns SLUICE_UNSUPPORTED).
  void set_translate_hook(TranslateHook hook) {
    std::lock_guard lock(mutex_);
    translate_hook_ = std::move(hook);
  }
  // Replaces the clocks (nanoseconds); an empty function restores the real clock.
  void set_wall_clock(Clock clock) {
    std::lock_guard lock(mutex_);
    wall_clock_ = std::move(clock);
  }
  void set_monotonic_clock(Clock clock) {
    std::lock_guard lock(mutex_);
    monotonic_clock_ = std::move(clock);
  }

 private:
  struct Metric {
    FakeHost* host;
    MetricSample sample;
  };

  // The live hosts, most recent last: calls with a NULL context go to the last one.
  static std::mutex& registry_mutex() {
    static std::mutex mutex;
    return mutex;
  }
  static std::vector<FakeHost*>& registry() {
    static std::vector<FakeHost*> hosts;
    return hosts;
  }
  // The context a callback records into; NULL goes to the current host's own context.
  static FakeContext* resolve(sluice_host_context_t* context) noexcept {
    if (context != nullptr) return FakeContext::from_handle(context);
    std::lock_guard lock(registry_mutex());
    return registry().empty() ? nullptr : &registry().back()->host_context_;
  }
  static std::string_view view(sluice_str_t text) {
    return text.size == 0 || text.data == nullptr ? std::string_view()
                                                  : std::string_view(text.data, text.size);
  }
  static bool valid_metric_name(std::string_view name) {
    if (name.empty()) return false;
    for (size_t i = 0; i < name.size(); ++i) {
      const char c = name[i];
      const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
      if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
    }
    return true;
  }
  static bool valid_label_name(std::string_view name) {
    return valid_metric_name(name) && name.find(':') == std::string_view::npos;
  }

  static void log_cb(sluice_host_context_t* context, int32_t level, const char* message,
                     size_t length) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr) return;
    try {
      LogLine line{target->instance_name(), level,
                   std::string(message ? std::string_view(message, length) : std::string_view())};
      FakeHost& host = target->host();
      LogObserver observer;
      {
        std::lock_guard lock(host.mutex_);
        observer = host.log_observer_;
        host.logs_.push_back(line);
      }
      if (observer) observer(line);
    } catch (...) {
      // Out of memory while recording a log line: the line is dropped.
    }
  }
  static void set_error_cb(sluice_host_context_t* context, const char* message,
                           size_t length) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr) return;
    try {
      std::lock_guard lock(target->mutex_);
      target->last_error_.assign(message ? message : "", message ? length : 0);
      ++target->error_count_;
    } catch (...) {
    }
  }
  static int64_t wall_clock_cb(sluice_host_context_t* context) noexcept {
    FakeContext* target = resolve(context);
    if (target != nullptr) {
      Clock clock;
      {
        std::lock_guard lock(target->host().mutex_);
        clock = target->host().wall_clock_;
      }
      if (clock) return clock();
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  static int64_t monotonic_clock_cb(sluice_host_context_t* context) noexcept {
    FakeContext* target = resolve(context);
    if (target != nullptr) {
      Clock clock;
      {
        std::lock_guard lock(target->host().mutex_);
        clock = target->host().monotonic_clock_;
      }
      if (clock) return clock();
    }
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
  static int32_t stop_requested_cb(sluice_host_context_t* context) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr) return 0;
    return target->stop_flag() || target->host().stop_flag() ? 1 : 0;
  }
  static void report_ts_map_cb(sluice_host_context_t* context, int64_t primary_ts,
                               int64_t secondary_ts) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr) return;
    std::lock_guard lock(target->mutex_);
    target->ts_map_.emplace(primary_ts, secondary_ts);
  }
  static void ack_durable_cb(sluice_host_context_t* context, int64_t durable_ts) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr) return;
    try {
      std::lock_guard lock(target->mutex_);
      target->acks_.push_back(durable_ts);
      if (!target->acked_durable_ || durable_ts > *target->acked_durable_) {
        target->acked_durable_ = durable_ts;
      }
    } catch (...) {
    }
  }

  static sluice_metric_t* metric_register_cb(sluice_host_context_t* context, int32_t kind,
                                             sluice_str_t name, sluice_str_t /*help*/,
                                             const sluice_str_t* label_pairs,
                                             size_t label_count) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr) return nullptr;
    if (kind < SLUICE_METRIC_COUNTER || kind > SLUICE_METRIC_HISTOGRAM) return nullptr;
    if (!valid_metric_name(view(name))) return nullptr;
    if (label_count > 0 && label_pairs == nullptr) return nullptr;
    try {
      MetricSample sample;
      sample.instance = target->instance_name();
      sample.kind = kind;
      sample.name = std::string(view(name));
      for (size_t i = 0; i < label_count; ++i) {
        const std::string_view label = view(label_pairs[2 * i]);
        if (!valid_label_name(label)) return nullptr;
        sample.labels.emplace_back(label, view(label_pairs[2 * i + 1]));
      }
      FakeHost& host = target->host();
      std::lock_guard lock(host.mutex_);
      for (const auto& metric : host.metrics_) {
        if (metric->sample.name != sample.name) continue;
        if (metric->sample.kind != kind) return nullptr;  // a kind clash
        if (metric->sample.instance == sample.instance && metric->sample.labels == sample.labels) {
          return reinterpret_cast<sluice_metric_t*>(metric.get());
        }
      }
      host.metrics_.push_back(std::make_unique<Metric>(Metric{&host, std::move(sample)}));
      return reinterpret_cast<sluice_metric_t*>(host.metrics_.back().get());
    } catch (...) {
      return nullptr;
    }
  }
  static void update_metric(sluice_metric_t* handle, double value, bool replace) noexcept {
    if (handle == nullptr) return;
    Metric* metric = reinterpret_cast<Metric*>(handle);
    std::lock_guard lock(metric->host->mutex_);
    metric->sample.value = replace ? value : metric->sample.value + value;
    ++metric->sample.count;
  }
  static void metric_add_cb(sluice_metric_t* metric, double delta) noexcept {
    update_metric(metric, delta, false);
  }
  static void metric_set_cb(sluice_metric_t* metric, double value) noexcept {
    update_metric(metric, value, true);
  }
  static void metric_observe_cb(sluice_metric_t* metric, double value) noexcept {
    update_metric(metric, value, false);
  }

  static const ConfigValue* config_find(const sluice_config_t* config, sluice_str_t key) {
    if (config == nullptr) return nullptr;
    return FakeConfig::from_raw(config)->find(view(key));
  }
  static int32_t config_type_cb(const sluice_config_t* config, sluice_str_t key) noexcept {
    if (config == nullptr) return SLUICE_CONFIG_ABSENT;
    return FakeConfig::from_raw(config)->type_of(view(key));
  }
  static sluice_status_t config_get_bool_cb(const sluice_config_t* config, sluice_str_t key,
                                            int32_t* out) noexcept {
    const ConfigValue* value = config_find(config, key);
    const bool* typed = value ? value->get_if<bool>() : nullptr;
    if (typed == nullptr || out == nullptr) return SLUICE_INVALID_CONFIG;
    *out = *typed ? 1 : 0;
    return SLUICE_OK;
  }
  static sluice_status_t config_get_int_cb(const sluice_config_t* config, sluice_str_t key,
                                           int64_t* out) noexcept {
    const ConfigValue* value = config_find(config, key);
    const int64_t* typed = value ? value->get_if<int64_t>() : nullptr;
    if (typed == nullptr || out == nullptr) return SLUICE_INVALID_CONFIG;
    *out = *typed;
    return SLUICE_OK;
  }
  static sluice_status_t config_get_double_cb(const sluice_config_t* config, sluice_str_t key,
                                              double* out) noexcept {
    const ConfigValue* value = config_find(config, key);
    if (value == nullptr || out == nullptr) return SLUICE_INVALID_CONFIG;
    if (const double* typed = value->get_if<double>()) {
      *out = *typed;
      return SLUICE_OK;
    }
    if (const int64_t* integer = value->get_if<int64_t>()) {  // integers read as numbers too
      *out = static_cast<double>(*integer);
      return SLUICE_OK;
    }
    return SLUICE_INVALID_CONFIG;
  }
  static sluice_status_t config_get_string_cb(const sluice_config_t* config, sluice_str_t key,
                                              sluice_str_t* out) noexcept {
    const ConfigValue* value = config_find(config, key);
    const std::string* typed = value ? value->get_if<std::string>() : nullptr;
    if (typed == nullptr || out == nullptr) return SLUICE_INVALID_CONFIG;
    *out = {typed->data(), typed->size()};
    return SLUICE_OK;
  }
  static sluice_status_t config_get_secret_cb(const sluice_config_t* config, sluice_str_t key,
                                              sluice_str_t* out) noexcept {
    if (config == nullptr || out == nullptr) return SLUICE_INVALID_CONFIG;
    try {
      std::optional<sluice_str_t> secret = FakeConfig::from_raw(config)->resolve_secret(view(key));
      if (!secret) return SLUICE_INVALID_CONFIG;
      *out = *secret;
      return SLUICE_OK;
    } catch (...) {
      return SLUICE_INVALID_CONFIG;
    }
  }
  static sluice_status_t config_array_size_cb(const sluice_config_t* config, sluice_str_t key,
                                              size_t* out) noexcept {
    const ConfigValue* value = config_find(config, key);
    if (value == nullptr && config != nullptr && out != nullptr) {
      try {
        if (std::optional<size_t> size = FakeConfig::from_raw(config)->indexed_size(view(key))) {
          *out = *size;
          return SLUICE_OK;
        }
      } catch (...) {
      }
    }
    if (value == nullptr || out == nullptr) return SLUICE_INVALID_CONFIG;
    if (const auto* strings = value->get_if<std::vector<std::string>>()) {
      *out = strings->size();
      return SLUICE_OK;
    }
    if (const auto* other = value->get_if<ConfigOther>();
        other && other->type == SLUICE_CONFIG_ARRAY) {
      *out = other->array_size;
      return SLUICE_OK;
    }
    return SLUICE_INVALID_CONFIG;
  }
  static sluice_status_t config_get_string_at_cb(const sluice_config_t* config, sluice_str_t key,
                                                 size_t index, sluice_str_t* out) noexcept {
    const ConfigValue* value = config_find(config, key);
    const auto* strings = value ? value->get_if<std::vector<std::string>>() : nullptr;
    if (strings == nullptr || out == nullptr || index >= strings->size()) {
      return SLUICE_INVALID_CONFIG;
    }
    *out = {(*strings)[index].data(), (*strings)[index].size()};
    return SLUICE_OK;
  }
  static sluice_str_t instance_name_cb(sluice_host_context_t* context) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr) return {nullptr, 0};
    return {target->instance_name().data(), target->instance_name().size()};
  }
  static void* host_alloc_cb(size_t size) noexcept {
    return std::malloc(size == 0 ? 1 : size);
  }
  static void host_free_cb(void* pointer) noexcept {
    std::free(pointer);
  }
  static sluice_status_t translate_cb(sluice_host_context_t* context,
                                      const sluice_transaction_t* transaction,
                                      sluice_str_t* out) noexcept {
    FakeContext* target = resolve(context);
    if (target == nullptr || transaction == nullptr || out == nullptr) return SLUICE_FATAL;
    try {
      TranslateHook hook;
      {
        std::lock_guard lock(target->host().mutex_);
        hook = target->host().translate_hook_;
      }
      if (!hook) return SLUICE_UNSUPPORTED;
      std::string bytes;
      const sluice_status_t status = hook(*transaction, bytes);
      if (status != SLUICE_OK) return status;
      std::lock_guard lock(target->mutex_);
      target->translated_ = std::move(bytes);
      *out = {target->translated_.data(), target->translated_.size()};
      return SLUICE_OK;
    } catch (...) {
      return SLUICE_FATAL;  // the hook threw: nothing may unwind into the plugin
    }
  }

  sluice_host_api_t api_{};
  FakeContext host_context_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::deque<std::unique_ptr<FakeContext>> contexts_;
  std::vector<LogLine> logs_;
  LogObserver log_observer_;
  std::vector<std::unique_ptr<Metric>> metrics_;
  TranslateHook translate_hook_;
  Clock wall_clock_;
  Clock monotonic_clock_;
};

// ------------------------------------------------------------------------------------------------
// A growable buffer for translators (sluice_buffer_api_t)
// ------------------------------------------------------------------------------------------------

class FakeBuffer {
 public:
  static const sluice_buffer_api_t* api() {
    static const sluice_buffer_api_t table = {sizeof(sluice_buffer_api_t), &append_cb, &reserve_cb,
                                              &commit_cb, &size_cb};
    return &table;
  }
  sluice_buffer_t* handle() { return reinterpret_cast<sluice_buffer_t*>(this); }
  const std::string& bytes() const { return bytes_; }
  void clear() {
    bytes_.clear();
    reserved_ = 0;
  }

 private:
  static FakeBuffer* self(sluice_buffer_t* buffer) { return reinterpret_cast<FakeBuffer*>(buffer); }
  static sluice_status_t append_cb(sluice_buffer_t* buffer, const void* data,
                                   size_t size) noexcept {
    try {
      FakeBuffer* target = self(buffer);
      target->bytes_.resize(target->bytes_.size() - target->reserved_);
      target->reserved_ = 0;
      if (size > 0) target->bytes_.append(static_cast<const char*>(data), size);
      return SLUICE_OK;
    } catch (...) {
      return SLUICE_FATAL;
    }
  }
  static uint8_t* reserve_cb(sluice_buffer_t* buffer, size_t size) noexcept {
    try {
      FakeBuffer* target = self(buffer);
      const size_t used = target->bytes_.size() - target->reserved_;
      target->bytes_.resize(used + size);
      target->reserved_ = size;
      return reinterpret_cast<uint8_t*>(target->bytes_.data() + used);
    } catch (...) {
      return nullptr;
    }
  }
  static void commit_cb(sluice_buffer_t* buffer, size_t size) noexcept {
    FakeBuffer* target = self(buffer);
    const size_t kept = std::min(size, target->reserved_);
    target->bytes_.resize(target->bytes_.size() - target->reserved_ + kept);
    target->reserved_ = 0;
  }
  static size_t size_cb(const sluice_buffer_t* buffer) noexcept {
    const FakeBuffer* target = reinterpret_cast<const FakeBuffer*>(buffer);
    return target->bytes_.size() - target->reserved_;
  }

  std::string bytes_;
  size_t reserved_ = 0;  // bytes at the end handed out by reserve() and not yet committed
};

// ------------------------------------------------------------------------------------------------
// Loading a plugin library
// ------------------------------------------------------------------------------------------------

// A plugin shared object opened with dlopen(RTLD_NOW | RTLD_LOCAL), as the real host does, and
// never closed.
class PluginLibrary {
 public:
  // Opens `path` and finds SLUICE_PLUGIN_ENTRY_NAME; throws std::runtime_error with the reason.
  static PluginLibrary open(const std::string& path) {
    std::string error;
    std::optional<PluginLibrary> library = try_open(path, error);
    if (!library) throw std::runtime_error(error);
    return *library;
  }
  // As open(), but returns nullopt and sets `error` instead of throwing.
  static std::optional<PluginLibrary> try_open(const std::string& path, std::string& error) {
    void* handle = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      const char* reason = ::dlerror();
      error = "cannot load '" + path + "': " + (reason ? reason : "unknown dlopen error");
      return std::nullopt;
    }
    ::dlerror();
    void* symbol = ::dlsym(handle, SLUICE_PLUGIN_ENTRY_NAME);
    if (symbol == nullptr) {
      error = "'" + path +
              "' does not export " SLUICE_PLUGIN_ENTRY_NAME
              " (not a Sluice plugin, or built for another ABI major)";
      return std::nullopt;  // the handle stays open: libraries are never unloaded
    }
    PluginLibrary library;
    library.path_ = path;
    library.handle_ = handle;
    library.entry_ = reinterpret_cast<sluice_plugin_entry_fn>(symbol);
    return library;
  }

  const std::string& path() const { return path_; }
  void* handle() const { return handle_; }
  sluice_plugin_entry_fn entry() const { return entry_; }
  // Calls the entry point (the real host does this once per library).
  const sluice_plugin_descriptor_t* call_entry(const sluice_host_api_t* host) const noexcept {
    return entry_(host);
  }

 private:
  PluginLibrary() = default;
  std::string path_;
  void* handle_ = nullptr;
  sluice_plugin_entry_fn entry_ = nullptr;
};

inline const sluice_plugin_descriptor_t* FakeHost::load_plugin(const std::string& path) {
  const PluginLibrary library = PluginLibrary::open(path);
  const sluice_plugin_descriptor_t* descriptor = library.call_entry(api());
  if (descriptor == nullptr) {
    throw std::runtime_error("the entry point of '" + path + "' returned NULL");
  }
  return descriptor;
}

// ------------------------------------------------------------------------------------------------
// Driving one plugin instance
// ------------------------------------------------------------------------------------------------

// A call's status and the message set_error recorded during it (empty if none).
struct CallResult {
  sluice_status_t status = SLUICE_OK;
  std::string error;

  bool ok() const { return status == SLUICE_OK; }
  // "OK", or "RETRY: the message" / "FATAL (no message)".
  std::string describe() const {
    if (status == SLUICE_OK) return "OK";
    return status_name(status) + (error.empty() ? std::string(" (no message)") : ": " + error);
  }
};

// One plugin instance, called through its descriptor as the host would: every call is noexcept
// (an exception that escapes the plugin ends in std::terminate, exactly as in the real host). The
// destructor destroys the instance if create was called. Not thread-safe: one thread at a time.
class PluginInstance {
 public:
  // `descriptor` must be non-NULL with the call table for its kind.
  PluginInstance(FakeHost& host, const sluice_plugin_descriptor_t* descriptor,
                 std::string instance_name)
      : host_(&host),
        descriptor_(descriptor),
        context_(&host.create_context(std::move(instance_name))) {}
  PluginInstance(const PluginInstance&) = delete;
  PluginInstance& operator=(const PluginInstance&) = delete;
  ~PluginInstance() { destroy(); }

  FakeHost& host() const { return *host_; }
  FakeContext& context() const { return *context_; }
  const sluice_plugin_descriptor_t* descriptor() const { return descriptor_; }
  void* raw_instance() const { return instance_; }
  bool created() const { return created_; }

  CallResult validate(const FakeConfig& config) noexcept {
    return call([&] { return common().validate(context_->handle(), config.raw()); });
  }
  // Calls create; destroy follows (explicitly or from the destructor) even if create failed.
  CallResult create(const FakeConfig& config) noexcept {
    created_ = true;
    return call([&] { return common().create(context_->handle(), config.raw(), &instance_); });
  }
  // Calls destroy once, if create was called.
  void destroy() noexcept {
    if (!created_) return;
    created_ = false;
    common().destroy(instance_);
    instance_ = nullptr;
  }
  // Forgets the instance without destroying it (for an instance stuck in a call on another
  // thread, which must not be destroyed under it).
  void abandon() noexcept { created_ = false; }

  // Sinks.
  CallResult open(int64_t checkpoint_ts = 0, uint32_t flags = 0) noexcept {
    sluice_resume_t resume{};
    resume.struct_size = sizeof(sluice_resume_t);
    resume.checkpoint_ts = checkpoint_ts;
    resume.flags = flags;
    return call([&] { return descriptor_->sink->open(instance_, &resume); });
  }
  CallResult write(const sluice_batch_t* batch) noexcept {
    return call([&] { return descriptor_->sink->write(instance_, batch); });
  }
  // `durable_ts` goes in as the last watermark known and comes out as the plugin reported it.
  CallResult flush(int64_t& durable_ts) noexcept {
    return call([&] { return descriptor_->sink->flush(instance_, &durable_ts); });
  }
  CallResult close() noexcept {
    return call([&] { return descriptor_->sink->close(instance_); });
  }

  // Filters: `keep` is resized to the batch's event count and pre-set to 1.
  CallResult filter(const sluice_batch_t* batch, std::vector<uint8_t>& keep) noexcept {
    size_t events = 0;
    const auto* base = reinterpret_cast<const unsigned char*>(batch->transactions);
    for (size_t i = 0; i < batch->transaction_count; ++i) {
      events += reinterpret_cast<const sluice_transaction_t*>(base + i * batch->transaction_size)
                    ->event_count;
    }
    try {
      keep.assign(events, 1);
    } catch (...) {
      return {SLUICE_FATAL, "out of memory"};
    }
    return call(
        [&] { return descriptor_->filter->filter(instance_, batch, keep.data(), keep.size()); });
  }

  // Translators: encodes into `out` (cleared first).
  CallResult encode(const sluice_transaction_t* transaction, FakeBuffer& out) noexcept {
    out.clear();
    return call([&] {
      return descriptor_->translator->encode(instance_, transaction, FakeBuffer::api(),
                                             out.handle());
    });
  }

 private:
  struct Common {
    sluice_status_t (*validate)(sluice_host_context_t*, const sluice_config_t*);
    sluice_status_t (*create)(sluice_host_context_t*, const sluice_config_t*, void**);
    void (*destroy)(void*);
  };
  Common common() const noexcept {
    switch (descriptor_->kind) {
      case SLUICE_KIND_FILTER:
        return {descriptor_->filter->validate, descriptor_->filter->create,
                descriptor_->filter->destroy};
      case SLUICE_KIND_TRANSLATOR:
        return {descriptor_->translator->validate, descriptor_->translator->create,
                descriptor_->translator->destroy};
      default:
        return {descriptor_->sink->validate, descriptor_->sink->create, descriptor_->sink->destroy};
    }
  }
  template <typename Call>
  CallResult call(Call&& body) noexcept {
    context_->clear_error();
    const size_t errors_before = context_->error_count();
    const sluice_status_t status = body();
    CallResult result;
    result.status = status;
    if (context_->error_count() != errors_before) {
      try {
        result.error = context_->last_error();
      } catch (...) {
      }
    }
    return result;
  }

  FakeHost* host_;
  const sluice_plugin_descriptor_t* descriptor_;
  FakeContext* context_;
  void* instance_ = nullptr;
  bool created_ = false;
};

}  // namespace sluice::sdk::testing
