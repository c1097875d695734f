// libFuzzer target: binlog files (magic, length, payload, CRC-32C records) as the file sink's
// recovery, Reparo and the relay log read them back after a crash or from another machine. The
// input is one file, read three ways that must agree: scan_binlog_file, a BinlogFileReader that
// skips corruption as Reparo's skip-corrupt does, and read_binlog_directory. Every record a reader
// returns must be exactly the bytes framed at its offset. The input is also tried as a file name.
// fuzz-sources: plugins/file/binlog_file_reader.cc plugins/file/binlog_file_format.cc
// fuzz-sources: core/checksum/crc32c.cc core/common/status.cc
// fuzz-libs:
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "plugins/file/binlog_file_format.h"
#include "plugins/file/binlog_file_reader.h"
#include "tests/fuzz/fuzz_temp_dir.h"

namespace {

using namespace sluice;
using namespace sluice::file;

constexpr std::string_view kFileName = "binlog-0000000000000000-20240102030405";

// The records a reader that skips corruption finds; aborts when a record is not what is framed at
// its offset or when the reader does not move forward.
uint64_t read_skipping(const std::filesystem::path& path, std::string_view bytes,
                       uint64_t& records_before_first_error) {
  auto reader = BinlogFileReader::open(path);
  if (!reader.is_ok()) std::abort();
  if (reader->size() != bytes.size()) std::abort();
  uint64_t records = 0;
  bool failed = false;
  std::string payload;
  std::string framed;
  for (;;) {
    const uint64_t at = reader->offset();
    auto more = reader->next(payload);
    if (!more.is_ok()) {
      if (more.status().code() != StatusCode::kCorruption) std::abort();
      if (reader->offset() != at) std::abort();
      failed = true;
      if (reader->torn_tail()) break;
      const uint64_t resumed = reader->skip_bad_record();
      if (resumed <= at || resumed + kRecordOverhead > bytes.size()) std::abort();
      continue;
    }
    if (!*more) {
      if (at != bytes.size()) std::abort();
      break;
    }
    framed.clear();
    append_record(framed, payload);
    if (reader->offset() != at + framed.size() || bytes.substr(at, framed.size()) != framed) {
      std::abort();
    }
    ++records;
    if (!failed) records_before_first_error = records;
  }
  return records;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto dir = sluice::fuzz::temp_dir() / "binlogs";
  std::filesystem::create_directories(dir);
  const auto path = dir / kFileName;
  {
    const auto written = sluice::fuzz::write_temp_file("binlogs/" + std::string(kFileName), bytes);
    if (written != path) std::abort();
  }

  auto scan = scan_binlog_file(path);
  uint64_t clean_records = 0;
  const uint64_t records = read_skipping(path, bytes, clean_records);
  auto all = read_binlog_directory(dir);
  if (scan.is_ok()) {
    // Only a torn tail is tolerated by a scan; nothing valid follows it.
    if (scan->file_size != size || scan->valid_size > size) std::abort();
    if (scan->records != clean_records || scan->records != records) std::abort();
    if (scan->has_torn_tail() == scan->torn_reason.empty()) std::abort();
    if (all.is_ok() != !scan->has_torn_tail()) std::abort();
  } else {
    if (scan.status().code() != StatusCode::kCorruption || all.is_ok()) std::abort();
  }
  if (all.is_ok() && all->size() != records) std::abort();

  // As a file name.
  auto name = parse_binlog_file_name(bytes);
  if (name && !bytes.starts_with("binlog-")) std::abort();
  if (size >= 8) {
    uint64_t index = 0;
    for (int i = 0; i < 8; ++i)
      index = index << 8 | data[i];
    const auto back = parse_binlog_file_name(binlog_file_name(index, 1700000000));
    if (!back || back->index != index || back->commit_ts) std::abort();
  }
  return 0;
}
