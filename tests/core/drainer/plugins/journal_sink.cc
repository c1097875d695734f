// journal-sink: a test sink that appends one line per transaction to a file and fsyncs it on
// flush, so a test (even across a kill -9 of the drainer) can read back exactly what reached the
// sink, in order:
//   <commit_ts> <start_ts> <position> <flags> <event>;<event>;...
//   # open <checkpoint_ts> clean|unclean     at each open
//   # flush                                  after the lines each flush made durable
//   event = I|U|D|DDL schema.table [values] (new values; old values for deletes; the query for DDL)
// Values: NULL, integers, doubles and bytes as text, comma-separated.
//
// Config:
//   path              = "/tmp/x/out.txt"  required
//   retry-first-write = true               the first write of every batch answers RETRY
//   fatal-after-transactions = N           a write that would pass N transactions in all
//                                          answers FATAL
//   reject-at-commit-ts = N                a batch holding commit_ts >= N answers REJECTED
//   write-delay-ms    = N                  sleep in every write (a slow target)
//   unavailable-after-transactions = N     a write that would pass N transactions in all answers
//                                          RETRY, always (a downstream that went away)
//   hang-after-transactions = N            such a write never returns, whatever the host asks
//                                          (a call stuck on a dead socket)
//   reject-at-flush-transaction = N        the N-th transaction written is refused at the next
//                                          flush, as a sink that buffers rows learns it: that one
//                                          transaction is dropped, REJECTED names it, the rest
//                                          stays buffered for the next flush
#include <fcntl.h>
#include <sluice/sdk/plugin.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

namespace {

using namespace sluice::sdk;

class JournalSink : public Sink {
 public:
  static Status validate(const Config& config) {
    if (config.string_or("path", "").empty()) return Status::invalid_config("'path' is required");
    (void)config.bool_or("retry-first-write", false);
    (void)config.int_or("fatal-after-transactions", 0);
    (void)config.int_or("reject-at-commit-ts", 0);
    (void)config.int_or("write-delay-ms", 0);
    (void)config.int_or("unavailable-after-transactions", 0);
    (void)config.int_or("hang-after-transactions", 0);
    (void)config.int_or("reject-at-flush-transaction", 0);
    (void)config.int_or("ts-map-offset", 0);
    return Status::ok();
  }

  JournalSink(Host host, const Config& config)
      : host_(host),
        path_(config.string_or("path", "")),
        retry_first_write_(config.bool_or("retry-first-write", false)),
        fatal_after_(config.int_or("fatal-after-transactions", 0)),
        reject_at_(config.int_or("reject-at-commit-ts", 0)),
        unavailable_after_(config.int_or("unavailable-after-transactions", 0)),
        hang_after_(config.int_or("hang-after-transactions", 0)),
        reject_at_flush_(config.int_or("reject-at-flush-transaction", 0)),
        write_delay_ms_(config.int_or("write-delay-ms", 0)),
        ts_map_offset_(config.int_or("ts-map-offset", 0)) {}

  ~JournalSink() override {
    if (fd_ >= 0) ::close(fd_);
  }

  Status open(const Resume& resume) override {
    fd_ = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd_ < 0) return Status::fatal("cannot open " + path_);
    durable_ts_ = resume.checkpoint_ts;
    std::string line = "# open " + std::to_string(resume.checkpoint_ts) +
                       (resume.unclean ? " unclean\n" : " clean\n");
    buffer_ += line;
    return Status::ok();
  }

  Status write(const Batch& batch) override {
    if (write_delay_ms_ > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(write_delay_ms_));
    }
    int64_t last = 0;
    for (Transaction transaction : batch.transactions())
      last = transaction.commit_ts();
    if (retry_first_write_ && last != retried_) {
      retried_ = last;
      ++retries_;
      return Status::retry("simulated transient failure (retry-first-write)");
    }
    const int64_t count = static_cast<int64_t>(batch.size());
    if (fatal_after_ > 0 && written_ + count > fatal_after_) {
      return Status::fatal("simulated fatal failure at commit_ts " + std::to_string(last));
    }
    if (unavailable_after_ > 0 && written_ + count > unavailable_after_) {
      return Status::retry("simulated outage: the downstream is gone");
    }
    if (hang_after_ > 0 && written_ + count > hang_after_) {
      while (true)
        std::this_thread::sleep_for(std::chrono::seconds(1));
    }
    if (reject_at_ > 0 && last >= reject_at_) {
      return Status::rejected("simulated rejection at commit_ts " + std::to_string(last));
    }
    for (Transaction transaction : batch.transactions()) {
      buffer_ += std::to_string(transaction.commit_ts()) + " " +
                 std::to_string(transaction.start_ts()) + " " +
                 std::to_string(transaction.position()) + " " +
                 std::to_string(transaction.raw()->flags) + " ";
      for (Event event : transaction.events())
        append_event(event);
      buffer_ += "\n";
      pending_ts_ = transaction.commit_ts();
      ++written_;
      if (reject_at_flush_ > 0 && written_ == reject_at_flush_) {
        refuse_at_flush_ts_ = transaction.commit_ts();
      }
    }
    return Status::ok();
  }

  Status flush(int64_t& durable_ts) override {
    if (refuse_at_flush_ts_ != 0) {
      const std::string refused = std::to_string(refuse_at_flush_ts_);
      refuse_at_flush_ts_ = 0;
      const std::string prefix = refused + " ";
      size_t line = buffer_.rfind("\n" + prefix);
      line = buffer_.compare(0, prefix.size(), prefix) == 0 ? 0 : line + 1;
      buffer_.erase(line, buffer_.find('\n', line) + 1 - line);
      return Status::rejected("simulated refusal of commit_ts " + refused + " at flush");
    }
    if (!buffer_.empty()) {
      buffer_ += "# flush\n";
      size_t at = 0;
      while (at < buffer_.size()) {
        const ssize_t n = ::write(fd_, buffer_.data() + at, buffer_.size() - at);
        if (n < 0) return Status::retry("write failed");
        at += static_cast<size_t>(n);
      }
      if (::fsync(fd_) != 0) return Status::retry("fsync failed");
      buffer_.clear();
    }
    if (pending_ts_ > durable_ts_) durable_ts_ = pending_ts_;
    durable_ts = durable_ts_;
    // As a TiDB downstream would: "durable_ts is applied here as of my TSO durable_ts + offset".
    if (ts_map_offset_ != 0 && durable_ts_ > 0) {
      host_.report_ts_map(durable_ts_, durable_ts_ + ts_map_offset_);
    }
    return Status::ok();
  }

  Status close() override {
    int64_t ignored = 0;
    return flush(ignored);
  }

 private:
  void append_event(Event event) {
    switch (event.type()) {
      case EventType::kInsert:
        buffer_ += "I ";
        break;
      case EventType::kUpdate:
        buffer_ += "U ";
        break;
      case EventType::kDelete:
        buffer_ += "D ";
        break;
      case EventType::kDdl:
        buffer_ += "DDL ";
        break;
    }
    buffer_ += std::string(event.schema_name()) + "." + std::string(event.table_name()) + " ";
    if (event.type() == EventType::kDdl) {
      buffer_ += std::string(event.ddl_query());
    } else {
      Row row = event.type() == EventType::kDelete ? event.old_values() : event.new_values();
      for (size_t i = 0; i < row.size(); ++i) {
        if (i > 0) buffer_ += ",";
        Value value = row[i];
        switch (value.kind()) {
          case SLUICE_VALUE_NULL:
            buffer_ += "NULL";
            break;
          case SLUICE_VALUE_INT64:
            buffer_ += std::to_string(value.as_int64());
            break;
          case SLUICE_VALUE_UINT64:
            buffer_ += std::to_string(value.as_uint64());
            break;
          case SLUICE_VALUE_DOUBLE:
            buffer_ += std::to_string(value.as_double());
            break;
          default:
            buffer_ += std::string(value.as_bytes());
        }
      }
    }
    buffer_ += ";";
  }

  Host host_;
  std::string path_;
  bool retry_first_write_;
  int64_t fatal_after_;
  int64_t reject_at_;
  int64_t unavailable_after_;
  int64_t hang_after_;
  int64_t reject_at_flush_;
  int64_t refuse_at_flush_ts_ = 0;  // the transaction the next flush refuses
  int64_t write_delay_ms_;
  int64_t ts_map_offset_ = 0;
  int fd_ = -1;
  std::string buffer_;
  int64_t pending_ts_ = 0;
  int64_t written_ = 0;
  int64_t durable_ts_ = 0;
  int64_t retried_ = -1;
  int retries_ = 0;
};

}  // namespace

SLUICE_SINK_PLUGIN(JournalSink, "journal-sink", "1.0.0",
                   "test sink recording transactions to a file", 0)
