#include "core/storage/binlog_header.h"

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/wire_format_lite.h>

#include <string>

namespace sluice::storage {

Result<BinlogHeader> scan_binlog_header(std::string_view bytes) {
  using google::protobuf::internal::WireFormatLite;
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  // Default limit is 2 GiB in protobuf >= 3.x; binlogs are far below it.
  BinlogHeader header;
  while (in.CurrentPosition() < static_cast<int>(bytes.size())) {
    // ReadTag answers 0 both at the end of the input and for a malformed tag, so the end is
    // tested first and a 0 here is always an error (e.g. five 0xFF bytes: an unterminated varint).
    const int offset = in.CurrentPosition();
    const uint32_t tag = in.ReadTag();
    if (tag == 0 || WireFormatLite::GetTagFieldNumber(tag) == 0) {
      return Status::invalid_argument("malformed binlog: invalid field tag at offset " +
                                      std::to_string(offset));
    }
    int field = WireFormatLite::GetTagFieldNumber(tag);
    auto wire_type = WireFormatLite::GetTagWireType(tag);
    if ((field >= 1 && field <= 3) && wire_type == WireFormatLite::WIRETYPE_VARINT) {
      uint64_t value = 0;
      if (!in.ReadVarint64(&value)) {
        return Status::invalid_argument("malformed binlog: truncated varint in field " +
                                        std::to_string(field));
      }
      if (field == 1) header.tp = static_cast<int>(static_cast<int32_t>(value));
      if (field == 2) header.start_ts = static_cast<int64_t>(value);
      if (field == 3) header.commit_ts = static_cast<int64_t>(value);
      continue;
    }
    if (!WireFormatLite::SkipField(&in, tag)) {
      return Status::invalid_argument("malformed binlog: cannot skip field " +
                                      std::to_string(field) + " at offset " +
                                      std::to_string(in.CurrentPosition()));
    }
  }
  return header;
}

}  // namespace sluice::storage
