#include "core/codec/datum_codec.h"

#include <fmt/format.h>

#include <cstring>

#include "core/codec/datum_view.h"
#include "core/codec/json_binary.h"
#include "core/codec/mysql_decimal.h"

namespace sluice::codec {
namespace {

constexpr uint64_t kSignMask = 0x8000000000000000ull;
constexpr size_t kGroupSize = 8;
constexpr uint8_t kGroupMarker = 0xFF;

Result<std::string> read_memcomparable_bytes(ByteReader& reader) {
  std::string out;
  while (true) {
    SLUICE_ASSIGN_OR_RETURN(std::string_view group,
                            reader.read_bytes(kGroupSize + 1, "memcomparable bytes group"));
    const auto marker = static_cast<uint8_t>(group[kGroupSize]);
    const uint8_t pad = kGroupMarker - marker;
    if (pad == 0) {
      out.append(group.data(), kGroupSize);
      continue;
    }
    if (pad > kGroupSize) {
      return reader.error("memcomparable bytes", fmt::format("invalid marker 0x{:02x}", marker));
    }
    const size_t real = kGroupSize - pad;
    for (size_t i = real; i < kGroupSize; ++i) {
      if (group[i] != 0) return reader.error("memcomparable bytes", "non-zero padding");
    }
    out.append(group.data(), real);
    return out;
  }
}

}  // namespace

void append_comparable_int(std::string& out, int64_t value) {
  append_u64_be(out, static_cast<uint64_t>(value) ^ kSignMask);
}

void append_comparable_uint(std::string& out, uint64_t value) {
  append_u64_be(out, value);
}

void append_comparable_float(std::string& out, double value) {
  uint64_t bits;
  std::memcpy(&bits, &value, sizeof(bits));
  if (value >= 0) {
    bits |= kSignMask;
  } else {
    bits = ~bits;
  }
  append_u64_be(out, bits);
}

void append_memcomparable_bytes(std::string& out, std::string_view bytes) {
  for (size_t at = 0;; at += kGroupSize) {
    const size_t remain = bytes.size() - at;
    if (remain >= kGroupSize) {
      out.append(bytes.data() + at, kGroupSize);
      out.push_back(static_cast<char>(kGroupMarker));
      continue;
    }
    out.append(bytes.data() + at, remain);
    out.append(kGroupSize - remain, '\0');
    out.push_back(static_cast<char>(kGroupMarker - (kGroupSize - remain)));
    return;
  }
}

void append_compact_bytes(std::string& out, std::string_view bytes) {
  append_varint(out, static_cast<int64_t>(bytes.size()));
  out.append(bytes);
}

Status decode_datum_view(ByteReader& reader, DatumView& out, std::string& scratch) {
  out = DatumView{};
  uint8_t flag = 0;
  if (!reader.next_u8(flag)) return reader.error("datum flag", "truncated (need 1 byte, have 0)");
  switch (static_cast<DatumFlag>(flag)) {
    case DatumFlag::kNil:
      return Status::ok();
    case DatumFlag::kBytes: {
      SLUICE_ASSIGN_OR_RETURN(scratch, read_memcomparable_bytes(reader));
      out.kind = DatumKind::kBytes;
      out.bytes = scratch;
      return Status::ok();
    }
    case DatumFlag::kCompactBytes: {
      int64_t length = 0;
      if (!reader.next_varint(length)) return reader.error("compact bytes length", "bad varint");
      if (length < 0) return reader.error("compact bytes", "negative length");
      if (!reader.next_bytes(static_cast<size_t>(length), out.bytes)) {
        return reader.error("compact bytes", fmt::format("truncated (need {} bytes, have {})",
                                                         length, reader.remaining()));
      }
      out.kind = DatumKind::kBytes;
      return Status::ok();
    }
    case DatumFlag::kInt: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t bits, reader.read_u64_be("int datum"));
      out.kind = DatumKind::kInt64;
      out.i64 = static_cast<int64_t>(bits ^ kSignMask);
      return Status::ok();
    }
    case DatumFlag::kUint: {
      SLUICE_ASSIGN_OR_RETURN(out.u64, reader.read_u64_be("uint datum"));
      out.kind = DatumKind::kUint64;
      return Status::ok();
    }
    case DatumFlag::kFloat: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t bits, reader.read_u64_be("float datum"));
      if ((bits & kSignMask) != 0) {
        bits &= ~kSignMask;
      } else {
        bits = ~bits;
      }
      std::memcpy(&out.f64, &bits, sizeof(out.f64));
      out.kind = DatumKind::kFloat64;
      return Status::ok();
    }
    case DatumFlag::kDecimal: {
      SLUICE_ASSIGN_OR_RETURN(uint8_t precision, reader.read_u8("decimal precision"));
      SLUICE_ASSIGN_OR_RETURN(uint8_t scale, reader.read_u8("decimal scale"));
      const int size = decimal_binary_size(precision, scale);
      if (size < 0) {
        return reader.error("decimal", fmt::format("invalid DECIMAL({},{})", precision, scale));
      }
      SLUICE_ASSIGN_OR_RETURN(out.bytes,
                              reader.read_bytes(static_cast<size_t>(size), "decimal value"));
      out.kind = DatumKind::kDecimal;
      out.precision = precision;
      out.scale = scale;
      return Status::ok();
    }
    case DatumFlag::kDuration: {
      SLUICE_ASSIGN_OR_RETURN(uint64_t bits, reader.read_u64_be("duration datum"));
      out.kind = DatumKind::kDuration;
      out.i64 = static_cast<int64_t>(bits ^ kSignMask);
      return Status::ok();
    }
    case DatumFlag::kVarint: {
      if (!reader.next_varint(out.i64))
        return reader.error("varint datum", "bad or truncated varint");
      out.kind = DatumKind::kInt64;
      return Status::ok();
    }
    case DatumFlag::kUvarint: {
      if (!reader.next_uvarint(out.u64)) {
        return reader.error("uvarint datum", "bad or truncated varint");
      }
      out.kind = DatumKind::kUint64;
      return Status::ok();
    }
    case DatumFlag::kJson: {
      auto length = json_binary_length(reader.rest());
      if (!length.is_ok()) return reader.error("json datum", length.status().message());
      SLUICE_ASSIGN_OR_RETURN(out.bytes, reader.read_bytes(*length, "json datum"));
      out.kind = DatumKind::kJson;
      return Status::ok();
    }
    case DatumFlag::kMax:
      out.kind = DatumKind::kMaxValue;
      return Status::ok();
  }
  return Status::corruption(
      fmt::format("datum flag at offset {}: unknown flag {}", reader.position() - 1, flag));
}

Status skip_datum(ByteReader& reader) {
  DatumView ignored;
  std::string scratch;
  return decode_datum_view(reader, ignored, scratch);
}

Result<Datum> decode_datum(ByteReader& reader) {
  DatumView view;
  std::string scratch;
  SLUICE_RETURN_IF_ERROR(decode_datum_view(reader, view, scratch));
  Datum datum;
  datum.kind = view.kind;
  datum.i64 = view.i64;
  datum.u64 = view.u64;
  datum.f64 = view.f64;
  switch (view.kind) {
    case DatumKind::kBytes:
    case DatumKind::kJson:
      datum.text = std::string(view.bytes);
      break;
    case DatumKind::kDecimal: {
      char text[kMaxDecimalTextSize];
      SLUICE_ASSIGN_OR_RETURN(size_t length,
                              format_decimal_binary(view.bytes, view.precision, view.scale, text));
      datum.text.assign(text, length);
      datum.precision = view.precision;
      datum.scale = view.scale;
      break;
    }
    default:
      break;
  }
  return datum;
}

Result<std::vector<Datum>> decode_datums(std::string_view bytes) {
  ByteReader reader(bytes);
  std::vector<Datum> datums;
  while (!reader.empty()) {
    SLUICE_ASSIGN_OR_RETURN(Datum datum, decode_datum(reader));
    datums.push_back(std::move(datum));
  }
  return datums;
}

namespace {

Status encode_common(std::string& out, const Datum& datum) {
  switch (datum.kind) {
    case DatumKind::kNull:
      out.push_back(static_cast<char>(DatumFlag::kNil));
      return Status::ok();
    case DatumKind::kFloat64:
      out.push_back(static_cast<char>(DatumFlag::kFloat));
      append_comparable_float(out, datum.f64);
      return Status::ok();
    case DatumKind::kDecimal: {
      int precision = datum.precision;
      int scale = datum.scale;
      if (precision == 0) {
        // As TiDB: without a declared precision, use the digits the value needs.
        SLUICE_ASSIGN_OR_RETURN(auto digits, decimal_precision_and_scale(datum.text));
        precision = digits.first;
        scale = digits.second;
      }
      SLUICE_ASSIGN_OR_RETURN(std::string binary,
                              decimal_text_to_binary(datum.text, precision, scale));
      out.push_back(static_cast<char>(DatumFlag::kDecimal));
      out.push_back(static_cast<char>(precision));
      out.push_back(static_cast<char>(scale));
      out += binary;
      return Status::ok();
    }
    case DatumKind::kDuration:
      out.push_back(static_cast<char>(DatumFlag::kDuration));
      append_comparable_int(out, datum.i64);
      return Status::ok();
    case DatumKind::kJson:
      if (datum.text.empty()) return Status::invalid_argument("json datum without bytes");
      out.push_back(static_cast<char>(DatumFlag::kJson));
      out += datum.text;
      return Status::ok();
    case DatumKind::kMinNotNull:
      out.push_back(static_cast<char>(DatumFlag::kBytes));
      return Status::ok();
    case DatumKind::kMaxValue:
      out.push_back(static_cast<char>(DatumFlag::kMax));
      return Status::ok();
    default:
      return Status::internal("encode_common: unexpected kind");
  }
}

}  // namespace

Status encode_value(std::string& out, const Datum& datum) {
  switch (datum.kind) {
    case DatumKind::kInt64:
      out.push_back(static_cast<char>(DatumFlag::kVarint));
      append_varint(out, datum.i64);
      return Status::ok();
    case DatumKind::kUint64:
      out.push_back(static_cast<char>(DatumFlag::kUvarint));
      append_uvarint(out, datum.u64);
      return Status::ok();
    case DatumKind::kBytes:
      out.push_back(static_cast<char>(DatumFlag::kCompactBytes));
      append_compact_bytes(out, datum.text);
      return Status::ok();
    default:
      return encode_common(out, datum);
  }
}

Status encode_key(std::string& out, const Datum& datum) {
  switch (datum.kind) {
    case DatumKind::kInt64:
      out.push_back(static_cast<char>(DatumFlag::kInt));
      append_comparable_int(out, datum.i64);
      return Status::ok();
    case DatumKind::kUint64:
      out.push_back(static_cast<char>(DatumFlag::kUint));
      append_comparable_uint(out, datum.u64);
      return Status::ok();
    case DatumKind::kBytes:
      out.push_back(static_cast<char>(DatumFlag::kBytes));
      append_memcomparable_bytes(out, datum.text);
      return Status::ok();
    default:
      return encode_common(out, datum);
  }
}

}  // namespace sluice::codec
