#include "core/drainer/relay_log_writer.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <sluice/sdk/plugin.h>

#include "core/drainer/relay_record_decoder.h"
#include "plugins/file/binlog_file_format.h"
#include "plugins/file/binlog_file_reader.h"
#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"

namespace sluice::drainer {

Result<std::unique_ptr<RelayLogWriter>> RelayLogWriter::open(RelayLogOptions options) {
  auto relay = std::make_unique<RelayLogWriter>(options);
  file::BinlogFileWriterOptions writer_options;
  writer_options.dir = options.dir;
  writer_options.max_file_size = options.max_file_size;
  writer_options.warn = [](std::string_view message) { spdlog::warn("relay log: {}", message); };
  auto writer = file::BinlogFileWriter::open(std::move(writer_options));
  if (!writer.is_ok()) {
    return writer.status().with_context(
        fmt::format("opening the relay log in {}", options.dir.string()));
  }
  relay->writer_ = std::move(writer).value();
  return relay;
}

Status RelayLogWriter::write(const TransactionBatch& batch) {
  const sluice_batch_t& view = batch.view();
  const size_t before = writer_->pending_bytes();
  for (size_t i = 0; i < view.transaction_count; ++i) {
    const auto* transaction = reinterpret_cast<const sluice_transaction_t*>(
        reinterpret_cast<const char*>(view.transactions) + i * view.transaction_size);
    writer_->append_with([&](std::string& out) {
      translators::append_secondary_binlog(sdk::Transaction(transaction), out);
    });
  }
  const size_t appended = writer_->pending_bytes() - before;
  Status synced = writer_->sync();
  if (!synced.is_ok()) {
    return synced.with_context(fmt::format(
        "writing the relay log in {} (nothing was sent to the sinks)", options_.dir.string()));
  }
  bytes_written_ += appended;
  return Status::ok();
}

Result<std::optional<int64_t>> RelayLogWriter::first_commit_ts(uint64_t index,
                                                               const std::filesystem::path& path) {
  if (auto cached = first_ts_.find(index); cached != first_ts_.end()) return {cached->second};
  SLUICE_ASSIGN_OR_RETURN(auto reader, file::BinlogFileReader::open(path));
  std::string record;
  auto has_record = reader.next(record);
  if (!has_record.is_ok()) return has_record.status();
  if (!has_record.value()) return std::optional<int64_t>();
  SLUICE_ASSIGN_OR_RETURN(int64_t commit_ts, RelayRecordDecoder::commit_ts_of(record));
  first_ts_[index] = commit_ts;
  return std::optional<int64_t>(commit_ts);
}

Result<size_t> RelayLogWriter::purge(int64_t durable_ts) {
  SLUICE_ASSIGN_OR_RETURN(auto files, file::list_binlog_files(options_.dir));
  size_t deleted = 0;
  for (size_t i = 0; i + 1 < files.size(); ++i) {
    if (files[i].index >= writer_->current_index()) break;
    SLUICE_ASSIGN_OR_RETURN(auto next_first,
                            first_commit_ts(files[i + 1].index, files[i + 1].path));
    if (!next_first || *next_first > durable_ts) break;
    std::error_code error;
    std::filesystem::remove(files[i].path, error);
    if (error) {
      return Status(StatusCode::kIoError, fmt::format("removing relay file {}: {}",
                                                      files[i].path.string(), error.message()));
    }
    first_ts_.erase(files[i].index);
    ++deleted;
  }
  return deleted;
}

}  // namespace sluice::drainer
