#include "gpuadv/io/fields.h"

#include <gtest/gtest.h>

#include <deque>

namespace gpuadv::io {
namespace {

// The documents outlive the Fields read from them (Fields holds no copy).
Fields Parse(const char* text, const char* path = "training") {
  static std::deque<Doc> docs;
  return Fields(docs.emplace_back(ParseDocument(text, "test")), path);
}

TEST(Fields, IntegerRejectsFractionWithFieldName) {
  auto f = Parse("micro_batch: 1.5");
  try {
    f.Integer("micro_batch", 1, 100);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(e.what(),
                 "training.micro_batch: expected a whole number, got '1.5'; accepted: a whole "
                 "number from 1 to 100");
  }
}

TEST(Fields, NumberRejectsNanAndInfinity) {
  for (const char* t : {"x: .nan", "x: .inf", "x: -.inf", "x: 1e400"}) {
    auto f = Parse(t);
    EXPECT_THROW(f.Number("x", 0, 10), InputError) << t;
  }
}

TEST(Fields, UnknownKeySuggestsNearest) {
  auto f = Parse("seq_lne: 4096\nmicro_batch: 2");
  f.Integer("micro_batch", 1, 100);
  try {
    f.Finish({"seq_len", "micro_batch"});
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "training.seq_lne");
    EXPECT_NE(std::string(e.what()).find("did you mean 'seq_len'"), std::string::npos) << e.what();
  }
}

TEST(Fields, WithoutKnownKeysFinishSuggestsAmongTheKeysRead) {
  auto f = Parse("seq_len: 4096\nmicro_bach: 2");
  f.Integer("seq_len", 1, 1 << 20);
  f.Integer("micro_batch", 1, 100);  // absent, but read: a candidate
  f.Integer("seq_len", 1, 1 << 20);  // read twice, listed once
  try {
    f.Finish();
    FAIL();
  } catch (const InputError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.field(), "training.micro_bach");
    EXPECT_NE(what.find("accepted: micro_batch, seq_len"), std::string::npos) << what;
    EXPECT_NE(what.find("did you mean 'micro_batch'"), std::string::npos) << what;
  }
}

TEST(Fields, EveryKeyOfALargeMapIsFoundAndAbsentOnesAreNot) {
  // More keys than the 64 bits of the key filter: every bit is set, lookups still exact.
  for (const bool json : {true, false}) {
    std::string text = json ? "{" : "";
    for (int i = 0; i < 200; ++i)
      text += json ? (i ? ", " : "") + std::string("\"key_") + std::to_string(i) +
                         "\": " + std::to_string(i)
                   : "key_" + std::to_string(i) + ": " + std::to_string(i) + "\n";
    if (json) text += "}";
    static std::deque<std::string> texts;
    auto f = Parse(texts.emplace_back(text).c_str());
    for (int i = 0; i < 200; ++i) EXPECT_EQ(f.Integer("key_" + std::to_string(i), 0, 999), i);
    EXPECT_FALSE(f.Given("key_200"));
    EXPECT_FALSE(f.Given("key_1 "));
    EXPECT_NO_THROW(f.Finish());
  }
  auto small = Parse("id: 1\nname: x");
  EXPECT_TRUE(small.Given("id"));
  EXPECT_FALSE(small.Given("ix"));
  EXPECT_FALSE(small.Given(""));
  small.String("name");
  EXPECT_THROW(small.Finish(), InputError);  // `id` never read
}

TEST(Fields, JsonAndYamlReadAlike) {
  auto y = Parse("a: 3\nb: [x, y]\nc: true");
  auto j = Parse(R"({"a": 3, "b": ["x", "y"], "c": true})");
  EXPECT_EQ(*y.Integer("a", 0, 9), *j.Integer("a", 0, 9));
  EXPECT_EQ(*y.StringList("b"), *j.StringList("b"));
  EXPECT_EQ(*y.Bool("c"), *j.Bool("c"));
}

TEST(Fields, SyntaxErrorsAreInputErrors) {
  EXPECT_THROW(ParseDocument("{\"a\": ", "f.json"), InputError);
  EXPECT_THROW(ParseDocument("a: [1, 2", "f.yaml"), InputError);
  EXPECT_THROW(ParseDocument(std::string("a: 1\0b", 6), "f.yaml"), InputError);
}

TEST(Fields, DeepNestingRejected) {
  std::string deep(200, '[');
  deep += std::string(200, ']');
  EXPECT_THROW(ParseDocument(deep, "deep.json"), InputError);
  std::string deep_yaml;
  for (int i = 0; i < 100; ++i) deep_yaml += std::string(i, ' ') + "k:\n";
  EXPECT_THROW(ParseDocument(deep_yaml, "deep.yaml"), InputError);
}

TEST(Fields, WrongTypeNamesExpectedType) {
  auto f = Parse("lora: 5", "training");
  EXPECT_THROW(f.Map("lora"), InputError);
  auto g = Parse("targets: {a: 1}", "training.lora");
  EXPECT_THROW(g.StringList("targets"), InputError);
}

}  // namespace
}  // namespace gpuadv::io
