// The advisor verbs through the real binary: formats, exit codes, --plot.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace {

struct RunResult {
  int rc = -1;
  std::string out;
};

RunResult Exec(const std::string& args) {
  RunResult r;
  FILE* p = popen((std::string(GPUADV_CLI) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(AdviseCli, RecommendDefaultJsonHasRecommendationsAndGuidance) {
  RunResult r = Exec("--format json recommend --top 3");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["recommendations"].size(), 3u);
  EXPECT_TRUE(j.contains("guidance"));
}

TEST(AdviseCli, RecommendEveryFormat) {
  for (const char* f : {"table", "markdown", "csv"}) {
    RunResult r = Exec(std::string("--format ") + f + " recommend --top 2");
    EXPECT_EQ(r.rc, 0) << f << r.out;
    EXPECT_FALSE(r.out.empty()) << f;
  }
}

TEST(AdviseCli, RecommendPlotWritesSvg) {
  const std::string path = ::testing::TempDir() + "front.svg";
  RunResult r = Exec("recommend --top 1 --plot " + path);
  ASSERT_EQ(r.rc, 0) << r.out;
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(ss.str().rfind("<svg", 0), 0u);
}

TEST(AdviseCli, BadTopExitsTwoNamingTheFlag) {
  RunResult r = Exec("recommend --top 0");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("--top: out of range '0'"), std::string::npos) << r.out;
}

TEST(AdviseCli, FitJsonListsOptions) {
  RunResult r = Exec("--format json fit --model llama-2-13b --method full --gpu rtx-3060-12gb");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["gpu"], "rtx-3060-12gb");
  EXPECT_FALSE(j["options"].empty());
}

TEST(AdviseCli, CompareTwoGpus) {
  RunResult r =
      Exec("--format json compare rtx-3060-12gb rtx-4060 --model llama-2-7b --method qlora");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j["gpus"].size(), 2u);
  EXPECT_TRUE(j["gpus"][0].contains("verdict"));
  RunResult one = Exec("compare rtx-4090");
  EXPECT_EQ(one.rc, 2);
  RunResult unknown = Exec("compare rtx-4090 rtx-4909");
  EXPECT_EQ(unknown.rc, 2);
  EXPECT_NE(unknown.out.find("did you mean 'rtx-4090'"), std::string::npos) << unknown.out;
}

}  // namespace
