// Unit tests of the cluster registry's layout: keys, the JSON stored under them, URL lists and
// key ranges, against values worked out by hand from the original's pkg/node.
#include <gtest/gtest.h>

#include "core/registry/etcd_client.h"
#include "core/registry/etcd_registry.h"

namespace sluice::registry {
namespace {

TEST(EtcdLayout, KeysAreTheOriginals) {
  EXPECT_EQ(registry_prefix(NodeKind::kPump), "/tidb-binlog/v1/pumps/");
  EXPECT_EQ(registry_prefix(NodeKind::kDrainer), "/tidb-binlog/v1/drainers/");
  EXPECT_EQ(registry_key(NodeKind::kPump, "host-a:8250"), "/tidb-binlog/v1/pumps/host-a:8250");
  EXPECT_EQ(registry_key(NodeKind::kDrainer, "d1"), "/tidb-binlog/v1/drainers/d1");
}

TEST(EtcdLayout, ParsesRecordKeys) {
  auto pump = parse_registry_key("/tidb-binlog/v1/pumps/host-a:8250");
  ASSERT_TRUE(pump.is_ok());
  EXPECT_EQ(pump->first, NodeKind::kPump);
  EXPECT_EQ(pump->second, "host-a:8250");
  auto drainer = parse_registry_key("/tidb-binlog/v1/drainers/d1");
  ASSERT_TRUE(drainer.is_ok());
  EXPECT_EQ(drainer->first, NodeKind::kDrainer);
  EXPECT_EQ(drainer->second, "d1");
  EXPECT_FALSE(parse_registry_key("/tidb-binlog/v1/pumps/").is_ok());
  EXPECT_FALSE(parse_registry_key("/tidb-binlog/pumps/old").is_ok());
  EXPECT_FALSE(parse_registry_key("/tidb-binlog/v1/pumps/a/b").is_ok());
}

TEST(EtcdLayout, ValueIsTheOriginalJson) {
  NodeStatus status;
  status.node_id = "pump-1";
  status.host = "10.0.0.5:8250";
  status.state = "paused";
  status.is_alive = false;
  status.score = 7;
  status.label_json = R"({"labels":{"zone":"a"}})";
  status.max_commit_ts = 408437806742896641;
  status.update_ts = 408437806742896642;
  EXPECT_EQ(to_json(status),
            R"({"nodeId":"pump-1","host":"10.0.0.5:8250","state":"paused","isAlive":false,)"
            R"("score":7,"label":{"labels":{"zone":"a"}},"maxCommitTS":408437806742896641,)"
            R"("updateTS":408437806742896642})");
}

TEST(EtcdLayout, EndpointUrls) {
  auto endpoints = parse_endpoint_urls("http://10.0.0.1:2379, 10.0.0.2:2379/,http://h:1");
  ASSERT_TRUE(endpoints.is_ok()) << endpoints.status().to_string();
  EXPECT_EQ(*endpoints, (std::vector<std::string>{"10.0.0.1:2379", "10.0.0.2:2379", "h:1"}));

  auto tls = parse_endpoint_urls("https://10.0.0.1:2379");
  ASSERT_FALSE(tls.is_ok());
  EXPECT_EQ(tls.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(tls.status().message().find("https://10.0.0.1:2379"), std::string::npos);

  auto no_port = parse_endpoint_urls("http://10.0.0.1");
  ASSERT_FALSE(no_port.is_ok());
  EXPECT_NE(no_port.status().message().find("10.0.0.1"), std::string::npos);
  EXPECT_FALSE(parse_endpoint_urls(" , ").is_ok());
  EXPECT_FALSE(parse_endpoint_urls("http://a:1/path").is_ok());
}

TEST(EtcdLayout, PrefixRangeEnd) {
  // '/' is 0x2f, so the end of "/tidb-binlog/v1/pumps/" is ".../pumps0" (0x30).
  EXPECT_EQ(prefix_range_end("/tidb-binlog/v1/pumps/"), "/tidb-binlog/v1/pumps0");
  EXPECT_EQ(prefix_range_end(std::string("a\xff", 2)), "b");
  EXPECT_EQ(prefix_range_end(std::string("\xff\xff", 2)), std::string(1, '\0'));
}

}  // namespace
}  // namespace sluice::registry
