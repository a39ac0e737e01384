#include "gpuadv/plan/evaluator.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <utility>

#include "gpuadv/core/units.h"
#include "gpuadv/estimate/uncertainty.h"

namespace gpuadv::plan {
namespace {

std::string Gb(double bytes) { return MemorySize(bytes); }

}  // namespace

std::string Evaluation::Reason() const {
  switch (status) {
    case Status::kFits:
      return "fits: " + Gb(memory.per_gpu_bytes) + " of " + Gb(capacity_bytes);
    case Status::kStatesTooLarge:
      return "model states need " + Gb(lower_bound_bytes) + " of " + Gb(capacity_bytes);
    case Status::kDoesNotFit:
      return "needs " + Gb(memory.per_gpu_bytes) + " of " + Gb(capacity_bytes);
    case Status::kTight:
      return "tight: " + Gb(memory.per_gpu_bytes) + " of " + Gb(capacity_bytes) +
             " is inside the estimate's uncertainty";
    case Status::kNoThroughput:
      return "no throughput estimate";
  }
  return "";
}

Evaluator::Evaluator(const estimate::Context& ctx, bool allow_tight,
                     void (*restack)(workload::Scenario&), const workload::Scenario* base)
    : ctx_(ctx), allow_tight_(allow_tight), restack_(restack) {
  if (!base) return;
  base_precision_ = base->training.precision;
  base_method_ = base->training.method;
  base_gpus_ = base->hardware.TotalGpus();
  workload::Scenario s = *base;
  for (const auto& f : workload::kFrameworks) {
    s.training.stack.id = f.value;
    const auto i = static_cast<size_t>(f.value);
    if (stack_ranges_.size() <= i) stack_ranges_.resize(i + 1);
    stack_ranges_[i] = estimate::MemoryRange(s, ctx_.efficiency);
  }
}

const estimate::Range& Evaluator::MemoryRangeOf(const workload::Scenario& s,
                                                estimate::Range* own) const {
  const auto i = static_cast<size_t>(s.training.stack.id);
  if (i < stack_ranges_.size() && s.training.precision == base_precision_ &&
      s.training.method == base_method_ && s.hardware.TotalGpus() == base_gpus_)
    return stack_ranges_[i];
  *own = estimate::MemoryRange(s, ctx_.efficiency);
  return *own;
}

Evaluation Evaluator::Evaluate(const Candidate& c, workload::Scenario* scratch) const {
  Apply(c, scratch);
  if (restack_) restack_(*scratch);
  Evaluation e;
  e.capacity_bytes = scratch->hardware.gpu.CapacityBytes();
  // Pre-evaluation check (STYLE.md principle 6): model states + runtime only.
  estimate::Range own;
  estimate::MemoryCheck check =
      estimate::CheckMemory(*scratch, MemoryRangeOf(*scratch, &own), e.capacity_bytes);
  e.lower_bound_bytes = check.lower_bound_bytes;
  if (!check.memory) {
    e.status = Status::kStatesTooLarge;
    return e;
  }
  e.memory = std::move(*check.memory);
  // An offload needs the host memory it moves states into: a plan beyond the system's host
  // RAM (when the scenario gives it) does not run either.
  const auto& host_ram_gb = scratch->system.host_ram_gb;
  if (host_ram_gb && e.memory.host_ram_bytes > *host_ram_gb * kGiB) {
    e.status = Status::kDoesNotFit;
    return e;
  }
  if (e.memory.fit == estimate::Fit::kDoesNotFit) {
    e.status = Status::kDoesNotFit;
    return e;
  }
  if (e.memory.fit == estimate::Fit::kTight && !allow_tight_) {
    e.status = Status::kTight;
    return e;
  }
  e.throughput = estimate::EstimateThroughput(*scratch, ctx_);
  if (!(e.throughput.tokens_per_s > 0) || !std::isfinite(e.throughput.tokens_per_s)) {
    e.status = Status::kNoThroughput;
    return e;
  }
  e.status = Status::kFits;
  if (ctx_.efficiency) {
    const auto ceiling = ctx_.efficiency->For(scratch->hardware.gpu.architecture)
                             .MfuCeiling(scratch->parallelism.ModelParallel());
    if (ceiling && *ceiling > 0) {
      e.measured_mfu_max = *ceiling;
      if (e.throughput.mfu > *ceiling) {
        // Outside measured territory: its range (the pessimistic end ranks it) is the
        // cross-validated one of its category. Rare, so the hot path stays string-free.
        e.above_measured_mfu = true;
        estimate::EstimateResult r;
        r.memory = e.memory;
        r.throughput = e.throughput;
        estimate::ApplyUncertainty(*scratch, *ctx_.efficiency, &r, nullptr);
        e.throughput.low_tokens_per_s_per_gpu = r.throughput.low_tokens_per_s_per_gpu;
        e.throughput.high_tokens_per_s_per_gpu = r.throughput.high_tokens_per_s_per_gpu;
      }
    }
  }
  return e;
}

double Evaluator::TokensPerSUpperBound(const SearchSpace& space, uint32_t g,
                                       workload::Scenario* scratch) const {
  const auto& mbs = space.groups[g].micro_batches;
  if (mbs.empty() || space.checkpointing.empty()) return std::numeric_limits<double>::infinity();
  Apply(space.At(g, 0, 0), scratch);  // the smallest micro-batch: the most per step
  const long long max_micro_batches = scratch->MicroBatchesPerStep();
  Apply(space.At(g, static_cast<uint32_t>(mbs.size() - 1), 0), scratch);
  if (restack_) restack_(*scratch);
  return estimate::TokensPerSUpperBound(*scratch, max_micro_batches, ctx_);
}

}  // namespace gpuadv::plan
