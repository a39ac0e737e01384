// Google Benchmark of the planner (C9; issue 4 item 5): plan searches for a 70B model on
// 64 GPUs and a 405B model on 1,024 and 16,384 GPUs (H100 SXM, 8 per node), on one core and
// on all cores, pruned and exhaustive. The 16,384-GPU search must finish in under 1 s on
// one core. Counters: candidates in the space, evaluated, fitting, best tokens/s per GPU.
#include <benchmark/benchmark.h>

#include <string>

#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/plan/planner.h"
#include "gpuadv/plan/worker_pool.h"

namespace {

using gpuadv::plan::StrategyKind;

// Llama-3.1-70B pre-training at 4k tokens, 4M-token batches (1,024 sequences).
constexpr const char* k70B =
    "model: llama-3.1-70b\n"
    "training: {method: pretrain, precision: bf16-mixed, optimizer: adamw, seq_len: 4096,"
    " global_batch: 1024, attention: flash}\n"
    "hardware: {gpu: h100-sxm, count: 8}\n";
// Llama-3.1-405B pre-training at 8k tokens, 16M-token batches (2,048 sequences), as in
// the Llama 3 paper's main pre-training stage.
constexpr const char* k405B =
    "model: llama-3.1-405b\n"
    "training: {method: pretrain, precision: bf16-mixed, optimizer: adamw, seq_len: 8192,"
    " global_batch: 2048, attention: flash}\n"
    "hardware: {gpu: h100-sxm, count: 8}\n";

gpuadv::workload::Scenario Load(const char* yaml) {
  return gpuadv::io::ParseScenario(gpuadv::io::ParseDocument(yaml, "bench"),
                                   gpuadv::io::BuiltinCatalog(), "bench");
}

// args: GPUs, threads (0 = all cores), pruned (1) or exhaustive (0).
void BM_Plan(benchmark::State& state, const char* yaml) {
  const auto s = Load(yaml);
  const gpuadv::estimate::Context ctx{&gpuadv::io::BuiltinEfficiency(), nullptr};
  gpuadv::plan::PlanOptions o;
  o.gpus = static_cast<int>(state.range(0));
  o.threads = static_cast<int>(state.range(1));
  o.strategy = static_cast<StrategyKind>(state.range(2));
  gpuadv::plan::PlanReport r;
  for (auto _ : state) {
    r = gpuadv::plan::Search(s, ctx, o);
    benchmark::DoNotOptimize(r.plans.data());
  }
  state.counters["threads"] = r.threads;
  state.counters["space"] = static_cast<double>(r.space_size);
  state.counters["evaluated"] = static_cast<double>(r.evaluated);
  state.counters["fitting"] = static_cast<double>(r.fitting);
  state.counters["best_tok_s_gpu"] =
      r.plans.empty() ? 0 : r.plans[0].throughput.tokens_per_s_per_gpu;
  state.counters["evals_per_s"] = benchmark::Counter(static_cast<double>(r.evaluated),
                                                     benchmark::Counter::kIsIterationInvariantRate);
  state.SetLabel(r.plans.empty() ? "nothing fits" : gpuadv::plan::Label(r.plans[0].candidate));
}

constexpr int64_t kPruned = static_cast<int64_t>(StrategyKind::kPruned);
constexpr int64_t kExhaustive = static_cast<int64_t>(StrategyKind::kExhaustive);

BENCHMARK_CAPTURE(BM_Plan, llama70b, k70B)
    ->ArgNames({"gpus", "threads", "pruned"})
    ->Args({64, 1, kPruned})
    ->Args({64, 0, kPruned})
    ->Args({64, 1, kExhaustive})
    ->Args({64, 0, kExhaustive})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK_CAPTURE(BM_Plan, llama405b, k405B)
    ->ArgNames({"gpus", "threads", "pruned"})
    ->Args({1024, 1, kPruned})
    ->Args({1024, 0, kPruned})
    ->Args({1024, 1, kExhaustive})
    ->Args({16384, 1, kPruned})
    ->Args({16384, 0, kPruned})
    ->Args({16384, 1, kExhaustive})
    ->Args({16384, 0, kExhaustive})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
