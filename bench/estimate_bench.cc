// Google Benchmark of the estimator core: the planner's and recommender's inner loop.
#include <benchmark/benchmark.h>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"

namespace {

gpuadv::workload::Scenario DefaultScenario() {
  return gpuadv::io::ParseScenario(gpuadv::io::DefaultScenarioDocument(),
                                   gpuadv::io::BuiltinCatalog(), "default");
}

// With the built-in table: the range (and so the verdict) of the scenario's category.
void BM_EstimateMemory(benchmark::State& state) {
  auto s = DefaultScenario();
  const gpuadv::estimate::Context ctx{&gpuadv::io::BuiltinEfficiency(), nullptr};
  for (auto _ : state) {
    s.training.micro_batch = 1 + (state.iterations() & 7);
    benchmark::DoNotOptimize(gpuadv::estimate::EstimateMemory(s, ctx));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EstimateMemory);

void BM_Estimate(benchmark::State& state) {
  auto s = DefaultScenario();
  const auto& cat = gpuadv::io::BuiltinCatalog();
  gpuadv::estimate::Context ctx{&gpuadv::io::BuiltinEfficiency(), &cat};
  for (auto _ : state) {
    s.training.micro_batch = 1 + (state.iterations() & 7);
    benchmark::DoNotOptimize(gpuadv::estimate::Estimate(s, ctx));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_Estimate);

}  // namespace

BENCHMARK_MAIN();
