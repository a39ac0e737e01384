#include "gpuadv/plan/planner.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <stdexcept>

#include "gpuadv/core/error.h"
#include "gpuadv/plan/worker_pool.h"

namespace gpuadv::plan {
namespace {

constexpr size_t kStatusCount = std::size(kStatuses);

// Candidates asked per round: enough to keep every worker busy, small enough that the
// pruned strategy's one-in-flight-per-group rule rarely starves a round.
size_t BatchSize(int threads) { return threads <= 1 ? 64 : 256 * static_cast<size_t>(threads); }

bool Better(const Plan& a, const Plan& b) {
  if (a.fit_rank != b.fit_rank) return a.fit_rank < b.fit_rank;
  if (a.ranked_tokens_per_s != b.ranked_tokens_per_s)
    return a.ranked_tokens_per_s > b.ranked_tokens_per_s;
  return a.candidate.index < b.candidate.index;
}

struct RunResult {
  std::vector<Plan> top;
  uint64_t evaluated = 0, throughput_evaluated = 0, fitting = 0;
  std::array<uint64_t, kStatusCount> by_status{};
};

void Offer(Plan p, size_t k, std::vector<Plan>* top) {
  if (top->size() >= k && !Better(p, top->back())) return;
  auto pos = std::upper_bound(top->begin(), top->end(), p, Better);
  top->insert(pos, std::move(p));
  if (top->size() > k) top->pop_back();
}

RunResult Run(const SearchSpace& space, const estimate::Context& ctx, const PlanOptions& opt,
              int threads) {
  RunResult r;
  auto strategy = MakeStrategy(opt.strategy, space);
  const Evaluator evaluator(ctx, opt.allow_tight, opt.space.restack, &space.base);
  std::vector<workload::Scenario> scratch(static_cast<size_t>(threads), space.base);
  std::vector<Candidate> batch;
  std::vector<Evaluation> evals;
  WorkerPool pool(threads, [&](int w, size_t i) {
    evals[i] = evaluator.Evaluate(batch[i], &scratch[static_cast<size_t>(w)]);
  });
  const size_t batch_size = BatchSize(threads);
  const bool bound = opt.bound_groups && threads == 1;  // one batch size: deterministic
  if (bound) {
    std::vector<double> bounds(space.groups.size());
    for (uint32_t g = 0; g < bounds.size(); ++g)
      bounds[g] = evaluator.TokensPerSUpperBound(space, g, &scratch.front());
    strategy->SetGroupBounds(std::move(bounds));
  }
  while (true) {
    batch.clear();
    if (strategy->Ask(batch_size, &batch) == 0) break;
    evals.assign(batch.size(), Evaluation{});
    pool.Run(batch.size());
    for (size_t i = 0; i < batch.size(); ++i) {
      const Evaluation& e = evals[i];
      strategy->Tell(batch[i], e);
      ++r.evaluated;
      ++r.by_status[static_cast<size_t>(e.status)];
      if (e.status == Status::kFits || e.status == Status::kNoThroughput) ++r.throughput_evaluated;
      if (!e.Fits()) continue;
      ++r.fitting;
      Plan p;
      p.candidate = batch[i];
      p.memory = e.memory;
      p.throughput = e.throughput;
      p.above_measured_mfu = e.above_measured_mfu;
      p.measured_mfu_max = e.measured_mfu_max;
      RankPlan(opt.prefer_tight, &p);
      Offer(std::move(p), static_cast<size_t>(opt.top_k), &r.top);
    }
    if (bound && r.top.size() >= static_cast<size_t>(opt.top_k) && r.top.back().fit_rank == 0)
      strategy->SetThreshold(r.top.back().ranked_tokens_per_s);
  }
  return r;
}

void Accumulate(const RunResult& r, const SearchSpace& space, PlanReport* rep,
                std::array<uint64_t, kStatusCount>* by_status) {
  rep->space_size += space.Size();
  rep->evaluated += r.evaluated;
  rep->throughput_evaluated += r.throughput_evaluated;
  rep->fitting += r.fitting;
  for (size_t i = 0; i < kStatusCount; ++i) (*by_status)[i] += r.by_status[i];
}

}  // namespace

void RankPlan(bool prefer_tight, Plan* p) {
  const auto& t = p->throughput;
  p->fit_rank = (p->memory.fit == estimate::Fit::kTight && !prefer_tight) ? 1 : 0;
  p->ranked_tokens_per_s = t.tokens_per_s;
  if (p->above_measured_mfu && t.tokens_per_s_per_gpu > 0)
    p->ranked_tokens_per_s =
        t.tokens_per_s * std::min(1.0, t.low_tokens_per_s_per_gpu / t.tokens_per_s_per_gpu);
}

PlanReport Search(const workload::Scenario& s, const estimate::Context& ctx,
                  const PlanOptions& opt) {
  const auto start = std::chrono::steady_clock::now();
  if (opt.top_k < 1)
    throw InputError("--top", std::to_string(opt.top_k), "a number of plans of at least 1",
                     "out of range");
  const int threads =
      opt.threads > 0 ? opt.threads : std::max(1, static_cast<int>(WorkerPool::HardwareThreads()));

  PlanReport rep;
  const SearchSpace space = MakeSearchSpace(s, opt.gpus, opt.space);
  rep.model = s.model.id.empty() ? s.model_ref : s.model.id;
  rep.gpu_id = s.hardware.gpu.id;
  rep.gpu_name = s.hardware.gpu.name;
  rep.gpus = space.gpus;
  rep.gpus_per_node = space.base.hardware.count;
  rep.nodes = space.base.hardware.nodes;
  rep.seq_len = s.training.seq_len;
  rep.global_batch = space.global_batch;
  rep.global_batch_assumed = space.global_batch_assumed;
  rep.strategy = std::string(EnumName(kStrategies, opt.strategy));
  rep.threads = threads;
  rep.notes = space.notes;
  if (space.layouts_rejected > 0)
    rep.notes.push_back(std::to_string(space.layouts_rejected) +
                        " factorisations skipped: their data-parallel size does not divide the "
                        "global batch");

  std::array<uint64_t, kStatusCount> by_status{};
  RunResult r = Run(space, ctx, opt, threads);
  Accumulate(r, space, &rep, &by_status);
  if (r.top.empty() && opt.offload_fallback && !opt.space.fallback_offloads.empty()) {
    SpaceOptions with_offload = opt.space;
    with_offload.offloads = opt.space.fallback_offloads;
    try {
      const SearchSpace offload_space = MakeSearchSpace(s, opt.gpus, with_offload);
      r = Run(offload_space, ctx, opt, threads);
      Accumulate(r, offload_space, &rep, &by_status);
      rep.offload_used = !r.top.empty();
      rep.notes.push_back(r.top.empty()
                              ? "nothing fits, not even with optimizer/parameter offload"
                              : "nothing fits in GPU memory alone: plans offload to host memory");
    } catch (const InputError&) {
      // No offload layout exists (e.g. one GPU, no ZeRO): nothing fits.
    }
  }
  rep.plans = std::move(r.top);
  // Selective checkpointing on a Megatron MoE / MLA job recomputes the fine-grained modules
  // (Apply), not the default attention core: say which, once.
  for (const Plan& p : rep.plans) {
    workload::Scenario planned = space.base;
    Apply(p.candidate, &planned);
    const auto& t = planned.training;
    if (t.recompute_modules != 0 || t.planned_recompute_modules == 0 ||
        t.RecomputedModules() != t.planned_recompute_modules)
      continue;
    rep.notes.push_back("ckpt selective recomputes Megatron's modules " +
                        workload::RecomputeModuleNames(t.planned_recompute_modules, ", ") +
                        " (--recompute-modules), not the default attention core, which frees "
                        "nothing under a fused attention kernel");
    break;
  }
  for (size_t i = 0; i < kStatusCount; ++i)
    if (by_status[i] > 0 && kStatuses[i].value != Status::kFits)
      rep.rejected.emplace_back(std::string(kStatuses[i].name), by_status[i]);
  rep.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
#if GPUADV_CHECK_INVARIANTS
  if (const auto broken = CheckPlans(rep); !broken.empty())
    throw std::logic_error("plan: invariant broken: " + broken.front());
#endif
  return rep;
}

std::vector<std::string> CheckPlans(const PlanReport& rep) {
  std::vector<std::string> broken;
  for (size_t i = 0; i < rep.plans.size(); ++i) {
    const Plan& p = rep.plans[i];
    const std::string name = "plan " + std::to_string(i + 1);
    if (p.memory.fit == estimate::Fit::kDoesNotFit) broken.push_back(name + " does not fit");
    const auto& t = p.throughput;
    if (!(t.tokens_per_s > 0) || !std::isfinite(t.tokens_per_s) || !(t.step_time_s > 0))
      broken.push_back(name + ": throughput not positive and finite");
    if (!(t.mfu >= 0 && t.mfu <= 1)) broken.push_back(name + ": MFU outside [0, 1]");
    if (!(p.memory.per_gpu_bytes > 0) || !std::isfinite(p.memory.per_gpu_bytes))
      broken.push_back(name + ": memory not positive and finite");
    if (i > 0 && Better(p, rep.plans[i - 1]))
      broken.push_back(name + " is faster than the plan ranked above it");
  }
  return broken;
}

workload::Scenario PlannedScenario(const workload::Scenario& s, int gpus, const Plan& p,
                                   long long global_batch) {
  workload::Scenario out = WithGpus(s, gpus);
  out.training.global_batch = global_batch;
  Apply(p.candidate, &out);
  return out;
}

workload::Scenario BestPlanned(const workload::Scenario& s, const PlanReport& r) {
  workload::Scenario out = PlannedScenario(s, r.gpus, r.plans.front(), r.global_batch);
  // One GPU: micro_batch x GPUs is what an unset global batch means anyway.
  if (r.global_batch_assumed && r.gpus > 1)
    out.training.defaults.push_back({"global_batch", std::to_string(r.global_batch),
                                     "micro_batch x GPUs, as the planner assumed; set "
                                     "training.global_batch"});
  return out;
}

void AddJobFigures(const workload::Scenario& s, const estimate::Context& ctx,
                   void (*restack)(workload::Scenario&), PlanReport* r) {
  for (Plan& p : r->plans) {
    workload::Scenario planned = PlannedScenario(s, r->gpus, p, r->global_batch);
    if (restack) restack(planned);
    const estimate::EstimateResult e = estimate::Estimate(planned, ctx);
    p.training = e.training;
    p.cost = e.cost;
  }
}

}  // namespace gpuadv::plan
