// jsonl-file: a Sluice sink that appends each transaction to a file as one line of JSON.
//
//   {"commit_ts":1000,"start_ts":997,"events":[{"type":"insert","schema":"test","table":"items",
//    "new":{"id":1,"name":"apple","price":"1.50","note":null}}, ...]}
//   {"commit_ts":1030,"start_ts":1027,"events":[{"type":"ddl","schema":"test","table":"audit",
//    "query":"CREATE TABLE ..."}]}
//
// Config (the [sink.config] table):
//   path  = "/var/lib/sluice/out.jsonl"   required; opened for appending, created if missing
//   fsync = true                          optional; fsync after each flush (default true)
//
// Durability: write() only encodes into memory; flush() appends what was encoded in one write(2)
// and fsyncs, and then reports the last transaction it fsynced as the durable watermark. With
// fsync = false the watermark is the last transaction handed to the kernel.
//
// Values: integers and doubles as JSON numbers (NaN and infinities as null), NULL as null,
// strings as JSON strings (invalid UTF-8 replaced by U+FFFD), binary columns as base64 strings.
// Built against the installed SDK only; see README.md.
#include <fcntl.h>
#include <sluice/sdk/plugin.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using sluice::sdk::Batch;
using sluice::sdk::Column;
using sluice::sdk::Config;
using sluice::sdk::Event;
using sluice::sdk::EventType;
using sluice::sdk::Host;
using sluice::sdk::Metric;
using sluice::sdk::Resume;
using sluice::sdk::Row;
using sluice::sdk::Status;
using sluice::sdk::Table;
using sluice::sdk::Transaction;
using sluice::sdk::Value;

// ------------------------------------------------------------------------------------------------
// JSON encoding
// ------------------------------------------------------------------------------------------------

// The length of the valid UTF-8 sequence at the start of `text`, or 0 if it is not one.
size_t utf8_sequence_length(std::string_view text) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const auto continuation = [&](size_t i) { return i < text.size() && (byte(i) & 0xC0) == 0x80; };
  const unsigned char lead = byte(0);
  if (lead < 0x80) return 1;
  if (lead >= 0xC2 && lead <= 0xDF) return continuation(1) ? 2 : 0;
  if (lead >= 0xE0 && lead <= 0xEF) {
    if (!continuation(1) || !continuation(2)) return 0;
    if (lead == 0xE0 && byte(1) < 0xA0) return 0;   // overlong
    if (lead == 0xED && byte(1) >= 0xA0) return 0;  // UTF-16 surrogate
    return 3;
  }
  if (lead >= 0xF0 && lead <= 0xF4) {
    if (!continuation(1) || !continuation(2) || !continuation(3)) return 0;
    if (lead == 0xF0 && byte(1) < 0x90) return 0;   // overlong
    if (lead == 0xF4 && byte(1) >= 0x90) return 0;  // beyond U+10FFFF
    return 4;
  }
  return 0;
}

// Appends `text` as a JSON string: quotes, backslashes and control characters escaped, valid
// UTF-8 copied, every byte of invalid UTF-8 replaced by U+FFFD.
void append_json_string(std::string& out, std::string_view text) {
  static const char kHex[] = "0123456789abcdef";
  out.push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out.push_back(kHex[c >> 4]);
          out.push_back(kHex[c & 0xF]);
        } else if (c < 0x80) {
          out.push_back(static_cast<char>(c));
        } else if (const size_t length = utf8_sequence_length(text.substr(i)); length > 0) {
          out.append(text.substr(i, length));
          i += length;
          continue;
        } else {
          out += "\\ufffd";
        }
    }
    ++i;
  }
  out.push_back('"');
}

void append_base64(std::string& out, std::string_view bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  out.push_back('"');
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t group = (static_cast<unsigned char>(bytes[i]) << 16) |
                           (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                           static_cast<unsigned char>(bytes[i + 2]);
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(kAlphabet[(group >> 6) & 63]);
    out.push_back(kAlphabet[group & 63]);
  }
  if (const size_t left = bytes.size() - i; left > 0) {
    uint32_t group = static_cast<unsigned char>(bytes[i]) << 16;
    if (left == 2) group |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(group >> 18) & 63]);
    out.push_back(kAlphabet[(group >> 12) & 63]);
    out.push_back(left == 2 ? kAlphabet[(group >> 6) & 63] : '=');
    out.push_back('=');
  }
  out.push_back('"');
}

template <typename Number>
void append_number(std::string& out, Number number) {
  char text[32];
  const auto [end, error] = std::to_chars(text, text + sizeof(text), number);
  out.append(text, error == std::errc() ? end : text);
}

void append_value(std::string& out, const Value& value, const Column& column) {
  switch (value.kind()) {
    case SLUICE_VALUE_INT64:
      append_number(out, value.as_int64());
      break;
    case SLUICE_VALUE_UINT64:
      append_number(out, value.as_uint64());
      break;
    case SLUICE_VALUE_DOUBLE:
      // JSON has no NaN or infinity.
      if (std::isfinite(value.as_double())) {
        append_number(out, value.as_double());
      } else {
        out += "null";
      }
      break;
    case SLUICE_VALUE_BYTES:
      if (column.flags() & SLUICE_COLUMN_BINARY) {
        append_base64(out, value.as_bytes());
      } else {
        append_json_string(out, value.as_bytes());
      }
      break;
    default:
      out += "null";
  }
}

// {"column":value,...}
void append_row(std::string& out, const Table& table, const Row& row) {
  out.push_back('{');
  size_t index = 0;
  for (Column column : table.columns()) {
    if (index >= row.size()) break;
    if (index > 0) out.push_back(',');
    append_json_string(out, column.name());
    out.push_back(':');
    append_value(out, row[index], column);
    ++index;
  }
  out.push_back('}');
}

const char* event_type_name(EventType type) {
  switch (type) {
    case EventType::kInsert:
      return "insert";
    case EventType::kUpdate:
      return "update";
    case EventType::kDelete:
      return "delete";
    case EventType::kDdl:
      return "ddl";
  }
  return "unknown";
}

// One transaction as one line, newline included.
void append_transaction(std::string& out, const Transaction& transaction) {
  out += "{\"commit_ts\":";
  append_number(out, transaction.commit_ts());
  out += ",\"start_ts\":";
  append_number(out, transaction.start_ts());
  out += ",\"events\":[";
  bool first = true;
  for (Event event : transaction.events()) {
    if (!first) out.push_back(',');
    first = false;
    out += "{\"type\":\"";
    out += event_type_name(event.type());
    out += "\",\"schema\":";
    append_json_string(out, event.schema_name());
    out += ",\"table\":";
    append_json_string(out, event.table_name());
    if (event.type() == EventType::kDdl) {
      out += ",\"query\":";
      append_json_string(out, event.ddl_query());
    } else if (event.has_table()) {
      if (event.old_values().present()) {
        out += ",\"old\":";
        append_row(out, event.table(), event.old_values());
      }
      if (event.new_values().present()) {
        out += ",\"new\":";
        append_row(out, event.table(), event.new_values());
      }
    }
    out.push_back('}');
  }
  out += "]}\n";
}

// ------------------------------------------------------------------------------------------------
// The sink
// ------------------------------------------------------------------------------------------------

std::string errno_text(int error) {
  return std::strerror(error);
}

class JsonlSink : public sluice::sdk::Sink {
 public:
  // No I/O here: `drainer --check-config` calls this offline.
  static Status validate(const Config& config) {
    const std::string path = config.require_string("path");  // throws ConfigError if absent
    if (path.empty()) return Status::invalid_config("'path' must not be empty");
    config.get_bool("fsync");  // throws ConfigError unless absent or a boolean
    return Status::ok();
  }

  // Opens the file here, so a bad path fails create (with the reason) rather than open.
  JsonlSink(Host host, const Config& config)
      : host_(host),
        path_(config.require_string("path")),
        fsync_(config.bool_or("fsync", true)),
        transactions_(
            host.counter("jsonl_sink_transactions_total", "Transactions appended to the file")),
        bytes_(host.counter("jsonl_sink_bytes_total", "Bytes appended to the file")) {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) {
      throw std::runtime_error("cannot open '" + path_ + "' for appending: " + errno_text(errno));
    }
  }

  ~JsonlSink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open(const Resume& resume) override {
    // At-least-once: after a restart the host resends from the checkpoint, so lines after
    // resume.checkpoint_ts may appear twice in the file. Readers dedupe by commit_ts.
    durable_ts_ = resume.checkpoint_ts;
    host_.info("appending to " + path_ + " from commit_ts " + std::to_string(resume.checkpoint_ts) +
               (fsync_ ? "" : " (fsync off)"));
    return Status::ok();
  }

  Status write(const Batch& batch) override {
    for (Transaction transaction : batch.transactions()) {
      append_transaction(pending_, transaction);
      pending_ts_ = transaction.commit_ts();
      ++pending_transactions_;
    }
    return Status::ok();
  }

  Status flush(int64_t& durable_ts) override {
    if (!pending_.empty()) {
      if (Status status = append_pending(); !status.is_ok()) {
        durable_ts = durable_ts_;
        return status;
      }
    }
    durable_ts = durable_ts_;
    return Status::ok();
  }

  Status close() override {
    int64_t ignored = 0;
    Status status = flush(ignored);
    if (fd_ >= 0 && ::close(fd_) != 0 && status.is_ok()) {
      status = Status::fatal("closing '" + path_ + "': " + errno_text(errno));
    }
    fd_ = -1;
    return status;
  }

 private:
  // Appends everything encoded, then fsyncs; advances the durable watermark on success.
  Status append_pending() {
    size_t done = 0;
    while (done < pending_.size()) {
      const ssize_t written = ::write(fd_, pending_.data() + done, pending_.size() - done);
      if (written < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        // What reached the file stays there; the next flush appends the rest.
        pending_.erase(0, done);
        const std::string message = "appending to '" + path_ + "': " + errno_text(error);
        return error == ENOSPC || error == EDQUOT ? Status::retry(message) : Status::fatal(message);
      }
      done += static_cast<size_t>(written);
    }
    bytes_.add(static_cast<double>(pending_.size()));
    transactions_.add(static_cast<double>(pending_transactions_));
    pending_.clear();
    pending_transactions_ = 0;
    if (fsync_ && ::fsync(fd_) != 0) {
      // After a failed fsync the kernel may have dropped the pages: nothing can be trusted.
      return Status::fatal("fsync of '" + path_ + "' failed: " + errno_text(errno));
    }
    durable_ts_ = pending_ts_;
    return Status::ok();
  }

  Host host_;
  std::string path_;
  bool fsync_;
  Metric transactions_;
  Metric bytes_;
  int fd_ = -1;
  std::string pending_;  // encoded lines not yet appended
  size_t pending_transactions_ = 0;
  int64_t pending_ts_ = 0;  // commit_ts of the last transaction in pending_
  int64_t durable_ts_ = 0;  // commit_ts of the last transaction appended (and fsynced)
};

}  // namespace

SLUICE_SINK_PLUGIN(JsonlSink, "jsonl-file", "0.1.0",
                   "Appends each transaction to a file as one JSON line", 0)
