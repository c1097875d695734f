// libFuzzer target: secondary binlogs (slave.binlog.Binlog) as the relay log replay and the
// arbiter (from Kafka) decode them with RelayRecordDecoder. The input is two records,
// [u16 little-endian length of the first][first][second]; checks:
//   - the decoder's table cache changes nothing: the second record decodes the same after the
//     first as in a fresh decoder;
//   - commit_ts_of agrees with decode;
//   - what decodes, re-encoded by the secondary binlog encoder (as the relay log writer and the
//     Kafka sink write it), decodes again, and that encoding is a fixed point: a replayed
//     transaction written again is byte for byte what was written.
// fuzz-sources: core/drainer/relay_record_decoder.cc core/drainer/drainer_transaction.cc
// fuzz-sources: core/drainer/abi_table.cc core/drainer/transaction_batch.cc core/decode/*.cc
// fuzz-sources: plugins/translators/secondary_binlog/secondary_binlog_encoder.cc
// fuzz-sources: core/schema/table_info.cc core/schema/schema_tracker.cc core/codec/*.cc
// fuzz-sources: core/proto/secondary_binlog.pb.cc core/proto/binlog.pb.cc core/common/status.cc
// fuzz-libs: -lprotobuf -lfmt
#include <google/protobuf/stubs/logging.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "core/drainer/relay_record_decoder.h"
#include "core/drainer/transaction_batch.h"
#include "plugins/translators/secondary_binlog/secondary_binlog_encoder.h"
#include "tests/fuzz/transaction_text.h"

namespace {

using sluice::drainer::DrainerTransaction;
using sluice::drainer::RelayRecordDecoder;

// The secondary binlog the relay log writer would write for `transaction` (which it consumes).
std::string encode(std::unique_ptr<DrainerTransaction> transaction) {
  sluice::drainer::TransactionBatch batch;
  batch.add(std::move(transaction));
  const sluice_batch_t& view = batch.build_view();
  std::string out;
  sluice::translators::append_secondary_binlog(sluice::sdk::Transaction(view.transactions), out);
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // libprotobuf logs every string field with invalid UTF-8 it parses: noise here.
  google::protobuf::SetLogHandler(nullptr);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 2) return 0;
  const size_t first_size = std::min<size_t>(data[0] | data[1] << 8, size - 2);
  const std::string_view first(reinterpret_cast<const char*>(data + 2), first_size);
  const std::string_view second(reinterpret_cast<const char*>(data + 2 + first_size),
                                size - 2 - first_size);

  RelayRecordDecoder fresh;
  auto decoded = fresh.decode(second);
  RelayRecordDecoder warmed;
  (void)warmed.decode(first);
  auto after_first = warmed.decode(second);
  if (decoded.is_ok() != after_first.is_ok()) std::abort();
  auto commit_ts = RelayRecordDecoder::commit_ts_of(second);
  if (!decoded.is_ok()) return 0;
  if (!commit_ts.is_ok() || *commit_ts != (*decoded)->commit_ts) std::abort();
  const std::string text = sluice::fuzz::transaction_text(**decoded);
  if (sluice::fuzz::transaction_text(**after_first) != text) std::abort();

  const std::string written = encode(std::move(decoded).value());
  RelayRecordDecoder replay;
  auto replayed = replay.decode(written);
  if (!replayed.is_ok()) {
    std::fprintf(stderr, "the re-encoded record does not decode: %s\ndecoded:\n%s\n",
                 replayed.status().to_string().c_str(), text.c_str());
    std::abort();
  }
  const std::string replayed_text = sluice::fuzz::transaction_text(**replayed);
  if (encode(std::move(replayed).value()) != written) {
    std::fprintf(stderr, "not a fixed point:\ndecoded:\n%s\nreplayed:\n%s\n", text.c_str(),
                 replayed_text.c_str());
    std::abort();
  }
  return 0;
}
