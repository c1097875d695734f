#pragma once
// The Sluice plugin SDK: write a C++ class, register it with one macro, get a plugin that speaks
// the C ABI of <sluice/plugin_abi.h>.
//
//   class MySink : public sluice::sdk::Sink {
//    public:
//     static sluice::sdk::Status validate(const sluice::sdk::Config& config);  // no I/O
//     MySink(sluice::sdk::Host host, const sluice::sdk::Config& config);       // may throw
//     sluice::sdk::Status open(const sluice::sdk::Resume& resume) override;
//     sluice::sdk::Status write(const sluice::sdk::Batch& batch) override;
//     sluice::sdk::Status flush(int64_t& durable_ts) override;
//     sluice::sdk::Status close() override;
//   };
//   SLUICE_SINK_PLUGIN(MySink, "my-sink", "1.0.0", "what it does", 0)
//
// Every exception a plugin throws is caught at the boundary and becomes a status with its
// message (sdk::ConfigError -> invalid config, anything else -> fatal). Views (Batch, Event,
// Value, ...) point into host-owned memory that is valid only during the call: copy what you keep.
// Header-only; depends on the C ABI header and the C++ standard library only.

#include <sluice/plugin_abi.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::sdk {

// ------------------------------------------------------------------------------------------------
// Status
// ------------------------------------------------------------------------------------------------

enum class Code : int32_t {
  kOk = SLUICE_OK,
  kRetry = SLUICE_RETRY,
  kFatal = SLUICE_FATAL,
  kInvalidConfig = SLUICE_INVALID_CONFIG,
  kUnsupported = SLUICE_UNSUPPORTED,
  kRejected = SLUICE_REJECTED,
};

class Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}
  static Status ok() { return {}; }
  static Status retry(std::string message) { return {Code::kRetry, std::move(message)}; }
  static Status fatal(std::string message) { return {Code::kFatal, std::move(message)}; }
  static Status invalid_config(std::string message) {
    return {Code::kInvalidConfig, std::move(message)};
  }
  static Status unsupported(std::string message) {
    return {Code::kUnsupported, std::move(message)};
  }
  static Status rejected(std::string message) { return {Code::kRejected, std::move(message)}; }

  bool is_ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

// Thrown by Config getters (and by plugins, if they like) for a bad configuration: the boundary
// turns it into SLUICE_INVALID_CONFIG with the message.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Carries a Status through code that throws (e.g. Host::translate): the boundary returns its code
// and message unchanged, so a RETRY deep inside a call stays a RETRY.
class StatusError : public std::exception {
 public:
  explicit StatusError(Status status) : status_(std::move(status)) {}
  const Status& status() const { return status_; }
  const char* what() const noexcept override { return status_.message().c_str(); }

 private:
  Status status_;
};

// ------------------------------------------------------------------------------------------------
// Views of the data model
// ------------------------------------------------------------------------------------------------

inline std::string_view view(sluice_str_t text) {
  return text.size == 0 ? std::string_view() : std::string_view(text.data, text.size);
}
inline sluice_str_t make_str(std::string_view text) {
  return {text.data(), text.size()};
}

// A range over an ABI array whose element size may be larger than the struct this SDK knows.
template <typename View, typename Element>
class StridedRange {
 public:
  StridedRange(const Element* first, size_t count, size_t stride)
      : base_(reinterpret_cast<const unsigned char*>(first)),
        count_(first ? count : 0),
        stride_(stride ? stride : sizeof(Element)) {}

  class Iterator {
   public:
    Iterator(const unsigned char* at, size_t stride) : at_(at), stride_(stride) {}
    View operator*() const { return View(reinterpret_cast<const Element*>(at_)); }
    Iterator& operator++() {
      at_ += stride_;
      return *this;
    }
    bool operator==(const Iterator& other) const { return at_ == other.at_; }
    bool operator!=(const Iterator& other) const { return at_ != other.at_; }

   private:
    const unsigned char* at_;
    size_t stride_;
  };

  size_t size() const { return count_; }
  bool empty() const { return count_ == 0; }
  View operator[](size_t index) const {
    return View(reinterpret_cast<const Element*>(base_ + index * stride_));
  }
  Iterator begin() const { return Iterator(base_, stride_); }
  Iterator end() const { return Iterator(base_ + count_ * stride_, stride_); }

 private:
  const unsigned char* base_;
  size_t count_;
  size_t stride_;
};

class Value {
 public:
  explicit Value(const sluice_value_t* value) : value_(value) {}
  uint32_t kind() const { return value_->kind; }
  bool is_null() const { return value_->kind == SLUICE_VALUE_NULL; }
  int64_t as_int64() const { return value_->as.i64; }
  uint64_t as_uint64() const { return value_->as.u64; }
  double as_double() const { return value_->as.f64; }
  std::string_view as_bytes() const { return view(value_->as.bytes); }
  const sluice_value_t* raw() const { return value_; }

 private:
  const sluice_value_t* value_;
};

class Row {
 public:
  Row(const sluice_value_t* values, size_t count) : values_(values), count_(values ? count : 0) {}
  size_t size() const { return count_; }
  bool present() const { return values_ != nullptr; }
  Value operator[](size_t index) const { return Value(values_ + index); }

 private:
  const sluice_value_t* values_;
  size_t count_;
};

class Column {
 public:
  explicit Column(const sluice_column_t* column) : column_(column) {}
  std::string_view name() const { return view(column_->name); }
  uint32_t mysql_type() const { return column_->mysql_type; }
  uint32_t flags() const { return column_->flags; }
  bool is_unsigned() const { return (column_->flags & SLUICE_COLUMN_UNSIGNED) != 0; }
  bool is_primary_key() const { return (column_->flags & SLUICE_COLUMN_PRIMARY_KEY) != 0; }
  int32_t length() const { return column_->length; }
  int32_t decimals() const { return column_->decimals; }
  std::string_view type_name() const { return view(column_->type_name); }
  std::string_view charset() const { return view(column_->charset); }

 private:
  const sluice_column_t* column_;
};

class Key {
 public:
  explicit Key(const sluice_key_t* key) : key_(key) {}
  std::string_view name() const { return view(key_->name); }
  bool is_primary() const { return (key_->flags & SLUICE_KEY_PRIMARY) != 0; }
  std::span<const uint32_t> column_indexes() const {
    return key_->column_indexes
               ? std::span<const uint32_t>(key_->column_indexes, key_->column_count)
               : std::span<const uint32_t>();
  }

 private:
  const sluice_key_t* key_;
};

class Table {
 public:
  explicit Table(const sluice_table_t* table) : table_(table) {}
  std::string_view schema_name() const { return view(table_->schema_name); }
  std::string_view table_name() const { return view(table_->table_name); }
  int64_t table_id() const { return table_->table_id; }
  StridedRange<Column, sluice_column_t> columns() const {
    return {table_->columns, table_->column_count, table_->column_size};
  }
  StridedRange<Key, sluice_key_t> keys() const {
    return {table_->keys, table_->key_count, table_->key_size};
  }

 private:
  const sluice_table_t* table_;
};

enum class EventType : uint32_t {
  kInsert = SLUICE_EVENT_INSERT,
  kUpdate = SLUICE_EVENT_UPDATE,
  kDelete = SLUICE_EVENT_DELETE,
  kDdl = SLUICE_EVENT_DDL,
};

class Event {
 public:
  explicit Event(const sluice_event_t* event) : event_(event) {}
  EventType type() const { return static_cast<EventType>(event_->type); }
  std::string_view schema_name() const { return view(event_->schema_name); }
  std::string_view table_name() const { return view(event_->table_name); }
  bool has_table() const { return event_->table != nullptr; }
  Table table() const { return Table(event_->table); }
  size_t column_count() const { return event_->table ? event_->table->column_count : 0; }
  Row old_values() const { return Row(event_->old_values, column_count()); }
  Row new_values() const { return Row(event_->new_values, column_count()); }
  std::string_view ddl_query() const { return view(event_->ddl_query); }
  const sluice_event_t* raw() const { return event_; }

 private:
  const sluice_event_t* event_;
};

class Transaction {
 public:
  explicit Transaction(const sluice_transaction_t* transaction) : transaction_(transaction) {}
  int64_t commit_ts() const { return transaction_->commit_ts; }
  int64_t start_ts() const { return transaction_->start_ts; }
  uint64_t position() const { return transaction_->position; }
  int64_t schema_version() const { return transaction_->schema_version; }
  bool is_ddl() const { return (transaction_->flags & SLUICE_TXN_DDL) != 0; }
  bool safe_mode() const { return (transaction_->flags & SLUICE_TXN_SAFE_MODE) != 0; }
  StridedRange<Event, sluice_event_t> events() const {
    return {transaction_->events, transaction_->event_count, transaction_->event_size};
  }
  const sluice_transaction_t* raw() const { return transaction_; }

 private:
  const sluice_transaction_t* transaction_;
};

class Batch {
 public:
  explicit Batch(const sluice_batch_t* batch) : batch_(batch) {}
  StridedRange<Transaction, sluice_transaction_t> transactions() const {
    return {batch_->transactions, batch_->transaction_count, batch_->transaction_size};
  }
  size_t size() const { return batch_->transaction_count; }
  bool empty() const { return batch_->transaction_count == 0; }
  // The number of events in all transactions: the length of a filter's keep mask.
  size_t event_count() const {
    size_t total = 0;
    for (Transaction transaction : transactions())
      total += transaction.events().size();
    return total;
  }
  const sluice_batch_t* raw() const { return batch_; }

 private:
  const sluice_batch_t* batch_;
};

struct Resume {
  int64_t checkpoint_ts = 0;
  bool unclean = false;
};

// ------------------------------------------------------------------------------------------------
// Host services
// ------------------------------------------------------------------------------------------------

namespace detail {
// The host's table, set by the entry point. Each plugin library has its own copy (hidden
// visibility), so plugins built with different SDK versions do not share it.
inline const sluice_host_api_t*& host_api() {
  static const sluice_host_api_t* api = nullptr;
  return api;
}
}  // namespace detail

class Config {
 public:
  explicit Config(const sluice_config_t* config) : config_(config) {}

  bool has(std::string_view key) const { return type(key) != SLUICE_CONFIG_ABSENT; }
  int32_t type(std::string_view key) const { return api()->config_type(config_, make_str(key)); }

  // Each getter returns nullopt for an absent key and throws ConfigError for a wrong type.
  std::optional<std::string> get_string(std::string_view key) const {
    if (!present(key, SLUICE_CONFIG_STRING, "a string")) return std::nullopt;
    sluice_str_t out{};
    api()->config_get_string(config_, make_str(key), &out);
    return std::string(view(out));
  }
  std::optional<int64_t> get_int(std::string_view key) const {
    if (!present(key, SLUICE_CONFIG_INT, "an integer")) return std::nullopt;
    int64_t out = 0;
    api()->config_get_int(config_, make_str(key), &out);
    return out;
  }
  std::optional<double> get_double(std::string_view key) const {
    const int32_t actual = type(key);
    if (actual == SLUICE_CONFIG_ABSENT) return std::nullopt;
    if (actual != SLUICE_CONFIG_DOUBLE && actual != SLUICE_CONFIG_INT) wrong_type(key, "a number");
    double out = 0;
    api()->config_get_double(config_, make_str(key), &out);
    return out;
  }
  std::optional<bool> get_bool(std::string_view key) const {
    if (!present(key, SLUICE_CONFIG_BOOL, "a boolean")) return std::nullopt;
    int32_t out = 0;
    api()->config_get_bool(config_, make_str(key), &out);
    return out != 0;
  }
  std::optional<std::vector<std::string>> get_strings(std::string_view key) const {
    if (!present(key, SLUICE_CONFIG_ARRAY, "an array of strings")) return std::nullopt;
    size_t size = 0;
    api()->config_array_size(config_, make_str(key), &size);
    std::vector<std::string> items;
    for (size_t i = 0; i < size; ++i) {
      sluice_str_t item{};
      if (api()->config_get_string_at(config_, make_str(key), i, &item) != SLUICE_OK) {
        wrong_type(key, "an array of strings");
      }
      items.emplace_back(view(item));
    }
    return items;
  }
  // The number of entries of an array (of strings, of tables, of anything); nullopt for an absent
  // key, ConfigError when it is not an array. Entries of an array of tables are read through
  // indexed keys: get_string(index_key("ignore-table", 0) + ".db-name").
  std::optional<size_t> get_array_size(std::string_view key) const {
    if (!present(key, SLUICE_CONFIG_ARRAY, "an array")) return std::nullopt;
    size_t size = 0;
    if (api()->config_array_size(config_, make_str(key), &size) != SLUICE_OK) {
      wrong_type(key, "an array");
    }
    return size;
  }
  // "key[index]": the key path of one entry of an array.
  static std::string index_key(std::string_view key, size_t index) {
    return std::string(key) + "[" + std::to_string(index) + "]";
  }

  // A secret resolved by the host (encrypted_<key>, or "${ENV}"); nullopt when neither `key` nor
  // `encrypted_<key>` is set; ConfigError when one is set but cannot be resolved (the host logs
  // why, e.g. an unset environment variable).
  std::optional<std::string> get_secret(std::string_view key) const {
    sluice_str_t out{};
    if (api()->config_get_secret(config_, make_str(key), &out) == SLUICE_OK) {
      return std::string(view(out));
    }
    const std::string encrypted = "encrypted_" + std::string(key);
    if (!has(key) && !has(encrypted)) return std::nullopt;
    throw ConfigError("secret '" + std::string(key) + "' could not be resolved (see the host log)");
  }

  std::string string_or(std::string_view key, std::string fallback) const {
    auto value = get_string(key);
    return value ? std::move(*value) : std::move(fallback);
  }
  int64_t int_or(std::string_view key, int64_t fallback) const {
    return get_int(key).value_or(fallback);
  }
  double double_or(std::string_view key, double fallback) const {
    return get_double(key).value_or(fallback);
  }
  bool bool_or(std::string_view key, bool fallback) const {
    return get_bool(key).value_or(fallback);
  }
  std::string require_string(std::string_view key) const {
    auto value = get_string(key);
    if (!value) throw ConfigError("missing required key '" + std::string(key) + "'");
    return std::move(*value);
  }

  const sluice_config_t* raw() const { return config_; }

 private:
  static const sluice_host_api_t* api() { return detail::host_api(); }
  bool present(std::string_view key, int32_t expected, const char* expected_text) const {
    const int32_t actual = type(key);
    if (actual == SLUICE_CONFIG_ABSENT) return false;
    if (actual != expected) wrong_type(key, expected_text);
    return true;
  }
  [[noreturn]] static void wrong_type(std::string_view key, const char* expected_text) {
    throw ConfigError("key '" + std::string(key) + "' must be " + expected_text);
  }

  const sluice_config_t* config_;
};

class Metric {
 public:
  explicit Metric(sluice_metric_t* metric = nullptr) : metric_(metric) {}
  void add(double delta = 1) const {
    if (metric_) detail::host_api()->metric_add(metric_, delta);
  }
  void set(double value) const {
    if (metric_) detail::host_api()->metric_set(metric_, value);
  }
  void observe(double value) const {
    if (metric_) detail::host_api()->metric_observe(metric_, value);
  }
  bool valid() const { return metric_ != nullptr; }

 private:
  sluice_metric_t* metric_;
};

class Host {
 public:
  explicit Host(sluice_host_context_t* context) : context_(context) {}

  void log(int32_t level, std::string_view message) const {
    api()->log(context_, level, message.data(), message.size());
  }
  void debug(std::string_view message) const { log(SLUICE_LOG_DEBUG, message); }
  void info(std::string_view message) const { log(SLUICE_LOG_INFO, message); }
  void warn(std::string_view message) const { log(SLUICE_LOG_WARN, message); }
  void error(std::string_view message) const { log(SLUICE_LOG_ERROR, message); }

  int64_t wall_clock_ns() const { return api()->wall_clock_ns(context_); }
  int64_t monotonic_clock_ns() const { return api()->monotonic_clock_ns(context_); }
  bool stop_requested() const { return api()->stop_requested(context_) != 0; }
  void ack_durable(int64_t durable_ts) const { api()->ack_durable(context_, durable_ts); }
  std::string_view instance_name() const { return view(api()->instance_name(context_)); }

  Metric metric(int32_t kind, std::string_view name, std::string_view help,
                const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
    std::vector<sluice_str_t> pairs;
    pairs.reserve(labels.size() * 2);
    for (const auto& [label, value] : labels) {
      pairs.push_back(make_str(label));
      pairs.push_back(make_str(value));
    }
    return Metric(api()->metric_register(context_, kind, make_str(name), make_str(help),
                                         pairs.data(), labels.size()));
  }
  Metric counter(std::string_view name, std::string_view help,
                 const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
    return metric(SLUICE_METRIC_COUNTER, name, help, labels);
  }
  Metric gauge(std::string_view name, std::string_view help,
               const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
    return metric(SLUICE_METRIC_GAUGE, name, help, labels);
  }
  Metric histogram(std::string_view name, std::string_view help,
                   const std::vector<std::pair<std::string, std::string>>& labels = {}) const {
    return metric(SLUICE_METRIC_HISTOGRAM, name, help, labels);
  }

  // Encodes through the translator configured for this sink. The bytes are valid until the next
  // translate() on this host handle. On failure throws StatusError with the translator's code
  // (RETRY stays RETRY); the host adds the translator's own message to the sink's error.
  std::string_view translate(const Transaction& transaction) const {
    sluice_str_t out{};
    const sluice_status_t status = api()->translate(context_, transaction.raw(), &out);
    if (status == SLUICE_OK) return view(out);
    if (status == SLUICE_UNSUPPORTED) {
      throw StatusError(Status::unsupported("no translator is configured for sink '" +
                                            std::string(instance_name()) + "'"));
    }
    const bool known =
        status == SLUICE_RETRY || status == SLUICE_INVALID_CONFIG || status == SLUICE_REJECTED;
    throw StatusError(Status(
        known ? static_cast<Code>(status) : Code::kFatal,
        "translation of transaction " + std::to_string(transaction.commit_ts()) + " failed"));
  }
  bool can_translate() const { return api()->struct_size > offsetof(sluice_host_api_t, translate); }

  // ABI 1.1: tells the host that upstream commit_ts `primary_ts` is applied downstream as of the
  // downstream's own TSO `secondary_ts` (TiDB); the host saves the latest pair with the
  // checkpoint as the original's ts-map. A no-op on 1.0 hosts.
  void report_ts_map([[maybe_unused]] int64_t primary_ts,
                     [[maybe_unused]] int64_t secondary_ts) const {
#if SLUICE_ABI_VERSION_MINOR >= 1  // a plugin built against the 1.0 header has no such call
    if (api()->struct_size > offsetof(sluice_host_api_t, report_ts_map) &&
        api()->report_ts_map != nullptr) {
      api()->report_ts_map(context_, primary_ts, secondary_ts);
    }
#endif
  }

  sluice_host_context_t* context() const {
    return context_;
  }

 private:
  static const sluice_host_api_t* api() {
    return detail::host_api();
  }
  sluice_host_context_t* context_;
};

// Where a translator writes its encoding (host-owned memory).
class Output {
 public:
  Output(const sluice_buffer_api_t* api, sluice_buffer_t* buffer) : api_(api), buffer_(buffer) {}
  void append(const void* data, size_t size) {
    if (api_->append(buffer_, data, size) != SLUICE_OK) throw std::bad_alloc();
  }
  void append(std::string_view bytes) { append(bytes.data(), bytes.size()); }
  void push_back(char byte) { append(&byte, 1); }
  size_t size() const { return api_->size(buffer_); }

 private:
  const sluice_buffer_api_t* api_;
  sluice_buffer_t* buffer_;
};

// ------------------------------------------------------------------------------------------------
// Base classes
// ------------------------------------------------------------------------------------------------

class Sink {
 public:
  virtual ~Sink() = default;
  virtual Status open(const Resume& resume) = 0;
  virtual Status write(const Batch& batch) = 0;
  virtual Status flush(int64_t& durable_ts) = 0;
  virtual Status close() = 0;
};

class Filter {
 public:
  virtual ~Filter() = default;
  // keep[i] is pre-set to 1 for every event in batch order; set 0 to drop.
  virtual Status filter(const Batch& batch, std::span<uint8_t> keep) = 0;
};

class Translator {
 public:
  virtual ~Translator() = default;
  virtual Status encode(const Transaction& transaction, Output& out) = 0;
};

// ------------------------------------------------------------------------------------------------
// The boundary: C trampolines that call the class and never let an exception through
// ------------------------------------------------------------------------------------------------

namespace detail {

inline void report(sluice_host_context_t* context, const std::string& message) {
  if (host_api() != nullptr && context != nullptr && !message.empty()) {
    host_api()->set_error(context, message.data(), message.size());
  }
}

inline sluice_status_t to_abi(sluice_host_context_t* context, const Status& status) {
  if (!status.is_ok()) report(context, status.message());
  return static_cast<sluice_status_t>(status.code());
}

// Runs `body` (returning Status) and maps exceptions to statuses with their messages.
template <typename Body>
sluice_status_t guarded(sluice_host_context_t* context, Body&& body) noexcept {
  try {
    return to_abi(context, body());
  } catch (const StatusError& error) {
    return to_abi(context, error.status().is_ok() ? Status::fatal("StatusError without an error")
                                                  : error.status());
  } catch (const ConfigError& error) {
    report(context, error.what());
    return SLUICE_INVALID_CONFIG;
  } catch (const std::exception& error) {
    report(context, std::string("unhandled exception: ") + error.what());
    return SLUICE_FATAL;
  } catch (...) {
    report(context, "unhandled exception of unknown type");
    return SLUICE_FATAL;
  }
}

// One plugin instance: the host handle and the user's object.
template <typename Impl>
struct Instance {
  explicit Instance(sluice_host_context_t* host_context) : context(host_context) {}
  sluice_host_context_t* context;
  std::unique_ptr<Impl> impl;
};

template <typename Impl>
Instance<Impl>* as_instance(void* pointer) {
  return static_cast<Instance<Impl>*>(pointer);
}

template <typename Impl>
sluice_status_t validate_call(sluice_host_context_t* context,
                              const sluice_config_t* config) noexcept {
  return guarded(context, [&] { return Impl::validate(Config(config)); });
}

template <typename Impl>
sluice_status_t create_call(sluice_host_context_t* context, const sluice_config_t* config,
                            void** out) noexcept {
  *out = nullptr;
  return guarded(context, [&] {
    auto instance = std::make_unique<Instance<Impl>>(context);
    instance->impl = std::make_unique<Impl>(Host(context), Config(config));
    *out = instance.release();  // ownership passes to the host until destroy_call
    return Status::ok();
  });
}

template <typename Impl>
void destroy_call(void* pointer) noexcept {
  if (pointer == nullptr) return;
  std::unique_ptr<Instance<Impl>> instance(as_instance<Impl>(pointer));
  try {
    instance->impl.reset();
  } catch (...) {
    // A destructor that throws has nowhere to report to; the instance is gone either way.
  }
}

template <typename Impl>
struct SinkCalls {
  static sluice_status_t open(void* pointer, const sluice_resume_t* resume) noexcept {
    auto* instance = as_instance<Impl>(pointer);
    return guarded(instance->context, [&] {
      Resume position;
      position.checkpoint_ts = resume ? resume->checkpoint_ts : 0;
      position.unclean = resume && (resume->flags & SLUICE_RESUME_UNCLEAN) != 0;
      return instance->impl->open(position);
    });
  }
  static sluice_status_t write(void* pointer, const sluice_batch_t* batch) noexcept {
    auto* instance = as_instance<Impl>(pointer);
    return guarded(instance->context, [&] { return instance->impl->write(Batch(batch)); });
  }
  static sluice_status_t flush(void* pointer, int64_t* durable_ts) noexcept {
    auto* instance = as_instance<Impl>(pointer);
    return guarded(instance->context, [&] { return instance->impl->flush(*durable_ts); });
  }
  static sluice_status_t close(void* pointer) noexcept {
    auto* instance = as_instance<Impl>(pointer);
    return guarded(instance->context, [&] { return instance->impl->close(); });
  }
};

template <typename Impl>
sluice_status_t filter_call(void* pointer, const sluice_batch_t* batch, uint8_t* keep,
                            size_t keep_count) noexcept {
  auto* instance = as_instance<Impl>(pointer);
  return guarded(instance->context, [&] {
    return instance->impl->filter(Batch(batch), std::span<uint8_t>(keep, keep_count));
  });
}

template <typename Impl>
sluice_status_t encode_call(void* pointer, const sluice_transaction_t* transaction,
                            const sluice_buffer_api_t* buffer_api, sluice_buffer_t* out) noexcept {
  auto* instance = as_instance<Impl>(pointer);
  return guarded(instance->context, [&] {
    Output output(buffer_api, out);
    return instance->impl->encode(Transaction(transaction), output);
  });
}

inline bool host_is_usable(const sluice_host_api_t* host) {
  return host != nullptr && host->abi_major == SLUICE_ABI_VERSION_MAJOR &&
         host->struct_size >= offsetof(sluice_host_api_t, translate) + sizeof(host->translate);
}

inline sluice_plugin_descriptor_t make_descriptor(const char* name, const char* version,
                                                  const char* description, uint32_t kind,
                                                  uint32_t capabilities) {
  sluice_plugin_descriptor_t descriptor{};
  descriptor.struct_size = sizeof(sluice_plugin_descriptor_t);
  descriptor.abi_major = SLUICE_ABI_VERSION_MAJOR;
  descriptor.abi_minor = SLUICE_ABI_VERSION_MINOR;
  descriptor.name = name;
  descriptor.version = version;
  descriptor.description = description;
  descriptor.kind = kind;
  descriptor.capabilities = capabilities;
  return descriptor;
}

template <typename Impl>
const sluice_plugin_descriptor_t* sink_entry(const sluice_host_api_t* host, const char* name,
                                             const char* version, const char* description,
                                             uint32_t capabilities) {
  if (!host_is_usable(host)) return nullptr;
  host_api() = host;
  static const sluice_sink_vtable_t vtable = {
      sizeof(sluice_sink_vtable_t), &validate_call<Impl>,    &create_call<Impl>,
      &destroy_call<Impl>,          &SinkCalls<Impl>::open,  &SinkCalls<Impl>::write,
      &SinkCalls<Impl>::flush,      &SinkCalls<Impl>::close,
  };
  static sluice_plugin_descriptor_t descriptor =
      make_descriptor(name, version, description, SLUICE_KIND_SINK, capabilities);
  descriptor.sink = &vtable;
  return &descriptor;
}

template <typename Impl>
const sluice_plugin_descriptor_t* filter_entry(const sluice_host_api_t* host, const char* name,
                                               const char* version, const char* description,
                                               uint32_t capabilities) {
  if (!host_is_usable(host)) return nullptr;
  host_api() = host;
  static const sluice_filter_vtable_t vtable = {
      sizeof(sluice_filter_vtable_t),
      &validate_call<Impl>,
      &create_call<Impl>,
      &destroy_call<Impl>,
      &filter_call<Impl>,
  };
  static sluice_plugin_descriptor_t descriptor =
      make_descriptor(name, version, description, SLUICE_KIND_FILTER, capabilities);
  descriptor.filter = &vtable;
  return &descriptor;
}

template <typename Impl>
const sluice_plugin_descriptor_t* translator_entry(const sluice_host_api_t* host, const char* name,
                                                   const char* version, const char* description,
                                                   uint32_t capabilities,
                                                   const char* content_type) {
  if (!host_is_usable(host)) return nullptr;
  host_api() = host;
  static const sluice_translator_vtable_t vtable = {
      sizeof(sluice_translator_vtable_t),
      &validate_call<Impl>,
      &create_call<Impl>,
      &destroy_call<Impl>,
      &encode_call<Impl>,
      content_type,
  };
  static sluice_plugin_descriptor_t descriptor =
      make_descriptor(name, version, description, SLUICE_KIND_TRANSLATOR, capabilities);
  descriptor.translator = &vtable;
  return &descriptor;
}

}  // namespace detail
}  // namespace sluice::sdk

// The entry symbol; its name must equal SLUICE_PLUGIN_ENTRY_NAME.
#define SLUICE_SDK_ENTRY_                                                             \
  extern "C" __attribute__((visibility("default"))) const sluice_plugin_descriptor_t* \
  sluice_plugin_entry_v1(const sluice_host_api_t* host)

// Registers a sink class. One registration macro per plugin library.
#define SLUICE_SINK_PLUGIN(Class, name, version, description, capabilities)           \
  SLUICE_SDK_ENTRY_;                                                                  \
  SLUICE_SDK_ENTRY_ {                                                                 \
    return ::sluice::sdk::detail::sink_entry<Class>(host, name, version, description, \
                                                    capabilities);                    \
  }

#define SLUICE_FILTER_PLUGIN(Class, name, version, description, capabilities)           \
  SLUICE_SDK_ENTRY_;                                                                    \
  SLUICE_SDK_ENTRY_ {                                                                   \
    return ::sluice::sdk::detail::filter_entry<Class>(host, name, version, description, \
                                                      capabilities);                    \
  }

#define SLUICE_TRANSLATOR_PLUGIN(Class, name, version, description, capabilities, content)  \
  SLUICE_SDK_ENTRY_;                                                                        \
  SLUICE_SDK_ENTRY_ {                                                                       \
    return ::sluice::sdk::detail::translator_entry<Class>(host, name, version, description, \
                                                          capabilities, content);           \
  }
