#include "core/net/http_server.h"

#include <gtest/gtest.h>

#include <atomic>

namespace sluice::net {
namespace {

TEST(HttpServer, ServesRoutesOnAnEphemeralPort) {
  HttpServer server;
  std::atomic<int> paused{0};
  server.handle_get("/status", [](const httplib::Request&, httplib::Response& response) {
    response.set_content(R"({"status":{}})", "application/json");
  });
  server.handle_put(R"(/state/([^/]+)/(pause|close))",
                    [&paused](const httplib::Request& request, httplib::Response& response) {
                      if (request.matches[2] == "pause") ++paused;
                      response.set_content(std::string(request.matches[1]), "text/plain");
                    });
  ASSERT_TRUE(server.start("127.0.0.1", 0).is_ok());
  ASSERT_GT(server.port(), 0);

  httplib::Client client("127.0.0.1", server.port());
  auto status = client.Get("/status");
  ASSERT_TRUE(status);
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(status->body, R"({"status":{}})");

  auto pause = client.Put("/state/pump-1/pause", "", "text/plain");
  ASSERT_TRUE(pause);
  EXPECT_EQ(pause->body, "pump-1");
  EXPECT_EQ(paused.load(), 1);

  auto missing = client.Get("/nothing-here");
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  server.stop();
  EXPECT_FALSE(client.Get("/status"));
}

TEST(HttpServer, ServesMetrics) {
  metrics::MetricsRegistry registry;
  prometheus::BuildCounter()
      .Name("sluice_test_total")
      .Help("t")
      .Register(registry.get())
      .Add({})
      .Increment();
  HttpServer server;
  server.serve_metrics(registry);
  ASSERT_TRUE(server.start("127.0.0.1", 0).is_ok());
  httplib::Client client("127.0.0.1", server.port());
  auto response = client.Get("/metrics");
  ASSERT_TRUE(response);
  EXPECT_NE(response->body.find("sluice_test_total 1"), std::string::npos);
  EXPECT_NE(response->get_header_value("Content-Type").find("version=0.0.4"), std::string::npos);
}

TEST(HttpServer, HandlerExceptionBecomes500) {
  HttpServer server;
  server.handle_get("/boom", [](const httplib::Request&, httplib::Response&) {
    throw std::runtime_error("disk on fire");
  });
  ASSERT_TRUE(server.start("127.0.0.1", 0).is_ok());
  httplib::Client client("127.0.0.1", server.port());
  auto response = client.Get("/boom");
  ASSERT_TRUE(response);
  EXPECT_EQ(response->status, 500);
  EXPECT_NE(response->body.find("disk on fire"), std::string::npos);
}

TEST(HttpServer, PortInUseIsAClearError) {
  HttpServer first;
  ASSERT_TRUE(first.start("127.0.0.1", 0).is_ok());
  HttpServer second;
  const Status status = second.start("127.0.0.1", first.port());
  ASSERT_FALSE(status.is_ok());
  EXPECT_NE(status.message().find(std::to_string(first.port())), std::string::npos);
}

TEST(SplitHostPort, ParsesAndRejects) {
  EXPECT_EQ(split_host_port("127.0.0.1:8250").value(),
            std::make_pair(std::string("127.0.0.1"), 8250));
  EXPECT_EQ(split_host_port(":8249").value(), std::make_pair(std::string(""), 8249));
  EXPECT_EQ(split_host_port("[::1]:8250").value(), std::make_pair(std::string("::1"), 8250));
  EXPECT_FALSE(split_host_port("localhost").is_ok());
  EXPECT_FALSE(split_host_port("localhost:http").is_ok());
  EXPECT_FALSE(split_host_port("localhost:70000").is_ok());
}

}  // namespace
}  // namespace sluice::net
