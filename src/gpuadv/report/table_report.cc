#include "gpuadv/report/table_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/text_table.h"

namespace gpuadv::report {
namespace {

using Row = std::vector<std::string>;

}  // namespace

std::string EstimateText(const estimate::EstimateResult& r, bool md) {
  const auto& m = r.memory;
  const auto& t = r.throughput;
  std::string out;
  out += fmt::format("{}{} x {} ({} each)\n", md ? "# " : "", r.gpus, r.gpu_name,
                     Bytes(r.gpu_memory_bytes));
  if (!r.framework.empty())
    out += fmt::format("{}stack: {}{}\n", md ? "\n" : "", r.framework,
                       r.framework_defaulted ? " (default for " + r.framework_reason +
                                                   "; set training.framework to change)"
                                             : "");
  out += fmt::format(
      "as estimated: {}, {}, {}, sequence {}, micro-batch {} x global batch {}, checkpointing {}, "
      "{} tokens{}\n",
      EnumName(workload::kMethods, r.method), EnumName(workload::kPrecisions, r.precision),
      EnumName(workload::kOptimizers, r.optimizer), r.seq_len, r.micro_batch, r.global_batch,
      EnumName(workload::kCheckpointings, r.checkpointing), Number(r.training.tokens),
      r.ema ? (*r.ema ? ", EMA on" : ", EMA off") : "");
  if (!r.defaults.empty()) {
    std::string d;
    for (const auto& k : r.defaults)
      d += fmt::format("{}{} {} ({})", d.empty() ? "" : "; ", k.knob, k.value, k.why);
    out += "defaults used: " + d + "\n";
  }
  if (r.gpus > 1) {
    const auto& p = r.parallelism;
    out += fmt::format(
        "layout: {}{}, micro-batch {}, checkpointing {}{}\n", LayoutShort(p, r.gpus),
        p.pipeline_embedding_loss && p.pp > 1 ? " (embedding and loss as pipeline layers)" : "",
        r.micro_batch, EnumName(workload::kCheckpointings, r.checkpointing),
        r.layout_source == "planner"
            ? " (the planner's best for this GPU count; set parallelism to change)"
            : "");
  }

  const double cap = m.capacity_bytes > 0 ? m.capacity_bytes : 1;
  auto share = [&](double b) { return Percent(b / cap, 1); };
  std::vector<Row> mem = {
      {"memory per GPU", "bytes", "of capacity"},
      {"weights", Bytes(m.breakdown.weights), share(m.breakdown.weights)},
      {"gradients", Bytes(m.breakdown.gradients), share(m.breakdown.gradients)},
      {"optimizer", Bytes(m.breakdown.optimizer), share(m.breakdown.optimizer)},
      {"activations", Bytes(m.breakdown.activations), share(m.breakdown.activations)},
      {"logits", Bytes(m.breakdown.logits), share(m.breakdown.logits)},
      {"= peak allocated", Bytes(m.peak_allocated_bytes), share(m.peak_allocated_bytes)},
      {"fragmentation", Bytes(m.breakdown.fragmentation), share(m.breakdown.fragmentation)},
      {"= peak reserved", Bytes(m.peak_reserved_bytes), share(m.peak_reserved_bytes)},
      {"runtime (context, NCCL)", Bytes(m.breakdown.runtime), share(m.breakdown.runtime)},
      {"= per GPU (nvidia-smi)", Bytes(m.per_gpu_bytes), share(m.per_gpu_bytes)},
      {"capacity", Bytes(m.capacity_bytes), "100.0%"}};
  if (m.ema_bytes > 0)  // diffusion --use_ema: part of the optimizer row
    mem.insert(mem.begin() + 4, Row{"  of which EMA copy", Bytes(m.ema_bytes), share(m.ema_bytes)});
  out += SectionHeading("Memory", md) + RenderTable(mem, md);
  std::string verdict = m.fit == estimate::Fit::kFits    ? "FITS"
                        : m.fit == estimate::Fit::kTight ? "TIGHT (out-of-memory risk)"
                                                         : "DOES NOT FIT";
  out += fmt::format("  {}: {} needed (range {} to {}) of {}\n", verdict, Bytes(m.per_gpu_bytes),
                     Bytes(m.low_bytes), Bytes(m.high_bytes), Bytes(m.capacity_bytes));
  if (m.host_ram_bytes > 0) out += fmt::format("  host RAM needed: {}\n", Bytes(m.host_ram_bytes));
  out += fmt::format("  parameters: {} total, {} trainable\n", Number(m.total_params),
                     Number(m.trainable_params));

  std::vector<Row> thr = {
      {"throughput", "value"},
      {"step time", Duration(t.step_time_s)},
      {"tokens/s (all GPUs)", Number(t.tokens_per_s)},
      {"tokens/s per GPU", Number(t.tokens_per_s_per_gpu)},
      {"range tokens/s per GPU",
       Number(t.low_tokens_per_s_per_gpu) + " to " + Number(t.high_tokens_per_s_per_gpu)},
      {"samples/s", Number(t.samples_per_s, 2)},
      {"model TFLOP/s per GPU", Number(t.tflops_per_gpu, 1)},
      {"MFU", Percent(t.mfu, 1)},
      {"bottleneck", std::string(EnumName(estimate::kBottlenecks, t.bottleneck))}};
  out += SectionHeading("Throughput", md) + RenderTable(thr, md);
  std::vector<Row> tb = {{"time per step", "seconds"},
                         {"compute", Duration(t.breakdown_s.compute)},
                         {"memory-bound", Duration(t.breakdown_s.memory)},
                         {"communication (exposed)", Duration(t.breakdown_s.communication)},
                         {"pipeline bubble", Duration(t.breakdown_s.bubble)},
                         {"offload (exposed)", Duration(t.breakdown_s.offload)}};
  out += RenderTable(tb, md);

  std::vector<Row> tr = {
      {"training", "value"},
      {"tokens", Number(r.training.tokens)},
      {"wall time", Duration(r.training.time_s)},
      {"GPU-hours", Number(r.training.gpu_hours, 1)},
      {"energy", Number(r.training.energy_kwh, 1) + " kWh"},
      {"electricity", Usd(r.cost.electricity_usd)},
      {"rent", r.cost.rent_price_known ? Usd(r.cost.rent_usd) + " (" + r.cost.rent_offer + ")"
                                       : "unknown (no offer)"},
      {"buy GPUs", r.cost.buy_price_known ? Usd(r.cost.buy_usd) : "unknown"}};
  out += SectionHeading("Time and cost", md) + RenderTable(tr, md);

  if (!r.warnings.empty()) {
    out += SectionHeading("Warnings", md);
    for (const auto& w : r.warnings) out += (md ? "- " : "  ! ") + w + "\n";
  }
  if (!r.basis.empty()) {
    out += SectionHeading("Basis", md);
    for (const auto& b : r.basis) out += (md ? "- " : "  ") + b + "\n";
  }
  return out;
}

std::string EstimateCsvHeader() {
  return "gpu,gpus,per_gpu_bytes,peak_allocated_bytes,peak_reserved_bytes,capacity_bytes,fit,"
         "step_time_s,tokens_per_s,tokens_per_s_per_gpu,mfu,bottleneck,time_s,gpu_hours,"
         "energy_kwh,electricity_usd,rent_usd,buy_usd\n";
}

std::string EstimateCsvRow(const estimate::EstimateResult& r) {
  const auto& m = r.memory;
  const auto& t = r.throughput;
  return fmt::format(
      "{},{},{:.0f},{:.0f},{:.0f},{:.0f},{},{:.6g},{:.6g},{:.6g},{:.4f},{},{:.6g},{:.6g},{:.6g},{:."
      "2f},{},{}\n",
      r.gpu_id, r.gpus, m.per_gpu_bytes, m.peak_allocated_bytes, m.peak_reserved_bytes,
      m.capacity_bytes, EnumName(estimate::kFits, m.fit), t.step_time_s, t.tokens_per_s,
      t.tokens_per_s_per_gpu, t.mfu, EnumName(estimate::kBottlenecks, t.bottleneck),
      r.training.time_s, r.training.gpu_hours, r.training.energy_kwh, r.cost.electricity_usd,
      r.cost.rent_price_known ? fmt::format("{:.2f}", r.cost.rent_usd) : "",
      r.cost.buy_price_known ? fmt::format("{:.2f}", r.cost.buy_usd) : "");
}

std::string EstimateCsv(const estimate::EstimateResult& r) {
  return AppendJsonColumns(EstimateCsvHeader() + EstimateCsvRow(r),
                           nlohmann::json::array({EstimateJson(r)}));
}

}  // namespace gpuadv::report
