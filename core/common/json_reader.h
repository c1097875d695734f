#pragma once
// Typed reads of JSON documents that come from outside the process: registry records (files,
// etcd), checkpoints, schema snapshots, TiDB's HTTP answers, the TSO leader record. nlohmann's
// value(), get<T>() and at() throw on a wrong-typed field and its const operator[] reads past the
// end of the map on a missing one; a throw that leaves a daemon's thread ends the daemon. These
// functions never throw: a field of the wrong type, out of range or missing is a Corruption
// status naming the document, the key and both types, e.g.
//   "node status of pump-1: 'isAlive' is a number, expected a boolean".
// The *_or readers treat a missing field and null alike and return the fallback, as Go's
// encoding/json leaves a field at its zero value for both; the other readers require the field.
// Integers must be JSON integers that fit the target type (5.0 and 1e3 are not integers, as for
// Go's json.Unmarshal into an int64).
//
// Header-only on purpose: scripts/fuzz.sh compiles core/schema's sources with core/common's
// status.cc alone, so a .cc here would not be linked into the fuzz targets.
// Pure functions over caller-owned values; thread-safe.

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "core/common/result.h"

namespace sluice::json_reader {

using Json = nlohmann::json;

// Deepest nesting parse() accepts. nlohmann's dump(), copy and comparison recurse once per level,
// so a document of a million '[' would overflow the stack when printed back (a registry label,
// a column default); every document Sluice reads nests fewer than 10 levels, and MySQL itself
// refuses JSON deeper than 100.
inline constexpr int kMaxDocumentDepth = 128;

// "null", "a boolean", "a number" (an integer), "a non-integer number", "a string", "an array",
// "an object".
inline std::string_view type_name(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return "a number";
    case Json::value_t::number_float:
      return "a non-integer number";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::binary:
      return "binary data";
    case Json::value_t::discarded:
      return "not JSON";
  }
  return "of an unknown JSON type";
}

// "<what> is <type>, expected <expected>".
inline Status wrong_type(std::string_view what, const Json& value, std::string_view expected) {
  return Status::corruption(fmt::format("{} is {}, expected {}", what, type_name(value), expected));
}

// Parses `text`; an error names `where` ("not valid JSON", or nested too deep).
inline Result<Json> parse(std::string_view text, std::string_view where) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxDocumentDepth) {
        return Status::corruption(
            fmt::format("{}: nested deeper than {} levels", where, kMaxDocumentDepth));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  Json value = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (value.is_discarded()) return Status::corruption(fmt::format("{}: not valid JSON", where));
  return value;
}

// OK when `value` is an object; otherwise "<where> is an array, expected an object".
inline Status expect_object(const Json& value, std::string_view where) {
  return value.is_object() ? Status::ok() : wrong_type(where, value, "an object");
}

// parse() whose root must be an object.
inline Result<Json> parse_object(std::string_view text, std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(Json value, parse(text, where));
  SLUICE_RETURN_IF_ERROR(expect_object(value, where));
  return value;
}

// ----- values (array elements, or fields already found); `what` names the value -----

inline Result<std::string> as_string(const Json& value, std::string_view what) {
  if (!value.is_string()) return wrong_type(what, value, "a string");
  return value.get_ref<const std::string&>();
}

inline Result<bool> as_bool(const Json& value, std::string_view what) {
  if (!value.is_boolean()) return wrong_type(what, value, "a boolean");
  return value.get<bool>();
}

// A JSON integer that fits T; "<what> is 300, outside 0..255" otherwise.
template <typename T>
Result<T> as_integer(const Json& value, std::string_view what) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  constexpr T kMin = std::numeric_limits<T>::min();
  constexpr T kMax = std::numeric_limits<T>::max();
  auto out_of_range = [&](auto number) {
    return Status::corruption(fmt::format("{} is {}, outside {}..{}", what, number, kMin, kMax));
  };
  if (value.is_number_unsigned()) {
    const auto number = value.get<uint64_t>();
    if (std::cmp_greater(number, kMax)) return out_of_range(number);
    return static_cast<T>(number);
  }
  if (value.is_number_integer()) {
    const auto number = value.get<int64_t>();
    if (std::cmp_less(number, kMin) || std::cmp_greater(number, kMax)) return out_of_range(number);
    return static_cast<T>(number);
  }
  return wrong_type(what, value, "an integer");
}

// ----- fields of an object; `where` names the object, messages say "<where>: '<key>' ..." -----

// The field, or nullptr when `object` has no `key`; an error when `object` is not an object.
inline Result<const Json*> find_field(const Json& object, std::string_view key,
                                      std::string_view where) {
  SLUICE_RETURN_IF_ERROR(expect_object(object, where));
  const auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

// "<where>: '<key>'", how messages name a field.
inline std::string field_name(std::string_view where, std::string_view key) {
  return fmt::format("{}: '{}'", where, key);
}

// The field, which must be present (null counts as present).
inline Result<const Json*> require_field(const Json& object, std::string_view key,
                                         std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, find_field(object, key, where));
  if (field == nullptr) return Status::corruption(field_name(where, key) + " is missing");
  return field;
}

// The field, or nullptr when it is missing or null.
inline Result<const Json*> find_non_null(const Json& object, std::string_view key,
                                         std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, find_field(object, key, where));
  return (field == nullptr || field->is_null()) ? nullptr : field;
}

inline Result<std::string> read_string(const Json& object, std::string_view key,
                                       std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, require_field(object, key, where));
  return as_string(*field, field_name(where, key));
}

inline Result<std::string> read_string_or(const Json& object, std::string_view key,
                                          std::string_view where, std::string fallback) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, find_non_null(object, key, where));
  if (field == nullptr) return fallback;
  return as_string(*field, field_name(where, key));
}

inline Result<bool> read_bool(const Json& object, std::string_view key, std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, require_field(object, key, where));
  return as_bool(*field, field_name(where, key));
}

inline Result<bool> read_bool_or(const Json& object, std::string_view key, std::string_view where,
                                 bool fallback) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, find_non_null(object, key, where));
  if (field == nullptr) return fallback;
  return as_bool(*field, field_name(where, key));
}

template <typename T>
Result<T> read_integer(const Json& object, std::string_view key, std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, require_field(object, key, where));
  return as_integer<T>(*field, field_name(where, key));
}

template <typename T>
Result<T> read_integer_or(const Json& object, std::string_view key, std::string_view where,
                          T fallback) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, find_non_null(object, key, where));
  if (field == nullptr) return fallback;
  return as_integer<T>(*field, field_name(where, key));
}

inline Result<int64_t> read_int64(const Json& object, std::string_view key,
                                  std::string_view where) {
  return read_integer<int64_t>(object, key, where);
}

inline Result<int64_t> read_int64_or(const Json& object, std::string_view key,
                                     std::string_view where, int64_t fallback) {
  return read_integer_or<int64_t>(object, key, where, fallback);
}

// A field that must be an object (or an array): a pointer into `object`, valid while it lives.
inline Result<const Json*> read_object(const Json& object, std::string_view key,
                                       std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, require_field(object, key, where));
  if (!field->is_object()) return wrong_type(field_name(where, key), *field, "an object");
  return field;
}

inline Result<const Json*> read_array(const Json& object, std::string_view key,
                                      std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, require_field(object, key, where));
  if (!field->is_array()) return wrong_type(field_name(where, key), *field, "an array");
  return field;
}

// As read_object / read_array, but nullptr when the field is missing or null.
inline Result<const Json*> read_object_or_null(const Json& object, std::string_view key,
                                               std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, find_non_null(object, key, where));
  if (field != nullptr && !field->is_object()) {
    return wrong_type(field_name(where, key), *field, "an object");
  }
  return field;
}

inline Result<const Json*> read_array_or_null(const Json& object, std::string_view key,
                                              std::string_view where) {
  SLUICE_ASSIGN_OR_RETURN(const Json* field, find_non_null(object, key, where));
  if (field != nullptr && !field->is_array()) {
    return wrong_type(field_name(where, key), *field, "an array");
  }
  return field;
}

}  // namespace sluice::json_reader
