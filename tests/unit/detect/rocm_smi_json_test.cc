// rocm-smi --json (io/rocm_smi_json): what real rocm-smi versions print, and what breaks.
#include "gpuadv/io/rocm_smi_json.h"

#include <gtest/gtest.h>

#include <string>

namespace gpuadv::io {
namespace {

using detect::QueryResult;

TEST(RocmSmiJson, CardsWithNameMemoryPowerCapAndDriver) {
  // ROCm 6.x spelling; values are strings, as rocm-smi prints them.
  const auto r = ParseRocmSmiJson(
      R"js({"card0": {"Card Series": "AMD Instinct MI300X", "Card Model": "0x74a1",
                      "VRAM Total Memory (B)": "206141652992",
                      "VRAM Total Used Memory (B)": "290553856",
                      "Max Graphics Package Power (W)": "750.0", "PCI Bus": "0000:05:00.0",
                      "Current Socket Graphics Package Power (W)": "133.0"},
            "card1": {"Card Series": "AMD Instinct MI300X",
                      "VRAM Total Memory (B)": "206141652992",
                      "VRAM Total Used Memory (B)": "10737418240",
                      "Max Graphics Package Power (W)": "750.0"},
            "system": {"Driver version": "6.8.5"}})js");
  ASSERT_EQ(r.status, QueryResult::Status::kOk) << r.message;
  ASSERT_EQ(r.gpus.size(), 2u);
  const auto& g = r.gpus[1];
  EXPECT_EQ(g.index, 1);
  EXPECT_EQ(g.name, "AMD Instinct MI300X");
  EXPECT_EQ(g.vendor, "amd");
  EXPECT_EQ(g.source, "rocm-smi");
  EXPECT_EQ(g.driver, "6.8.5");
  EXPECT_EQ(*g.memory_total_bytes, 206141652992ull);
  EXPECT_EQ(*g.memory_free_bytes, 206141652992ull - 10737418240ull);
  EXPECT_DOUBLE_EQ(*g.power_limit_w, 750);
  EXPECT_FALSE(g.pcie_gen.has_value());  // rocm-smi reports no link generation here
}

TEST(RocmSmiJson, OlderSpellingNumbersAndNotAvailable) {
  // ROCm 5.x "Card series"; a number where a string is usual; "N/A (Secondary die)" is the
  // second die of an MI250X.
  const auto r = ParseRocmSmiJson(
      R"js({"card0": {"Card series": "Aldebaran/MI200 [Instinct MI250X/MI250]",
                      "VRAM Total Memory (B)": 68702699520,
                      "VRAM Total Used Memory (B)": "N/A",
                      "Max Graphics Package Power (W)": "N/A (Secondary die)"}})js");
  ASSERT_EQ(r.status, QueryResult::Status::kOk) << r.message;
  ASSERT_EQ(r.gpus.size(), 1u);
  EXPECT_EQ(r.gpus[0].name, "Aldebaran/MI200 [Instinct MI250X/MI250]");
  EXPECT_EQ(*r.gpus[0].memory_total_bytes, 68702699520ull);
  EXPECT_FALSE(r.gpus[0].memory_free_bytes.has_value());
  EXPECT_FALSE(r.gpus[0].power_limit_w.has_value());
  EXPECT_EQ(r.gpus[0].driver, "");
}

TEST(RocmSmiJson, DeviceNameWhenNoCardSeries) {
  const auto r = ParseRocmSmiJson(
      R"js({"card0": {"Device Name": "Radeon RX 7900 XTX", "Card Series": "N/A"}})js");
  ASSERT_EQ(r.status, QueryResult::Status::kOk) << r.message;
  EXPECT_EQ(r.gpus[0].name, "Radeon RX 7900 XTX");
}

TEST(RocmSmiJson, CardsInNumberOrderNotTextOrder) {
  std::string doc = "{";
  for (int i = 0; i < 12; ++i)
    doc += (i ? ", " : "") + std::string("\"card") + std::to_string(i) +
           "\": {\"Card Series\": \"AMD Instinct MI300X\"}";
  const auto r = ParseRocmSmiJson(doc + "}");
  ASSERT_EQ(r.gpus.size(), 12u);
  for (int i = 0; i < 12; ++i) EXPECT_EQ(r.gpus[i].index, i);
}

TEST(RocmSmiJson, WarningsAroundTheDocumentAreSkipped) {
  const auto r = ParseRocmSmiJson(
      "WARNING: AMD GPU device(s) is/are in a low-power state. Check power control/runtime_status\n"
      "{\"card0\": {\"Card Series\": \"AMD Instinct MI210\"}}\n"
      "WARNING: \t\t One or more commands failed.\n");
  ASSERT_EQ(r.status, QueryResult::Status::kOk) << r.message;
  EXPECT_EQ(r.gpus[0].name, "AMD Instinct MI210");
}

TEST(RocmSmiJson, NoCardIsNoGpuNotAFailure) {
  const auto r = ParseRocmSmiJson(R"js({"system": {"Driver version": "6.8.5"}})js");
  EXPECT_EQ(r.status, QueryResult::Status::kOk);
  EXPECT_TRUE(r.gpus.empty());
}

TEST(RocmSmiJson, UsedAboveTotalLeavesFreeUnknown) {
  const auto r = ParseRocmSmiJson(
      R"js({"card0": {"Card Series": "AMD Instinct MI210", "VRAM Total Memory (B)": "100",
                      "VRAM Total Used Memory (B)": "200"}})js");
  ASSERT_EQ(r.status, QueryResult::Status::kOk);
  EXPECT_FALSE(r.gpus[0].memory_free_bytes.has_value());
}

struct Malformed {
  const char* name;  // the test's name
  const char* text;
  const char* message;
};

class RocmSmiJsonMalformed : public testing::TestWithParam<Malformed> {};

TEST_P(RocmSmiJsonMalformed, FailsWithOneLineReason) {
  const auto r = ParseRocmSmiJson(GetParam().text);
  EXPECT_EQ(r.status, QueryResult::Status::kFailed);
  EXPECT_EQ(r.message, GetParam().message);
  EXPECT_TRUE(r.gpus.empty());
}

INSTANTIATE_TEST_SUITE_P(
    Cases, RocmSmiJsonMalformed,
    testing::Values(
        Malformed{"Empty", "", "rocm-smi: no JSON object in its --json output"},
        Malformed{"UsageError",
                  "usage: rocm-smi [-h]\nrocm-smi: error: unrecognized arguments: --json",
                  "rocm-smi: no JSON object in its --json output"},
        Malformed{"CutShort", R"js({"card0": {"Card Series": "AMD Instinct MI210", "VRAM Tot)js",
                  "rocm-smi: no JSON object in its --json output"},
        Malformed{"UnreadableJson",
                  R"js({"card0": {"Card Series": "MI210"}, "card1": {"Card Se}})js",
                  "rocm-smi: unreadable JSON in its --json output"},
        Malformed{"NotAnObject", R"js(["card0"])js",
                  "rocm-smi: no JSON object in its --json output"},
        Malformed{"CardNotAnObject", R"js({"card0": "AMD Instinct MI210"})js",
                  "rocm-smi: card0 is not an object"},
        Malformed{"CardWithoutName", R"js({"card0": {"VRAM Total Memory (B)": "1"}})js",
                  "rocm-smi: card0 has no 'Card Series'"},
        Malformed{"MemoryNotANumber", R"js({"card0": {"Card Series": "AMD Instinct MI250X",
                                  "VRAM Total Memory (B)": "64 GB"}})js",
                  "rocm-smi: card0 'VRAM Total Memory (B)' is '64 GB'"},
        Malformed{"NegativePowerCap", R"js({"card1": {"Card Series": "AMD Instinct MI250X",
                                  "Max Graphics Package Power (W)": "-5"}})js",
                  "rocm-smi: card1 'Max Graphics Package Power (W)' is '-5'"}),
    [](const testing::TestParamInfo<Malformed>& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace gpuadv::io
