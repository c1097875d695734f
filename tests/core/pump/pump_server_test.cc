// PumpServer through a real gRPC client on 127.0.0.1:0, backed by a BinlogStore in a temp dir.
#include "core/pump/pump_server.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "core/proto/binlog.pb.h"
#include "core/proto/pump.grpc.pb.h"
#include "core/tso/embedded_tso.h"
#include "tests/support/temp_dir.h"

namespace sluice::pump {
namespace {

using std::chrono::milliseconds;

constexpr uint64_t kClusterId = 42;

std::string prewrite(int64_t start_ts, const std::string& value) {
  binlog::Binlog b;
  b.set_tp(binlog::Prewrite);
  b.set_start_ts(start_ts);
  b.set_prewrite_key("k");
  b.set_prewrite_value(value);
  return b.SerializeAsString();
}

std::string commit(int64_t start_ts, int64_t commit_ts) {
  binlog::Binlog b;
  b.set_tp(binlog::Commit);
  b.set_start_ts(start_ts);
  b.set_commit_ts(commit_ts);
  return b.SerializeAsString();
}

bool is_fake(const binlog::Entity& entity) {
  return entity.meta().startts() == entity.meta().committs();
}

struct WriteOutcome {
  grpc::Status status;
  std::string errmsg;
};

class PumpServerTest : public ::testing::Test {
 protected:
  void start(PumpServerOptions options = {}, metrics::MetricsRegistry* metrics = nullptr,
             storage::StorageOptions store_options = {}) {
    auto tso = tso::EmbeddedTso::open(dir_.file("tso"));
    ASSERT_TRUE(tso.is_ok()) << tso.status().to_string();
    tso_ = std::move(tso).value();
    store_options.data_dir = dir_.file("data").string();
    store_options.stop_write_at_available_space = 0;
    tso::EmbeddedTso* source = tso_.get();
    store_options.now_tso = [source] { return source->next().value_or(0); };
    auto store = storage::BinlogStore::open(store_options, nullptr, metrics);
    ASSERT_TRUE(store.is_ok()) << store.status().to_string();
    store_ = std::move(store).value();
    options.cluster_id = kClusterId;
    server_ = std::make_unique<PumpServer>(*store_, *tso_, metrics, options);
    Status started = server_->start("127.0.0.1:0");
    ASSERT_TRUE(started.is_ok()) << started.to_string();
    ASSERT_GT(server_->port(), 0);
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(-1);
    arguments.SetMaxSendMessageSize(-1);
    channel_ = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(server_->port()),
                                         grpc::InsecureChannelCredentials(), arguments);
    stub_ = binlog::Pump::NewStub(channel_);
  }

  void TearDown() override {
    if (server_) server_->stop();
    if (store_) store_->shutdown();
  }

  int64_t ts() { return tso_->next().value(); }

  // A server without fake binlogs or watermarks: pulls return only what the test wrote.
  void start_quiet() {
    PumpServerOptions options;
    options.fake_binlog_interval = milliseconds(0);
    options.idle_watermark_interval = milliseconds(0);
    start(options);
  }

  // `count` transactions (prewrite, then commit) one after the other; their commit ts. Fewer when
  // a write failed (the test's assertion then names it).
  std::vector<int64_t> commit_transactions(int count) {
    std::vector<int64_t> commits;
    for (int i = 0; i < count; ++i) {
      const int64_t start_ts = ts();
      if (!write(prewrite(start_ts, "v")).status.ok()) break;
      const int64_t commit_ts = ts();
      if (!write(commit(start_ts, commit_ts)).status.ok()) break;
      commits.push_back(commit_ts);
    }
    return commits;
  }

  WriteOutcome write(const std::string& payload, uint64_t cluster_id = kClusterId) {
    binlog::WriteBinlogReq request;
    request.set_clusterid(cluster_id);
    request.set_payload(payload);
    binlog::WriteBinlogResp response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    grpc::Status status = stub_->WriteBinlog(&context, request, &response);
    // gRPC (C++ and Go alike) drops the response body of a failed call: the pump's errmsg
    // reaches the client as the status message.
    return {status, status.ok() ? response.errmsg() : status.error_message()};
  }

  // Pulls after `after` until `count` real (non-fake) entities arrived or `timeout` passed.
  std::vector<binlog::Entity> pull(int64_t after, size_t count, milliseconds timeout,
                                   bool keep_fakes = false, uint64_t cluster_id = kClusterId,
                                   grpc::Status* final_status = nullptr) {
    binlog::PullBinlogReq request;
    request.set_clusterid(cluster_id);
    request.mutable_startfrom()->set_offset(after);
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + timeout);
    auto reader = stub_->PullBinlogs(&context, request);
    std::vector<binlog::Entity> out;
    binlog::PullBinlogResp response;
    size_t real = 0;
    while (real < count && reader->Read(&response)) {
      if (!is_fake(response.entity())) ++real;
      if (keep_fakes || !is_fake(response.entity())) out.push_back(response.entity());
    }
    if (real >= count) context.TryCancel();
    grpc::Status status = reader->Finish();
    if (final_status != nullptr) *final_status = status;
    return out;
  }

  testing::TempDir dir_{"pump-server-test-"};
  std::unique_ptr<tso::EmbeddedTso> tso_;
  std::unique_ptr<storage::BinlogStore> store_;
  std::unique_ptr<PumpServer> server_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<binlog::Pump::Stub> stub_;
};

TEST_F(PumpServerTest, PrewriteThenCommitIsPulledJoinedWithMeta) {
  start();
  const int64_t start_ts = ts();
  WriteOutcome p = write(prewrite(start_ts, "row data"));
  ASSERT_TRUE(p.status.ok()) << p.status.error_message();
  EXPECT_EQ(p.errmsg, "");
  const int64_t commit_ts = ts();
  WriteOutcome c = write(commit(start_ts, commit_ts));
  ASSERT_TRUE(c.status.ok()) << c.status.error_message();

  auto entities = pull(0, 1, milliseconds(5000));
  ASSERT_EQ(entities.size(), 1u);
  EXPECT_EQ(entities[0].meta().startts(), start_ts);
  EXPECT_EQ(entities[0].meta().committs(), commit_ts);
  EXPECT_FALSE(entities[0].has_pos());
  EXPECT_TRUE(entities[0].checksum().empty());
  binlog::Binlog joined;
  ASSERT_TRUE(joined.ParseFromString(entities[0].payload()));
  EXPECT_EQ(joined.tp(), binlog::Commit);
  EXPECT_EQ(joined.start_ts(), start_ts);
  EXPECT_EQ(joined.commit_ts(), commit_ts);
  EXPECT_EQ(joined.prewrite_value(), "row data");

  // Resuming after that commit ts yields nothing real.
  EXPECT_TRUE(pull(commit_ts, 1, milliseconds(500)).empty());
}

TEST_F(PumpServerTest, OutOfOrderCommitsComeOutOrdered) {
  start();
  const int64_t a = ts();
  const int64_t b = ts();
  ASSERT_TRUE(write(prewrite(a, "a")).status.ok());
  ASSERT_TRUE(write(prewrite(b, "b")).status.ok());
  const int64_t ca = ts();
  const int64_t cb = ts();
  ASSERT_TRUE(write(commit(b, cb)).status.ok());  // the later commit arrives first
  ASSERT_TRUE(write(commit(a, ca)).status.ok());
  auto entities = pull(0, 2, milliseconds(5000));
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(entities[0].meta().committs(), ca);
  EXPECT_EQ(entities[0].meta().startts(), a);
  EXPECT_EQ(entities[1].meta().committs(), cb);
  EXPECT_EQ(entities[1].meta().startts(), b);
}

TEST_F(PumpServerTest, ConcurrentTransactionsArePulledInCommitOrder) {
  start();
  constexpr int kThreads = 6;
  constexpr int kPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kPerThread; ++i) {
        const int64_t start_ts = ts();
        if (!write(prewrite(start_ts, "v")).status.ok()) ++failures;
        if (!write(commit(start_ts, ts())).status.ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  ASSERT_EQ(failures.load(), 0);
  auto entities = pull(0, kThreads * kPerThread, milliseconds(10000));
  ASSERT_EQ(entities.size(), static_cast<size_t>(kThreads * kPerThread));
  for (size_t i = 1; i < entities.size(); ++i) {
    EXPECT_LT(entities[i - 1].meta().committs(), entities[i].meta().committs());
  }
}

TEST_F(PumpServerTest, WrongClusterIdFailsWithMessageAndStatus) {
  start();
  WriteOutcome outcome = write(prewrite(ts(), "x"), 7);
  EXPECT_FALSE(outcome.status.ok());
  EXPECT_EQ(outcome.errmsg, "cluster ID are mismatch, 7 vs 42");
  EXPECT_EQ(outcome.status.error_message(), "cluster ID are mismatch, 7 vs 42");

  grpc::Status pull_status;
  auto entities = pull(0, 1, milliseconds(2000), true, 7, &pull_status);
  EXPECT_TRUE(entities.empty());
  EXPECT_FALSE(pull_status.ok());
  EXPECT_EQ(pull_status.error_message(), "cluster ID are mismatch, 7 vs 42");
}

TEST_F(PumpServerTest, EmptyPayloadIsAProbeAndStoresNothing) {
  PumpServerOptions options;
  options.fake_binlog_interval = milliseconds(0);
  options.idle_watermark_interval = milliseconds(0);
  start(options);
  WriteOutcome outcome = write("");
  EXPECT_TRUE(outcome.status.ok());
  EXPECT_EQ(outcome.errmsg, "");
  EXPECT_EQ(store_->max_commit_ts(), 0);
  EXPECT_TRUE(store_->pending_prewrites().empty());
}

TEST_F(PumpServerTest, PrewriteRefusedUnlessOnlineButCommitAccepted) {
  start();
  const int64_t start_ts = ts();
  ASSERT_TRUE(write(prewrite(start_ts, "x")).status.ok());
  server_->set_state("paused");
  WriteOutcome refused = write(prewrite(ts(), "y"));
  EXPECT_FALSE(refused.status.ok());
  EXPECT_EQ(refused.errmsg, "no online: paused");
  // The commit of a transaction already prewritten is still accepted.
  const int64_t commit_ts = ts();
  WriteOutcome c = write(commit(start_ts, commit_ts));
  EXPECT_TRUE(c.status.ok()) << c.errmsg;
  auto entities = pull(0, 1, milliseconds(5000));
  ASSERT_EQ(entities.size(), 1u);
  EXPECT_EQ(entities[0].meta().committs(), commit_ts);
}

TEST_F(PumpServerTest, GarbagePayloadFailsAndThePumpKeepsServing) {
  start();
  // start_ts 5, then a bytes field (prewrite_key) claiming 16 bytes with only 2 present.
  WriteOutcome garbage =
      write(std::string("\x10\x05\x22\x10"
                        "ab",
                        6));
  EXPECT_FALSE(garbage.status.ok());
  EXPECT_EQ(garbage.status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_FALSE(garbage.errmsg.empty());
  const int64_t orphan_start = ts();
  const int64_t orphan_commit = ts();
  WriteOutcome orphan = write(commit(orphan_start, orphan_commit));  // no prewrite
  EXPECT_FALSE(orphan.status.ok());
  EXPECT_EQ(orphan.status.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_FALSE(orphan.errmsg.empty());

  const int64_t start_ts = ts();
  ASSERT_TRUE(write(prewrite(start_ts, "ok")).status.ok());
  ASSERT_TRUE(write(commit(start_ts, ts())).status.ok());
  EXPECT_EQ(pull(0, 1, milliseconds(5000)).size(), 1u);
}

TEST_F(PumpServerTest, HugePayloadRoundTrips) {
  start();
  const std::string value(20u << 20, 'z');
  const int64_t start_ts = ts();
  WriteOutcome p = write(prewrite(start_ts, value));
  ASSERT_TRUE(p.status.ok()) << p.status.error_message();
  ASSERT_TRUE(write(commit(start_ts, ts())).status.ok());
  auto entities = pull(0, 1, milliseconds(20000));
  ASSERT_EQ(entities.size(), 1u);
  binlog::Binlog joined;
  ASSERT_TRUE(joined.ParseFromString(entities[0].payload()));
  EXPECT_EQ(joined.prewrite_value().size(), value.size());
  EXPECT_EQ(joined.prewrite_value(), value);
}

// 100 large prewrites whose commits have not come yet: what the pump holds of them in memory
// stays under its bound (the rest wait on disk), and every one still joins its commit.
TEST_F(PumpServerTest, PendingPrewritesHeldInMemoryStayUnderTheBound) {
  storage::StorageOptions store_options;
  store_options.max_pending_prewrite_memory = 16u << 20;
  start({}, nullptr, store_options);
  const std::string value(1u << 20, 'm');
  std::vector<int64_t> starts;
  for (int i = 0; i < 100; ++i) {
    starts.push_back(ts());
    ASSERT_TRUE(write(prewrite(starts.back(), value)).status.ok());
    ASSERT_LE(store_->pending_prewrite_memory(), store_options.max_pending_prewrite_memory);
  }
  EXPECT_EQ(store_->pending_prewrites().size(), 100u);
  for (int64_t start_ts : starts)
    ASSERT_TRUE(write(commit(start_ts, ts())).status.ok());
  EXPECT_EQ(store_->pending_prewrite_memory(), 0u);
  auto entities = pull(0, 100, milliseconds(30000));
  ASSERT_EQ(entities.size(), 100u);
  for (const auto& entity : entities) {
    binlog::Binlog joined;
    ASSERT_TRUE(joined.ParseFromString(entity.payload()));
    ASSERT_EQ(joined.prewrite_value().size(), value.size());
  }
}

// A request above max-message-size is refused by gRPC before the pump holds it.
TEST_F(PumpServerTest, ARequestAboveTheMessageLimitIsRefused) {
  PumpServerOptions options;
  options.max_receive_message_size = 1 << 20;
  start(options);
  WriteOutcome refused = write(prewrite(ts(), std::string(2u << 20, 'x')));
  EXPECT_EQ(refused.status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED)
      << refused.status.error_message();
  EXPECT_TRUE(write(prewrite(ts(), "small")).status.ok());
}

TEST_F(PumpServerTest, IdleStreamReceivesAFakeBinlogWatermark) {
  PumpServerOptions options;
  options.fake_binlog_interval = milliseconds(0);  // only the idle watermark can produce one
  options.idle_watermark_interval = milliseconds(200);
  start(options);
  const auto begin = std::chrono::steady_clock::now();
  binlog::PullBinlogReq request;
  request.set_clusterid(kClusterId);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(1));
  auto reader = stub_->PullBinlogs(&context, request);
  binlog::PullBinlogResp response;
  ASSERT_TRUE(reader->Read(&response)) << "no watermark within 1 s";
  EXPECT_TRUE(is_fake(response.entity()));
  EXPECT_GT(response.entity().meta().committs(), 0);
  binlog::Binlog fake;
  ASSERT_TRUE(fake.ParseFromString(response.entity().payload()));
  EXPECT_EQ(fake.tp(), binlog::Rollback);
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(1));
  context.TryCancel();
  (void)reader->Finish();
  // Durable in the store: visible to every reader.
  EXPECT_GE(store_->max_commit_ts(), response.entity().meta().committs());
}

TEST_F(PumpServerTest, PeriodicFakeBinlogWhenNoWrites) {
  PumpServerOptions options;
  options.fake_binlog_interval = milliseconds(100);
  options.idle_watermark_interval = milliseconds(0);
  start(options);
  EXPECT_TRUE(store_->wait_for_progress(0, milliseconds(5000)));
  EXPECT_GT(store_->max_commit_ts(), 0);
}

TEST_F(PumpServerTest, ExportsRpcDurationHistogram) {
  metrics::MetricsRegistry metrics;
  start({}, &metrics);
  ASSERT_TRUE(write("").status.ok());
  (void)write(prewrite(ts(), "x"), 1);
  const std::string text = metrics.render_text();
  // prometheus-cpp sorts the labels by name.
  EXPECT_NE(text.find("binlog_pump_rpc_duration_seconds_bucket{label=\"succ\",method="
                      "\"WriteBinlog\",le=\"5e-05\"}"),
            std::string::npos)
      << text;
  // The original's 18 buckets: 50 us doubling, the last 50e-6 * 2^17 = 6.5536 s.
  EXPECT_NE(text.find("le=\"6.5536\""), std::string::npos) << text;
  EXPECT_NE(text.find("label=\"fail\""), std::string::npos);
  EXPECT_NE(text.find("binlog_pump_loss_binlog_count 1"), std::string::npos);
  server_->stop();
  server_.reset();
  store_->shutdown();
  store_.reset();
}

// A drainer with no position (0) starts at the first binlog GC kept.
TEST_F(PumpServerTest, PullFromZeroStartsAtTheFirstKeptBinlog) {
  start_quiet();
  const std::vector<int64_t> commits = commit_transactions(3);
  ASSERT_EQ(commits.size(), 3u);
  ASSERT_TRUE(store_->gc(commits[1]).is_ok());  // purges below commits[1]
  auto entities = pull(0, 2, milliseconds(3000));
  ASSERT_EQ(entities.size(), 2u);
  EXPECT_EQ(entities[0].meta().committs(), commits[1]);
  EXPECT_EQ(entities[1].meta().committs(), commits[2]);
}

// GC that kept data for a lagging drainer (protect_from_ts below gc_ts) must not make the pull
// skip it: a pull from any position the pump still holds returns every binlog after it.
TEST_F(PumpServerTest, PullFromAPositionGcKeptReturnsEveryBinlogAfterIt) {
  start_quiet();
  const std::vector<int64_t> commits = commit_transactions(4);
  ASSERT_EQ(commits.size(), 4u);
  // gc_ts moves to the last commit, but a drainer at commits[0] protects everything after it.
  ASSERT_TRUE(store_->gc(commits[3], /*protect_from_ts=*/commits[0]).is_ok());
  ASSERT_EQ(store_->gc_ts(), commits[3]);
  auto entities = pull(commits[0], 3, milliseconds(3000));
  ASSERT_EQ(entities.size(), 3u);
  EXPECT_EQ(entities[0].meta().committs(), commits[1]);
  EXPECT_EQ(entities[1].meta().committs(), commits[2]);
  EXPECT_EQ(entities[2].meta().committs(), commits[3]);
}

// A drainer whose position is below what GC really purged gets an error naming its position, the
// purge point and gc_ts; it never silently continues after the gap.
TEST_F(PumpServerTest, PullFromAPurgedPositionFailsNamingThePurgePoint) {
  start_quiet();
  const std::vector<int64_t> commits = commit_transactions(3);
  ASSERT_EQ(commits.size(), 3u);
  ASSERT_TRUE(store_->gc(commits[2]).is_ok());  // nothing protected: commits[0..1] are gone
  grpc::Status status;
  auto entities = pull(commits[0] - 1, 1, milliseconds(3000), false, kClusterId, &status);
  EXPECT_TRUE(entities.empty());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::OUT_OF_RANGE) << status.error_message();
  EXPECT_NE(status.error_message().find(std::to_string(commits[0] - 1)), std::string::npos)
      << status.error_message();
  EXPECT_NE(status.error_message().find("purged"), std::string::npos) << status.error_message();
  EXPECT_NE(status.error_message().find("gc_ts " + std::to_string(commits[2])), std::string::npos)
      << status.error_message();
}

TEST_F(PumpServerTest, PullStreamEndsWhenTheServerStops) {
  PumpServerOptions options;
  options.fake_binlog_interval = milliseconds(0);
  options.idle_watermark_interval = milliseconds(0);
  start(options);
  binlog::PullBinlogReq request;
  request.set_clusterid(kClusterId);
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  auto reader = stub_->PullBinlogs(&context, request);
  std::thread stopper([this] {
    std::this_thread::sleep_for(milliseconds(300));
    server_->stop();
  });
  binlog::PullBinlogResp response;
  const auto begin = std::chrono::steady_clock::now();
  EXPECT_FALSE(reader->Read(&response));
  EXPECT_LT(std::chrono::steady_clock::now() - begin, std::chrono::seconds(10));
  (void)reader->Finish();
  stopper.join();
}

TEST_F(PumpServerTest, SecondServerOnTheSamePortFails) {
  start();
  PumpServer other(*store_, *tso_, nullptr, PumpServerOptions{});
  Status status = other.start("127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find("cannot listen"), std::string::npos) << status.to_string();
}

// WriteBinlog completes on the store's commit thread: stop() must wait for calls in flight, and
// every call a client saw succeed must be durable.
TEST_F(PumpServerTest, StopWithWritesInFlightKeepsEveryAcknowledgedBinlog) {
  PumpServerOptions options;
  options.fake_binlog_interval = milliseconds(0);
  options.idle_watermark_interval = milliseconds(0);
  start(options);
  constexpr int kClients = 8;
  std::atomic<int> acknowledged_count{0};
  std::mutex mutex;
  std::set<int64_t> acknowledged;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&] {
      while (true) {
        const int64_t start_ts = ts();
        WriteOutcome outcome = write(prewrite(start_ts, "v"));
        if (!outcome.status.ok()) return;  // the server is gone
        std::lock_guard lock(mutex);
        acknowledged.insert(start_ts);
        ++acknowledged_count;
      }
    });
  }
  while (acknowledged_count.load() < 50)
    std::this_thread::yield();
  server_->stop();
  for (auto& client : clients)
    client.join();
  const std::vector<int64_t> pending = store_->pending_prewrites();
  const std::set<int64_t> stored(pending.begin(), pending.end());
  for (int64_t start_ts : acknowledged)
    EXPECT_TRUE(stored.contains(start_ts)) << start_ts;
}

}  // namespace
}  // namespace sluice::pump
