#include "gpuadv/advise/guidance.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>
#include <set>

#include "gpuadv/advise/constraints.h"
#include "gpuadv/advise/text.h"
#include "gpuadv/core/units.h"

namespace gpuadv::advise {
namespace {

using workload::Scenario;

// Reference jobs for the VRAM tiers: the first model id found in the catalog is used.
struct RefJob {
  const char* label;
  std::vector<const char*> models;
  std::function<void(Scenario&)> setup;
};

void Qlora(Scenario& x) {
  x.training.method = workload::Method::kQlora;
  x.training.quantization = workload::QuantConfig{};
  x.training.optimizer = workload::Optimizer::kPagedAdamW8bit;
  x.training.activation_checkpointing = workload::Checkpointing::kFull;
}
void Lora(Scenario& x) {
  x.training.method = workload::Method::kLora;
  x.training.optimizer = workload::Optimizer::kAdamW;
  x.training.activation_checkpointing = workload::Checkpointing::kFull;
}
void Full(Scenario& x) {
  x.training.method = workload::Method::kFull;
  x.training.optimizer = workload::Optimizer::kAdamW;
  x.training.precision = workload::Precision::kBf16Mixed;
  x.training.activation_checkpointing = workload::Checkpointing::kFull;
}
void DiffusionLora(Scenario& x) {
  Lora(x);
  x.training.optimizer = workload::Optimizer::kAdamW8bit;
  x.training.diffusion.cache_latents = true;
}

const std::vector<RefJob>& RefJobs() {
  static const std::vector<RefJob> jobs = {
      {"full fine-tune 1B", {"llama-3.2-1b", "qwen2.5-1.5b", "pythia-1b"}, Full},
      {"QLoRA 7-8B", {"llama-3.1-8b", "mistral-7b", "llama-2-7b"}, Qlora},
      {"LoRA 7-8B (16-bit base)", {"llama-3.1-8b", "mistral-7b", "llama-2-7b"}, Lora},
      {"full fine-tune 7-8B", {"llama-3.1-8b", "mistral-7b", "llama-2-7b"}, Full},
      {"QLoRA 70B", {"llama-3.1-70b", "llama-2-70b"}, Qlora},
      {"SD 1.5 LoRA", {"sd-1.5"}, DiffusionLora},
      {"SDXL LoRA", {"sdxl"}, DiffusionLora},
  };
  return jobs;
}

std::string CoreName(const catalog::GpuSpec& g) {
  if (g.vendor == "amd") return "stream processors";
  if (g.vendor == "intel") return "Xe vector engines";
  return "CUDA cores";
}

std::vector<VramTier> Tiers(const Scenario& s, const Inputs& in) {
  // Group the catalog by memory size; estimate each reference job on the cheapest priced
  // GPU of each size (memory only depends on capacity and the job).
  std::map<double, std::vector<const catalog::GpuSpec*>> by_size;
  for (const auto& g : in.catalog->Gpus()) by_size[g.memory_gb].push_back(&g);
  std::vector<std::pair<std::string, Scenario>> jobs;
  {
    Scenario mine = s;
    jobs.emplace_back("this scenario (" + s.model.id + ")", mine);
  }
  for (const auto& j : RefJobs()) {
    const catalog::ModelArch* m = nullptr;
    for (const char* id : j.models)
      if ((m = in.catalog->FindModel(id))) break;
    if (!m) continue;
    Scenario x = s;
    x.model = *m;
    j.setup(x);
    // The scenario's own column already shows this job.
    if (m->id == s.model.id && x.training.method == s.training.method) continue;
    x = s;
    x.model = *m;
    x.model_ref = m->id;
    x.training.micro_batch = 1;
    x.training.seq_len = std::min<long long>(2048, m->max_seq_len > 0 ? m->max_seq_len : 2048);
    x.hardware.count = 1;
    x.hardware.nodes = 1;
    x.parallelism = workload::Parallelism{};
    x.parallelism.specified = true;
    j.setup(x);
    jobs.emplace_back(std::string(j.label) + " (" + m->id + ")", std::move(x));
  }
  const estimate::Context ctx{in.efficiency, in.catalog};
  std::vector<VramTier> tiers;
  for (auto& [gb, gpus] : by_size) {
    VramTier t;
    t.memory_gb = gb;
    const catalog::GpuSpec* example = gpus.front();
    for (const auto* g : gpus) {
      if (t.gpus.size() < 4) t.gpus.push_back(g->id);
      const auto p = UnitPriceUsd(*g), q = UnitPriceUsd(*example);
      if (p && (!q || *p < *q)) example = g;
    }
    t.example_gpu = example->id;
    for (auto& [label, x] : jobs) {
      x.hardware.gpu = *example;
      x.hardware.gpu_id = example->id;
      const auto m = estimate::EstimateMemory(x, ctx);
      t.jobs.push_back({label, m.fit != estimate::Fit::kDoesNotFit, m.fit == estimate::Fit::kTight,
                        m.per_gpu_bytes});
    }
    tiers.push_back(std::move(t));
  }
  return tiers;
}

std::vector<std::string> Precision(const Inputs& in) {
  struct Arch {
    std::string gen;
    int n = 0;
    bool fp16 = false, bf16 = false, fp8 = false, int8 = false, fp4 = false;
    double best16 = 0;
    std::string example;
  };
  std::map<std::string, Arch> archs;
  std::vector<std::string> order;
  for (const auto& g : in.catalog->Gpus()) {
    if (!archs.count(g.architecture)) order.push_back(g.architecture);
    Arch& a = archs[g.architecture];
    if (a.gen.empty()) a.gen = g.tensor_core_gen;
    ++a.n;
    a.fp16 |= g.fp16_tensor_fp32acc_dense_tflops.has_value() ||
              g.fp16_tensor_fp16acc_dense_tflops.has_value();
    a.bf16 |= g.bf16_support.value_or(false) || g.bf16_tensor_dense_tflops.has_value();
    a.fp8 |= g.fp8_support.value_or(false) || g.fp8_tensor_fp32acc_dense_tflops.has_value() ||
             g.fp8_tensor_fp16acc_dense_tflops.has_value();
    a.int8 |= g.int8_tensor_dense_tops.has_value();
    a.fp4 |= g.fp4_tensor_dense_tflops.has_value();
    if (g.Peak16FlopsPerS() > a.best16) a.best16 = g.Peak16FlopsPerS(), a.example = g.id;
  }
  std::vector<std::string> out;
  for (const auto& name : order) {
    const Arch& a = archs[name];
    std::string types;
    auto add = [&](bool on, const char* t) {
      if (on) types += (types.empty() ? "" : ", ") + std::string(t);
    };
    add(a.fp16, "FP16");
    add(a.bf16, "BF16");
    add(a.fp8, "FP8");
    add(a.int8, "INT8");
    add(a.fp4, "FP4");
    std::string line = name + " (" +
                       (a.gen.empty() ? "matrix cores" : a.gen + " tensor/matrix cores") + ", " +
                       std::to_string(a.n) + " GPU" + (a.n > 1 ? "s" : "") +
                       "): " + (types.empty() ? "no tensor-core data" : types);
    if (a.best16 > 0)
      line +=
          "; up to " + text::Num(a.best16 / kTera, 0) + " TFLOP/s dense 16-bit (" + a.example + ")";
    if (a.fp16 && !a.bf16) line += "; no BF16: train in fp16-mixed with loss scaling";
    out.push_back(line);
  }
  return out;
}

std::vector<std::string> Cores(const RecommendResult& r) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const auto& p : r.picks) {
    const auto& g = *p.gpu;
    if (!seen.insert(g.id).second || seen.size() > 3) continue;
    std::string line = g.id + ": ";
    if (g.shader_cores) line += text::Num(*g.shader_cores) + " " + CoreName(g);
    if (g.tensor_matrix_cores)
      line += ", " + text::Num(*g.tensor_matrix_cores) + " tensor/matrix cores";
    if (!g.tensor_core_gen.empty()) line += " (" + g.tensor_core_gen + ")";
    if (g.boost_clock_mhz) line += " at " + text::Num(*g.boost_clock_mhz) + " MHz";
    line += " -> " + text::Num(g.Peak16FlopsPerS() / kTera, 1) + " TFLOP/s 16-bit tensor, " +
            text::Num(g.memory_bw_gbs.value_or(0)) + " GB/s. ";
    const auto b = p.estimate.throughput.bottleneck;
    line +=
        "This job is " + std::string(EnumName(estimate::kBottlenecks, b)) + "-bound, so " +
        (b == estimate::Bottleneck::kCompute ? "the tensor rate, not the core count, sets the speed"
         : b == estimate::Bottleneck::kMemory
             ? "memory bandwidth, not the core count, sets the speed"
             : "neither core count nor clock sets the speed");
    out.push_back(line);
  }
  return out;
}

std::vector<StackSummary> Stacks(const Inputs& in) {
  std::map<std::string, StackSummary> by;
  for (const auto& g : in.catalog->Gpus()) {
    const std::string stack = StackName(g);
    StackSummary& s = by[g.vendor + "/" + stack];
    s.vendor = g.vendor;
    s.stack = stack;
    ++s.gpus;
    for (const auto& x : g.software)
      if (std::find(s.software.begin(), s.software.end(), x) == s.software.end())
        s.software.push_back(x);
    for (const auto& f : g.frameworks) {
      const std::string n = FrameworkName(f);
      if (std::find(s.frameworks.begin(), s.frameworks.end(), n) == s.frameworks.end())
        s.frameworks.push_back(n);
    }
  }
  std::vector<StackSummary> out;
  for (auto& [k, v] : by) out.push_back(std::move(v));
  return out;
}

std::vector<std::string> RentVsBuy(const RecommendResult& r) {
  std::vector<std::string> out;
  const Pick* buy = nullptr;
  const Pick* rent = nullptr;
  for (const auto& p : r.picks) {
    if (p.acquisition.kind == AcquireKind::kBuy && !buy) buy = &p;
    if (p.acquisition.kind == AcquireKind::kRent && !rent) rent = &p;
  }
  if (rent)
    out.push_back("rent: " + rent->acquisition.offer_id + " at " +
                  text::Usd(rent->acquisition.usd_per_gpu_hr) + "/GPU-h does this job in " +
                  text::Time(rent->estimate.training.time_s) + " for " +
                  text::Usd(rent->cost.total_usd));
  if (buy)
    out.push_back("buy: " + std::to_string(buy->count) + "x " + buy->gpu->id + " for " +
                  text::Usd(buy->cost.upfront_usd) + " does it in " +
                  text::Time(buy->estimate.training.time_s) + " plus " +
                  text::Usd(buy->cost.electricity_usd) + " of electricity");
  if (buy && std::isfinite(buy->cost.breakeven_hours_per_month) &&
      buy->cost.breakeven_hours_per_month > 0 && buy->cost.breakeven_utilisation <= 1)
    out.push_back("verdict: buying pays off only above " +
                  text::Num(buy->cost.breakeven_hours_per_month) + " h/month of training (" +
                  text::Pct(buy->cost.breakeven_utilisation) + " utilisation) against " +
                  buy->cost.compared_with + "; below that, GPU-as-a-service is cheaper");
  else if (buy && buy->cost.breakeven_hours_per_month > 0)
    out.push_back(std::isfinite(buy->cost.breakeven_hours_per_month)
                      ? "verdict: renting is cheaper at any utilisation: rent"
                      : "verdict: renting costs less per hour than the electricity to own: rent");
  if (!buy && rent) out.push_back("verdict: no purchase fits the constraints: rent");
  if (buy && !rent) out.push_back("verdict: no rental fits the constraints: buy");
  return out;
}

// "measured (who, with what)" or "estimate (how)": every CPU figure says where it came from.
std::string FigureBasisText(const CpuFigureBasis& b) {
  std::string s = b.measured ? "measured" : "estimate";
  if (!b.source.empty()) s += " (" + b.source + ")";
  return s;
}

// Digits enough for small CPU rates ("0.45", "2.2", "60").
std::string Figure(double v) { return text::Num(v, v < 1 ? 2 : v < 10 ? 1 : 0); }

std::vector<CpuBaseline> CpuBaselines(const RecommendResult& r, const Inputs& in) {
  std::vector<CpuBaseline> out;
  if (!in.platforms || r.picks.empty()) return out;
  const Pick& top = r.picks.front();
  const auto& t = top.estimate.throughput;
  const double flops =
      t.hardware_flops_per_token > 0 ? t.hardware_flops_per_token : t.model_flops_per_token;
  const double tokens_per_step = t.tokens_per_s * t.step_time_s;
  const int gpus = top.count * top.nodes;
  // Bytes each GPU moves per token in memory-bound kernels, from the GPU estimate.
  const double bytes = tokens_per_step > 0 ? t.breakdown_s.memory * top.gpu->BandwidthBytesPerS() *
                                                 gpus / tokens_per_step
                                           : 0;
  for (const auto& c : in.platforms->cpus) {
    // The 16-bit rate when the data has one (training runs its matmuls in bf16 where the CPU
    // can), else fp32; the memory term only when the bandwidth is known.
    const bool bf16 = c.bf16_matmul_tflops > 0;
    const double tflops = bf16 ? c.bf16_matmul_tflops : c.fp32_matmul_tflops;
    const double rate = tflops * kTera;
    const double bw = c.memory_bw_gbs * kGiga;
    const double s_per_token = (rate > 0 ? flops / rate : 0) + (bw > 0 ? bytes / bw : 0);
    if (s_per_token <= 0) continue;
    CpuBaseline b;
    b.cpu = c.id;
    b.name = c.name;
    b.tokens_per_s = 1 / s_per_token;
    b.time_s = top.estimate.training.tokens * s_per_token;
    b.versus = top.gpu->id;
    b.times_slower = top.estimate.training.time_s > 0 ? b.time_s / top.estimate.training.time_s : 0;
    b.matmul_tflops = tflops;
    b.matmul_precision = bf16 ? "bf16" : "fp32";
    b.matmul_measured = (bf16 ? c.bf16_basis : c.fp32_basis).measured;
    b.memory_bw_gbs = c.memory_bw_gbs;
    b.bandwidth_measured = bw > 0 && c.bandwidth_basis.measured;
    b.basis = "matrix " + Figure(tflops) + " TFLOP/s " + b.matmul_precision + ", " +
              FigureBasisText(bf16 ? c.bf16_basis : c.fp32_basis);
    b.basis += bw > 0 ? "; memory " + Figure(c.memory_bw_gbs) + " GB/s, " +
                            FigureBasisText(c.bandwidth_basis)
                      : "; memory bandwidth not known, left out (time is a lower bound)";
    out.push_back(std::move(b));
  }
  return out;
}

std::vector<std::string> Accelerators(const RecommendResult& r, const Inputs& in) {
  std::vector<std::string> out;
  if (!in.platforms) return out;
  const double gpu16 = r.picks.empty() ? 0 : r.picks.front().gpu->Peak16FlopsPerS() / kTera;
  for (const auto& a : in.platforms->accelerators) {
    std::string line = a.name + " (" + a.kind + ", training: " + a.training_support + ")";
    if (a.bf16_tflops) {
      line += ", " + text::Num(*a.bf16_tflops) + " TFLOP/s bf16";
      if (gpu16 > 0) line += " vs " + text::Num(gpu16) + " for " + r.picks.front().gpu->id;
    }
    if (a.memory_gb) line += ", " + GiBLabel(*a.memory_gb);
    line += ": good for " + a.good_for + "; for training: " + a.why_not_for_training;
    out.push_back(line);
  }
  return out;
}

}  // namespace

Guidance BuildGuidance(const workload::Scenario& s, const RecommendResult& r, const Inputs& in) {
  Guidance g;
  g.tiers = Tiers(s, in);
  g.precision = Precision(in);
  g.cores = Cores(r);
  g.stacks = Stacks(in);
  g.rent_vs_buy = RentVsBuy(r);
  g.cpu_baseline = CpuBaselines(r, in);
  g.accelerators = Accelerators(r, in);
  return g;
}

}  // namespace gpuadv::advise
