// Google Benchmark of `recommend` (issue 14 item 7: every action of the page <= 150 ms of
// server time): the page's 64-GPU pre-training job (scripts/web_timing.py PRETRAIN: Llama
// 3.1 8B, 2e11 tokens, 8 x 8 H100, 720 h deadline) ranked over the built-in catalog, GPUs
// searched on one thread and on every core. Counters: configurations, full estimates,
// configurations the deadline bound settled, layouts the planner evaluated, feasible configurations
// (the same for every thread count). Run:
//   ./build/bench/recommend_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "gpuadv/advise/recommend.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/cpu_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/io/stack_loader.h"

namespace {

constexpr const char* kPretrain64 =
    "model: llama-3.1-8b\n"
    "training: {method: pretrain, tokens: 2.0e11}\n"
    "hardware: {gpu: h100-sxm, count: 8, nodes: 8}\n"
    "constraints: {deadline_hours: 720}\n";

// args: threads (0 = every hardware thread).
void BM_RecommendPretrain64(benchmark::State& state) {
  const auto s = gpuadv::io::ParseScenario(gpuadv::io::ParseDocument(kPretrain64, "bench"),
                                           gpuadv::io::BuiltinCatalog(), "bench");
  const gpuadv::advise::Inputs in{&gpuadv::io::BuiltinCatalog(), &gpuadv::io::BuiltinEfficiency(),
                                  &gpuadv::io::BuiltinPlatforms(), &gpuadv::io::RestackDefault};
  gpuadv::advise::RecommendOptions o;
  o.top_n = 15;
  o.threads = static_cast<int>(state.range(0));
  gpuadv::advise::RecommendResult r;
  for (auto _ : state) {
    r = gpuadv::advise::Recommend(s, in, o);
    benchmark::DoNotOptimize(r.picks.data());
  }
  state.counters["configurations"] = r.candidates;
  state.counters["estimates"] = r.estimates;
  state.counters["bounded"] = r.bounded;
  state.counters["layouts"] = static_cast<double>(r.layouts_evaluated);
  state.counters["feasible"] = static_cast<double>(r.points.size());
  state.SetLabel(r.picks.empty() ? "nothing feasible" : r.picks.front().gpu->id);
}

BENCHMARK(BM_RecommendPretrain64)->Arg(1)->Arg(0)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
