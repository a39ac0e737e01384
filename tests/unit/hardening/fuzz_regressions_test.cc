// One test per fuzzer finding (fuzz/, scripts/fuzz.sh): the input that crashed, hung or
// escaped as something other than InputError, now rejected (or computed) as it should be.
// Inputs are spelled out; the original crash files are not kept.
#include <string>

#include "gpuadv/io/model_loader.h"
#include "tests/unit/hardening/hardening_util.h"

namespace gpuadv::hardening {
namespace {

// nlohmann reports 1e309 as out_of_range (not parse_error): it escaped ParseDocument and
// ModelFromHfConfig as a plain std::exception (CLI exit 1). Now an InputError naming the key.
TEST(FuzzRegression, JsonNumberOverflowNamesTheKey) {
  const auto o =
      RunScenario(R"({"model": "gpt2", "training": {"micro_batch": 1, "seq_len": 1e309}})");
  EXPECT_REJECTED(o, "training.seq_len", "1e309");
  EXPECT_EQ(o.error,
            "training.seq_len: out of range '1e309'; accepted: a number of magnitude below "
            "1.8e308");
  const auto arr =
      RunScenario(R"({"model": "gpt2", "constraints": {"vendors": ["nvidia", -1e400]}})");
  EXPECT_REJECTED(arr, "constraints.vendors[1]", "-1e400");
  try {
    io::ModelFromHfConfig(R"({"model_type": "llama", "hidden_size": 1e309})", "config.json");
    ADD_FAILURE() << "accepted";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "config.json: hidden_size");
  }
}

// scenario_fuzzer: a model path longer than the OS allows made std::filesystem::is_directory
// throw filesystem_error ("File name too long") out of ParseScenario (CLI exit 1).
TEST(FuzzRegression, OverlongModelPathIsAnInputErrorNamingModel) {
  for (const std::string& path :
       {"/" + std::string(5000, 'a') + "/config.json", std::string(300, 'x') + "/config.json",
        "/\xef\xbf\xbd" + std::string(4096, '"') + "///"}) {
    const auto o = RunScenario("model: '" + path + "'\n");
    EXPECT_REJECTED(o, "model", path.substr(0, 40));
  }
}

}  // namespace
}  // namespace gpuadv::hardening

namespace gpuadv::hardening {
namespace {

// scenario_fuzzer / catalog_fuzzer: a lone "," made yaml-cpp's LoadAll (used to find a
// second YAML document) loop forever. Documents are now counted from their markers and the
// text loaded with Load: a clear error, at once.
TEST(FuzzRegression, LoneCommaIsRejectedNotAHang) {
  const auto o = RunScenario(",");
  EXPECT_FALSE(o.error.empty());
  const auto two = RunScenario("model: gpt2\n---\nmodel: gpt2\n");
  EXPECT_NE(two.error.find("more than one document"), std::string::npos) << two.error;
  const auto explicit_start = RunScenario("---\nmodel: gpt2\n");
  EXPECT_EQ(explicit_start.error.find("document"), std::string::npos) << explicit_start.error;
}

}  // namespace
}  // namespace gpuadv::hardening
