// Byte-exact checks of the generated wire types against encodings worked out by hand from the
// protobuf wire format. Whatever these vectors say is what a real TiDB, Pump, Drainer, Reparo or
// Kafka consumer of the original puts on (or expects from) the wire.
//
// Reminders used in the derivations below:
// - key = field_number << 3 | wire_type; wire type 0 = varint, 2 = length-delimited.
// - varint: 7 bits per byte, least significant group first, high bit set on every byte but the
//   last. int64/int32 are not zigzag-encoded, so a negative value takes 10 bytes.
// - proto3 omits scalar fields holding 0 / "" (sub-messages are sent once set, even if empty);
//   proto2 sends every field that was set, default value or not.
// - proto2 repeated scalars are not packed unless [packed = true]: one key per element.
// - TSO 262145 = 1 << 18 | 1 (physical 1 ms, logical 1). Its varint: bits 0-6 = 0000001 -> 0x81,
//   bits 7-13 = 0 -> 0x80, bits 14-20 hold bit 18 as their bit 4 -> 0x10: 81 80 10.
//   Likewise 262146 -> 82 80 10 and 262147 -> 83 80 10.

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/unknown_field_set.h>
#include <gtest/gtest.h>

#include "core/proto/binlog.pb.h"
#include "core/proto/pb_binlog.pb.h"
#include "core/proto/pump.pb.h"
#include "core/proto/secondary_binlog.pb.h"

namespace {

// Builds a byte string from a literal list of byte values.
std::string bytes(std::initializer_list<unsigned> values) {
  std::string out;
  out.reserve(values.size());
  for (unsigned v : values)
    out.push_back(static_cast<char>(static_cast<uint8_t>(v)));
  return out;
}

// Renders bytes as space-separated hex so that a mismatch shows where it is.
std::string hex(const std::string& data) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned char c : data) {
    if (!out.empty()) out.push_back(' ');
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 0xF]);
  }
  return out;
}

#define EXPECT_WIRE_EQ(message, expected) \
  EXPECT_EQ(hex((message).SerializeAsString()), hex(expected))

constexpr int64_t kTs1 = (int64_t{1} << 18) | 1;  // 262145
constexpr int64_t kTs2 = (int64_t{1} << 18) | 2;  // 262146
constexpr int64_t kTs3 = (int64_t{1} << 18) | 3;  // 262147

// ------------------------------------------------------------------------------------------------
// pump.proto (proto3)

TEST(PumpProtoWire, WriteBinlogReqEncodesClusterIdAndPayload) {
  binlog::WriteBinlogReq req;
  req.set_clusterid(uint64_t{1} << 62);
  req.set_payload("abc");
  const std::string expected = bytes({
      0x08,  // field 1 (clusterID), varint
      // 2^62: bits 0-55 are zero -> eight 0x80 bytes; bits 56-62 hold bit 62 as bit 6 -> 0x40.
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x80,
      0x40,
      0x12,
      0x03,  // field 2 (payload), length-delimited, 3 bytes
      'a',
      'b',
      'c',
  });
  EXPECT_WIRE_EQ(req, expected);

  binlog::WriteBinlogReq decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.clusterid(), uint64_t{1} << 62);
  EXPECT_EQ(decoded.payload(), "abc");
}

TEST(PumpProtoWire, ProbeRequestWithEmptyPayloadOmitsPayloadAndDecodesToZeroTimestamps) {
  binlog::WriteBinlogReq req;
  req.set_clusterid(1);
  req.set_payload("");
  // proto3: the empty payload is not sent at all.
  const std::string expected = bytes({0x08, 0x01});
  EXPECT_WIRE_EQ(req, expected);

  binlog::WriteBinlogReq decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  binlog::Binlog probe;
  ASSERT_TRUE(probe.ParseFromString(decoded.payload()));
  EXPECT_EQ(probe.start_ts(), 0);
  EXPECT_EQ(probe.commit_ts(), 0);
  EXPECT_FALSE(probe.has_tp());
}

TEST(PumpProtoWire, Proto3ZeroValuesAreNotSerialized) {
  binlog::WriteBinlogReq req;
  req.set_clusterid(0);
  EXPECT_EQ(req.SerializeAsString(), "");
  binlog::Meta meta;
  meta.set_startts(0);
  meta.set_committs(0);
  EXPECT_EQ(meta.SerializeAsString(), "");
  EXPECT_EQ(binlog::NotifyReq().SerializeAsString(), "");
  EXPECT_EQ(binlog::NotifyResp().SerializeAsString(), "");
}

TEST(PumpProtoWire, WriteBinlogRespCarriesErrmsgOnlyWhenNonEmpty) {
  binlog::WriteBinlogResp ok;
  EXPECT_WIRE_EQ(ok, std::string());

  binlog::WriteBinlogResp failed;
  failed.set_errmsg("no online: paused");
  // field 1 (errmsg), length-delimited; "no online: paused" is 17 = 0x11 bytes.
  const std::string expected = bytes({0x0A, 0x11}) + "no online: paused";
  EXPECT_WIRE_EQ(failed, expected);

  binlog::WriteBinlogResp decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.errmsg(), "no online: paused");
}

TEST(PumpProtoWire, PullBinlogReqNestsPosWithLastCommitTsInOffset) {
  binlog::PullBinlogReq req;
  req.set_clusterid(7);
  req.mutable_startfrom()->set_offset(kTs1);
  const std::string expected = bytes({
      0x08, 0x07,        // field 1 (clusterID) = 7
      0x12, 0x04,        // field 2 (startFrom), length-delimited, 4 bytes:
      0x10,              //   Pos field 2 (offset), varint (suffix = 0 is omitted)
      0x81, 0x80, 0x10,  //   262145
  });
  EXPECT_WIRE_EQ(req, expected);

  binlog::PullBinlogReq decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.clusterid(), 7u);
  ASSERT_TRUE(decoded.has_startfrom());
  EXPECT_EQ(decoded.startfrom().suffix(), 0u);
  EXPECT_EQ(decoded.startfrom().offset(), kTs1);
}

TEST(PumpProtoWire, PullBinlogReqSendsAnEmptyStartFromOnceSet) {
  binlog::PullBinlogReq req;
  req.set_clusterid(7);
  req.mutable_startfrom();
  // A set sub-message is sent even when all its fields are zero: key 0x12, length 0.
  EXPECT_WIRE_EQ(req, bytes({0x08, 0x07, 0x12, 0x00}));
}

TEST(PumpProtoWire, NegativePosOffsetIsATenByteVarint) {
  binlog::Pos pos;
  pos.set_offset(-1);
  // -1 as uint64 is 64 one-bits: nine groups of seven ones (0xFF with continuation), then the
  // last remaining bit -> 0x01. No zigzag for int64.
  const std::string expected =
      bytes({0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01});
  EXPECT_WIRE_EQ(pos, expected);

  binlog::Pos decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.offset(), -1);

  binlog::Pos suffix_only;
  suffix_only.set_suffix(3);
  EXPECT_WIRE_EQ(suffix_only, bytes({0x08, 0x03}));
}

TEST(PumpProtoWire, PullBinlogRespEntityCarriesPayloadAndMeta) {
  binlog::PullBinlogResp resp;
  binlog::Entity* entity = resp.mutable_entity();
  entity->set_payload("xy");
  entity->mutable_meta()->set_startts(kTs1);
  entity->mutable_meta()->set_committs(kTs2);
  const std::string entity_bytes = bytes({
      0x12, 0x02, 'x', 'y',    // field 2 (payload), 2 bytes (pos = 1 and checksum = 3 unset)
      0x22, 0x08,              // field 4 (meta), 8 bytes:
      0x08, 0x81, 0x80, 0x10,  //   Meta field 1 (startTs) = 262145
      0x10, 0x82, 0x80, 0x10,  //   Meta field 2 (commitTs) = 262146
  });
  EXPECT_WIRE_EQ(*entity, entity_bytes);
  // PullBinlogResp field 1 (entity), 14 = 0x0E bytes.
  const std::string expected = bytes({0x0A, 0x0E}) + entity_bytes;
  EXPECT_WIRE_EQ(resp, expected);

  binlog::PullBinlogResp decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_FALSE(decoded.entity().has_pos());
  EXPECT_EQ(decoded.entity().checksum(), "");
  EXPECT_EQ(decoded.entity().payload(), "xy");
  EXPECT_EQ(decoded.entity().meta().startts(), kTs1);
  EXPECT_EQ(decoded.entity().meta().committs(), kTs2);
}

TEST(PumpProtoWire, CisternMessagesEncodeTheirFields) {
  binlog::DumpBinlogReq dump_req;
  dump_req.set_begincommitts(kTs1);
  EXPECT_WIRE_EQ(dump_req, bytes({0x08, 0x81, 0x80, 0x10}));

  binlog::DumpBinlogResp dump_resp;
  dump_resp.set_committs(1);
  dump_resp.set_payload("p");
  dump_resp.set_ddljob("j");
  // field 1 varint 1; field 2 (payload) "p"; field 3 (ddljob) "j".
  EXPECT_WIRE_EQ(dump_resp, bytes({0x08, 0x01, 0x12, 0x01, 'p', 0x1A, 0x01, 'j'}));

  binlog::DumpDDLJobsReq jobs_req;
  jobs_req.set_begincommitts(2);
  EXPECT_WIRE_EQ(jobs_req, bytes({0x08, 0x02}));

  binlog::DumpDDLJobsResp jobs_resp;
  jobs_resp.add_ddljobs("a");
  jobs_resp.add_ddljobs("");
  // Repeated bytes: one key per element; an empty element is still sent (length 0).
  const std::string expected = bytes({0x0A, 0x01, 'a', 0x0A, 0x00});
  EXPECT_WIRE_EQ(jobs_resp, expected);
  binlog::DumpDDLJobsResp decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  ASSERT_EQ(decoded.ddljobs_size(), 2);
  EXPECT_EQ(decoded.ddljobs(0), "a");
  EXPECT_EQ(decoded.ddljobs(1), "");
}

// ------------------------------------------------------------------------------------------------
// binlog.proto (proto2)

// TableMutation of table 45: one insert of handle 1 with column 1 = 1, then one delete of the row
// with column 1 = 2. Row payloads use TiDB's datum value encoding: 0x08 = varint flag, then a
// zigzag varint (1 -> 0x02, 2 -> 0x04).
binlog::TableMutation sample_mutation() {
  binlog::TableMutation mutation;
  mutation.set_table_id(45);
  mutation.add_inserted_rows(bytes({0x08, 0x02, 0x08, 0x02, 0x08, 0x02}));
  mutation.add_deleted_rows(bytes({0x08, 0x02, 0x08, 0x04}));
  mutation.add_sequence(binlog::Insert);
  mutation.add_sequence(binlog::DeleteRow);
  return mutation;
}

const std::string kSampleMutationBytes = bytes({
    0x08, 0x2D,                          // field 1 (table_id) = 45
    0x12, 0x06,                          // field 2 (inserted_rows), 6 bytes:
    0x08, 0x02, 0x08, 0x02, 0x08, 0x02,  //   handle 1, column id 1, value 1
    0x32, 0x04,                          // field 6 (deleted_rows), 4 bytes:
    0x08, 0x02, 0x08, 0x04,              //   column id 1, value 2
    0x38, 0x00,                          // field 7 (sequence), varint: Insert (not packed)
    0x38, 0x04,                          // field 7 (sequence), varint: DeleteRow
});                                      // 20 = 0x14 bytes

TEST(BinlogProtoWire, TableMutationSequenceIsUnpackedOneKeyPerElement) {
  EXPECT_WIRE_EQ(sample_mutation(), kSampleMutationBytes);

  binlog::TableMutation decoded;
  ASSERT_TRUE(decoded.ParseFromString(kSampleMutationBytes));
  EXPECT_EQ(decoded.table_id(), 45);
  ASSERT_EQ(decoded.inserted_rows_size(), 1);
  ASSERT_EQ(decoded.deleted_rows_size(), 1);
  EXPECT_EQ(decoded.updated_rows_size(), 0);
  ASSERT_EQ(decoded.sequence_size(), 2);
  EXPECT_EQ(decoded.sequence(0), binlog::Insert);
  EXPECT_EQ(decoded.sequence(1), binlog::DeleteRow);
}

TEST(BinlogProtoWire, TableMutationAcceptsAPackedSequenceToo) {
  // field 7 with wire type 2 (key 0x3A): packed, 3 bytes: Insert, Update, DeleteRow.
  binlog::TableMutation decoded;
  ASSERT_TRUE(decoded.ParseFromString(bytes({0x3A, 0x03, 0x00, 0x01, 0x04})));
  ASSERT_EQ(decoded.sequence_size(), 3);
  EXPECT_EQ(decoded.sequence(0), binlog::Insert);
  EXPECT_EQ(decoded.sequence(1), binlog::Update);
  EXPECT_EQ(decoded.sequence(2), binlog::DeleteRow);
}

TEST(BinlogProtoWire, PrewriteValueNestsTableMutations) {
  binlog::PrewriteValue value;
  value.set_schema_version(29);
  *value.add_mutations() = sample_mutation();
  const std::string expected = bytes({
                                   0x08, 0x1D,  // field 1 (schema_version) = 29
                                   0x12, 0x14,  // field 2 (mutations), 20 bytes
                               }) +
                               kSampleMutationBytes;  // 24 = 0x18 bytes in all
  EXPECT_WIRE_EQ(value, expected);

  binlog::PrewriteValue decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.schema_version(), 29);
  ASSERT_EQ(decoded.mutations_size(), 1);
  EXPECT_EQ(decoded.mutations(0).SerializeAsString(), kSampleMutationBytes);
}

TEST(BinlogProtoWire, PrewriteBinlogSendsTpPrewriteExplicitly) {
  // Record key of handle 1 in table 45: 't', comparable int 45, "_r", comparable int 1
  // (comparable int = big-endian of value ^ 0x8000000000000000). 19 bytes.
  const std::string primary_key = std::string("t") +
                                  bytes({0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x2D}) + "_r" +
                                  bytes({0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01});
  ASSERT_EQ(primary_key.size(), 19u);
  binlog::PrewriteValue value;
  value.set_schema_version(29);
  *value.add_mutations() = sample_mutation();

  binlog::Binlog prewrite;
  prewrite.set_tp(binlog::Prewrite);
  prewrite.set_start_ts(kTs1);
  prewrite.set_prewrite_key(primary_key);
  prewrite.set_prewrite_value(value.SerializeAsString());
  const std::string expected =
      bytes({
          0x08, 0x00,  // field 1 (tp) = Prewrite: the default, sent because set (proto2)
          0x10, 0x81, 0x80, 0x10,  // field 2 (start_ts) = 262145
          0x22, 0x13,              // field 4 (prewrite_key), 19 bytes
      }) +
      primary_key +
      bytes({
          0x2A,
          0x18,  // field 5 (prewrite_value), 24 bytes
          0x08,
          0x1D,
          0x12,
          0x14,
      }) +
      kSampleMutationBytes;
  EXPECT_WIRE_EQ(prewrite, expected);

  binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  ASSERT_TRUE(decoded.has_tp());
  EXPECT_EQ(decoded.tp(), binlog::Prewrite);
  EXPECT_EQ(decoded.start_ts(), kTs1);
  EXPECT_FALSE(decoded.has_commit_ts());
  EXPECT_EQ(decoded.prewrite_key(), primary_key);
  binlog::PrewriteValue decoded_value;
  ASSERT_TRUE(decoded_value.ParseFromString(decoded.prewrite_value()));
  EXPECT_EQ(decoded_value.schema_version(), 29);
  ASSERT_EQ(decoded_value.mutations_size(), 1);
  EXPECT_EQ(decoded_value.mutations(0).table_id(), 45);
}

// The second-half records (Commit, Rollback, fake) set exactly these three fields.
binlog::Binlog finish_binlog(binlog::BinlogType tp, int64_t start_ts, int64_t commit_ts) {
  binlog::Binlog out;
  out.set_tp(tp);
  out.set_start_ts(start_ts);
  out.set_commit_ts(commit_ts);
  return out;
}

TEST(BinlogProtoWire, CommitBinlogCarriesStartAndCommitTs) {
  const binlog::Binlog commit = finish_binlog(binlog::Commit, kTs1, kTs2);
  const std::string expected = bytes({
      0x08, 0x01,              // field 1 (tp) = Commit
      0x10, 0x81, 0x80, 0x10,  // field 2 (start_ts) = 262145
      0x18, 0x82, 0x80, 0x10,  // field 3 (commit_ts) = 262146
  });
  EXPECT_WIRE_EQ(commit, expected);

  binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.tp(), binlog::Commit);
  EXPECT_EQ(decoded.start_ts(), kTs1);
  EXPECT_EQ(decoded.commit_ts(), kTs2);
  EXPECT_FALSE(decoded.has_prewrite_value());
}

TEST(BinlogProtoWire, RollbackBinlogSendsExplicitZeroCommitTs) {
  const binlog::Binlog rollback = finish_binlog(binlog::Rollback, kTs1, 0);
  // proto2: commit_ts = 0 was set, so it is sent as 18 00.
  const std::string expected = bytes({0x08, 0x02, 0x10, 0x81, 0x80, 0x10, 0x18, 0x00});
  EXPECT_WIRE_EQ(rollback, expected);

  binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_TRUE(decoded.has_commit_ts());
  EXPECT_EQ(decoded.commit_ts(), 0);
}

TEST(BinlogProtoWire, FakeBinlogIsRollbackWithEqualStartAndCommitTs) {
  const binlog::Binlog fake = finish_binlog(binlog::Rollback, kTs3, kTs3);
  const std::string expected = bytes({
      0x08, 0x02,              // field 1 (tp) = Rollback
      0x10, 0x83, 0x80, 0x10,  // field 2 (start_ts) = 262147
      0x18, 0x83, 0x80, 0x10,  // field 3 (commit_ts) = 262147
  });
  EXPECT_WIRE_EQ(fake, expected);

  binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.tp(), binlog::Rollback);
  EXPECT_GT(decoded.start_ts(), 0);
  EXPECT_EQ(decoded.start_ts(), decoded.commit_ts());
}

const std::string kDdlQuery = "create table t (a int)";  // 22 = 0x16 bytes
const std::string kDdlJobJson = R"({"id":48})";          // 9 bytes

binlog::Binlog sample_ddl_binlog() {
  binlog::Binlog ddl;
  ddl.set_tp(binlog::Prewrite);
  ddl.set_start_ts(kTs1);
  ddl.set_ddl_query(kDdlQuery);
  ddl.set_ddl_job_id(48);
  ddl.set_ddl_schema_state(5);  // model.StatePublic
  ddl.set_ddl_job_json(kDdlJobJson);
  return ddl;
}

const std::string kSampleDdlBinlogBytes =
    bytes({
        0x08, 0x00,              // field 1 (tp) = Prewrite
        0x10, 0x81, 0x80, 0x10,  // field 2 (start_ts) = 262145
        0x32, 0x16,              // field 6 (ddl_query), 22 bytes
    }) +
    kDdlQuery +
    bytes({
        0x38, 0x30,  // field 7 (ddl_job_id) = 48
        0x40, 0x05,  // field 8 (ddl_schema_state) = 5
        // field 100 (ddl_job_json), wire type 2: key 100 << 3 | 2 = 802 = 0b110'0100010;
        // low seven bits 0x22 with continuation -> 0xA2, then 802 >> 7 = 6 -> 0x06.
        0xA2, 0x06, 0x09,  // ...and length 9
    }) +
    kDdlJobJson;

TEST(BinlogProtoWire, DdlBinlogCarriesDdlFieldsAndJobJsonExtensionUnderTag100) {
  EXPECT_WIRE_EQ(sample_ddl_binlog(), kSampleDdlBinlogBytes);

  binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(kSampleDdlBinlogBytes));
  EXPECT_EQ(decoded.tp(), binlog::Prewrite);
  EXPECT_EQ(decoded.ddl_query(), kDdlQuery);
  EXPECT_EQ(decoded.ddl_job_id(), 48);
  EXPECT_EQ(decoded.ddl_schema_state(), 5);
  ASSERT_TRUE(decoded.has_ddl_job_json());
  EXPECT_EQ(decoded.ddl_job_json(), kDdlJobJson);

  const auto* field = binlog::Binlog::descriptor()->FindFieldByName("ddl_job_json");
  ASSERT_NE(field, nullptr);
  EXPECT_EQ(field->number(), 100);
  EXPECT_EQ(field->type(), google::protobuf::FieldDescriptor::TYPE_BYTES);
}

TEST(BinlogProtoWire, ReaderWithoutTheExtensionSkipsDdlJobJsonAsUnknownField) {
  // Rebuild binlog.proto as the original defines it (without field 100) in a separate pool.
  google::protobuf::FileDescriptorProto file;
  binlog::Binlog::descriptor()->file()->CopyTo(&file);
  bool removed = false;
  for (auto& message : *file.mutable_message_type()) {
    if (message.name() != "Binlog") continue;
    for (int i = 0; i < message.field_size(); ++i) {
      if (message.field(i).number() == 100) {
        message.mutable_field()->DeleteSubrange(i, 1);
        removed = true;
        break;
      }
    }
  }
  ASSERT_TRUE(removed);
  google::protobuf::DescriptorPool pool;
  const google::protobuf::FileDescriptor* original = pool.BuildFile(file);
  ASSERT_NE(original, nullptr);
  const google::protobuf::Descriptor* type = original->FindMessageTypeByName("Binlog");
  ASSERT_NE(type, nullptr);
  ASSERT_EQ(type->FindFieldByNumber(100), nullptr);

  google::protobuf::DynamicMessageFactory factory(&pool);
  std::unique_ptr<google::protobuf::Message> message(factory.GetPrototype(type)->New());
  ASSERT_TRUE(message->ParseFromString(kSampleDdlBinlogBytes));
  const google::protobuf::Reflection* reflection = message->GetReflection();
  EXPECT_EQ(reflection->GetInt64(*message, type->FindFieldByName("ddl_job_id")), 48);
  EXPECT_EQ(reflection->GetString(*message, type->FindFieldByName("ddl_query")), kDdlQuery);
  const google::protobuf::UnknownFieldSet& unknown = reflection->GetUnknownFields(*message);
  ASSERT_EQ(unknown.field_count(), 1);
  EXPECT_EQ(unknown.field(0).number(), 100);
  EXPECT_EQ(unknown.field(0).length_delimited(), kDdlJobJson);
}

// ------------------------------------------------------------------------------------------------
// secondary_binlog.proto (proto2, package slave.binlog)

TEST(SecondaryBinlogProtoWire, DmlBinlogWithTableRowAndColumn) {
  slave::binlog::Binlog binlog;
  binlog.set_type(slave::binlog::DML);
  binlog.set_commit_ts(kTs2);
  slave::binlog::Table* table = binlog.mutable_dml_data()->add_tables();
  table->set_schema_name("db");
  table->set_table_name("t");
  slave::binlog::ColumnInfo* info = table->add_column_info();
  info->set_name("a");
  info->set_mysql_type("int");
  info->set_is_primary_key(true);
  info->set_flen(11);
  info->set_decimal(0);
  slave::binlog::TableMutation* mutation = table->add_mutations();
  mutation->set_type(slave::binlog::Insert);
  mutation->mutable_row()->add_columns()->set_int64_value(1);
  slave::binlog::Key* key = table->add_unique_keys();
  key->set_name("PRIMARY");
  key->add_column_names("a");

  const std::string table_bytes = bytes({
      0x0A, 0x02, 'd', 'b',                           // field 1 (schema_name) "db"
      0x12, 0x01, 't',                                // field 2 (table_name) "t"
      0x1A, 0x0E,                                     // field 3 (column_info), 14 bytes:
      0x0A, 0x01, 'a',                                //   name "a"
      0x12, 0x03, 'i', 'n', 't',                      //   mysql_type "int"
      0x18, 0x01,                                     //   is_primary_key true
      0x20, 0x0B,                                     //   flen 11
      0x28, 0x00,                                     //   decimal 0, set so sent (proto2)
      0x22, 0x08,                                     // field 4 (mutations), 8 bytes:
      0x08, 0x00,                                     //   type Insert (required)
      0x12, 0x04,                                     //   row (required), 4 bytes:
      0x0A, 0x02,                                     //     columns, 2 bytes:
      0x10, 0x01,                                     //       int64_value 1
      0x2A, 0x0C,                                     // field 5 (unique_keys), 12 bytes:
      0x0A, 0x07, 'P', 'R', 'I', 'M', 'A', 'R', 'Y',  // name "PRIMARY"
      0x12, 0x01, 'a',                                //   column_names ["a"]
  });                                                 // 4 + 3 + 16 + 10 + 14 = 47 = 0x2F bytes
  const std::string expected = bytes({
                                   0x08, 0x00,              // field 1 (type) = DML
                                   0x10, 0x82, 0x80, 0x10,  // field 2 (commit_ts) = 262146
                                   0x1A, 0x31,              // field 3 (dml_data), 49 bytes:
                                   0x0A, 0x2F,              //   tables, 47 bytes
                               }) +
                               table_bytes;
  EXPECT_WIRE_EQ(binlog, expected);

  slave::binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.type(), slave::binlog::DML);
  EXPECT_EQ(decoded.commit_ts(), kTs2);
  EXPECT_FALSE(decoded.has_ddl_data());
  EXPECT_FALSE(decoded.has_time_zone());
  ASSERT_EQ(decoded.dml_data().tables_size(), 1);
  const slave::binlog::Table& t = decoded.dml_data().tables(0);
  EXPECT_EQ(t.schema_name(), "db");
  EXPECT_EQ(t.table_name(), "t");
  ASSERT_EQ(t.column_info_size(), 1);
  EXPECT_EQ(t.column_info(0).mysql_type(), "int");
  EXPECT_TRUE(t.column_info(0).has_decimal());
  ASSERT_EQ(t.mutations_size(), 1);
  EXPECT_EQ(t.mutations(0).type(), slave::binlog::Insert);
  EXPECT_FALSE(t.mutations(0).has_change_row());
  ASSERT_EQ(t.mutations(0).row().columns_size(), 1);
  EXPECT_FALSE(t.mutations(0).row().columns(0).is_null());
  EXPECT_EQ(t.mutations(0).row().columns(0).int64_value(), 1);
  ASSERT_EQ(t.unique_keys_size(), 1);
  EXPECT_EQ(t.unique_keys(0).name(), "PRIMARY");
}

TEST(SecondaryBinlogProtoWire, DdlBinlogCarriesDdlData) {
  slave::binlog::Binlog binlog;
  binlog.set_type(slave::binlog::DDL);
  binlog.set_commit_ts(kTs2);
  binlog.mutable_ddl_data()->set_schema_name("db");
  binlog.mutable_ddl_data()->set_table_name("t");
  binlog.mutable_ddl_data()->set_ddl_query("drop table t");  // 12 bytes
  const std::string expected = bytes({
                                   0x08, 0x01,              // field 1 (type) = DDL
                                   0x10, 0x82, 0x80, 0x10,  // field 2 (commit_ts)
                                   0x22, 0x15,              // field 4 (ddl_data), 21 bytes:
                                   0x0A, 0x02, 'd', 'b',    //   schema_name
                                   0x12, 0x01, 't',         //   table_name
                                   0x1A, 0x0C,              //   ddl_query, 12 bytes
                               }) +
                               "drop table t";
  EXPECT_WIRE_EQ(binlog, expected);

  slave::binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.type(), slave::binlog::DDL);
  EXPECT_EQ(decoded.ddl_data().ddl_query(), "drop table t");
}

TEST(SecondaryBinlogProtoWire, TableMutationWithoutRequiredRowFailsToParse) {
  // Only field 1 (type) = Update: the required `row` is missing.
  const std::string incomplete = bytes({0x08, 0x01});
  slave::binlog::TableMutation mutation;
  EXPECT_FALSE(mutation.ParseFromString(incomplete));
  EXPECT_TRUE(mutation.ParsePartialFromString(incomplete));
  EXPECT_FALSE(mutation.IsInitialized());
}

TEST(SecondaryBinlogProtoWire, UpdateCarriesNewRowInRowAndOldRowInChangeRow) {
  slave::binlog::TableMutation mutation;
  mutation.set_type(slave::binlog::Update);
  mutation.mutable_row()->add_columns()->set_string_value("new");
  mutation.mutable_change_row()->add_columns()->set_is_null(true);
  const std::string expected = bytes({
      0x08, 0x01,                 // field 1 (type) = Update
      0x12, 0x07,                 // field 2 (row), 7 bytes:
      0x0A, 0x05,                 //   columns, 5 bytes:
      0x32, 0x03, 'n', 'e', 'w',  //     string_value "new"
      0x1A, 0x04,                 // field 3 (change_row), 4 bytes:
      0x0A, 0x02,                 //   columns, 2 bytes:
      0x08, 0x01,                 //     is_null true
  });
  EXPECT_WIRE_EQ(mutation, expected);
  slave::binlog::TableMutation decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.row().columns(0).string_value(), "new");
  EXPECT_TRUE(decoded.change_row().columns(0).is_null());
}

// ------------------------------------------------------------------------------------------------
// pb_binlog.proto (proto2, package pb_binlog)

TEST(PbBinlogProtoWire, DmlBinlogEventRowHoldsMarshalledColumn) {
  pb_binlog::column column;
  column.set_name("a");
  column.set_tp(bytes({0x03}));  // MySQL type LONG
  column.set_mysql_type("int");
  column.set_value(bytes({0x08, 0x02}));  // datum: varint flag, zigzag(1)
  const std::string column_bytes = bytes({
      0x0A, 0x01, 'a',            // field 1 (name) "a"
      0x12, 0x01, 0x03,           // field 2 (tp) = {3}
      0x1A, 0x03, 'i', 'n', 't',  // field 3 (mysql_type) "int"
      0x22, 0x02, 0x08, 0x02,     // field 4 (value), 2 bytes
  });                             // 15 = 0x0F bytes
  EXPECT_WIRE_EQ(column, column_bytes);

  pb_binlog::Binlog binlog;
  binlog.set_tp(pb_binlog::DML);
  binlog.set_commit_ts(kTs2);
  pb_binlog::Event* event = binlog.mutable_dml_data()->add_events();
  event->set_schema_name("db");
  event->set_table_name("t");
  event->set_tp(pb_binlog::Insert);
  event->add_row(column.SerializeAsString());
  const std::string expected = bytes({
                                   0x08, 0x00,              // field 1 (tp) = DML
                                   0x10, 0x82, 0x80, 0x10,  // field 2 (commit_ts) = 262146
                                   0x1A, 0x1C,              // field 3 (dml_data), 28 bytes:
                                   0x0A, 0x1A,              //   events, 26 bytes:
                                   0x0A, 0x02, 'd',  'b',   //     schema_name "db"
                                   0x12, 0x01, 't',         //     table_name "t"
                                   0x18, 0x00,              //     tp = Insert
                                   0x22, 0x0F,              //     row[0], 15 bytes
                               }) +
                               column_bytes;
  EXPECT_WIRE_EQ(binlog, expected);

  pb_binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.tp(), pb_binlog::DML);
  EXPECT_EQ(decoded.commit_ts(), kTs2);
  EXPECT_FALSE(decoded.has_ddl_query());
  ASSERT_EQ(decoded.dml_data().events_size(), 1);
  const pb_binlog::Event& e = decoded.dml_data().events(0);
  EXPECT_EQ(e.tp(), pb_binlog::Insert);
  ASSERT_EQ(e.row_size(), 1);
  pb_binlog::column decoded_column;
  ASSERT_TRUE(decoded_column.ParseFromString(e.row(0)));
  EXPECT_EQ(decoded_column.name(), "a");
  EXPECT_EQ(decoded_column.tp(), bytes({0x03}));
  EXPECT_EQ(decoded_column.value(), bytes({0x08, 0x02}));
  EXPECT_FALSE(decoded_column.has_changed_value());
}

TEST(PbBinlogProtoWire, DdlBinlogCarriesDdlQuery) {
  const std::string query = "use `db`; drop table t;";  // 23 = 0x17 bytes
  pb_binlog::Binlog binlog;
  binlog.set_tp(pb_binlog::DDL);
  binlog.set_commit_ts(kTs2);
  binlog.set_ddl_query(query);
  const std::string expected = bytes({
                                   0x08, 0x01,              // field 1 (tp) = DDL
                                   0x10, 0x82, 0x80, 0x10,  // field 2 (commit_ts)
                                   0x22, 0x17,              // field 4 (ddl_query), 23 bytes
                               }) +
                               query;
  EXPECT_WIRE_EQ(binlog, expected);
  pb_binlog::Binlog decoded;
  ASSERT_TRUE(decoded.ParseFromString(expected));
  EXPECT_EQ(decoded.ddl_query(), query);
}

// ------------------------------------------------------------------------------------------------
// Descriptors: names, packages, syntax

TEST(ProtoDescriptors, FilesHaveTheOriginalPackagesAndSyntax) {
  using google::protobuf::FileDescriptor;
  const FileDescriptor* pump = binlog::WriteBinlogReq::descriptor()->file();
  const FileDescriptor* tipb = binlog::Binlog::descriptor()->file();
  const FileDescriptor* secondary = slave::binlog::Binlog::descriptor()->file();
  const FileDescriptor* pb = pb_binlog::Binlog::descriptor()->file();
  EXPECT_EQ(pump->name(), "core/proto/pump.proto");
  EXPECT_EQ(tipb->name(), "core/proto/binlog.proto");
  EXPECT_EQ(secondary->name(), "core/proto/secondary_binlog.proto");
  EXPECT_EQ(pb->name(), "core/proto/pb_binlog.proto");
  EXPECT_EQ(pump->package(), "binlog");
  EXPECT_EQ(tipb->package(), "binlog");
  EXPECT_EQ(secondary->package(), "slave.binlog");
  EXPECT_EQ(pb->package(), "pb_binlog");
  EXPECT_EQ(pump->syntax(), FileDescriptor::SYNTAX_PROTO3);
  EXPECT_EQ(tipb->syntax(), FileDescriptor::SYNTAX_PROTO2);
  EXPECT_EQ(secondary->syntax(), FileDescriptor::SYNTAX_PROTO2);
  EXPECT_EQ(pb->syntax(), FileDescriptor::SYNTAX_PROTO2);

  EXPECT_EQ(binlog::Binlog::descriptor()->full_name(), "binlog.Binlog");
  EXPECT_EQ(binlog::Entity::descriptor()->full_name(), "binlog.Entity");
  EXPECT_EQ(slave::binlog::TableMutation::descriptor()->full_name(), "slave.binlog.TableMutation");
  EXPECT_EQ(pb_binlog::column::descriptor()->full_name(), "pb_binlog.column");
}

TEST(ProtoDescriptors, RequiredFieldsOnlyInSecondaryTableMutation) {
  const auto* mutation = slave::binlog::TableMutation::descriptor();
  EXPECT_TRUE(mutation->FindFieldByName("type")->is_required());
  EXPECT_TRUE(mutation->FindFieldByName("row")->is_required());
  EXPECT_FALSE(mutation->FindFieldByName("change_row")->is_required());
  EXPECT_FALSE(binlog::TableMutation::descriptor()->FindFieldByName("sequence")->is_packed());
}

}  // namespace
