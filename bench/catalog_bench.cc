// Google Benchmark of --catalog loading (issue 17 item 8): the time to add n GPUs to the
// built-in catalog grows linearly in n (BigO printed as N). Run:
//   ./build/bench/catalog_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>

#include "bench/synthetic_catalog.h"
#include "gpuadv/io/catalog_loader.h"

namespace {

void LoadCatalog(benchmark::State& state, bool json) {
  const int n = static_cast<int>(state.range(0));
  const std::string text = gpuadv::bench::SyntheticCatalog(n, json);
  const gpuadv::catalog::Catalog& builtin = gpuadv::io::BuiltinCatalog();
  for (auto _ : state) {
    gpuadv::catalog::Catalog cat = builtin;
    gpuadv::io::LoadCatalogText(cat, text, "bench");
    benchmark::DoNotOptimize(cat.FindGpu("syn-0"));
  }
  state.SetComplexityN(n);
  state.SetItemsProcessed(state.iterations() * n);
  state.SetBytesProcessed(state.iterations() * static_cast<int64_t>(text.size()));
}

void BM_LoadCatalogJson(benchmark::State& state) { LoadCatalog(state, true); }
void BM_LoadCatalogYaml(benchmark::State& state) { LoadCatalog(state, false); }

BENCHMARK(BM_LoadCatalogJson)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(70000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);
BENCHMARK(BM_LoadCatalogYaml)
    ->Arg(1000)
    ->Arg(10000)
    ->Arg(70000)
    ->Unit(benchmark::kMillisecond)
    ->Complexity(benchmark::oN);

}  // namespace

BENCHMARK_MAIN();
