#pragma once
// TiDB's datum codec (util/codec): each value starts with a flag byte saying how it is encoded.
// Decoding takes untrusted bytes: every malformed or truncated input returns a Corruption status
// and never reads out of bounds. Pure functions; thread-safe.

#include <cstdint>
#include <string>
#include <vector>

#include "core/codec/byte_reader.h"
#include "core/codec/datum.h"

namespace sluice::codec {

enum class DatumFlag : uint8_t {
  kNil = 0,
  kBytes = 1,         // memcomparable groups of 8 bytes + marker
  kCompactBytes = 2,  // varint length + raw bytes
  kInt = 3,           // 8 bytes big-endian, sign bit flipped
  kUint = 4,          // 8 bytes big-endian
  kFloat = 5,         // 8 bytes big-endian, order-preserving transform
  kDecimal = 6,       // precision, scale, MySQL binary decimal
  kDuration = 7,      // nanoseconds as kInt
  kVarint = 8,        // Go zigzag varint
  kUvarint = 9,       // Go uvarint
  kJson = 10,         // binary JSON type code + value
  kMax = 250,
};

// Decodes one datum at the reader's position and advances past it.
Result<Datum> decode_datum(ByteReader& reader);
// Decodes every datum in `bytes`.
Result<std::vector<Datum>> decode_datums(std::string_view bytes);

// Appends `datum` as TiDB's EncodeValue does (value mode): int64 -> varint, uint64 -> uvarint,
// bytes -> compactBytes, float -> float, decimal -> decimal, duration -> duration, json -> json,
// null -> nil.
Status encode_value(std::string& out, const Datum& datum);
// Appends `datum` as TiDB's EncodeKey does (comparable mode): int64 -> int, uint64 -> uint,
// bytes -> memcomparable bytes; the other kinds as in value mode.
Status encode_key(std::string& out, const Datum& datum);

// The individual encodings, for producers and tests.
void append_comparable_int(std::string& out, int64_t value);
void append_comparable_uint(std::string& out, uint64_t value);
void append_comparable_float(std::string& out, double value);
void append_memcomparable_bytes(std::string& out, std::string_view bytes);
void append_compact_bytes(std::string& out, std::string_view bytes);

}  // namespace sluice::codec
