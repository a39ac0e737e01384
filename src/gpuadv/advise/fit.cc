#include "gpuadv/advise/fit.h"

#include <algorithm>
#include <functional>

#include "gpuadv/workload/method_traits.h"

namespace gpuadv::advise {
namespace {

using workload::Scenario;

// A knob: a group (at most one setting per group in a combination), the change it makes
// and whether it applies to the scenario at all.
struct Knob {
  KnobChange change;
  std::function<void(Scenario&)> apply;
};

template <typename E, size_t N>
std::string Name(const EnumEntry<E> (&t)[N], E v) {
  return std::string(EnumName(t, v));
}

// Kernels, optimizer state and activation checkpointing: same job, less memory.
void KernelKnobs(const Scenario& s, std::vector<Knob>* k) {
  using namespace workload;
  const auto& t = s.training;
  if (t.attention != Attention::kFlash)
    k->push_back({{"attention", "attention: " + Name(kAttentions, t.attention) + " -> flash",
                   "no s x s score matrix; usually faster", false},
                  [](Scenario& x) { x.training.attention = Attention::kFlash; }});
  if (t.loss != Loss::kChunked)
    k->push_back({{"loss", "loss: standard -> chunked", "no full fp32 logits; same result", false},
                  [](Scenario& x) { x.training.loss = Loss::kChunked; }});
  if (t.optimizer != Optimizer::kAdamW8bit && t.optimizer != Optimizer::kPagedAdamW8bit)
    k->push_back({{"optimizer", "optimizer: " + Name(kOptimizers, t.optimizer) + " -> adamw-8bit",
                   "8-bit optimizer state (bitsandbytes): 2 B/param instead of 8", false},
                  [](Scenario& x) { x.training.optimizer = Optimizer::kAdamW8bit; }});
  if (t.optimizer != Optimizer::kPagedAdamW8bit)
    k->push_back(
        {{"optimizer", "optimizer: " + Name(kOptimizers, t.optimizer) + " -> paged-adamw-8bit",
          "8-bit state paged to host memory under pressure", false},
         [](Scenario& x) { x.training.optimizer = Optimizer::kPagedAdamW8bit; }});
  if (t.activation_checkpointing == Checkpointing::kNone)
    k->push_back(
        {{"checkpointing", "activation_checkpointing: none -> selective",
          "recomputes attention only: a few % more compute", false},
         [](Scenario& x) { x.training.activation_checkpointing = Checkpointing::kSelective; }});
  // Megatron-Core's output-discarding recompute modules for MoE / MLA layers (the norms Megatron
  // runs apart, the routed experts' activation, MLA's up projections): little compute for the
  // memory they free (Megatron Core MoE report 2026: DeepSeek-V3 on H100).
  const unsigned fine = t.stack.id == Framework::kMegatron ? s.FineRecomputeModules() : 0;
  const unsigned now = t.RecomputedModules();
  if (fine != 0 && (now & fine) != fine && t.activation_checkpointing != Checkpointing::kFull) {
    // Megatron's default core_attn frees nothing under a fused attention kernel (its own
    // warning): a scenario that left the modules unsaid gets the fine-grained set alone.
    const bool keep_core = t.recompute_modules != 0 || t.attention != Attention::kFlash;
    const unsigned to = (keep_core ? now : 0) | fine;
    k->push_back({{"checkpointing",
                   "recompute_modules: " +
                       (now != 0 ? "[" + RecomputeModuleNames(now, ", ") + "]" : "none") + " -> [" +
                       RecomputeModuleNames(to, ", ") + "] (selective)",
                   "Megatron recomputes the freed norms, activations and up projections in "
                   "backward: a few % more compute",
                   false},
                  [to](Scenario& x) {
                    x.training.activation_checkpointing = Checkpointing::kSelective;
                    x.training.recompute_modules = to;
                  }});
  }
  if (t.activation_checkpointing != Checkpointing::kFull)
    k->push_back({{"checkpointing",
                   "activation_checkpointing: " +
                       Name(kCheckpointings, t.activation_checkpointing) + " -> full",
                   "recomputes each layer in backward: ~+33% compute", false},
                  [](Scenario& x) { x.training.activation_checkpointing = Checkpointing::kFull; }});
}

// Smaller micro-batches at the same global batch (gradient accumulation).
void BatchKnobs(const Scenario& s, std::vector<Knob>* k) {
  using namespace workload;
  const auto& t = s.training;
  const long long global = s.GlobalBatch();
  for (long long mb = t.micro_batch / 2; mb >= 1; mb /= 2) {
    k->push_back(
        {{"micro_batch",
          "micro_batch: " + std::to_string(t.micro_batch) + " -> " + std::to_string(mb) +
              " (gradient accumulation keeps the global batch " + std::to_string(global) + ")",
          "smaller GEMMs, more steps per update", false},
         [mb, global](Scenario& x) {
           x.training.micro_batch = mb;
           x.training.global_batch = global;
         }});
    if (mb == 1) break;
  }
}

// A lighter training method or precision: changes what is trained or stored.
void MethodKnobs(const Scenario& s, std::vector<Knob>* k) {
  using namespace workload;
  const auto& t = s.training;
  const bool trains_full = TrainsAllWeights(t.method);
  if (!TrainsAdapters(t.method))
    k->push_back({{"method", "method: " + Name(kMethods, t.method) + " -> lora",
                   "trains low-rank adapters only (frozen 16-bit base)", true},
                  [](Scenario& x) { x.training.method = Method::kLora; }});
  if (!QuantizedBase(t.method))
    k->push_back({{"method", "method: " + Name(kMethods, t.method) + " -> qlora",
                   "4-bit NF4 base + LoRA adapters: the smallest footprint, a little quality and "
                   "~dequantisation time",
                   true},
                  [](Scenario& x) {
                    x.training.method = Method::kQlora;
                    x.training.quantization = QuantConfig{};
                  }});
  if (trains_full && workload::IsMixed16(t.precision))
    k->push_back({{"precision", "precision: " + Name(kPrecisions, t.precision) + " -> bf16",
                   "pure bf16 weights and optimizer state (no fp32 master): needs care "
                   "(Kahan summation / stochastic rounding)",
                   true},
                  [](Scenario& x) { x.training.precision = Precision::kBf16; }});
}

// Sharding, offload and more GPUs.
void ShardingKnobs(const Scenario& s, std::vector<Knob>* k) {
  using namespace workload;
  const int gpus = s.hardware.TotalGpus();
  if (gpus > 1 && s.parallelism.zero < 3)
    k->push_back({{"zero", "parallelism.zero: " + std::to_string(s.parallelism.zero) + " -> 3",
                   "shards weights, gradients and optimizer across GPUs (FSDP FULL_SHARD)", false},
                  [](Scenario& x) { x.parallelism.zero = 3; }});
  if (s.parallelism.offload != Offload::kOptimizer &&
      s.parallelism.offload != Offload::kOptimizerParams)
    k->push_back(
        {{"offload", "parallelism.offload: none -> optimizer",
          "optimizer state and step on the CPU (ZeRO-Offload): PCIe traffic each step", false},
         [](Scenario& x) {
           x.parallelism.offload = Offload::kOptimizer;
           if (x.parallelism.zero < 2 && x.hardware.TotalGpus() > 1) x.parallelism.zero = 2;
         }});
  if (s.parallelism.offload != Offload::kOptimizerParams)
    k->push_back(
        {{"offload",
          "parallelism.offload: " + Name(kOffloads, s.parallelism.offload) + " -> optimizer+params",
          "parameters streamed from host memory too (ZeRO-Infinity): slow", false},
         [](Scenario& x) {
           x.parallelism.offload = Offload::kOptimizerParams;
           x.parallelism.zero = 3;
         }});
  for (int n : {2, 4, 8}) {
    if (n <= s.hardware.count) continue;
    const int tp_pp = s.parallelism.tp * s.parallelism.pp * s.parallelism.cp;
    if (n % tp_pp != 0) continue;
    k->push_back({{"gpus",
                   "hardware.count: " + std::to_string(s.hardware.count) + " -> " +
                       std::to_string(n) + " with ZeRO-3",
                   "shards the model states over more GPUs (costs more GPUs)", false},
                  [n](Scenario& x) {
                    x.hardware.count = n;
                    x.parallelism.zero = 3;
                  }});
  }
}

// Shorter sequences (only where the options allow changing the data).
void SequenceKnobs(const Scenario& s, std::vector<Knob>* k, const FitOptions& opt) {
  using namespace workload;
  const auto& t = s.training;
  if (opt.allow_shorter_seq)
    for (long long seq = t.seq_len / 2; seq >= 256 && seq >= t.seq_len / 4; seq /= 2)
      k->push_back(
          {{"seq_len",
            "training.seq_len: " + std::to_string(t.seq_len) + " -> " + std::to_string(seq),
            "shorter context: activations shrink; the model learns shorter dependencies", true},
           [seq](Scenario& x) { x.training.seq_len = seq; }});
}

// The knob table for a scenario: explicit, in one place (STYLE.md principle 4), in the order
// the combinations try them.
std::vector<Knob> Knobs(const Scenario& s, const FitOptions& opt) {
  std::vector<Knob> k;
  KernelKnobs(s, &k);
  BatchKnobs(s, &k);
  MethodKnobs(s, &k);
  ShardingKnobs(s, &k);
  SequenceKnobs(s, &k, opt);
  return k;
}

bool IsSubset(const std::vector<int>& small, const std::vector<int>& big) {
  return std::includes(big.begin(), big.end(), small.begin(), small.end());
}

}  // namespace

FitResult MakeItFit(const workload::Scenario& s, const estimate::Context& ctx,
                    const FitOptions& opt) {
  FitResult r;
  r.gpu_id = s.hardware.gpu.id;
  r.baseline = estimate::Estimate(s, ctx);
  r.already_fits = r.baseline.memory.fit == estimate::Fit::kFits;
  // Speed cost in GPU-hours, so "use more GPUs" is not mistaken for a free speed-up.
  const double base_cost = r.baseline.training.gpu_hours;
  const auto knobs = Knobs(s, opt);

  // Enumerate combinations in increasing size; keep minimal fitting sets only.
  std::vector<std::vector<int>> fitting;
  std::vector<int> current;
  workload::Scenario w = s;
  std::function<void(size_t, size_t)> visit = [&](size_t start, size_t size) {
    if (current.size() == size) {
      for (const auto& f : fitting)
        if (IsSubset(f, current)) return;
      w = s;
      for (int i : current) knobs[i].apply(w);
      ++r.evaluated;
      if (estimate::EstimateMemory(w, ctx).fit != estimate::Fit::kFits) return;
      fitting.push_back(current);
      FitOption o;
      for (int i : current) o.changes.push_back(knobs[i].change);
      o.estimate = estimate::Estimate(w, ctx);
      o.slowdown = base_cost > 0 ? o.estimate.training.gpu_hours / base_cost - 1 : 0;
      r.options.push_back(std::move(o));
      return;
    }
    for (size_t i = start; i < knobs.size(); ++i) {
      bool clash = false;
      for (int j : current) clash |= knobs[j].change.group == knobs[i].change.group;
      if (clash) continue;
      current.push_back(static_cast<int>(i));
      visit(i + 1, size);
      current.pop_back();
    }
  };
  for (size_t size = 1; size <= static_cast<size_t>(opt.max_changes); ++size) visit(0, size);

  // Cheapest in GPU-hours first; then fewer changes to what is trained, then fewer changes.
  std::stable_sort(r.options.begin(), r.options.end(), [](const FitOption& a, const FitOption& b) {
    const auto job = [](const FitOption& o) {
      return std::count_if(o.changes.begin(), o.changes.end(),
                           [](const KnobChange& c) { return c.changes_job; });
    };
    if (a.estimate.training.gpu_hours != b.estimate.training.gpu_hours)
      return a.estimate.training.gpu_hours < b.estimate.training.gpu_hours;
    if (job(a) != job(b)) return job(a) < job(b);
    return a.changes.size() < b.changes.size();
  });
  // Keep the top N, plus the best options that keep the job as asked (no method or
  // sequence change) when fewer than three of those made the cut.
  const auto keeps_job = [](const FitOption& o) {
    return std::none_of(o.changes.begin(), o.changes.end(),
                        [](const KnobChange& c) { return c.changes_job; });
  };
  if (static_cast<int>(r.options.size()) > opt.top_n) {
    std::vector<FitOption> kept(r.options.begin(), r.options.begin() + opt.top_n);
    int preserving = static_cast<int>(std::count_if(kept.begin(), kept.end(), keeps_job));
    for (size_t i = opt.top_n; i < r.options.size() && preserving < 3; ++i)
      if (keeps_job(r.options[i])) {
        kept.push_back(r.options[i]);
        ++preserving;
      }
    r.options = std::move(kept);
  }
  return r;
}

}  // namespace gpuadv::advise
