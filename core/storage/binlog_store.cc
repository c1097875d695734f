#include "core/storage/binlog_store.h"

#include <fmt/format.h>
#include <rocksdb/convenience.h>
#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/file_system.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <rocksdb/write_batch.h>
#include <spdlog/spdlog.h>
#include <sys/resource.h>

#include <algorithm>
#include <cassert>
#include <cstdarg>
#include <cstdio>
#include <filesystem>
#include <future>
#include <shared_mutex>
#include <system_error>
#include <utility>

#include "core/proto/binlog.pb.h"
#include "core/storage/storage_keys.h"
#include "core/tso/tso.h"

namespace sluice::storage {
namespace {

constexpr int kPrewrite = binlog::Prewrite;
constexpr int kCommit = binlog::Commit;
constexpr int kRollback = binlog::Rollback;
constexpr std::string_view kMetaPurgedTs = "purged_ts";
constexpr std::string_view kMetaHealthProbe = "health_probe";  // written to test a recovered disk

rocksdb::Slice slice(std::string_view s) {
  return {s.data(), s.size()};
}
std::string_view slice_to_view(const rocksdb::Slice& s) {
  return {s.data(), s.size()};
}

Status from_rocks(const rocksdb::Status& status, const std::string& what) {
  std::string message = what + ": " + status.ToString();
  if (status.IsCorruption()) return Status::corruption(std::move(message));
  if (status.IsNoSpace()) return Status::resource_exhausted(std::move(message));
  if (status.IsInvalidArgument()) return Status::invalid_argument(std::move(message));
  return Status::io_error(std::move(message));
}

rocksdb::ColumnFamilyOptions family_options(const StorageOptions& options, bool blobs) {
  rocksdb::ColumnFamilyOptions cf;
  cf.write_buffer_size = options.write_buffer_size;
  cf.compression = rocksdb::kNoCompression;
  if (options.prefer_lz4) {
    auto supported = rocksdb::GetSupportedCompressions();
    if (std::find(supported.begin(), supported.end(), rocksdb::kLZ4Compression) !=
        supported.end()) {
      cf.compression = rocksdb::kLZ4Compression;
    }
  }
  if (blobs && options.enable_blob_files) {
    cf.enable_blob_files = true;
    cf.min_blob_size = options.min_blob_size;
    cf.blob_compression_type = cf.compression;
    cf.enable_blob_garbage_collection = true;
  }
  return cf;
}

// The Commit binlog enriched with the Prewrite's payload fields (facts §2); tp stays Commit.
Result<std::string> join_binlog(std::string_view commit_bytes, std::string_view prewrite_bytes) {
  binlog::Binlog commit;
  binlog::Binlog prewrite;
  if (!commit.ParseFromArray(commit_bytes.data(), static_cast<int>(commit_bytes.size()))) {
    return Status::invalid_argument("malformed commit binlog");
  }
  if (!prewrite.ParseFromArray(prewrite_bytes.data(), static_cast<int>(prewrite_bytes.size()))) {
    return Status::corruption("stored prewrite binlog does not parse");
  }
  if (prewrite.has_prewrite_value()) {
    commit.set_allocated_prewrite_value(prewrite.release_prewrite_value());
  } else {
    commit.clear_prewrite_value();
  }
  if (prewrite.has_ddl_query()) {
    commit.set_allocated_ddl_query(prewrite.release_ddl_query());
  } else {
    commit.clear_ddl_query();
  }
  if (prewrite.has_ddl_job_id()) {
    commit.set_ddl_job_id(prewrite.ddl_job_id());
  } else {
    commit.clear_ddl_job_id();
  }
  if (prewrite.has_ddl_schema_state()) {
    commit.set_ddl_schema_state(prewrite.ddl_schema_state());
  } else {
    commit.clear_ddl_schema_state();
  }
  if (prewrite.has_ddl_job_json()) {
    commit.set_allocated_ddl_job_json(prewrite.release_ddl_job_json());
  } else {
    commit.clear_ddl_job_json();
  }
  std::string out;
  if (!commit.SerializeToString(&out)) return Status::internal("cannot serialize joined binlog");
  return out;
}

}  // namespace

void BinlogStore::DbCloser::operator()(rocksdb::DB* db) const {
  if (db == nullptr) return;
  rocksdb::Status status = db->Close();
  if (!status.ok()) spdlog::warn("storage: closing RocksDB: {}", status.ToString());
  delete db;  // NOLINT: RocksDB hands out a raw pointer; this deleter is its owner
}

void BinlogStore::HandleCloser::operator()(rocksdb::ColumnFamilyHandle* handle) const {
  if (handle != nullptr && db != nullptr)
    db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
}

BinlogStore::BinlogStore(PrivateKey, StorageOptions options,
                         std::shared_ptr<TransactionStatusResolver> resolver,
                         metrics::MetricsRegistry* metrics)
    : options_(std::move(options)),
      kv_path_((std::filesystem::path(options_.data_dir) / "kv").string()),
      resolver_(resolver ? std::move(resolver) : std::make_shared<RollbackResolver>()),
      metrics_(metrics),
      disk_guard_(options_.data_dir, options_.stop_write_at_available_space,
                  options_.disk_check_interval, options_.available_space_probe) {}

Result<std::unique_ptr<BinlogStore>> BinlogStore::open(
    StorageOptions options, std::shared_ptr<TransactionStatusResolver> resolver,
    metrics::MetricsRegistry* metrics, bool collect_statistics) {
  if (options.data_dir.empty()) return Status::invalid_argument("storage: data_dir is empty");
  std::error_code ec;
  std::filesystem::create_directories(options.data_dir, ec);
  if (ec) {
    return Status::io_error("storage: create data dir " + options.data_dir + ": " + ec.message());
  }
  auto store =
      std::make_unique<BinlogStore>(PrivateKey{}, std::move(options), std::move(resolver), metrics);

  if (collect_statistics) store->statistics_ = rocksdb::CreateDBStatistics();
  SLUICE_RETURN_IF_ERROR(store->open_db());
  SLUICE_RETURN_IF_ERROR(store->recover());
  BinlogStore* self = store.get();
  store->commit_thread_ = std::thread([self] { self->commit_loop(); });
  if (store->options_.resolve_interval.count() > 0) {
    store->resolver_thread_ = std::thread([self] { self->resolver_loop(); });
  }
  store->health_thread_ = std::thread([self] { self->health_loop(); });
  return store;
}

BinlogStore::~BinlogStore() {
  shutdown();
  if (resolver_thread_.joinable()) resolver_thread_.join();
  if (health_thread_.joinable()) health_thread_.join();
  if (commit_thread_.joinable()) commit_thread_.join();
  if (db_) {
    int64_t max_ts = 0;
    {
      std::lock_guard lock(mutex_);
      max_ts = sorter_.max_commit_ts();
    }
    rocksdb::WriteOptions write_options;
    write_options.sync = options_.sync;
    rocksdb::Status status =
        db_->Put(write_options, meta_cf_.get(), slice(kMetaMaxCommitTs), encode_int64_le(max_ts));
    if (!status.ok()) spdlog::warn("storage: persist max_commit_ts: {}", status.ToString());
  }
}

void BinlogStore::shutdown() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  progress_cv_.notify_all();
  resolver_cv_.notify_all();
  health_cv_.notify_all();
  std::unique_lock lock(queue_mutex_);
  queue_closed_ = true;
  queue_cv_.notify_all();
  // From a callback (documented as not allowed) waiting would never end.
  if (std::this_thread::get_id() == commit_thread_.get_id()) return;
  drained_cv_.wait(lock, [this] { return queue_.empty() && !committing_; });
}

int64_t BinlogStore::now_tso() const {
  if (options_.now_tso) return options_.now_tso();
  return tso::from_time(std::chrono::system_clock::now());
}

Status BinlogStore::recover() {
  auto read_int = [&](std::string_view key) -> Result<int64_t> {
    std::string value;
    rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), meta_cf_.get(), slice(key), &value);
    if (status.IsNotFound()) return int64_t{0};
    if (!status.ok()) return from_rocks(status, "storage: read meta " + std::string(key));
    auto decoded = decode_int64_le(value);
    if (!decoded)
      return Status::corruption("storage: meta " + std::string(key) + " is not 8 bytes");
    return *decoded;
  };
  SLUICE_ASSIGN_OR_RETURN(int64_t max_ts, read_int(kMetaMaxCommitTs));
  SLUICE_ASSIGN_OR_RETURN(gc_ts_, read_int(kMetaGcTs));
  SLUICE_ASSIGN_OR_RETURN(purged_ts_, read_int(kMetaPurgedTs));

  std::lock_guard lock(mutex_);
  sorter_.restore_max_commit_ts(max_ts);
  // Unmatched prewrites come first: their commits (if any) will be later than anything the
  // safe point may pass, so they must block everything recovered after them.
  {
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), prewrite_cf_.get()));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      auto start_ts = decode_ts_key(slice_to_view(it->key()));
      if (!start_ts) return Status::corruption("storage: bad key in prewrite family");
      std::shared_ptr<const std::string> payload;
      if (sorter_.payload_bytes() + it->value().size() <= options_.max_pending_prewrite_memory) {
        payload = std::make_shared<const std::string>(it->value().ToString());
      }
      sorter_.add_prewrite(*start_ts, std::move(payload), PairingSorter::PrewriteState::kDurable);
    }
    if (!it->status().ok()) return from_rocks(it->status(), "storage: scan prewrite family");
  }
  // Commits written after the last persisted safe point: durable, but they may have been behind
  // an unmatched prewrite; queue them after every recovered prewrite (conservative).
  {
    std::string from = encode_ts_key(max_ts + 1);
    std::unique_ptr<rocksdb::Iterator> it(
        db_->NewIterator(rocksdb::ReadOptions(), commit_cf_.get()));
    for (it->Seek(from); it->Valid(); it->Next()) {
      auto commit_ts = decode_ts_key(slice_to_view(it->key()));
      if (!commit_ts) return Status::corruption("storage: bad key in commit family");
      sorter_.commit_durable(sorter_.add_commit(*commit_ts));
      auto header = scan_binlog_header(slice_to_view(it->value()));
      if (header.is_ok() && header->start_ts != header->commit_ts) {
        remember_commit_locked(header->start_ts, header->commit_ts);
      }
    }
    if (!it->status().ok()) return from_rocks(it->status(), "storage: scan commit family");
  }
  advance_locked();
  metrics_.set_max_commit_ts(sorter_.max_commit_ts());
  metrics_.set_gc_ts(gc_ts_);
  spdlog::info(
      "storage: opened {}: max_commit_ts {}, gc_ts {}, {} pending prewrites, {} queued items",
      kv_path_, sorter_.max_commit_ts(), gc_ts_, sorter_.pending_count(), sorter_.queued_items());
  return Status::ok();
}

struct BinlogStore::Job {
  struct Op {
    Family family = Family::kDefault;
    std::string key;
    std::string value;
    bool erase = false;
  };
  std::vector<Op> ops;
  size_t bytes = 0;  // of the ops, for the group size limit
  std::string what;  // "write prewrite <ts>", for the error message
  // Under no lock (takes mutex_): the bookkeeping once the write succeeded or failed.
  std::function<void(const Status&)> settle;
  WriteCallback done;

  void put(Family family, std::string key, std::string value) {
    bytes += key.size() + value.size();
    ops.push_back({family, std::move(key), std::move(value), false});
  }
  void erase(Family family, std::string key) {
    bytes += key.size();
    ops.push_back({family, std::move(key), {}, true});
  }
  // Settles and calls back with `status`; the job is finished.
  void finish(const Status& status) {
    settle(status);
    done(status);
  }
};

namespace {

// The group size limit: RocksDB's default max_write_batch_group_size_bytes (1 MiB). A job larger
// than this is committed alone.
constexpr size_t kMaxGroupBytes = 1u << 20;

}  // namespace

Status BinlogStore::sync_write(const std::function<void(rocksdb::WriteBatch&)>& build,
                               const std::string& what) {
  std::shared_lock db_lock(db_mutex_);
  if (!db_)
    return Status::io_error("storage: " + kv_path_ + " is closed after a disk failure; reopening");
  rocksdb::WriteBatch batch;
  build(batch);
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  rocksdb::Status status = db_->Write(write_options, &batch);
  if (!status.ok()) {
    metrics_.count_error("write_binlog");
    return from_rocks(status, "storage: " + what + " in " + kv_path_);
  }
  return Status::ok();
}

void BinlogStore::advance_locked() {
  if (sorter_.advance()) {
    metrics_.set_max_commit_ts(sorter_.max_commit_ts());
    progress_cv_.notify_all();
  }
}

void BinlogStore::remember_commit_locked(int64_t start_ts, int64_t commit_ts) {
  if (options_.recent_commits_capacity == 0) return;
  if (recent_commits_.insert_or_assign(start_ts, commit_ts).second) {
    recent_order_.push_back(start_ts);
  }
  while (recent_order_.size() > options_.recent_commits_capacity) {
    recent_commits_.erase(recent_order_.front());
    recent_order_.pop_front();
  }
}

Status BinlogStore::write(std::string_view bytes) {
  assert(std::this_thread::get_id() != commit_thread_.get_id() && "write() from a callback");
  std::promise<Status> outcome;
  std::future<Status> future = outcome.get_future();
  write_async(bytes, [&outcome](Status status) { outcome.set_value(std::move(status)); });
  return future.get();
}

void BinlogStore::write_async(std::string_view bytes, WriteCallback done) {
  const auto started = std::chrono::steady_clock::now();
  Result<BinlogHeader> parsed = scan_binlog_header(bytes);
  if (!parsed.is_ok()) {
    metrics_.count_error("malformed");
    done(parsed.status());
    return;
  }
  const BinlogHeader& header = *parsed;
  bool stopping = false;
  {
    std::lock_guard lock(mutex_);
    stopping = stopping_;
  }
  if (stopping) {  // the callback runs under no lock of the store
    done(Status::aborted("storage: shutting down"));
    return;
  }
  if (header.start_ts == 0 && header.commit_ts == 0) {  // probe
    done(Status::ok());
    return;
  }
  if (std::optional<Status> failed = disk_failure()) {
    metrics_.count_error("disk_failed");
    done(Status::io_error(fmt::format("{}; not written, try again", failed->message())));
    return;
  }
  // Bounded by bytes: past the bound the disk is behind, and the writer is told to retry (or
  // use another pump) instead of growing the queue. One binlog larger than the bound still goes
  // through alone.
  if (const uint64_t queued = queued_bytes_.load();
      queued > 0 && queued + bytes.size() > options_.max_queued_write_bytes) {
    metrics_.count_error("write_queue_full");
    done(Status::unavailable(
        fmt::format("storage: {} bytes are waiting for the disk (max-queued-write-bytes {}); retry",
                    queued, options_.max_queued_write_bytes)));
    return;
  }
  auto observed = [this, size = bytes.size(), started, done = std::move(done)](Status status) {
    if (status.is_ok()) {
      metrics_.observe_write(
          size, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    }
    done(std::move(status));
  };
  Staged staged = stage_write(bytes, header);
  if (!staged.is_ok() || staged.value() == nullptr) {
    observed(staged.status());
    return;
  }
  staged.value()->done = std::move(observed);
  enqueue(std::move(staged).value());
}

BinlogStore::Staged BinlogStore::stage_write(std::string_view bytes, const BinlogHeader& header) {
  if (header.start_ts <= 0 || header.commit_ts < 0) {
    metrics_.count_error("malformed");
    return Status::invalid_argument("binlog has invalid start_ts " +
                                    std::to_string(header.start_ts) + " / commit_ts " +
                                    std::to_string(header.commit_ts));
  }
  if (header.tp == kPrewrite) {
    if (header.commit_ts != 0) {
      metrics_.count_error("malformed");
      return Status::invalid_argument("prewrite binlog for start_ts " +
                                      std::to_string(header.start_ts) + " has commit_ts " +
                                      std::to_string(header.commit_ts));
    }
    return stage_prewrite(bytes, header.start_ts);
  }
  if ((header.tp == kRollback || header.tp == kCommit) && header.start_ts == header.commit_ts) {
    return stage_fake(bytes, header.commit_ts);
  }
  if (header.tp == kCommit) {
    if (header.commit_ts < header.start_ts) {
      metrics_.count_error("malformed");
      return Status::invalid_argument("commit binlog for start_ts " +
                                      std::to_string(header.start_ts) + " has commit_ts " +
                                      std::to_string(header.commit_ts) + " below it");
    }
    return stage_commit(bytes, header);
  }
  if (header.tp == kRollback) return stage_rollback(header.start_ts);
  metrics_.count_error("malformed");
  return Status::invalid_argument("unsupported binlog type " + std::to_string(header.tp));
}

void BinlogStore::enqueue(std::unique_ptr<Job> job) {
  {
    std::lock_guard lock(queue_mutex_);
    if (!queue_closed_) {
      queued_bytes_.fetch_add(job->bytes);
      queue_.push_back(std::move(job));
      queue_cv_.notify_one();
      return;
    }
  }
  job->finish(Status::aborted("storage: shutting down"));
}

Status BinlogStore::wait_for(Staged staged) {
  if (!staged.is_ok() || staged.value() == nullptr) return staged.status();
  std::promise<Status> outcome;
  std::future<Status> future = outcome.get_future();
  staged.value()->done = [&outcome](Status status) { outcome.set_value(std::move(status)); };
  enqueue(std::move(staged).value());
  return future.get();
}

void BinlogStore::commit_loop() {
  std::vector<std::unique_ptr<Job>> group;
  while (true) {
    {
      std::unique_lock lock(queue_mutex_);
      committing_ = false;
      if (queue_.empty()) drained_cv_.notify_all();
      queue_cv_.wait(lock, [this] { return !queue_.empty() || queue_closed_; });
      if (queue_.empty()) return;  // closed and drained
      size_t bytes = 0;
      while (!queue_.empty() &&
             (group.empty() || bytes + queue_.front()->bytes <= kMaxGroupBytes)) {
        bytes += queue_.front()->bytes;
        group.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      committing_ = true;
    }
    commit_group(group);
    uint64_t done_bytes = 0;
    for (const auto& job : group)
      done_bytes += job->bytes;
    queued_bytes_.fetch_sub(done_bytes);
    group.clear();
  }
}

void BinlogStore::commit_group(std::vector<std::unique_ptr<Job>>& group) {
  std::shared_lock db_lock(db_mutex_);  // the handles stay valid while the batch is built
  if (!db_) {
    db_lock.unlock();
    const Status closed =
        Status::io_error("storage: " + kv_path_ + " is closed after a disk failure; reopening");
    for (const auto& job : group)
      job->finish(closed);
    return;
  }
  rocksdb::WriteBatch batch;
  for (const auto& job : group) {
    for (const Job::Op& op : job->ops) {
      rocksdb::Status added = op.erase ? batch.Delete(handle(op.family), op.key)
                                       : batch.Put(handle(op.family), op.key, op.value);
      // Only a batch over its size limit fails, and the store sets none.
      assert(added.ok());
      added.PermitUncheckedError();
    }
  }
  rocksdb::WriteOptions write_options;
  write_options.sync = options_.sync;
  const rocksdb::Status written = db_->Write(write_options, &batch);
  db_lock.unlock();
  if (!written.ok()) {
    metrics_.count_error("write_binlog");
    record_disk_failure(from_rocks(written, "storage: writing to " + kv_path_));
  }
  for (const auto& job : group) {
    job->finish(written.ok() ? Status::ok()
                             : from_rocks(written, "storage: " + job->what + " in " + kv_path_));
  }
}

void BinlogStore::record_disk_failure(const Status& failure) {
  std::lock_guard lock(mutex_);
  if (!disk_failure_) {
    spdlog::error("{}: refusing writes until the disk takes them again (retried every {} ms)",
                  failure.message(), options_.recovery_interval.count());
  }
  disk_failure_ = Status::io_error(failure.message());
  metrics_.set_disk_failed(true);
  health_cv_.notify_all();
}

std::optional<Status> BinlogStore::disk_failure() const {
  std::lock_guard lock(mutex_);
  return disk_failure_;
}

void BinlogStore::health_loop() {
  int attempts = 0;  // recovery attempts since the failure, for the log
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    if (!disk_failure_) {
      health_cv_.wait(lock, [&] { return stopping_ || disk_failure_.has_value(); });
      continue;
    }
    health_cv_.wait_for(lock, options_.recovery_interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    // Resume clears RocksDB's background error (it flushes, so it needs the disk too); the probe
    // proves a synced write goes through again.
    rocksdb::Status resumed;
    {
      std::shared_lock db_lock(db_mutex_);
      resumed = db_ ? db_->Resume() : rocksdb::Status::IOError("closed after a failed reopen");
    }
    Status recovered = resumed.ok() ? Status::ok() : from_rocks(resumed, "storage: resume");
    if (!recovered.is_ok()) {
      // Not resumable (after a failed fsync RocksDB trusts no unsynced write): close and open
      // the database again, which replays what the write-ahead log really holds.
      if (attempts++ == 0) {
        spdlog::warn("storage: RocksDB cannot resume ({}); reopening {} until it opens",
                     resumed.ToString(), kv_path_);
      }
      recovered = reopen_db();
    }
    if (recovered.is_ok()) {
      recovered = sync_write(
          [&](rocksdb::WriteBatch& batch) {
            batch.Put(meta_cf_.get(), slice(kMetaHealthProbe), encode_int64_le(now_tso()));
          },
          "probe write");
    }
    lock.lock();
    if (recovered.is_ok()) {
      attempts = 0;
      spdlog::info("storage: the disk takes writes again; accepting binlogs");
      disk_failure_.reset();
      metrics_.set_disk_failed(false);
    } else {
      disk_failure_ = Status::io_error(recovered.message());
    }
  }
}

rocksdb::ColumnFamilyHandle* BinlogStore::handle(Family family) const {
  switch (family) {
    case Family::kCommit:
      return commit_cf_.get();
    case Family::kPrewrite:
      return prewrite_cf_.get();
    case Family::kMeta:
      return meta_cf_.get();
    case Family::kDefault:
      break;
  }
  return default_cf_.get();
}

Status BinlogStore::reopen_db() {
  std::unique_lock db_lock(db_mutex_);
  meta_cf_.reset();
  prewrite_cf_.reset();
  commit_cf_.reset();
  default_cf_.reset();
  db_.reset();
  return open_db();
}

namespace {

// RocksDB's informational log, into the pump's own log instead of a LOG file in the data dir:
// on a full disk that file fails too, and this librocksdb asserts on the next line written after
// a failed one. Its info lines are debug here; warnings and errors keep their level.
class RocksLogToSpdlog : public rocksdb::Logger {
 public:
  RocksLogToSpdlog() : rocksdb::Logger(rocksdb::InfoLogLevel::INFO_LEVEL) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    char line[1024];
    std::vsnprintf(line, sizeof line, format, ap);
    switch (level) {
      case rocksdb::InfoLogLevel::DEBUG_LEVEL:
      case rocksdb::InfoLogLevel::INFO_LEVEL:
      case rocksdb::InfoLogLevel::HEADER_LEVEL:
        spdlog::debug("rocksdb: {}", line);
        break;
      case rocksdb::InfoLogLevel::WARN_LEVEL:
        spdlog::warn("rocksdb: {}", line);
        break;
      default:
        spdlog::error("rocksdb: {}", line);
        break;
    }
  }
};

}  // namespace

Status BinlogStore::open_db() {
  rocksdb::DBOptions db_options;
  db_options.info_log = std::make_shared<RocksLogToSpdlog>();
  if (options_.file_system && !env_) env_ = rocksdb::NewCompositeEnv(options_.file_system);
  if (env_) db_options.env = env_.get();
  // Table files RocksDB keeps open, within the process's own descriptor limit (half of it: gRPC
  // connections, logs and the WAL need the rest). RocksDB's default is unlimited.
  if (rlimit limit{}; getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur != RLIM_INFINITY) {
    db_options.max_open_files = static_cast<int>(std::max<rlim_t>(64, limit.rlim_cur / 2));
  }
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = options_.max_background_jobs;
  if (statistics_) db_options.statistics = statistics_;
  std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, family_options(options_, false)},
      {kCommitFamily, family_options(options_, true)},
      {kPrewriteFamily, family_options(options_, true)},
      {kMetaFamily, family_options(options_, false)},
  };
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(db_options, kv_path_, families, &handles, &raw);
  db_.reset(raw);
  if (!status.ok()) {
    for (auto* opened : handles)
      Handle(opened, {raw});
    std::string hint = status.ToString().find("lock") != std::string::npos
                           ? " (is another pump using this data dir?)"
                           : "";
    return Status::io_error("storage: open RocksDB at " + kv_path_ + ": " + status.ToString() +
                            hint);
  }
  default_cf_ = Handle(handles[0], {raw});
  commit_cf_ = Handle(handles[1], {raw});
  prewrite_cf_ = Handle(handles[2], {raw});
  meta_cf_ = Handle(handles[3], {raw});
  return Status::ok();
}

BinlogStore::Staged BinlogStore::stage_prewrite(std::string_view bytes, int64_t start_ts) {
  if (Status space = disk_guard_.check(); !space.is_ok()) {
    metrics_.count_error("no_space");
    return space;
  }
  {
    std::lock_guard lock(mutex_);
    if (recent_commits_.contains(start_ts)) return std::unique_ptr<Job>();  // late retry
    if (PairingSorter::Pending* pending = sorter_.find_pending(start_ts)) {
      if (pending->state != PairingSorter::PrewriteState::kWriting) return std::unique_ptr<Job>();
      return Status::unavailable("prewrite for start_ts " + std::to_string(start_ts) +
                                 " is already being written");
    }
    // In memory while the bound allows; otherwise on disk only (the Commit reads it back).
    std::shared_ptr<const std::string> payload;
    if (sorter_.payload_bytes() + bytes.size() <= options_.max_pending_prewrite_memory) {
      payload = std::make_shared<const std::string>(bytes);
    } else {
      metrics_.count_error("prewrite_kept_on_disk");
    }
    // Registered before the write is acknowledged: see pairing_sorter.h.
    sorter_.add_prewrite(start_ts, std::move(payload), PairingSorter::PrewriteState::kWriting);
  }
  auto job = std::make_unique<Job>();
  job->put(Family::kPrewrite, encode_ts_key(start_ts), std::string(bytes));
  job->what = "write prewrite " + std::to_string(start_ts);
  job->settle = [this, start_ts](const Status& status) {
    std::lock_guard lock(mutex_);
    if (!status.is_ok()) {
      sorter_.finish_prewrite(start_ts);
      advance_locked();
      return;
    }
    if (PairingSorter::Pending* pending = sorter_.find_pending(start_ts)) {
      pending->state = PairingSorter::PrewriteState::kDurable;
    }
  };
  return job;
}

BinlogStore::Staged BinlogStore::stage_commit(std::string_view bytes, const BinlogHeader& header) {
  const int64_t start_ts = header.start_ts;
  const int64_t commit_ts = header.commit_ts;
  std::shared_ptr<const std::string> prewrite;
  bool matched = false;
  uint64_t item = 0;
  int64_t safe_point = 0;
  {
    std::lock_guard lock(mutex_);
    PairingSorter::Pending* pending = sorter_.find_pending(start_ts);
    if (pending == nullptr) {
      auto recent = recent_commits_.find(start_ts);
      if (recent != recent_commits_.end()) {
        if (recent->second == commit_ts) return std::unique_ptr<Job>();  // duplicate
        return Status::already_exists("start_ts " + std::to_string(start_ts) +
                                      " already committed at " + std::to_string(recent->second) +
                                      ", not " + std::to_string(commit_ts));
      }
    } else if (pending->state != PairingSorter::PrewriteState::kDurable) {
      return Status::unavailable("prewrite for start_ts " + std::to_string(start_ts) +
                                 " is still being written or finished; retry");
    } else {
      pending->state = PairingSorter::PrewriteState::kFinishing;
      prewrite = pending->payload;
      matched = true;
      if (commit_ts <= sorter_.max_commit_ts()) {
        spdlog::warn("storage: commit_ts {} of start_ts {} is not above the safe point {}",
                     commit_ts, start_ts, sorter_.max_commit_ts());
      }
      item = sorter_.add_commit(commit_ts);
      safe_point = sorter_.max_commit_ts();
    }
  }
  if (!matched) {
    // Not pending and not remembered: a duplicate from before a restart is in "commit".
    std::string stored;
    std::shared_lock db_lock(db_mutex_);
    if (!db_)
      return Status::io_error("storage: " + kv_path_ +
                              " is closed after a disk failure; reopening");
    rocksdb::Status status =
        db_->Get(rocksdb::ReadOptions(), commit_cf_.get(), encode_ts_key(commit_ts), &stored);
    db_lock.unlock();
    if (status.ok()) {
      auto stored_header = scan_binlog_header(stored);
      if (stored_header.is_ok() && stored_header->start_ts == start_ts) {
        return std::unique_ptr<Job>();
      }
    } else if (!status.IsNotFound()) {
      return from_rocks(status, "storage: look up commit " + std::to_string(commit_ts));
    }
    metrics_.count_error("commit_without_prewrite");
    spdlog::error("storage: commit binlog for start_ts {} (commit_ts {}) has no prewrite", start_ts,
                  commit_ts);
    return Status::failed_precondition("commit binlog for start_ts " + std::to_string(start_ts) +
                                       " has no prewrite");
  }

  auto job = std::make_unique<Job>();
  job->what = "write commit " + std::to_string(commit_ts);
  job->settle = [this, start_ts, commit_ts, item](const Status& status) {
    std::lock_guard lock(mutex_);
    if (!status.is_ok()) {
      sorter_.commit_failed(item);
      if (PairingSorter::Pending* pending = sorter_.find_pending(start_ts)) {
        pending->state = PairingSorter::PrewriteState::kDurable;
      }
    } else {
      sorter_.commit_durable(item);
      sorter_.finish_prewrite(start_ts);
      remember_commit_locked(start_ts, commit_ts);
    }
    advance_locked();
  };
  if (!prewrite) {
    // Kept on disk only (the memory bound): durable, so it is in the prewrite family.
    auto stored = std::make_shared<std::string>();
    std::shared_lock db_lock(db_mutex_);
    rocksdb::Status read = db_ ? db_->Get(rocksdb::ReadOptions(), prewrite_cf_.get(),
                                          encode_ts_key(start_ts), stored.get())
                               : rocksdb::Status::IOError("the database is closed");
    db_lock.unlock();
    if (!read.ok()) {
      Status failed = from_rocks(read, "storage: read back prewrite " + std::to_string(start_ts));
      job->settle(failed);
      return failed;
    }
    prewrite = std::move(stored);
  }
  Result<std::string> joined = join_binlog(bytes, *prewrite);
  if (!joined.is_ok()) {
    job->settle(joined.status());
    return joined.status();
  }
  job->put(Family::kCommit, encode_ts_key(commit_ts), std::move(joined).value());
  job->erase(Family::kPrewrite, encode_ts_key(start_ts));
  // The safe point as known now: a lower bound of the real one (recovery re-queues every
  // commit above it), so concurrent batches landing in either order are both correct.
  job->put(Family::kMeta, std::string(kMetaMaxCommitTs), encode_int64_le(safe_point));
  return job;
}

BinlogStore::Staged BinlogStore::stage_fake(std::string_view bytes, int64_t ts) {
  uint64_t item = 0;
  int64_t safe_point = 0;
  {
    std::lock_guard lock(mutex_);
    item = sorter_.add_commit(ts);
    safe_point = sorter_.max_commit_ts();
  }
  auto job = std::make_unique<Job>();
  job->put(Family::kCommit, encode_ts_key(ts), std::string(bytes));
  job->put(Family::kMeta, std::string(kMetaMaxCommitTs), encode_int64_le(safe_point));
  job->what = "write fake binlog " + std::to_string(ts);
  job->settle = [this, item](const Status& status) {
    std::lock_guard lock(mutex_);
    if (status.is_ok()) {
      sorter_.commit_durable(item);
    } else {
      sorter_.commit_failed(item);
    }
    advance_locked();
  };
  return job;
}

BinlogStore::Staged BinlogStore::stage_rollback(int64_t start_ts) {
  {
    std::lock_guard lock(mutex_);
    PairingSorter::Pending* pending = sorter_.find_pending(start_ts);
    // Never seen, or already settled.
    if (pending == nullptr) return std::unique_ptr<Job>();
    if (pending->state != PairingSorter::PrewriteState::kDurable) {
      return Status::unavailable("prewrite for start_ts " + std::to_string(start_ts) +
                                 " is still being written or finished; retry");
    }
    pending->state = PairingSorter::PrewriteState::kFinishing;
  }
  auto job = std::make_unique<Job>();
  job->erase(Family::kPrewrite, encode_ts_key(start_ts));
  job->what = "write rollback " + std::to_string(start_ts);
  job->settle = [this, start_ts](const Status& status) {
    std::lock_guard lock(mutex_);
    if (!status.is_ok()) {
      if (PairingSorter::Pending* pending = sorter_.find_pending(start_ts)) {
        pending->state = PairingSorter::PrewriteState::kDurable;
      }
      return;
    }
    sorter_.finish_prewrite(start_ts);
    advance_locked();
  };
  return job;
}

Result<ReadResult> BinlogStore::read(int64_t after_ts, size_t max_items, size_t max_bytes) const {
  ReadResult result;
  {
    std::lock_guard lock(mutex_);
    result.max_commit_ts = sorter_.max_commit_ts();
  }
  // The iterator's implicit snapshot is taken before purged_ts_ is read, and gc() raises
  // purged_ts_ before it deletes: a purge that races this read is always seen as a clamp, never
  // as a silent gap.
  std::shared_lock db_lock(db_mutex_);  // held while the iterator lives
  if (!db_)
    return Status::io_error("storage: " + kv_path_ + " is closed after a disk failure; reopening");
  rocksdb::ReadOptions read_options;
  std::string upper = encode_ts_key(result.max_commit_ts + 1);
  rocksdb::Slice upper_slice(upper);
  read_options.iterate_upper_bound = &upper_slice;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(read_options, commit_cf_.get()));
  {
    std::lock_guard lock(mutex_);
    result.purged_ts = purged_ts_;
  }
  if (after_ts < 0) after_ts = 0;
  if (result.purged_ts > 0 && after_ts + 1 < result.purged_ts) {
    spdlog::warn("storage: read after {} asks for purged binlogs; starting at purged_ts {}",
                 after_ts, result.purged_ts);
    after_ts = result.purged_ts - 1;
    result.clamped_to_gc = true;
  }
  if (after_ts >= result.max_commit_ts || max_items == 0) return result;
  std::string lower = encode_ts_key(after_ts + 1);
  size_t bytes = 0;
  for (it->Seek(lower); it->Valid(); it->Next()) {
    auto commit_ts = decode_ts_key(slice_to_view(it->key()));
    if (!commit_ts) return Status::corruption("storage: bad key in commit family");
    rocksdb::Slice value = it->value();
    if (!result.binlogs.empty() && bytes + value.size() > max_bytes) break;
    StoredBinlog entry;
    entry.commit_ts = *commit_ts;
    auto header = scan_binlog_header(slice_to_view(value));
    if (!header.is_ok()) {
      return Status::corruption("storage: stored binlog at commit_ts " +
                                std::to_string(*commit_ts) + ": " + header.status().message());
    }
    entry.start_ts = header->start_ts;
    entry.payload.assign(value.data(), value.size());
    bytes += value.size();
    result.binlogs.push_back(std::move(entry));
    if (result.binlogs.size() >= max_items) break;
  }
  if (!it->status().ok()) return from_rocks(it->status(), "storage: read commits");
  return result;
}

int64_t BinlogStore::max_commit_ts() const {
  std::lock_guard lock(mutex_);
  return sorter_.max_commit_ts();
}

uint64_t BinlogStore::pending_prewrite_memory() const {
  std::lock_guard lock(mutex_);
  return sorter_.payload_bytes();
}

int64_t BinlogStore::gc_ts() const {
  std::lock_guard lock(mutex_);
  return gc_ts_;
}

int64_t BinlogStore::purged_ts() const {
  std::lock_guard lock(mutex_);
  return purged_ts_;
}

bool BinlogStore::wait_for_progress(int64_t after_ts, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  progress_cv_.wait_for(lock, timeout,
                        [&] { return stopping_ || sorter_.max_commit_ts() > after_ts; });
  return sorter_.max_commit_ts() > after_ts;
}

Status BinlogStore::gc(int64_t gc_ts, int64_t protect_from_ts) {
  int64_t new_gc = 0;
  int64_t delete_to = 0;
  {
    std::lock_guard lock(mutex_);
    // Never purge what readers have not been allowed to see yet.
    new_gc = std::max(gc_ts_, std::min(gc_ts, sorter_.max_commit_ts()));
    delete_to = std::min(new_gc, protect_from_ts);
    if (new_gc == gc_ts_ && delete_to <= purged_ts_) return Status::ok();
  }
  bool purge = false;
  {
    std::lock_guard lock(mutex_);
    purge = delete_to > purged_ts_;
    // Raised before the delete (see read()): a reader may see a purge that then fails, and stop
    // early; it never misses one.
    if (purge) purged_ts_ = delete_to;
  }
  SLUICE_RETURN_IF_ERROR(sync_write(
      [&](rocksdb::WriteBatch& batch) {
        batch.Put(meta_cf_.get(), slice(kMetaGcTs), encode_int64_le(new_gc));
        if (purge) {
          batch.DeleteRange(commit_cf_.get(), encode_ts_key(0), encode_ts_key(delete_to));
          batch.Put(meta_cf_.get(), slice(kMetaPurgedTs), encode_int64_le(delete_to));
        }
      },
      "gc to " + std::to_string(delete_to)));
  std::lock_guard lock(mutex_);
  gc_ts_ = std::max(gc_ts_, new_gc);
  if (purge) purged_ts_ = std::max(purged_ts_, delete_to);
  metrics_.set_gc_ts(gc_ts_);
  spdlog::info("storage: gc_ts {} (asked {}), purged below {} (protect_from_ts {})", gc_ts_, gc_ts,
               purged_ts_, protect_from_ts);
  return Status::ok();
}

Result<size_t> BinlogStore::resolve_unmatched() {
  const int64_t cutoff_ms = tso::physical_ms(now_tso()) - options_.max_txn_timeout.count();
  std::vector<std::pair<int64_t, std::shared_ptr<const std::string>>> candidates;
  {
    std::lock_guard lock(mutex_);
    for (int64_t start_ts : sorter_.pending_start_ts()) {
      if (tso::physical_ms(start_ts) > cutoff_ms) break;  // ascending: the rest are younger
      PairingSorter::Pending* pending = sorter_.find_pending(start_ts);
      if (pending->state != PairingSorter::PrewriteState::kDurable) continue;
      candidates.emplace_back(start_ts, pending->payload);
    }
  }
  size_t settled = 0;
  for (const auto& [start_ts, payload] : candidates) {
    binlog::Binlog prewrite;
    std::string key;
    std::string on_disk;
    const std::string* bytes = payload.get();
    if (bytes == nullptr) {
      std::shared_lock db_lock(db_mutex_);
      if (db_ &&
          db_->Get(rocksdb::ReadOptions(), prewrite_cf_.get(), encode_ts_key(start_ts), &on_disk)
              .ok()) {
        bytes = &on_disk;
      }
    }
    if (bytes != nullptr && prewrite.ParseFromString(*bytes)) key = prewrite.prewrite_key();
    Result<TransactionStatus> answer = resolver_->resolve(start_ts, key);
    if (!answer.is_ok()) {
      metrics_.count_error("resolve");
      spdlog::warn("storage: cannot resolve start_ts {}: {}", start_ts,
                   answer.status().to_string());
      continue;
    }
    if (answer->kind == TransactionStatus::Kind::kInProgress) continue;
    if (answer->kind == TransactionStatus::Kind::kCommitted) {
      binlog::Binlog commit;
      commit.set_tp(binlog::Commit);
      commit.set_start_ts(start_ts);
      commit.set_commit_ts(answer->commit_ts);
      std::string bytes = commit.SerializeAsString();
      Status status =
          wait_for(stage_commit(bytes, BinlogHeader{kCommit, start_ts, answer->commit_ts}));
      if (!status.is_ok()) {
        spdlog::warn("storage: writing resolved commit of start_ts {}: {}", start_ts,
                     status.to_string());
        continue;
      }
      metrics_.count_unmatched("committed");
      spdlog::warn("storage: prewrite start_ts {} had no commit; resolver says committed at {}",
                   start_ts, answer->commit_ts);
    } else {
      // Unavailable when its Commit/Rollback is being written right now: that one settles it.
      if (Status status = wait_for(stage_rollback(start_ts)); !status.is_ok()) {
        spdlog::warn("storage: dropping unmatched prewrite start_ts {}: {}", start_ts,
                     status.to_string());
        continue;
      }
      metrics_.count_unmatched("rolled_back");
      spdlog::error(
          "storage: prewrite start_ts {} was never matched by a commit or rollback within {} ms; "
          "treated as rolled back",
          start_ts, options_.max_txn_timeout.count());
    }
    ++settled;
  }
  return settled;
}

void BinlogStore::resolver_loop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    resolver_cv_.wait_for(lock, options_.resolve_interval, [&] { return stopping_; });
    if (stopping_) break;
    lock.unlock();
    Result<size_t> settled = resolve_unmatched();
    if (!settled.is_ok()) spdlog::warn("storage: resolver pass: {}", settled.status().to_string());
    lock.lock();
  }
}

std::vector<int64_t> BinlogStore::pending_prewrites() const {
  std::lock_guard lock(mutex_);
  return sorter_.pending_start_ts();
}

Result<std::optional<std::string>> BinlogStore::get_meta(std::string_view key) const {
  std::shared_lock db_lock(db_mutex_);
  if (!db_)
    return Status::io_error("storage: " + kv_path_ + " is closed after a disk failure; reopening");
  std::string value;
  rocksdb::Status status = db_->Get(rocksdb::ReadOptions(), meta_cf_.get(), slice(key), &value);
  if (status.IsNotFound()) return std::optional<std::string>();
  if (!status.ok()) return from_rocks(status, "storage: read meta " + std::string(key));
  return std::optional<std::string>(std::move(value));
}

Status BinlogStore::put_meta(std::string_view key, std::string_view value) {
  return sync_write(
      [&](rocksdb::WriteBatch& batch) { batch.Put(meta_cf_.get(), slice(key), slice(value)); },
      "write meta " + std::string(key));
}

std::optional<StoreStatistics> BinlogStore::statistics() const {
  if (!statistics_) return std::nullopt;
  StoreStatistics out;
  out.wal_syncs = statistics_->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  out.writes_by_self = statistics_->getTickerCount(rocksdb::WRITE_DONE_BY_SELF);
  out.writes_by_other = statistics_->getTickerCount(rocksdb::WRITE_DONE_BY_OTHER);
  return out;
}

}  // namespace sluice::storage
