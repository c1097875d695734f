// bench_file_sink: the file sink (file.so, loaded as the host loads it, sync = "batch") writing
// ~1 KB transactions, against a plain append of the very same bytes (pre-encoded and framed
// outside the timing) with one write(2) and one fdatasync per batch: the same sync points. Both
// run in the same process on the same file system, alternately, several times; the medians and
// their ratio are printed. The sink's figure includes encoding, framing and CRC.
// Usage: bench_file_sink [transactions=50000] [batch=64] [repetitions=5] [work-dir=.]
#include <fcntl.h>
#include <sluice/sdk/testing/batch_builder.h>
#include <sluice/sdk/testing/fake_host.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plugins/file/binlog_file_format.h"
#include "plugins/file/pb_binlog_encoder.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using sluice::sdk::testing::BatchBuilder;
using sluice::sdk::testing::FakeConfig;
using sluice::sdk::testing::FakeHost;
using sluice::sdk::testing::PluginInstance;

// A realistic order row: ~1 KB once encoded (ids, amounts as decimal text, a datetime, a status,
// an address and a note).
void add_transaction(BatchBuilder& builder, size_t table, int64_t ts) {
  builder.begin_transaction(ts, ts - 3)
      .insert(table, {ts, static_cast<uint64_t>(ts % 100000), std::string("1234.56"),
                      std::string("2026-11-21 10:00:00"), std::string("shipped"),
                      std::string(180, static_cast<char>('a' + ts % 26)),
                      std::string(560, static_cast<char>('A' + ts % 26)), 0.125, int64_t{ts % 7}});
}

size_t add_table(BatchBuilder& builder) {
  return builder.add_table({"shop",
                            "orders",
                            42,
                            {{"id", 8, SLUICE_COLUMN_PRIMARY_KEY, "bigint"},
                             {"customer", 8, SLUICE_COLUMN_UNSIGNED, "bigint"},
                             {"amount", 246, 0, "decimal"},
                             {"created", 12, 0, "datetime"},
                             {"status", 15, 0, "varchar"},
                             {"address", 15, 0, "varchar"},
                             {"note", 252, 0, "text"},
                             {"rate", 5, 0, "double"},
                             {"priority", 1, 0, "tinyint"}},
                            {{"PRIMARY", SLUICE_KEY_PRIMARY, {0}}}});
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

uint64_t directory_bytes(const fs::path& dir) {
  uint64_t total = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    if (entry.path().filename().string().starts_with("binlog-")) total += entry.file_size();
  }
  return total;
}

}  // namespace

int main(int argc, char** argv) {
  const int transactions = argc > 1 ? std::atoi(argv[1]) : 50000;
  const int batch_size = argc > 2 ? std::atoi(argv[2]) : 64;
  const int repetitions = argc > 3 ? std::atoi(argv[3]) : 5;
  const fs::path work = fs::absolute(argc > 4 ? argv[4] : ".") / "bench_file_sink.tmp";
  if (transactions <= 0 || batch_size <= 0 || repetitions <= 0) {
    std::fprintf(stderr, "usage: bench_file_sink [transactions] [batch] [repetitions] [dir]\n");
    return 2;
  }

  // The batches, and the framed bytes the sink will write for each, built before any timing.
  std::vector<std::unique_ptr<BatchBuilder>> builders;
  std::vector<const sluice_batch_t*> batches;
  std::vector<std::string> framed;
  for (int first = 0; first < transactions; first += batch_size) {
    auto builder = std::make_unique<BatchBuilder>();
    const size_t table = add_table(*builder);
    const int count = std::min(batch_size, transactions - first);
    for (int i = 0; i < count; ++i)
      add_transaction(*builder, table, 1000 + 10 * int64_t{first + i});
    builder->set_first_position(static_cast<uint64_t>(first));
    batches.push_back(builder->build());
    std::string bytes;
    const sluice::sdk::Batch view(batches.back());
    for (sluice::sdk::Transaction transaction : view.transactions()) {
      std::string payload;
      sluice::file::append_pb_binlog(transaction, payload);
      sluice::file::append_record(bytes, payload);
    }
    framed.push_back(std::move(bytes));
    builders.push_back(std::move(builder));
  }
  uint64_t total_bytes = 0;
  for (const std::string& bytes : framed)
    total_bytes += bytes.size();

  FakeHost host;
  const sluice_plugin_descriptor_t* descriptor = host.load_plugin(SLUICE_BENCH_FILE_PLUGIN);

  std::vector<double> sink_mbps, plain_mbps;
  for (int rep = 0; rep < repetitions; ++rep) {
    // The sink.
    fs::remove_all(work);
    {
      PluginInstance sink(host, descriptor, "bench");
      if (!sink.create(FakeConfig{{"dir", (work / "sink").string()}}).ok() || !sink.open(0).ok()) {
        std::fprintf(stderr, "cannot create the sink in %s\n", work.c_str());
        return 1;
      }
      const auto start = Clock::now();
      int64_t durable = 0;
      for (const sluice_batch_t* batch : batches) {
        if (!sink.write(batch).ok() || !sink.flush(durable).ok()) {
          std::fprintf(stderr, "sink write/flush failed\n");
          return 1;
        }
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      if (!sink.close().ok()) return 1;
      const uint64_t written = directory_bytes(work / "sink");
      if (written != total_bytes) {
        std::fprintf(stderr, "the sink wrote %llu bytes, expected %llu\n",
                     static_cast<unsigned long long>(written),
                     static_cast<unsigned long long>(total_bytes));
        return 1;
      }
      sink_mbps.push_back(static_cast<double>(written) / 1e6 / seconds);
    }
    // The baseline: the same bytes, one write and one fdatasync per batch.
    {
      fs::create_directories(work / "plain");
      const fs::path path = work / "plain" / "binlog-0000000000000000-plain";
      const int fd =
          ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
      if (fd < 0) return 1;
      const auto start = Clock::now();
      for (const std::string& bytes : framed) {
        size_t done = 0;
        while (done < bytes.size()) {
          const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
          if (n < 0) return 1;
          done += static_cast<size_t>(n);
        }
        if (::fdatasync(fd) != 0) return 1;
      }
      const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
      ::close(fd);
      plain_mbps.push_back(static_cast<double>(total_bytes) / 1e6 / seconds);
    }
    std::printf("rep %d: sink %.1f MB/s, plain append+fdatasync %.1f MB/s\n", rep + 1,
                sink_mbps.back(), plain_mbps.back());
  }
  fs::remove_all(work);
  const double sink = median(sink_mbps);
  const double plain = median(plain_mbps);
  std::printf(
      "%d transactions (%.0f bytes each framed), batches of %d, %zu fdatasyncs per run, %.1f MB\n",
      transactions, static_cast<double>(total_bytes) / transactions, batch_size, framed.size(),
      static_cast<double>(total_bytes) / 1e6);
  std::printf("median of %d: file sink %.1f MB/s (%.0f txn/s), baseline %.1f MB/s, ratio %.2fx\n",
              repetitions, sink, sink * 1e6 / (static_cast<double>(total_bytes) / transactions),
              plain, sink / plain);
  return 0;
}
