// Malformed documents (issue 6): deep nesting, alias bombs and cycles, megabyte strings,
// non-UTF-8 bytes, empty and oversized files. Each is rejected with an InputError (exit
// code 2) whose message is printable ASCII of bounded length; never a crash or a hang.
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "gpuadv/io/fields.h"
#include "gpuadv/io/model_loader.h"
#include "tests/unit/hardening/hardening_util.h"

namespace gpuadv::hardening {
namespace {

// The message is what the CLI prints and the server puts in JSON: printable ASCII, short.
void ExpectPrintableMessage(const Outcome& o) {
  EXPECT_LT(o.error.size(), 2000u) << o.error.substr(0, 300);
  for (unsigned char c : o.error) {
    ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "byte " << static_cast<int>(c) << " in " << o.error;
  }
}

std::string Repeat(const std::string& s, size_t n) {
  std::string out;
  out.reserve(s.size() * n);
  for (size_t i = 0; i < n; ++i) out += s;
  return out;
}

TEST(MalformedInput, DeepNestingIsRejected) {
  const std::vector<std::string> docs = {
      "model: gpt2\ntraining: " + Repeat("{a: ", 65) + "1" + Repeat("}", 65) + "\n",
      "model: gpt2\ntraining: " + Repeat("[", 1000) + Repeat("]", 1000) + "\n",
      Repeat("[", 100000) + Repeat("]", 100000),
      Repeat("{\"a\": ", 100000) + "1" + Repeat("}", 100000),
      Repeat("- ", 5000) + "x\n",
      "model: gpt2\ntraining:\n" +
          [] {
            std::string s;
            for (int i = 1; i <= 70; ++i) s += std::string(2 * i, ' ') + "k:\n";
            return s;
          }(),
  };
  for (const auto& d : docs) {
    const auto o = RunScenario(d);
    EXPECT_FALSE(o.computed) << d.substr(0, 80);
    ExpectPrintableMessage(o);
  }
}

TEST(MalformedInput, AliasBombIsRejectedQuickly) {
  // Nine levels of ten aliases: 10^9 nodes when expanded, 200 bytes of text.
  std::string d = "model: gpt2\nbomb:\n  l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    d += "  l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + Repeat(prev + ", ", 9) +
         prev + "]\n";
  }
  const auto o = RunScenario(d);
  EXPECT_REJECTED(o, "test.yaml", "alias bomb");
  EXPECT_NE(o.error.find("too large"), std::string::npos) << o.error;
}

TEST(MalformedInput, CyclicAliasesAreRejected) {
  for (const char* d : {"&a [*a, *a]", "model: gpt2\ntraining: &t {lora: *t}\n",
                        "model: &m {params: 7e9, inner: *m}\n", "&a {x: *a, y: *a, z: *a}"}) {
    const auto o = RunScenario(d);
    EXPECT_FALSE(o.computed) << d;
    ExpectPrintableMessage(o);
  }
}

TEST(MalformedInput, MegabyteStringsAreRejectedWithShortMessages) {
  const std::string mb(1 << 20, 'x');
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"model: " + mb + "\n", "model"},
      {"model: gpt2\ntraining: {method: " + mb + "}\n", "training.method"},
      {"model: gpt2\nhardware: {gpu: " + mb + "}\n", "hardware.gpu"},
      {"model: gpt2\ntraining: {lora: {targets: [" + mb + "]}}\n", "training.lora.targets"},
      {"model: gpt2\ntraining: {seq_len: " + std::string(1 << 20, '9') + "}\n", "training.seq_len"},
      {"model: {params: 1" + std::string(1 << 20, '0') + "}\n", "model.params"},
  };
  for (const auto& [doc, field] : cases) {
    const auto o = RunScenario(doc);
    EXPECT_REJECTED(o, field, field);
    ExpectPrintableMessage(o);
  }
  // An unknown key of a megabyte (JSON: YAML caps implicit keys at 1024 characters):
  // named, cut short, in the message.
  const auto o = RunScenario("{\"model\": \"gpt2\", \"" + mb + "\": 1}");
  EXPECT_FALSE(o.computed);
  EXPECT_EQ(o.field.substr(0, 10), "xxxxxxxxxx");
  ExpectPrintableMessage(o);
}

TEST(MalformedInput, NonUtf8BytesAreRejectedWithEscapedMessages) {
  const std::vector<std::string> docs = {
      "model: \xff\xfe\x80\n",
      "model: gpt2\ntraining: {method: \"\xc3\x28\"}\n",
      "model: gpt2\n\xff\xff: 1\n",
      "{\"model\": \"\xff\"}",
      "{\"model\": \"gpt2\", \"\xc0\xaf\": 1}",
      "model: gpt2\ntraining: {seq_len: \"2048\x01\"}\n",
      std::string("model: gpt2\0\n", 13),
  };
  for (const auto& d : docs) {
    const auto o = RunScenario(d);
    EXPECT_FALSE(o.computed) << d;
    ExpectPrintableMessage(o);
  }
}

TEST(MalformedInput, EmptyAndNonMapDocumentsAreRejected) {
  for (const char* d : {"", " ", "\n\n", "---", "null", "~", "[]", "{}", "42", "\"model\"",
                        "# only a comment\n", "model:", "{\"model\": null}"}) {
    const auto o = RunScenario(d);
    EXPECT_FALSE(o.computed) << "'" << d << "'";
    EXPECT_FALSE(o.field.empty()) << o.error;
  }
}

// Files: empty, over the bound, not regular, missing.
class FileBound : public testing::Test {
 protected:
  std::string Path(const std::string& name) {
    return (std::filesystem::path(testing::TempDir()) / ("gpuadv_hardening_" + name)).string();
  }
  std::string Write(const std::string& name, const std::string& content) {
    const std::string p = Path(name);
    std::ofstream(p, std::ios::binary) << content;
    return p;
  }
  static std::string ErrorOf(const std::function<void()>& f) {
    try {
      f();
    } catch (const InputError& e) {
      return e.what();
    }
    return "(no error)";
  }
};

TEST_F(FileBound, EmptyScenarioFileIsRejected) {
  const std::string p = Write("empty.yaml", "");
  EXPECT_EQ(io::ReadFileBounded(p, "scenario"), "");
  const std::string err = ErrorOf([&] { io::LoadScenarioFile(p, io::BuiltinCatalog()); });
  EXPECT_NE(err.find("expected a map, got 'null'"), std::string::npos) << err;
}

TEST_F(FileBound, FileOverTheBoundIsRejectedBeforeReading) {
  const std::string small = Write("2k.yaml", std::string(2048, '#'));
  EXPECT_EQ(ErrorOf([&] { io::ReadFileBounded(small, "scenario", 1024); }),
            "scenario: file too large '" + small + "'; accepted: files up to 1024 bytes");
  // A sparse 17 MiB file: over the default 16 MiB bound, never read into memory.
  const std::string huge = Path("huge.yaml");
  std::ofstream(huge).put('m');
  std::filesystem::resize_file(huge, 17u << 20);
  EXPECT_EQ(ErrorOf([&] { io::LoadScenarioFile(huge, io::BuiltinCatalog()); }),
            "scenario: file too large '" + huge + "'; accepted: files up to 16 MiB");
  std::filesystem::remove(huge);
}

TEST_F(FileBound, DirectoriesDevicesAndMissingFilesAreRejected) {
  EXPECT_NE(ErrorOf([] { io::ReadFileBounded("/", "scenario"); }).find("not a file"),
            std::string::npos);
  EXPECT_NE(ErrorOf([] { io::ReadFileBounded("/dev/zero", "scenario"); }).find("not a file"),
            std::string::npos);
  EXPECT_NE(ErrorOf([&] {
              io::ReadFileBounded(Path("missing.yaml"), "scenario");
            }).find("cannot open file"),
            std::string::npos);
  // A model path in a scenario that names nothing is rejected naming `model`.
  const std::string p = Write("path.yaml", "model: no/such/dir/config.json\n");
  const std::string err = ErrorOf([&] { io::LoadScenarioFile(p, io::BuiltinCatalog()); });
  EXPECT_EQ(err.substr(0, 7), "model: ") << err;
}

}  // namespace
}  // namespace gpuadv::hardening
