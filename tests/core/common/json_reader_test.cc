#include "core/common/json_reader.h"

#include <gtest/gtest.h>

#include <string>

namespace sluice::json_reader {
namespace {

Json object_of(std::string_view text) {
  return Json::parse(text);
}

std::string message_of(const Status& status) {
  return status.is_ok() ? "OK" : status.message();
}

TEST(JsonReader, NamesEveryTypeAsMessagesSayIt) {
  EXPECT_EQ(type_name(Json(nullptr)), "null");
  EXPECT_EQ(type_name(Json(true)), "a boolean");
  EXPECT_EQ(type_name(Json(-1)), "a number");
  EXPECT_EQ(type_name(Json(1u)), "a number");
  EXPECT_EQ(type_name(Json(1.5)), "a non-integer number");
  EXPECT_EQ(type_name(Json("x")), "a string");
  EXPECT_EQ(type_name(Json::array()), "an array");
  EXPECT_EQ(type_name(Json::object()), "an object");
}

TEST(JsonReader, RequiredFieldsOfTheRightTypeAreRead) {
  const Json doc =
      object_of(R"({"s":"v","b":false,"i":-7,"u":18446744073709551615,"o":{},"a":[]})");
  EXPECT_EQ(read_string(doc, "s", "doc").value(), "v");
  EXPECT_EQ(read_bool(doc, "b", "doc").value(), false);
  EXPECT_EQ(read_int64(doc, "i", "doc").value(), -7);
  EXPECT_EQ(read_integer<uint64_t>(doc, "u", "doc").value(), 18446744073709551615u);
  EXPECT_TRUE(read_object(doc, "o", "doc").value()->is_object());
  EXPECT_TRUE(read_array(doc, "a", "doc").value()->is_array());
}

TEST(JsonReader, WrongTypesAreCorruptionNamingWhereKeyAndBothTypes) {
  const Json doc = object_of(R"({"n":1,"s":"1","o":{},"a":[1],"z":null,"f":1.5,"t":true})");
  const struct {
    Status status;
    std::string expected;
  } cases[] = {
      {read_bool(doc, "n", "doc").status(), "doc: 'n' is a number, expected a boolean"},
      {read_bool_or(doc, "s", "doc", false).status(), "doc: 's' is a string, expected a boolean"},
      {read_int64(doc, "s", "doc").status(), "doc: 's' is a string, expected an integer"},
      {read_int64_or(doc, "f", "doc", 0).status(),
       "doc: 'f' is a non-integer number, expected an integer"},
      {read_int64(doc, "t", "doc").status(), "doc: 't' is a boolean, expected an integer"},
      {read_string(doc, "o", "doc").status(), "doc: 'o' is an object, expected a string"},
      {read_string_or(doc, "a", "doc", "").status(), "doc: 'a' is an array, expected a string"},
      {read_string(doc, "z", "doc").status(), "doc: 'z' is null, expected a string"},
      {read_string(doc, "missing", "doc").status(), "doc: 'missing' is missing"},
      {read_object(doc, "a", "doc").status(), "doc: 'a' is an array, expected an object"},
      {read_object_or_null(doc, "n", "doc").status(), "doc: 'n' is a number, expected an object"},
      {read_array(doc, "o", "doc").status(), "doc: 'o' is an object, expected an array"},
      {read_array_or_null(doc, "s", "doc").status(), "doc: 's' is a string, expected an array"},
      {read_integer<uint8_t>(object_of(R"({"tp":300})"), "tp", "doc").status(),
       "doc: 'tp' is 300, outside 0..255"},
      {read_integer<uint32_t>(object_of(R"({"flag":-1})"), "flag", "doc").status(),
       "doc: 'flag' is -1, outside 0..4294967295"},
      {read_int64(object_of(R"({"ts":9223372036854775808})"), "ts", "doc").status(),
       "doc: 'ts' is 9223372036854775808, outside -9223372036854775808..9223372036854775807"},
      {read_integer<int>(object_of(R"({"x":-2147483649})"), "x", "doc").status(),
       "doc: 'x' is -2147483649, outside -2147483648..2147483647"},
      {read_string(Json::array(), "k", "doc").status(), "doc is an array, expected an object"},
      {read_bool_or(Json(nullptr), "k", "doc", true).status(), "doc is null, expected an object"},
      {read_int64_or(Json("x"), "k", "doc", 0).status(), "doc is a string, expected an object"},
      {as_string(Json(3), "doc: 'list'[2]").status(),
       "doc: 'list'[2] is a number, expected a string"},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(c.status.code(), StatusCode::kCorruption) << c.expected;
    EXPECT_EQ(message_of(c.status), c.expected);
  }
}

TEST(JsonReader, OptionalReadersTakeMissingAndNullAsTheFallback) {
  const Json doc = object_of(R"({"z":null})");
  for (const char* key : {"z", "missing"}) {
    EXPECT_EQ(read_string_or(doc, key, "doc", "dflt").value(), "dflt");
    EXPECT_EQ(read_bool_or(doc, key, "doc", true).value(), true);
    EXPECT_EQ(read_int64_or(doc, key, "doc", 42).value(), 42);
    EXPECT_EQ(read_object_or_null(doc, key, "doc").value(), nullptr);
    EXPECT_EQ(read_array_or_null(doc, key, "doc").value(), nullptr);
  }
  // The required readers do not.
  EXPECT_FALSE(read_bool(doc, "z", "doc").is_ok());
  EXPECT_FALSE(read_int64(doc, "missing", "doc").is_ok());
}

TEST(JsonReader, ParseNamesTheDocumentAndBoundsNesting) {
  EXPECT_EQ(message_of(parse("{", "savepoint").status()), "savepoint: not valid JSON");
  EXPECT_EQ(message_of(parse_object("[1]", "savepoint").status()),
            "savepoint is an array, expected an object");
  EXPECT_EQ(parse_object(R"({"k":"[[[["})", "savepoint").value()["k"], "[[[[");
  const std::string at_limit =
      std::string(kMaxDocumentDepth, '[') + std::string(kMaxDocumentDepth, ']');
  EXPECT_TRUE(parse(at_limit, "doc").is_ok());
  const std::string deep = "[" + at_limit + "]";
  EXPECT_EQ(message_of(parse(deep, "doc").status()), "doc: nested deeper than 128 levels");
  // Brackets inside strings, escaped quotes included, do not count.
  const std::string quoted = "[\"\\\"" + std::string(1000, '[') + "\"]";
  EXPECT_TRUE(parse(quoted, "doc").is_ok()) << message_of(parse(quoted, "doc").status());
}

}  // namespace
}  // namespace sluice::json_reader
