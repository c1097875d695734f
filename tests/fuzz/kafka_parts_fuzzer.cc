// libFuzzer target: what the arbiter reads from the Kafka sink's topic: the `sluice-part` and
// `sluice-commit-ts` header values (parse_part_header), the split-message reassembly
// (PartAssembler) and the secondary binlogs in the values (RelayRecordDecoder), driven as the
// arbiter's loop drives them. The input is a sequence of messages, each
//   flags:u8 (bit 0: has sluice-part, bit 1: has sluice-commit-ts), then part, commit-ts and value,
//   each as [u16 little-endian length][bytes] (a length past the end takes what is left).
// The assembler is checked against a plain model of its contract: parts of one commit_ts come out
// together, in part order, the last copy of a repeated part winning; a count that disagrees with
// an earlier part's is an error; completing a transaction while an earlier one still misses parts
// is an error. The first error ends the input, as it stops the arbiter.
// fuzz-sources: daemons/arbiter/kafka_source.cc daemons/arbiter/part_assembler.cc
// fuzz-sources: core/drainer/relay_record_decoder.cc core/drainer/drainer_transaction.cc
// fuzz-sources: core/drainer/abi_table.cc core/decode/*.cc core/schema/table_info.cc
// fuzz-sources: core/schema/schema_tracker.cc core/codec/*.cc core/proto/secondary_binlog.pb.cc
// fuzz-sources: core/proto/binlog.pb.cc core/common/status.cc
// fuzz-libs: -lrdkafka -lspdlog -lprotobuf -lfmt
#include <google/protobuf/stubs/logging.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "core/drainer/relay_record_decoder.h"
#include "daemons/arbiter/kafka_source.h"
#include "daemons/arbiter/part_assembler.h"
#include "tests/fuzz/fuzz_input.h"
#include "tests/fuzz/transaction_text.h"

namespace {

using namespace sluice;
using namespace sluice::arbiter;

// The assembler's contract, kept the plainest way.
struct Model {
  struct Pending {
    int count = 0;
    std::map<int, std::string> parts;
  };
  std::map<int64_t, Pending> pending;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // libprotobuf logs every string field with invalid UTF-8 it parses: noise here.
  google::protobuf::SetLogHandler(nullptr);
  spdlog::set_level(spdlog::level::off);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::FuzzInput input(data, size);
  PartAssembler assembler;
  Model model;
  drainer::RelayRecordDecoder decoder;
  int64_t taken_ts = 0;
  for (int64_t offset = 0; !input.empty(); ++offset) {
    const uint8_t flags = input.byte();
    const std::string_view part_text = input.field();
    const std::string_view commit_text = input.field();
    KafkaRecord record;
    record.offset = offset;
    record.value = std::string(input.field());
    if (flags & 1) {
      // KafkaSource::poll: a missing sluice-commit-ts reads as "".
      auto part = parse_part_header(part_text, (flags & 2) ? commit_text : "");
      if (!part.is_ok()) return 0;
      if (part->index < 1 || part->index > part->count) std::abort();
      if (part->count > 1) record.part = *part;
    }

    // What the model expects of add().
    std::optional<std::vector<std::string>> expected;  // a transaction that comes out
    bool expect_error = false;
    if (!record.part) {
      expected = std::vector<std::string>{record.value};
    } else {
      const PartHeader& part = *record.part;
      auto [entry, inserted] = model.pending.try_emplace(part.commit_ts);
      if (inserted) entry->second.count = part.count;
      if (entry->second.count != part.count) {
        expect_error = true;
      } else {
        entry->second.parts[part.index] = record.value;
        if (static_cast<int>(entry->second.parts.size()) == part.count) {
          expected.emplace();
          for (const auto& [index, value] : entry->second.parts)
            expected->push_back(value);
          model.pending.erase(entry);
          // Completing it while an earlier transaction misses parts is an error.
          expect_error = !model.pending.empty() && model.pending.begin()->first < part.commit_ts;
        }
      }
    }

    const std::optional<int64_t> header_ts =
        record.part ? std::optional<int64_t>(record.part->commit_ts) : std::nullopt;
    auto added = assembler.add(std::move(record));
    if (expect_error) {
      if (added.is_ok()) std::abort();
      return 0;
    }
    if (!added.is_ok()) std::abort();
    if (added->has_value() != expected.has_value()) std::abort();
    if (assembler.waiting() != model.pending.size()) std::abort();
    if (!*added) continue;
    const AssembledTransaction& transaction = **added;
    if (transaction.values != *expected || transaction.commit_ts != header_ts) std::abort();

    // Arbiter::handle: every part decodes, with one commit_ts.
    std::optional<int64_t> commit_ts;
    for (const std::string& value : transaction.values) {
      auto decoded = decoder.decode(value);
      if (!decoded.is_ok()) return 0;  // the arbiter stops (or skips, when told to)
      (void)sluice::fuzz::transaction_text(**decoded);
      if (commit_ts && *commit_ts != (*decoded)->commit_ts) return 0;
      commit_ts = (*decoded)->commit_ts;
    }
    if (transaction.commit_ts && transaction.commit_ts != commit_ts) return 0;
    if (*commit_ts <= taken_ts) continue;  // applied already
    const bool blocked = !model.pending.empty() && model.pending.begin()->first < *commit_ts;
    if (assembler.check_nothing_pending_before(*commit_ts).is_ok() == blocked) std::abort();
    if (blocked) return 0;
    taken_ts = *commit_ts;
    assembler.drop_through(taken_ts);
    model.pending.erase(model.pending.begin(), model.pending.upper_bound(taken_ts));
    if (assembler.waiting() != model.pending.size()) std::abort();
  }
  return 0;
}
