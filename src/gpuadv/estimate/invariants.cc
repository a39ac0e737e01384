#include "gpuadv/estimate/invariants.h"

#include <algorithm>
#include <cmath>
#include <sstream>

namespace gpuadv::estimate {
namespace {

// Collects broken invariants as readable lines.
class Checker {
 public:
  // Finite and >= 0; `positive` also requires > 0.
  void Value(const char* name, double v, bool positive = false) {
    if (!std::isfinite(v)) {
      Fail(name, v, "is not finite");
    } else if (v < 0) {
      Fail(name, v, "is negative");
    } else if (positive && v == 0) {
      Fail(name, v, "is zero");
    }
  }

  // |sum - total| <= tolerance x max(|total|, |sum|).
  void Sum(const char* what, double sum, const char* total_name, double total) {
    const double scale = std::max(std::fabs(sum), std::fabs(total));
    if (!(std::fabs(sum - total) <= kInvariantRelativeTolerance * scale)) {
      std::ostringstream os;
      os.precision(17);
      os << what << " sum to " << sum << " but " << total_name << " is " << total;
      failures_.push_back(os.str());
    }
  }

  // a <= b, with relative slack for rounding.
  void Le(const char* a_name, double a, const char* b_name, double b) {
    const double slack = kInvariantRelativeTolerance * std::max(std::fabs(a), std::fabs(b));
    if (!(a <= b + slack)) {
      std::ostringstream os;
      os.precision(17);
      os << a_name << " (" << a << ") exceeds " << b_name << " (" << b << ")";
      failures_.push_back(os.str());
    }
  }

  void Fail(const char* name, double v, const char* problem) {
    std::ostringstream os;
    os.precision(17);
    os << name << " " << problem << " (" << v << ")";
    failures_.push_back(os.str());
  }

  // Adds a line unless it is there already (CheckCoreInvariants repeats some checks).
  void Add(std::string line) {
    if (std::find(failures_.begin(), failures_.end(), line) == failures_.end())
      failures_.push_back(std::move(line));
  }
  std::vector<std::string> Take() { return std::move(failures_); }

 private:
  std::vector<std::string> failures_;
};

void CheckMemory(const MemoryResult& m, Checker& c) {
  const MemoryBreakdown& b = m.breakdown;
  c.Value("memory.per_gpu_bytes", m.per_gpu_bytes, true);
  c.Value("memory.peak_allocated_bytes", m.peak_allocated_bytes, true);
  c.Value("memory.peak_reserved_bytes", m.peak_reserved_bytes, true);
  c.Value("memory.capacity_bytes", m.capacity_bytes);
  c.Value("memory.low_bytes", m.low_bytes);
  c.Value("memory.high_bytes", m.high_bytes);
  c.Value("memory.host_ram_bytes", m.host_ram_bytes);
  c.Value("memory.paged_state_bytes", m.paged_state_bytes);
  c.Value("memory.trainable_params", m.trainable_params);
  c.Value("memory.total_params", m.total_params);
  c.Value("memory.breakdown.weights", b.weights);
  c.Value("memory.breakdown.gradients", b.gradients);
  c.Value("memory.breakdown.optimizer", b.optimizer);
  c.Value("memory.breakdown.activations", b.activations);
  c.Value("memory.breakdown.logits", b.logits);
  c.Value("memory.breakdown.runtime", b.runtime);
  c.Value("memory.breakdown.fragmentation", b.fragmentation);
  const double allocated = b.weights + b.gradients + b.optimizer + b.activations + b.logits;
  c.Sum("memory.breakdown (all seven kinds)", allocated + b.runtime + b.fragmentation,
        "memory.per_gpu_bytes", m.per_gpu_bytes);
  c.Sum("memory.breakdown (weights..logits)", allocated, "memory.peak_allocated_bytes",
        m.peak_allocated_bytes);
  c.Le("memory.peak_allocated_bytes", m.peak_allocated_bytes, "memory.peak_reserved_bytes",
       m.peak_reserved_bytes);
  c.Le("memory.peak_reserved_bytes", m.peak_reserved_bytes, "memory.per_gpu_bytes",
       m.per_gpu_bytes);
  c.Value("memory.resident_bytes", m.resident_bytes);
  c.Le("memory.resident_bytes", m.resident_bytes, "memory.per_gpu_bytes", m.per_gpu_bytes);
  c.Le("memory.low_bytes", m.low_bytes, "memory.per_gpu_bytes", m.per_gpu_bytes);
  c.Le("memory.per_gpu_bytes", m.per_gpu_bytes, "memory.high_bytes", m.high_bytes);
  c.Le("memory.trainable_params", m.trainable_params, "memory.total_params", m.total_params);
}

void CheckThroughput(const ThroughputResult& t, Checker& c) {
  const TimeBreakdown& b = t.breakdown_s;
  c.Value("throughput.step_time_s", t.step_time_s);
  c.Value("throughput.tokens_per_s", t.tokens_per_s);
  c.Value("throughput.tokens_per_s_per_gpu", t.tokens_per_s_per_gpu);
  c.Value("throughput.samples_per_s", t.samples_per_s);
  c.Value("throughput.model_flops_per_token", t.model_flops_per_token);
  c.Value("throughput.hardware_flops_per_token", t.hardware_flops_per_token);
  c.Value("throughput.tflops_per_gpu", t.tflops_per_gpu);
  c.Value("throughput.mfu", t.mfu);
  c.Value("throughput.low_tokens_per_s_per_gpu", t.low_tokens_per_s_per_gpu);
  c.Value("throughput.high_tokens_per_s_per_gpu", t.high_tokens_per_s_per_gpu);
  c.Value("throughput.breakdown_s.compute", b.compute);
  c.Value("throughput.breakdown_s.memory", b.memory);
  c.Value("throughput.breakdown_s.communication", b.communication);
  c.Value("throughput.breakdown_s.bubble", b.bubble);
  c.Value("throughput.breakdown_s.offload", b.offload);
  const bool estimated = t.step_time_s != 0 || t.tokens_per_s != 0 || t.mfu != 0;
  if (!estimated) return;  // "throughput could not be estimated": zeros, warned
  c.Value("throughput.step_time_s", t.step_time_s, true);
  c.Value("throughput.tokens_per_s", t.tokens_per_s, true);
  c.Value("throughput.tokens_per_s_per_gpu", t.tokens_per_s_per_gpu, true);
  c.Sum("throughput.breakdown_s", b.compute + b.memory + b.communication + b.bubble + b.offload,
        "throughput.step_time_s", t.step_time_s);
  c.Le("throughput.mfu", t.mfu, "1", 1.0);
  c.Le("throughput.low_tokens_per_s_per_gpu", t.low_tokens_per_s_per_gpu,
       "throughput.tokens_per_s_per_gpu", t.tokens_per_s_per_gpu);
  c.Le("throughput.tokens_per_s_per_gpu", t.tokens_per_s_per_gpu,
       "throughput.high_tokens_per_s_per_gpu", t.high_tokens_per_s_per_gpu);
  c.Le("throughput.tokens_per_s_per_gpu", t.tokens_per_s_per_gpu, "throughput.tokens_per_s",
       t.tokens_per_s);
}

void CheckTraining(const EstimateResult& r, Checker& c) {
  const TrainingResult& t = r.training;
  c.Value("training.tokens", t.tokens);
  c.Value("training.time_s", t.time_s);
  c.Value("training.gpu_hours", t.gpu_hours);
  c.Value("training.energy_kwh", t.energy_kwh);
  if (r.throughput.tokens_per_s > 0 && t.tokens > 0) {
    c.Value("training.time_s", t.time_s, true);
    c.Sum("training.time_s x gpus / 3600", t.time_s * r.gpus / 3600.0, "training.gpu_hours",
          t.gpu_hours);
  }
  c.Value("cost.electricity_usd", r.cost.electricity_usd);
  c.Value("cost.rent_usd", r.cost.rent_usd);
  c.Value("cost.buy_usd", r.cost.buy_usd);
}

}  // namespace

std::vector<std::string> CheckCoreInvariants(const EstimateResult& r) {
  Checker c;
  const auto& t = r.throughput;
  c.Value("throughput.step_time_s", t.step_time_s);
  c.Value("throughput.mfu", t.mfu);
  c.Value("training.time_s", r.training.time_s);
  c.Value("memory.per_gpu_bytes", r.memory.per_gpu_bytes);
  c.Le("throughput.mfu", t.mfu, "1", 1.0);
  c.Le("memory.trainable_params", r.memory.trainable_params, "memory.total_params",
       r.memory.total_params);
  if (t.tokens_per_s > 0 && r.training.tokens > 0)
    c.Le("throughput.step_time_s", t.step_time_s, "training.time_s", r.training.time_s);
  return c.Take();
}

std::vector<std::string> CheckInvariants(const EstimateResult& r) {
  Checker c;
  if (r.gpus < 1) c.Fail("gpus", r.gpus, "is below 1");
  c.Value("gpu_memory_bytes", r.gpu_memory_bytes);
  CheckMemory(r.memory, c);
  CheckThroughput(r.throughput, c);
  CheckTraining(r, c);
  for (auto& line : CheckCoreInvariants(r)) c.Add(std::move(line));
  return c.Take();
}

}  // namespace gpuadv::estimate
