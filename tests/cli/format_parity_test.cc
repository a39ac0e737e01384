// Issue 13 "same fields in every format": every number of a verb's JSON document appears in
// its table, markdown and CSV output, up to the rounding and the unit each format prints.
//
// Normalisation (the tolerance this test grants):
// - Text numbers are the tokens "-12", "3.5", "1e+06" and "12,345" (thousands separators in
//   table and markdown); CSV fields are split at every comma first.
// - A JSON value v appears when some text number t equals v * s for a unit scale s of
//   kScales (bytes as GB, GiB or MiB; fractions as percent; seconds as ms, minutes, hours
//   or days; FLOPs as TFLOPs; plain counts as thousands or millions), within half a unit
//   of t's last printed digit or within 0.5 % (three significant digits: "1.23 s").
// - Booleans, null and strings are not numbers; kNotInFormat lists the numbers a format
//   leaves out by design, each with its reason.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/report/format.h"

namespace {

// Runs the binary; stdout only, or with stderr when `with_stderr`.
std::string RunCli(const std::string& args, int* rc, bool with_stderr = false) {
  const std::string cmd =
      std::string(GPUADV_CLI) + " " + args + (with_stderr ? " 2>&1" : " 2>/dev/null");
  std::string out;
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return out;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  const int status = pclose(p);
  *rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return out;
}

// A number as printed: its value and how many decimals it was printed with.
struct Printed {
  double value;
  int decimals;
};

std::vector<Printed> Numbers(std::string text, bool csv) {
  if (csv)
    for (char& c : text)
      if (c == ',') c = ' ';
  static const std::regex kNumber(
      R"(-?(?:\d{1,3}(?:,\d{3})+(?!\d)|\d+)(?:\.(\d+))?(?:[eE][+-]?\d+)?)");
  std::vector<Printed> out;
  for (auto it = std::sregex_iterator(text.begin(), text.end(), kNumber);
       it != std::sregex_iterator(); ++it) {
    std::string s = it->str();
    std::erase(s, ',');
    out.push_back({std::stod(s), static_cast<int>((*it)[1].length())});
  }
  return out;
}

// Units the formats print a JSON figure in (see the header comment).
constexpr double kScales[] = {
    1,   1e-9, 1.0 / (1 << 30), 1.0 / (1 << 20), 1e-6,       1e-3, 1e-12, 1e-15,
    100, 1e3,  1.0 / 60,        1.0 / 3600,      1.0 / 86400};
constexpr double kSignificantRounding = 0.005;  // three significant digits

bool Appears(double v, const std::vector<Printed>& printed) {
  for (const double s : kScales) {
    const double x = v * s;
    for (const auto& t : printed) {
      const double diff = std::abs(t.value - x);
      if (diff <= 0.5 * std::pow(10.0, -t.decimals) + 1e-9 * std::abs(x)) return true;
      if (x != 0 && diff <= kSignificantRounding * std::abs(x)) return true;
    }
  }
  return false;
}

// Numbers a format leaves out by design: the formats (a substring of "table markdown csv"
// matched against the format's name), a JSON path prefix (array indices as []), and why.
struct NotInFormat {
  const char* formats;
  const char* path_prefix;
  const char* reason;
};
constexpr const char* kText = "table markdown";  // the human formats
constexpr const char* kAll = "table markdown csv";
const NotInFormat kNotInFormat[] = {
    {kAll, ".schema_version", "the version of the JSON document format, not a figure"},
    {kText, ".baseline.",
     "fit: the human report states the baseline's fit, need and capacity; "
     "its whole estimate is `estimate` of the same scenario (CSV: the "
     "options' estimates)"},
    {kText, ".options[].estimate.",
     "fit: one line per option (fit, memory, time, slowdown); "
     "the option's whole estimate is in JSON and CSV"},
    {kText, ".recommendations[].estimate.",
     "recommend: one line per pick; the pick's whole "
     "estimate is in JSON and CSV"},
    {kText, ".recommendations[].compatibility.",
     "recommend: the human report names only the "
     "compatibility findings that bind (power, "
     "slots, host RAM); all figures in JSON and CSV"},
    {kText, ".recommendations[].cost.average_kw",
     "recommend: energy and electricity cost are "
     "shown; the mean draw behind them is in JSON "
     "and CSV"},
    {kText, ".recommendations[].cost.host_usd",
     "recommend: shown inside the total cost; the "
     "host share is in JSON and CSV"},
    {kText, ".recommendations[].parallelism.",
     "recommend: the layout prints as tp/pp/dp/zero "
     "words (\"zero1\"), ZeRO 0 as no word"},
};

bool NotIn(const std::string& format, const std::string& path) {
  for (const auto& n : kNotInFormat)
    if (std::string_view(n.formats).find(format) != std::string_view::npos &&
        path.starts_with(n.path_prefix))
      return true;
  return false;
}

void Leaves(const nlohmann::json& j, const std::string& path,
            std::vector<std::pair<std::string, double>>* out) {
  if (j.is_number()) {
    out->emplace_back(path, j.get<double>());
  } else if (j.is_object()) {
    for (const auto& [k, v] : j.items()) Leaves(v, path + "." + k, out);
  } else if (j.is_array()) {
    for (const auto& v : j) Leaves(v, path + "[]", out);
  }
}

// A verb and the arguments it runs with here (each format gets the same ones).
struct VerbCase {
  const char* name;
  const char* args;  // after --format F
};
const VerbCase kVerbs[] = {
    {"gpus show", "gpus show h100-sxm"},
    {"models show", "models show llama-3.1-8b"},
    {"models show features", "models show deepseek-v3"},  // MLA, MTP, first dense layers
    {"estimate", "estimate"},
    {"estimate lora", "estimate --model llama-3.1-70b --gpu h100-sxm --count 8 --method lora"},
    {"recommend", "recommend --model llama-3.1-8b --method qlora"},
    {"recommend guidance", "recommend"},  // the embedded scenario adds the buying guidance
    {"plan", "plan --model llama-3.1-70b --gpu h100-sxm --count 8 --method full --gpus 16"},
    {"fit", "fit --model llama-3.1-8b --gpu rtx-4090 --count 1 --method full"},
    {"compare", "compare --model llama-3.1-8b --method lora rtx-4090 h100-sxm"},
    {"validate", "validate --cases " GPUADV_SOURCE_DIR "/tests/cli/cases/cv_sample.jsonl"},
    {"validate cv",
     "validate --cv source --cases " GPUADV_SOURCE_DIR "/tests/cli/cases/cv_sample.jsonl"},
    {"detect", "detect"},
    {"probe", "probe --from " GPUADV_SOURCE_DIR "/tests/unit/detect/fixtures/probe_h100.json"},
};

void PrintTo(const VerbCase& v, std::ostream* os) { *os << v.args; }

class FormatParity : public testing::TestWithParam<VerbCase> {};

TEST_P(FormatParity, EveryJsonNumberAppearsInEveryFormat) {
  const VerbCase& v = GetParam();
  int rc = -1;
  const std::string json_text = RunCli(std::string("--format json ") + v.args, &rc);
  ASSERT_EQ(rc, 0) << v.args;
  std::vector<std::pair<std::string, double>> leaves;
  Leaves(nlohmann::json::parse(json_text), "", &leaves);
  ASSERT_FALSE(leaves.empty()) << v.args;
  for (const char* format : {"table", "markdown", "csv"}) {
    const std::string text = RunCli(std::string("--format ") + format + " " + v.args, &rc);
    ASSERT_EQ(rc, 0) << v.args << " " << format;
    const auto printed = Numbers(text, std::string(format) == "csv");
    int checked = 0;
    for (const auto& [path, value] : leaves) {
      if (NotIn(format, path)) continue;
      ++checked;
      EXPECT_TRUE(Appears(value, printed))
          << v.name << " --format " << format << ": " << path << " = " << value
          << " is in the JSON but not in this format";
    }
    if (std::string(v.name) != "detect") {  // without a local GPU detect prints no figure
      EXPECT_GT(checked, 0) << v.name << " " << format;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Verbs, FormatParity, testing::ValuesIn(kVerbs),
                         [](const testing::TestParamInfo<VerbCase>& i) {
                           std::string n = i.param.name;
                           for (char& c : n)
                             if (c == ' ') c = '_';
                           return n;
                         });

// An unknown --format value is bad input in every verb: exit 2 naming the accepted values.
TEST(FormatParity, UnknownFormatExitsTwoInEveryVerb) {
  for (const char* verb :
       {"estimate", "recommend", "fit", "compare rtx-4090 h100-sxm", "gpus list",
        "gpus show h100-sxm", "models list", "models show llama-3.1-8b", "validate", "calibrate",
        "plan --gpus 8", "export --engine torchtune", "detect", "probe"}) {
    for (const std::string& args :
         {std::string("--format xml ") + verb, std::string(verb) + " --format xml"}) {
      int rc = -1;
      const std::string out = RunCli(args, &rc, /*with_stderr=*/true);
      EXPECT_EQ(rc, 2) << args << "\n" << out;
      // The accepted names come from report::kFormats (AcceptedNames), the one table.
      EXPECT_NE(out.find("--format: unknown value 'xml'; accepted: " +
                         gpuadv::AcceptedNames(gpuadv::report::kFormats)),
                std::string::npos)
          << args << "\n"
          << out;
    }
  }
}

}  // namespace

namespace {

// The issue's example: `gpus show` listed its cloud offers as a table and none in JSON.
TEST(FormatParity, GpusShowOffersInEveryFormat) {
  int rc = -1;
  const auto j = nlohmann::json::parse(RunCli("--format json gpus show h100-sxm", &rc));
  ASSERT_EQ(rc, 0);
  ASSERT_FALSE(j["offers"].empty());
  for (const char* format : {"table", "markdown", "csv"}) {
    const std::string text = RunCli(std::string("--format ") + format + " gpus show h100-sxm", &rc);
    ASSERT_EQ(rc, 0) << format;
    for (const auto& o : j["offers"])
      EXPECT_NE(text.find(o["id"].get<std::string>()), std::string::npos) << format << " " << o;
  }
}

}  // namespace
