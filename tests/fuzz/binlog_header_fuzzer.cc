// libFuzzer target: the pump's header scan of a binlog as TiDB sends it (WriteBinlog), which routes
// the bytes before anything parses them. Whatever libprotobuf parses as a binlog.Binlog the scan
// must accept too, with the same start_ts, commit_ts and (for a known type) tp.
// fuzz-sources: core/storage/binlog_header.cc core/common/status.cc core/proto/binlog.pb.cc
// fuzz-libs: -lprotobuf
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "core/proto/binlog.pb.h"
#include "core/storage/binlog_header.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  auto header = sluice::storage::scan_binlog_header(bytes);
  binlog::Binlog parsed;
  if (!parsed.ParseFromArray(data, static_cast<int>(size))) return 0;
  if (!header.is_ok()) std::abort();  // a binlog libprotobuf reads must not be refused
  if (header->start_ts != parsed.start_ts() || header->commit_ts != parsed.commit_ts()) {
    std::abort();
  }
  // An unknown enum value is kept aside by libprotobuf (tp stays as before); the scan reports it.
  if (binlog::BinlogType_IsValid(header->tp) && header->tp != parsed.tp()) std::abort();
  return 0;
}
