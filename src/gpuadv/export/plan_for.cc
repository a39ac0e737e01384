// The plan an engine launches (issue 18 item 2): the planner's fastest plan within the
// engine's space, or an error that names the constraint and the nearest settings that work.
#include <algorithm>
#include <set>
#include <string>
#include <vector>

#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/plan/planner.h"

namespace gpuadv::launch {
namespace {

// The best plan of `s` on `gpus` GPUs within `engine`'s space; empty when none fits or the
// space is empty (no layout splits the batch).
std::optional<plan::PlanReport> TryPlan(Engine engine, const workload::Scenario& s, int gpus,
                                        const estimate::Context& ctx,
                                        void (*restack)(workload::Scenario&)) {
  plan::PlanOptions o;
  o.gpus = gpus;
  o.top_k = 1;
  o.space = SpaceFor(engine, s);
  o.space.restack = restack;
  try {
    plan::PlanReport r = plan::Search(s, ctx, o);
    if (!r.plans.empty()) return r;
  } catch (const InputError&) {
  }
  return std::nullopt;
}

std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (size_t i = 0; i < v.size(); ++i)
    out += (i == 0 ? "" : i + 1 == v.size() ? " or " : ", ") + v[i];
  return out;
}

// Global batches near `b` that a data-parallel size of the engine's layouts divides: the
// multiples of the GPU count (data parallel only) and of its halvings (model parallel).
std::vector<long long> NearbyBatches(long long b, int gpus) {
  std::set<long long> out;
  for (long long dp = gpus; dp >= 1 && out.size() < 8; dp /= 2) {
    if (gpus % dp != 0) continue;
    const long long below = b / dp * dp, above = (b + dp - 1) / dp * dp;
    if (below > 0 && below != b) out.insert(below);
    if (above != b) out.insert(above);
    if (dp == 1) break;
  }
  std::vector<long long> v(out.begin(), out.end());
  std::sort(v.begin(), v.end(), [b](long long x, long long y) {
    return std::llabs(x - b) != std::llabs(y - b) ? std::llabs(x - b) < std::llabs(y - b) : x < y;
  });
  return v;
}

}  // namespace

plan::PlanReport PlanFor(Engine engine, const workload::Scenario& s, int gpus,
                         const estimate::Context& ctx, void (*restack)(workload::Scenario&)) {
  if (auto r = TryPlan(engine, s, gpus, ctx, restack)) return *r;
  const std::string name(EnumName(kEngines, engine));
  const long long batch = s.GlobalBatch();
  // Why: the engine's reach, the batch split, or memory.
  const plan::SpaceOptions space = SpaceFor(engine, s);
  std::string why = space.max_tp == 1 && !space.allow_pp
                        ? name + " runs data parallel only (no tensor or pipeline parallelism), " +
                              "so " + std::to_string(gpus) + "-way data parallelism must divide " +
                              "the global batch of " + std::to_string(batch) +
                              " sequences and each GPU must hold the ZeRO-sharded model"
                        : "no layout " + name + " can launch both splits the global batch of " +
                              std::to_string(batch) + " sequences and fits in memory";
  // What works: other engines at this batch, this engine at nearby batches.
  std::vector<std::string> works;
  for (const auto& e : kEngines) {
    if (e.value == engine) continue;
    if (auto r = TryPlan(e.value, s, gpus, ctx, restack))
      works.push_back("--engine " + std::string(e.name) + " (" +
                      plan::Label(r->plans.front().candidate) + ")");
  }
  std::vector<std::string> batches;
  for (long long b : NearbyBatches(batch, gpus)) {
    if (batches.size() >= 2) break;
    workload::Scenario t = s;
    t.training.global_batch = b;
    if (TryPlan(engine, t, gpus, ctx, restack)) batches.push_back(std::to_string(b));
  }
  if (!batches.empty())
    works.push_back("--engine " + name + " with a global batch of " + Join(batches) +
                    " (--global-batch)");
  throw InputError(
      "--engine", name, works.empty() ? "an engine that can launch this job" : Join(works),
      "cannot launch " + std::to_string(gpus) + " x " + s.hardware.gpu.id + " (" + why + ") with");
}

}  // namespace gpuadv::launch
