// Runs the real binary (ninja misc/output_test.py style): exit codes and output formats.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct RunResult {
  int rc = -1;
  std::string out;
};

RunResult Exec(const std::string& args) {
  RunResult r;
  const std::string cmd = std::string(GPUADV_CLI) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(Cli, EstimateDefaultScenarioJsonHasContractFields) {
  RunResult r = Exec("--format json estimate");
  ASSERT_EQ(r.rc, 0) << r.out;
  auto j = nlohmann::json::parse(r.out);
  for (const char* k : {"gpu", "memory", "throughput", "training", "cost", "warnings"})
    EXPECT_TRUE(j.contains(k)) << k;
  for (const char* k : {"peak_allocated_bytes", "peak_reserved_bytes", "per_gpu_bytes",
                        "capacity_bytes", "fits", "breakdown_bytes"})
    EXPECT_TRUE(j["memory"].contains(k)) << k;
  for (const char* k : {"weights", "gradients", "optimizer", "activations", "logits", "runtime",
                        "fragmentation"})
    EXPECT_TRUE(j["memory"]["breakdown_bytes"].contains(k)) << k;
  for (const char* k : {"step_time_s", "tokens_per_s", "tokens_per_s_per_gpu", "samples_per_s",
                        "model_flops_per_token", "tflops_per_gpu", "mfu", "bottleneck",
                        "breakdown_s"})
    EXPECT_TRUE(j["throughput"].contains(k)) << k;
}

TEST(Cli, UnknownGpuExitsTwoWithSuggestion) {
  RunResult r = Exec("estimate --gpu rtx-4909");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("hardware.gpu: unknown gpu 'rtx-4909'"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("did you mean 'rtx-4090'"), std::string::npos) << r.out;
}

TEST(Cli, NegativeMicroBatchExitsTwoNamingField) {
  RunResult r = Exec("estimate --micro-batch -4");
  EXPECT_EQ(r.rc, 2);
  EXPECT_NE(r.out.find("training.micro_batch: out of range '-4'"), std::string::npos) << r.out;
}

TEST(Cli, UnknownFlagExitsTwo) {
  RunResult r = Exec("estimate --no-such-flag");
  EXPECT_EQ(r.rc, 2);
}

}  // namespace
