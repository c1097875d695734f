// bench_pump: the pump's WriteBinlog path, each figure beside its baseline in the same run.
//
//   bench_pump [pairs=15000] [clients=64] [payload_bytes=1024] [rounds=3] [channels=clients]
//
// `clients` threads each write a P-binlog of `payload_bytes` (a serialized binlog.Binlog, the
// size exact) and, once it succeeded, the matching C-binlog; start_ts and commit_ts come from one
// shared TSO, so every commit_ts is above every timestamp issued before it. Each case writes
// `pairs` pairs, claimed one at a time from a shared counter. Four cases per round, their order
// alternating from round to round; every round opens fresh RocksDB directories under $TMPDIR:
//   (a) gRPC -> PumpServer -> BinlogStore (sync on, metrics on), as sluice-pump serves it;
//   (b) the same clients against a do-nothing binlog.Pump service (WriteBinlog returns OK);
//   store: BinlogStore::write() called directly by the client threads (no gRPC);
//   plain: plain RocksDB, one Put with WriteOptions.sync per P and per C binlog (the same key and
//          value bytes bench_storage writes), RocksDB's own group commit from concurrent writers.
// The gRPC clients use `channels` channels (default: one per client, each its own TCP connection,
// client i on channel i % channels) and a deadline of 30 s per call.
// Prints pairs/s and WriteBinlog (or write) latency p50/p99 per case and round, then every round
// pooled, and the ratios (a)/(b) (target >= 0.7) and store/plain (target >= 0.8).
#include <grpcpp/grpcpp.h>
#include <rocksdb/db.h>
#include <rocksdb/options.h>
#include <rocksdb/statistics.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <latch>
#include <memory>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "core/metrics/metrics_registry.h"
#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/pump/pump_server.h"
#include "core/storage/binlog_store.h"
#include "core/storage/storage_keys.h"
#include "core/tso/tso.h"
#include "core/tso/tso_source.h"

namespace {

using namespace sluice;
using Clock = std::chrono::steady_clock;

constexpr uint64_t kClusterId = 6'000'000'000'000'000'001ull;
constexpr auto kCallDeadline = std::chrono::seconds(30);

struct Config {
  int64_t pairs = 15'000;
  int clients = 64;
  size_t payload_bytes = 1024;
  int rounds = 3;
  int channels = 0;  // 0: one per client
};

// TiDB's TSO stand-in, shared by the clients (start_ts, commit_ts) and the PumpServer. It starts
// at the wall clock's TSO so the store's resolver never sees a prewrite as older than
// max-txn-timeout.
class BenchTso final : public tso::TsoSource {
 public:
  Result<int64_t> next() override { return take(); }
  int64_t take() { return next_.fetch_add(1, std::memory_order_relaxed) + 1; }

 private:
  std::atomic<int64_t> next_{tso::from_time(std::chrono::system_clock::now())};
};

// Case (b): the gRPC service with no work behind it.
class NoopPump final : public binlog::Pump::Service {
 public:
  grpc::Status WriteBinlog(grpc::ServerContext*, const binlog::WriteBinlogReq*,
                           binlog::WriteBinlogResp*) override {
    return grpc::Status::OK;
  }
};

// Builds the P- and C-binlogs. The P-binlog's prewrite_value is sized so the serialized P-binlog
// is exactly payload_bytes long (TSO timestamps all encode to the same varint length).
class Workload {
 public:
  explicit Workload(size_t payload_bytes) {
    std::mt19937 random(42);  // incompressible bytes, the same in every case
    const int64_t sample_ts = tso::from_time(std::chrono::system_clock::now());
    size_t length = payload_bytes;
    for (int attempt = 0; attempt < 8; ++attempt) {
      value_.resize(length);
      for (auto& c : value_)
        c = static_cast<char>(random());
      const size_t size = prewrite(sample_ts).size();
      if (size == payload_bytes) return;
      const size_t overhead = size - length;
      if (overhead >= payload_bytes) break;
      length = payload_bytes - overhead;
    }
    std::fprintf(stderr, "cannot build a P-binlog of exactly %zu bytes\n", payload_bytes);
    std::exit(2);
  }

  std::string prewrite(int64_t start_ts) const {
    binlog::Binlog b;
    b.set_tp(binlog::Prewrite);
    b.set_start_ts(start_ts);
    b.set_prewrite_key("primary-key");
    b.set_prewrite_value(value_);
    return b.SerializeAsString();
  }

  static std::string commit(int64_t start_ts, int64_t commit_ts) {
    binlog::Binlog b;
    b.set_tp(binlog::Commit);
    b.set_start_ts(start_ts);
    b.set_commit_ts(commit_ts);
    return b.SerializeAsString();
  }

 private:
  std::string value_;
};

uint32_t micros(Clock::duration d) {
  return static_cast<uint32_t>(std::chrono::duration_cast<std::chrono::microseconds>(d).count());
}

// One case's measurements; several rounds of one case are merged into one Outcome.
struct Outcome {
  uint64_t pairs = 0;
  double seconds = 0;
  uint64_t wal_syncs = 0;
  std::vector<uint32_t> p_us;  // latency of each P write
  std::vector<uint32_t> c_us;  // latency of each C write
  int64_t max_commit_ts = 0;   // highest commit_ts a client wrote

  void merge(const Outcome& o) {
    pairs += o.pairs;
    seconds += o.seconds;
    wal_syncs += o.wal_syncs;
    p_us.insert(p_us.end(), o.p_us.begin(), o.p_us.end());
    c_us.insert(c_us.end(), o.c_us.begin(), o.c_us.end());
  }
  double pairs_per_second() const { return seconds > 0 ? static_cast<double>(pairs) / seconds : 0; }
};

struct Percentiles {
  double p50_ms = 0;
  double p99_ms = 0;
};

Percentiles percentiles(std::vector<uint32_t> v) {
  if (v.empty()) return {};
  std::sort(v.begin(), v.end());
  return {v[v.size() / 2] / 1000.0, v[std::min(v.size() - 1, v.size() * 99 / 100)] / 1000.0};
}

// Runs `config.clients` threads writing `config.pairs` pairs through
// write(client, is_commit, start_ts, commit_ts, bytes), which returns false on failure (after
// printing why); the run then stops with exit status 1.
template <typename Write>
Outcome drive(const Config& config, BenchTso& tso, const Workload& workload, Write write) {
  std::atomic<int64_t> remaining{config.pairs};
  std::atomic<bool> failed{false};
  std::vector<Outcome> mine(static_cast<size_t>(config.clients));
  std::latch go(1);
  std::vector<std::thread> threads;
  for (int client = 0; client < config.clients; ++client) {
    threads.emplace_back([&, client] {
      Outcome& out = mine[static_cast<size_t>(client)];
      go.wait();
      while (!failed.load(std::memory_order_relaxed) &&
             remaining.fetch_sub(1, std::memory_order_relaxed) > 0) {
        const int64_t start_ts = tso.take();
        const std::string p = workload.prewrite(start_ts);
        const auto t0 = Clock::now();
        if (!write(client, false, start_ts, int64_t{0}, p)) {
          failed = true;
          break;
        }
        const auto t1 = Clock::now();
        const int64_t commit_ts = tso.take();
        const std::string c = Workload::commit(start_ts, commit_ts);
        const auto t2 = Clock::now();
        if (!write(client, true, start_ts, commit_ts, c)) {
          failed = true;
          break;
        }
        const auto t3 = Clock::now();
        out.p_us.push_back(micros(t1 - t0));
        out.c_us.push_back(micros(t3 - t2));
        out.max_commit_ts = commit_ts;
        ++out.pairs;
      }
    });
  }
  const auto begin = Clock::now();
  go.count_down();
  for (auto& thread : threads)
    thread.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - begin).count();
  if (failed) std::exit(1);
  Outcome total;
  for (const auto& o : mine) {
    total.merge(o);
    total.max_commit_ts = std::max(total.max_commit_ts, o.max_commit_ts);
  }
  total.seconds = seconds;
  return total;
}

// The client side of cases (a) and (b): `channels` channels to `target`, connected and probed
// (an empty-payload WriteBinlog, which the pump answers without storing) before timing starts.
class GrpcClients {
 public:
  GrpcClients(const std::string& target, int channels) {
    for (int i = 0; i < channels; ++i) {
      grpc::ChannelArguments arguments;
      // Without a local pool, channels with equal arguments share one TCP connection.
      arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
      auto channel =
          grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
      if (!channel->WaitForConnected(std::chrono::system_clock::now() + std::chrono::seconds(10))) {
        std::fprintf(stderr, "cannot connect to %s\n", target.c_str());
        std::exit(1);
      }
      stubs_.push_back(binlog::Pump::NewStub(channel));
      if (!write(i, "")) std::exit(1);
    }
  }

  bool write(int client, const std::string& payload) {
    binlog::WriteBinlogReq request;
    request.set_clusterid(kClusterId);
    request.set_payload(payload);
    binlog::WriteBinlogResp response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    auto& stub = *stubs_[static_cast<size_t>(client) % stubs_.size()];
    grpc::Status status = stub.WriteBinlog(&context, request, &response);
    if (!status.ok() || !response.errmsg().empty()) {
      std::fprintf(stderr, "WriteBinlog failed: %d %s %s\n", static_cast<int>(status.error_code()),
                   status.error_message().c_str(), response.errmsg().c_str());
      return false;
    }
    return true;
  }

 private:
  std::vector<std::unique_ptr<binlog::Pump::Stub>> stubs_;
};

std::unique_ptr<storage::BinlogStore> open_store(const std::filesystem::path& dir) {
  storage::StorageOptions options;
  options.data_dir = dir.string();
  // The free-space guard (a statvfs every 3 s) is off: the bench must not depend on the disk.
  options.stop_write_at_available_space = 0;
  auto store = storage::BinlogStore::open(options, nullptr, nullptr, true);
  if (!store.is_ok()) {
    std::fprintf(stderr, "open store: %s\n", store.status().to_string().c_str());
    std::exit(1);
  }
  return std::move(*store);
}

// Every commit is durable and visible: nothing pending, the safe point at the last commit.
void check_store(const storage::BinlogStore& store, const Outcome& outcome, const char* name) {
  if (!store.pending_prewrites().empty() || store.max_commit_ts() != outcome.max_commit_ts) {
    std::fprintf(stderr, "%s: %zu prewrites pending, max_commit_ts %lld, expected %lld\n", name,
                 store.pending_prewrites().size(), static_cast<long long>(store.max_commit_ts()),
                 static_cast<long long>(outcome.max_commit_ts));
    std::exit(1);
  }
}

Outcome run_pump(const Config& config, BenchTso& tso, const Workload& workload,
                 const std::filesystem::path& dir) {
  auto store = open_store(dir);
  metrics::MetricsRegistry metrics;
  pump::PumpServerOptions options;
  options.cluster_id = kClusterId;
  options.fake_binlog_interval = std::chrono::milliseconds(0);
  options.idle_watermark_interval = std::chrono::milliseconds(0);
  pump::PumpServer server(*store, tso, &metrics, options);
  if (Status started = server.start("127.0.0.1:0"); !started.is_ok()) {
    std::fprintf(stderr, "start pump: %s\n", started.to_string().c_str());
    std::exit(1);
  }
  GrpcClients clients("127.0.0.1:" + std::to_string(server.port()), config.channels);
  Outcome out = drive(config, tso, workload,
                      [&](int client, bool, int64_t, int64_t, const std::string& bytes) {
                        return clients.write(client, bytes);
                      });
  out.wal_syncs = store->statistics()->wal_syncs;
  check_store(*store, out, "(a)");
  server.stop();
  return out;
}

Outcome run_noop(const Config& config, BenchTso& tso, const Workload& workload, int port) {
  GrpcClients clients("127.0.0.1:" + std::to_string(port), config.channels);
  return drive(config, tso, workload,
               [&](int client, bool, int64_t, int64_t, const std::string& bytes) {
                 return clients.write(client, bytes);
               });
}

Outcome run_store(const Config& config, BenchTso& tso, const Workload& workload,
                  const std::filesystem::path& dir) {
  auto store = open_store(dir);
  Outcome out =
      drive(config, tso, workload, [&](int, bool, int64_t, int64_t, const std::string& bytes) {
        Status status = store->write(bytes);
        if (!status.is_ok()) std::fprintf(stderr, "store: %s\n", status.to_string().c_str());
        return status.is_ok();
      });
  out.wal_syncs = store->statistics()->wal_syncs;
  check_store(*store, out, "store");
  return out;
}

Outcome run_plain(const Config& config, BenchTso& tso, const Workload& workload,
                  const std::filesystem::path& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  // The store's settings (StorageOptions defaults).
  options.write_buffer_size = 64ull << 20;
  options.max_background_jobs = 2;
  options.statistics = rocksdb::CreateDBStatistics();
  rocksdb::DB* raw = nullptr;
  rocksdb::Status opened = rocksdb::DB::Open(options, dir.string(), &raw);
  std::unique_ptr<rocksdb::DB> db(raw);
  if (!opened.ok()) {
    std::fprintf(stderr, "open plain RocksDB: %s\n", opened.ToString().c_str());
    std::exit(1);
  }
  rocksdb::WriteOptions sync;
  sync.sync = true;
  Outcome out = drive(
      config, tso, workload,
      [&](int, bool is_commit, int64_t start_ts, int64_t commit_ts, const std::string& bytes) {
        // Appended, not "c" + key: GCC 12 warns falsely (-Wrestrict) on operator+(const char*, &&).
        std::string key(1, is_commit ? 'c' : 'p');
        key += storage::encode_ts_key(is_commit ? commit_ts : start_ts);
        rocksdb::Status status = db->Put(sync, key, bytes);
        if (!status.ok()) {
          std::fprintf(stderr, "plain: %s\n", status.ToString().c_str());
        }
        return status.ok();
      });
  out.wal_syncs = options.statistics->getTickerCount(rocksdb::WAL_FILE_SYNCED);
  return out;
}

void print(const char* name, const Outcome& o) {
  const Percentiles all = [&] {
    std::vector<uint32_t> both = o.p_us;
    both.insert(both.end(), o.c_us.begin(), o.c_us.end());
    return percentiles(std::move(both));
  }();
  const Percentiles p = percentiles(o.p_us);
  const Percentiles c = percentiles(o.c_us);
  std::printf(
      "  %-22s %8.0f pairs/s  p50 %6.2f ms  p99 %6.2f ms  (P %5.2f/%6.2f, C %5.2f/%6.2f)  "
      "%6.2f s",
      name, o.pairs_per_second(), all.p50_ms, all.p99_ms, p.p50_ms, p.p99_ms, c.p50_ms, c.p99_ms,
      o.seconds);
  if (o.wal_syncs > 0) {
    std::printf("  WAL syncs %llu (%.1f writes/sync)", static_cast<unsigned long long>(o.wal_syncs),
                2.0 * static_cast<double>(o.pairs) / static_cast<double>(o.wal_syncs));
  }
  std::printf("\n");
}

void print_ratios(const Outcome& pump, const Outcome& noop, const Outcome& store,
                  const Outcome& plain) {
  std::printf("  ratio (a)/(b) %.2f (target >= 0.70), store/plain %.2f (target >= 0.80)\n",
              pump.pairs_per_second() / noop.pairs_per_second(),
              store.pairs_per_second() / plain.pairs_per_second());
}

double load_average() {
  double load[1] = {0};
  return ::getloadavg(load, 1) == 1 ? load[0] : -1;
}

bool parse(int argc, char** argv, Config& config) {
  try {
    if (argc > 1) config.pairs = std::stoll(argv[1]);
    if (argc > 2) config.clients = std::stoi(argv[2]);
    if (argc > 3) config.payload_bytes = std::stoul(argv[3]);
    if (argc > 4) config.rounds = std::stoi(argv[4]);
    if (argc > 5) config.channels = std::stoi(argv[5]);
  } catch (const std::exception&) {
    return false;
  }
  if (config.channels == 0) config.channels = config.clients;
  return argc <= 6 && config.pairs > 0 && config.clients > 0 && config.payload_bytes > 0 &&
         config.rounds > 0 && config.channels > 0;
}

}  // namespace

int main(int argc, char** argv) {
  Config config;
  if (!parse(argc, argv, config)) {
    std::fprintf(stderr,
                 "usage: bench_pump [pairs=15000] [clients=64] [payload_bytes=1024] [rounds=3] "
                 "[channels=clients]\n");
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const Workload workload(config.payload_bytes);
  BenchTso tso;

  std::string pattern = (std::filesystem::temp_directory_path() / "bench-pump-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) return 1;
  const std::filesystem::path root(pattern);

  // (b)'s server lives for the whole run; (a)'s is started per round over a fresh store.
  NoopPump noop_service;
  grpc::ServerBuilder builder;
  int noop_port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &noop_port);
  builder.SetMaxReceiveMessageSize(pump::PumpServerOptions{}.max_receive_message_size);
  builder.SetMaxSendMessageSize(-1);
  builder.RegisterService(&noop_service);
  std::unique_ptr<grpc::Server> noop_server = builder.BuildAndStart();
  if (noop_server == nullptr || noop_port == 0) {
    std::fprintf(stderr, "cannot start the do-nothing server\n");
    return 1;
  }

  std::printf(
      "%lld P+C pairs per case, %d clients, %d gRPC channels, P-binlog %zu bytes, C-binlog %zu "
      "bytes, sync on, %d rounds, data in %s\n",
      static_cast<long long>(config.pairs), config.clients, config.channels, config.payload_bytes,
      Workload::commit(*tso.next(), *tso.next()).size(), config.rounds, root.c_str());
  Outcome pump_total, noop_total, store_total, plain_total;
  for (int round = 0; round < config.rounds; ++round) {
    const auto dir = root / ("round" + std::to_string(round));
    std::filesystem::create_directories(dir);
    const double load_before = load_average();
    Outcome pump, noop, store, plain;
    if (round % 2 == 0) {
      noop = run_noop(config, tso, workload, noop_port);
      pump = run_pump(config, tso, workload, dir / "pump");
      plain = run_plain(config, tso, workload, dir / "plain");
      store = run_store(config, tso, workload, dir / "store");
    } else {
      pump = run_pump(config, tso, workload, dir / "pump");
      noop = run_noop(config, tso, workload, noop_port);
      store = run_store(config, tso, workload, dir / "store");
      plain = run_plain(config, tso, workload, dir / "plain");
    }
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::printf("round %d (load average %.2f before, %.2f after)\n", round + 1, load_before,
                load_average());
    print("(a) gRPC + PumpServer", pump);
    print("(b) gRPC, do-nothing", noop);
    print("store alone", store);
    print("plain RocksDB", plain);
    print_ratios(pump, noop, store, plain);
    std::fflush(stdout);
    pump_total.merge(pump);
    noop_total.merge(noop);
    store_total.merge(store);
    plain_total.merge(plain);
  }
  noop_server->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(root, ec);

  std::printf("all rounds (pairs / summed time, latencies pooled)\n");
  print("(a) gRPC + PumpServer", pump_total);
  print("(b) gRPC, do-nothing", noop_total);
  print("store alone", store_total);
  print("plain RocksDB", plain_total);
  print_ratios(pump_total, noop_total, store_total, plain_total);
  return 0;
}
