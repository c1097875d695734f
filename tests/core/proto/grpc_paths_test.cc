// The gRPC method paths of pump.proto. A real TiDB pump client, Pump and Drainer address the
// methods by these literal HTTP/2 paths, so the tests call a real server through a generic stub
// with hand-written paths and hand-encoded request bytes instead of through the generated stubs.

#include <atomic>
#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include "core/proto/pump.grpc.pb.h"
#include "core/proto/pump.pb.h"

namespace {

using google::protobuf::MethodDescriptor;
using google::protobuf::ServiceDescriptor;

std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  for (unsigned v : values)
    out.push_back(static_cast<char>(static_cast<uint8_t>(v)));
  return out;
}

std::string path_of(const MethodDescriptor* method) {
  return "/" + method->service()->full_name() + "/" + method->name();
}

const ServiceDescriptor* find_service(const std::string& name) {
  return binlog::WriteBinlogReq::descriptor()->file()->FindServiceByName(name);
}

// Checks one method of `service`: its path and whether each side streams, and its message types.
void expect_method(const ServiceDescriptor* service, const std::string& name,
                   const std::string& path, bool server_streaming, const std::string& input,
                   const std::string& output) {
  SCOPED_TRACE(path);
  const MethodDescriptor* method = service->FindMethodByName(name);
  ASSERT_NE(method, nullptr);
  EXPECT_EQ(path_of(method), path);
  EXPECT_FALSE(method->client_streaming());
  EXPECT_EQ(method->server_streaming(), server_streaming);
  EXPECT_EQ(method->input_type()->full_name(), input);
  EXPECT_EQ(method->output_type()->full_name(), output);
}

TEST(PumpProtoGrpcDescriptors, PumpServiceHasTheOriginalMethodPathsAndShapes) {
  EXPECT_STREQ(binlog::Pump::service_full_name(), "binlog.Pump");
  const ServiceDescriptor* pump = find_service("Pump");
  ASSERT_NE(pump, nullptr);
  ASSERT_EQ(pump->method_count(), 2);
  expect_method(pump, "WriteBinlog", "/binlog.Pump/WriteBinlog", false, "binlog.WriteBinlogReq",
                "binlog.WriteBinlogResp");
  expect_method(pump, "PullBinlogs", "/binlog.Pump/PullBinlogs", true, "binlog.PullBinlogReq",
                "binlog.PullBinlogResp");
}

TEST(PumpProtoGrpcDescriptors, CisternServiceHasTheOriginalMethodPathsAndShapes) {
  EXPECT_STREQ(binlog::Cistern::service_full_name(), "binlog.Cistern");
  const ServiceDescriptor* cistern = find_service("Cistern");
  ASSERT_NE(cistern, nullptr);
  ASSERT_EQ(cistern->method_count(), 3);
  expect_method(cistern, "DumpBinlog", "/binlog.Cistern/DumpBinlog", true, "binlog.DumpBinlogReq",
                "binlog.DumpBinlogResp");
  expect_method(cistern, "DumpDDLJobs", "/binlog.Cistern/DumpDDLJobs", false,
                "binlog.DumpDDLJobsReq", "binlog.DumpDDLJobsResp");
  expect_method(cistern, "Notify", "/binlog.Cistern/Notify", false, "binlog.NotifyReq",
                "binlog.NotifyResp");
}

// Answers WriteBinlog with an errmsg naming what it received, and PullBinlogs with two entities
// whose commitTs follow the requested offset.
class EchoPump final : public binlog::Pump::Service {
 public:
  grpc::Status WriteBinlog(grpc::ServerContext* /*context*/, const binlog::WriteBinlogReq* request,
                           binlog::WriteBinlogResp* response) override {
    response->set_errmsg("echo cluster=" + std::to_string(request->clusterid()) +
                         " payload=" + request->payload());
    return grpc::Status::OK;
  }

  grpc::Status PullBinlogs(grpc::ServerContext* /*context*/, const binlog::PullBinlogReq* request,
                           grpc::ServerWriter<binlog::PullBinlogResp>* writer) override {
    for (int64_t i = 1; i <= 2; ++i) {
      binlog::PullBinlogResp response;
      response.mutable_entity()->set_payload("entity " + std::to_string(i));
      response.mutable_entity()->mutable_meta()->set_committs(request->startfrom().offset() + i);
      if (!writer->Write(response)) return grpc::Status(grpc::StatusCode::CANCELLED, "gone");
    }
    return grpc::Status::OK;
  }
};

// Counts Notify calls.
class CountingCistern final : public binlog::Cistern::Service {
 public:
  grpc::Status Notify(grpc::ServerContext* /*context*/, const binlog::NotifyReq* /*request*/,
                      binlog::NotifyResp* /*response*/) override {
    ++notify_calls;
    return grpc::Status::OK;
  }

  std::atomic<int> notify_calls{0};
};

grpc::ByteBuffer to_buffer(const std::string& data) {
  grpc::Slice slice(data);
  return grpc::ByteBuffer(&slice, 1);
}

std::string from_buffer(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  EXPECT_TRUE(buffer.Dump(&slices).ok());
  std::string out;
  for (const grpc::Slice& slice : slices) {
    out.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return out;
}

// Calls methods by literal path with raw bytes, one call at a time, on its own completion queue.
class RawClient {
 public:
  explicit RawClient(const std::string& target)
      : stub_(grpc::CreateChannel(target, grpc::InsecureChannelCredentials())) {}

  ~RawClient() {
    cq_.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq_.Next(&tag, &ok)) {
    }
  }

  grpc::Status unary(const std::string& path, const std::string& request, std::string* response) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    std::unique_ptr<grpc::GenericClientAsyncResponseReader> call =
        stub_.PrepareUnaryCall(&context, path, to_buffer(request), &cq_);
    call->StartCall();
    grpc::ByteBuffer reply;
    grpc::Status status;
    call->Finish(&reply, &status, tag(1));
    if (!await(1)) return grpc::Status(grpc::StatusCode::INTERNAL, "finish failed");
    if (status.ok()) *response = from_buffer(reply);
    return status;
  }

  // Sends one request message on a server-streaming path and collects every response message.
  grpc::Status server_stream(const std::string& path, const std::string& request,
                             std::vector<std::string>* responses) {
    grpc::ClientContext context;
    context.set_deadline(deadline());
    std::unique_ptr<grpc::GenericClientAsyncReaderWriter> call =
        stub_.PrepareCall(&context, path, &cq_);
    call->StartCall(tag(1));
    if (!await(1)) return grpc::Status(grpc::StatusCode::INTERNAL, "start failed");
    call->Write(to_buffer(request), tag(2));
    if (!await(2)) return grpc::Status(grpc::StatusCode::INTERNAL, "write failed");
    call->WritesDone(tag(3));
    if (!await(3)) return grpc::Status(grpc::StatusCode::INTERNAL, "writes-done failed");
    for (;;) {
      grpc::ByteBuffer message;
      call->Read(&message, tag(4));
      if (!await(4)) break;  // end of stream
      responses->push_back(from_buffer(message));
    }
    grpc::Status status;
    call->Finish(&status, tag(5));
    if (!await(5)) return grpc::Status(grpc::StatusCode::INTERNAL, "finish failed");
    return status;
  }

 private:
  static void* tag(intptr_t n) { return reinterpret_cast<void*>(n); }

  static std::chrono::system_clock::time_point deadline() {
    return std::chrono::system_clock::now() + std::chrono::seconds(20);
  }

  // Waits for the completion of the one outstanding operation, which must carry tag `n`.
  bool await(intptr_t n) {
    void* got = nullptr;
    bool ok = false;
    const grpc::CompletionQueue::NextStatus next = cq_.AsyncNext(&got, &ok, deadline());
    EXPECT_EQ(next, grpc::CompletionQueue::GOT_EVENT);
    EXPECT_EQ(got, tag(n));
    return next == grpc::CompletionQueue::GOT_EVENT && ok;
  }

  grpc::GenericStub stub_;
  grpc::CompletionQueue cq_;
};

class PumpProtoGrpcWire : public ::testing::Test {
 protected:
  void SetUp() override {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(&pump_);
    builder.RegisterService(&cistern_);
    server_ = builder.BuildAndStart();
    ASSERT_NE(server_, nullptr);
    ASSERT_GT(port_, 0);
    client_ = std::make_unique<RawClient>("127.0.0.1:" + std::to_string(port_));
  }

  void TearDown() override {
    client_.reset();
    if (server_) server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  }

  int port_ = 0;
  EchoPump pump_;
  CountingCistern cistern_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<RawClient> client_;
};

TEST_F(PumpProtoGrpcWire, WriteBinlogAnswersOnLiteralPath) {
  // WriteBinlogReq{clusterID: 7, payload: "hi"}
  const std::string request = bytes({0x08, 0x07, 0x12, 0x02, 'h', 'i'});
  std::string response;
  const grpc::Status status = client_->unary("/binlog.Pump/WriteBinlog", request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();

  const std::string errmsg = "echo cluster=7 payload=hi";  // 25 = 0x19 bytes
  EXPECT_EQ(response, bytes({0x0A, 0x19}) + errmsg);
  binlog::WriteBinlogResp decoded;
  ASSERT_TRUE(decoded.ParseFromString(response));
  EXPECT_EQ(decoded.errmsg(), errmsg);
}

TEST_F(PumpProtoGrpcWire, PullBinlogsStreamsEntitiesOnLiteralPath) {
  // PullBinlogReq{clusterID: 7, startFrom: {offset: 262145}}
  const std::string request = bytes({0x08, 0x07, 0x12, 0x04, 0x10, 0x81, 0x80, 0x10});
  std::vector<std::string> responses;
  const grpc::Status status =
      client_->server_stream("/binlog.Pump/PullBinlogs", request, &responses);
  ASSERT_TRUE(status.ok()) << status.error_message();
  ASSERT_EQ(responses.size(), 2u);
  for (size_t i = 0; i < responses.size(); ++i) {
    binlog::PullBinlogResp decoded;
    ASSERT_TRUE(decoded.ParseFromString(responses[i]));
    EXPECT_EQ(decoded.entity().payload(), "entity " + std::to_string(i + 1));
    EXPECT_EQ(decoded.entity().meta().committs(), 262145 + static_cast<int64_t>(i) + 1);
  }
}

TEST_F(PumpProtoGrpcWire, CisternNotifyAnswersOnLiteralPath) {
  std::string response = "not replaced";
  const grpc::Status status = client_->unary("/binlog.Cistern/Notify", std::string(), &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response, "");  // NotifyResp{} is zero bytes
  EXPECT_EQ(cistern_.notify_calls.load(), 1);
}

TEST_F(PumpProtoGrpcWire, UnknownPathIsUnimplemented) {
  std::string response;
  const grpc::Status status = client_->unary("/binlog.Pump/NoSuchMethod", std::string(), &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED);
}

}  // namespace
