// Unit tests of the cluster TSO pieces that need no server: the PD batch arithmetic, the config
// choice, and the client's error when nothing answers.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include "core/proto/etcd_rpc.pb.h"
#include "core/proto/pdpb.pb.h"
#include "core/tso/pd_tso_client.h"
#include "core/tso/tso.h"
#include "core/tso/tso_factory.h"
#include "tests/support/free_port.h"
#include "tests/support/temp_dir.h"

namespace sluice::tso {
namespace {

TEST(PdTimestamp, FirstOfBatchIsPhysicalShiftedPlusFirstLogical) {
  // count 1: the answer itself. 1000 ms << 18 = 262144000.
  EXPECT_EQ(first_of_batch(1000, 5, 1, 0), 262144005);
  // count 4 ending at logical 10: logical 7, 8, 9, 10 were granted.
  EXPECT_EQ(first_of_batch(1000, 10, 4, 0), 262144007);
  // suffix bits 2: steps of 4, so 3 granted ending at 12 are 4, 8, 12.
  EXPECT_EQ(first_of_batch(1000, 12, 3, 2), 262144004);
  // A PD answer seen in the wild: physical 1558066584560, logical 1.
  EXPECT_EQ(first_of_batch(1558066584560, 1, 1, 0), 408437806742896641);
}

std::string hex(const std::string& bytes) {
  std::string out;
  for (unsigned char byte : bytes)
    out += fmt::format("{:02x}", byte);
  return out;
}

// PD has no server in the tests, so its messages are checked byte by byte against encodings
// worked out by hand from the field numbers (key = field << 3 | wire type).
TEST(PdWire, TsoRequestAndResponseBytes) {
  pdpb::TsoRequest request;
  request.mutable_header()->set_cluster_id(1);
  request.set_count(1);
  // header (1, len) { cluster_id (1, varint) 1 }, count (2, varint) 1
  EXPECT_EQ(hex(request.SerializeAsString()), "0a0208011001");

  pdpb::TsoResponse response;
  ASSERT_TRUE(response.ParseFromString(
      std::string("\x0a\x02\x08\x07\x10\x01\x1a\x05\x08\xe8\x07\x10\x05", 13)));
  EXPECT_EQ(response.header().cluster_id(), 7u);
  EXPECT_EQ(response.count(), 1u);
  EXPECT_EQ(response.timestamp().physical(), 1000);  // e8 07: varint 1000
  EXPECT_EQ(response.timestamp().logical(), 5);
  EXPECT_EQ(first_of_batch(response.timestamp().physical(), response.timestamp().logical(),
                           response.count(), response.timestamp().suffix_bits()),
            262144005);
}

TEST(EtcdWire, CompareRangeEndIsField64) {
  etcdserverpb::Compare compare;
  compare.set_target(etcdserverpb::Compare::MOD);
  compare.set_key("k");
  compare.set_mod_revision(3);
  compare.set_range_end("a");
  // target (2) MOD=2, key (3) "k", mod_revision (6) 3, range_end (64): key 514 = 82 04.
  EXPECT_EQ(hex(compare.SerializeAsString()),
            "1002"
            "1a016b"
            "3003"
            "820401"
            "61");
}

TEST(TsoFactory, ParsesModes) {
  EXPECT_EQ(*parse_tso_mode("embedded"), TsoMode::kEmbedded);
  EXPECT_EQ(*parse_tso_mode("pd"), TsoMode::kPd);
  EXPECT_EQ(*parse_tso_mode("sluice"), TsoMode::kSluice);
  auto bad = parse_tso_mode("PD ");
  ASSERT_FALSE(bad.is_ok());
  EXPECT_NE(bad.status().message().find("\"embedded\", \"pd\" or \"sluice\""), std::string::npos);
}

TEST(TsoFactory, OpensEachKindOrSaysWhatIsMissing) {
  sluice::testing::TempDir dir;
  auto embedded = open_tso_source({.mode = TsoMode::kEmbedded, .embedded_path = dir.file("tso")});
  ASSERT_TRUE(embedded.is_ok()) << embedded.status().to_string();
  auto first = (*embedded)->next();
  auto second = (*embedded)->next();
  ASSERT_TRUE(first.is_ok() && second.is_ok());
  EXPECT_LT(*first, *second);

  auto no_pd = open_tso_source({.mode = TsoMode::kPd});
  ASSERT_FALSE(no_pd.is_ok());
  EXPECT_NE(no_pd.status().message().find("pd-urls"), std::string::npos);
  auto no_tso = open_tso_source({.mode = TsoMode::kSluice, .pd_urls = "http://a:1"});
  ASSERT_FALSE(no_tso.is_ok());
  EXPECT_NE(no_tso.status().message().find("tso-urls"), std::string::npos);
  auto bad_url = open_tso_source({.mode = TsoMode::kPd, .pd_urls = "https://a:1"});
  ASSERT_FALSE(bad_url.is_ok());
  EXPECT_NE(bad_url.status().message().find("pd-urls"), std::string::npos);
  EXPECT_TRUE(open_tso_source({.mode = TsoMode::kPd, .pd_urls = "http://127.0.0.1:1"}).is_ok());
}

TEST(PdTsoClient, NothingListeningIsAClearErrorNamingEachEndpoint) {
  const auto a = sluice::testing::free_tcp_port();
  const auto b = sluice::testing::free_tcp_port();
  PdTsoClientOptions options;
  options.endpoints = {fmt::format("127.0.0.1:{}", a), fmt::format("127.0.0.1:{}", b)};
  options.request_timeout = std::chrono::milliseconds(500);
  options.retry_pause = std::chrono::milliseconds(10);
  auto client = PdTsoClient::create(options);
  ASSERT_TRUE(client.is_ok());
  auto ts = (*client)->next();
  ASSERT_FALSE(ts.is_ok());
  EXPECT_EQ(ts.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(ts.status().message().find(options.endpoints[0]), std::string::npos)
      << ts.status().message();
  EXPECT_NE(ts.status().message().find(options.endpoints[1]), std::string::npos)
      << ts.status().message();
}

}  // namespace
}  // namespace sluice::tso
