// file: the sink of the original drainer's `db-type = "file"` output. Each transaction becomes one
// record of a binlog file (binlog_file_format.h): by default a pb_binlog.Binlog (what Reparo
// reads), or whatever the translator configured for this sink produces, in the same framing.
//
// Config ([sink.config]):
//   dir              = "/var/lib/sluice/binlog"  required; created when missing, locked while open
//   max-file-size    = 536870912                 bytes; rotate once a file reached it (512 MiB)
//   retention-time   = 0                          days; delete older files (0 = keep forever)
//   sync             = "batch"                    "batch": fdatasync at every flush;
//                                                 "interval": at most every sync-interval-ms
//   sync-interval-ms = 1000                        for sync = "interval"
//
// Durability: write() frames the transactions into memory; flush() writes them to the file and,
// per the sync policy, fdatasyncs it. The durable watermark reported is the commit_ts of the last
// transaction covered by an fdatasync. Delivery is at-least-once: after an unclean stop the
// transactions after the checkpoint are appended again.
#include <sluice/sdk/plugin.h>

#include <chrono>
#include <memory>
#include <optional>
#include <string>

#include "plugins/file/binlog_file_writer.h"
#include "plugins/file/pb_binlog_encoder.h"

namespace {

using sluice::sdk::Batch;
using sluice::sdk::Config;
using sluice::sdk::ConfigError;
using sluice::sdk::Host;
using sluice::sdk::Metric;
using sluice::sdk::Resume;
using sluice::sdk::Status;
using sluice::sdk::StatusError;
using sluice::sdk::Transaction;

constexpr int64_t kNsPerMs = 1'000'000;
// The original checks retention hourly.
constexpr int64_t kRetentionCheckNs = int64_t{3600} * 1'000'000'000;
constexpr int64_t kDefaultSyncIntervalMs = 1000;

enum class SyncPolicy { kBatch, kInterval };

struct Settings {
  std::string dir;
  int64_t max_file_size = static_cast<int64_t>(sluice::file::kDefaultMaxFileSize);
  int64_t retention_days = 0;
  SyncPolicy sync = SyncPolicy::kBatch;
  int64_t sync_interval_ms = kDefaultSyncIntervalMs;
};

// Reads and checks every key (throws ConfigError naming the key).
Settings read_settings(const Config& config) {
  Settings settings;
  settings.dir = config.require_string("dir");
  if (settings.dir.empty()) throw ConfigError("'dir' must not be empty");
  settings.max_file_size = config.int_or("max-file-size", settings.max_file_size);
  if (settings.max_file_size <= 0) {
    throw ConfigError("'max-file-size' must be greater than 0 bytes");
  }
  settings.retention_days = config.int_or("retention-time", 0);
  if (settings.retention_days < 0) {
    throw ConfigError("'retention-time' must be 0 (keep forever) or a number of days");
  }
  const std::string sync = config.string_or("sync", "batch");
  if (sync == "batch") {
    settings.sync = SyncPolicy::kBatch;
  } else if (sync == "interval") {
    settings.sync = SyncPolicy::kInterval;
  } else {
    throw ConfigError("'sync' must be \"batch\" or \"interval\", not \"" + sync + "\"");
  }
  settings.sync_interval_ms = config.int_or("sync-interval-ms", kDefaultSyncIntervalMs);
  if (settings.sync_interval_ms <= 0) {
    throw ConfigError("'sync-interval-ms' must be greater than 0");
  }
  return settings;
}

Status to_sdk(const sluice::Status& status) {
  if (status.is_ok()) return Status::ok();
  switch (status.code()) {
    case sluice::StatusCode::kResourceExhausted:  // out of space: an operator may free some
    case sluice::StatusCode::kUnavailable:
      return Status::retry(status.message());
    default:
      return Status::fatal(status.message());
  }
}

class FileSink : public sluice::sdk::Sink {
 public:
  static Status validate(const Config& config) {
    read_settings(config);
    return Status::ok();
  }

  FileSink(Host host, const Config& config)
      : host_(host),
        settings_(read_settings(config)),
        transactions_(
            host.counter("file_sink_transactions_total", "Transactions appended to binlog files")),
        bytes_(host.counter("file_sink_bytes_total", "Framed bytes appended to binlog files")),
        syncs_(host.counter("file_sink_syncs_total", "fdatasync calls on binlog files")),
        rotations_(host.counter("file_sink_rotations_total", "Binlog files started by rotation")),
        purged_(host.counter("file_sink_purged_files_total",
                             "Binlog files deleted by retention-time")) {
    sluice::file::BinlogFileWriterOptions options;
    options.dir = settings_.dir;
    options.max_file_size = static_cast<uint64_t>(settings_.max_file_size);
    options.warn = [host](std::string_view message) { host.warn(message); };
    auto writer = sluice::file::BinlogFileWriter::open(std::move(options));
    if (!writer.is_ok()) throw StatusError(Status::fatal(writer.status().message()));
    writer_ = std::move(writer).value();
  }

  Status open(const Resume& resume) override {
    durable_ts_ = resume.checkpoint_ts;
    last_ts_ = resume.checkpoint_ts;
    last_sync_ns_ = host_.monotonic_clock_ns();
    host_.info("appending to '" + writer_->current_path().string() + "' at offset " +
               std::to_string(writer_->current_size()) + " from commit_ts " +
               std::to_string(resume.checkpoint_ts));
    return purge_if_due(/*force=*/true);
  }

  Status write(const Batch& batch) override {
    if (!writer_) return Status::fatal("write after close");
    // A failed write is sent again (RETRY) or ends the instance: either way none of this batch
    // may stay behind.
    const size_t mark = writer_->pending_bytes();
    const int64_t last_ts = last_ts_;
    try {
      transactions_.add(static_cast<double>(append_batch(batch)));
    } catch (...) {
      writer_->discard_pending_from(mark);
      last_ts_ = last_ts;
      throw;
    }
    return Status::ok();
  }

  Status flush(int64_t& durable_ts) override {
    if (!writer_) return Status::ok();  // closed: everything was synced
    const size_t pending = writer_->pending_bytes();
    const uint64_t rotations = writer_->rotations();
    const uint64_t syncs = writer_->syncs();
    const int64_t now = host_.monotonic_clock_ns();
    const bool sync_now = settings_.sync == SyncPolicy::kBatch || close_called_ ||
                          now - last_sync_ns_ >= settings_.sync_interval_ms * kNsPerMs;
    Status status;
    if (sync_now && durable_ts_ < last_ts_) {
      status = to_sdk(writer_->sync());
      if (status.is_ok()) {
        durable_ts_ = last_ts_;
        last_sync_ns_ = now;
      }
    } else if (pending > 0) {
      status = to_sdk(writer_->write_out());
    }
    bytes_.add(static_cast<double>(pending - writer_->pending_bytes()));
    syncs_.add(static_cast<double>(writer_->syncs() - syncs));
    rotations_.add(static_cast<double>(writer_->rotations() - rotations));
    if (durable_ts_ > durable_ts) durable_ts = durable_ts_;
    if (!status.is_ok()) return status;
    return purge_if_due(/*force=*/false);
  }

  // Flushes with an fdatasync whatever the policy, then closes the files and releases the
  // directory lock (so a new instance may take the directory before this one is destroyed).
  Status close() override {
    if (!writer_) return Status::ok();
    close_called_ = true;
    int64_t ignored = durable_ts_;
    Status status = flush(ignored);
    if (status.is_ok()) writer_.reset();
    return status;
  }

 private:
  // Frames every transaction of `batch` into the writer's memory; returns how many records.
  size_t append_batch(const Batch& batch) {
    size_t records = 0;
    for (Transaction transaction : batch.transactions()) {
      // Transactions without events (everything filtered out) are not written, as the original
      // skips ignored binlogs; they still advance the watermark.
      if (!transaction.events().empty()) {
        const size_t before = writer_->pending_bytes();
        if (!translator_absent_) {
          if (std::optional<std::string_view> bytes = translate(transaction)) {
            if (!bytes->empty()) writer_->append(*bytes);
          }
        }
        if (translator_absent_) {
          writer_->append_with(
              [&](std::string& out) { sluice::file::append_pb_binlog(transaction, out); });
        }
        if (writer_->pending_bytes() != before) ++records;
      }
      last_ts_ = transaction.commit_ts();
    }
    return records;
  }

  // The configured translator's encoding, or nullopt once it is known that there is none (then
  // translator_absent_ is set and the built-in pb_binlog encoding is used from then on).
  std::optional<std::string_view> translate(const Transaction& transaction) {
    try {
      std::string_view bytes = host_.translate(transaction);
      translator_seen_ = true;
      return bytes;
    } catch (const StatusError& error) {
      if (error.status().code() != sluice::sdk::Code::kUnsupported || translator_seen_) throw;
      translator_absent_ = true;
      host_.info("no translator configured: writing pb_binlog records");
      return std::nullopt;
    }
  }

  Status purge_if_due(bool force) {
    if (settings_.retention_days == 0) return Status::ok();
    const int64_t now = host_.monotonic_clock_ns();
    if (!force && now - last_purge_ns_ < kRetentionCheckNs) return Status::ok();
    last_purge_ns_ = now;
    const auto cutoff = std::filesystem::file_time_type::clock::now() -
                        std::chrono::hours(24 * settings_.retention_days);
    auto removed = writer_->purge_older_than(cutoff);
    if (!removed.is_ok()) {
      // Retention is housekeeping: a failure does not stop replication.
      host_.warn("retention-time: " + removed.status().message());
      return Status::ok();
    }
    if (*removed > 0) {
      purged_.add(static_cast<double>(*removed));
      host_.info("retention-time: deleted " + std::to_string(*removed) +
                 " binlog files older than " + std::to_string(settings_.retention_days) + " days");
    }
    return Status::ok();
  }

  Host host_;
  Settings settings_;
  Metric transactions_;
  Metric bytes_;
  Metric syncs_;
  Metric rotations_;
  Metric purged_;
  std::unique_ptr<sluice::file::BinlogFileWriter> writer_;
  bool translator_absent_ = false;
  bool translator_seen_ = false;
  bool close_called_ = false;
  int64_t last_ts_ = 0;       // commit_ts of the last transaction written
  int64_t durable_ts_ = 0;    // commit_ts of the last transaction covered by an fdatasync
  int64_t last_sync_ns_ = 0;  // monotonic time of the last fdatasync
  int64_t last_purge_ns_ = 0;
};

}  // namespace

SLUICE_SINK_PLUGIN(FileSink, SLUICE_PLUGIN_NAME, SLUICE_PLUGIN_VERSION,
                   "Writes transactions to binlog files in the original drainer's file format", 0)
