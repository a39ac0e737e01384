#include "gpuadv/report/table_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <vector>

#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::report {
namespace {

using Row = std::vector<std::string>;

// The checkpointing as estimated: "full (21 layers per model chunk)" where only some recompute.
std::string CheckpointingText(const estimate::EstimateResult& r) {
  std::string out(EnumName(workload::kCheckpointings, r.checkpointing));
  if (r.checkpoint_layers) out += fmt::format(" ({} layers per model chunk)", *r.checkpoint_layers);
  return out;
}

// The title and the lines that say what was estimated: stack, job, defaults, layout.
void AddJobLines(const estimate::EstimateResult& r, Document& d) {
  d.Title(fmt::format("{} x {} ({} each)", r.gpus, r.gpu_name, Bytes(r.gpu_memory_bytes)));
  if (!r.framework.empty())
    d.Line(fmt::format(
        "stack: {}{}{}", r.framework,
        r.framework_defaulted
            ? " (default for " + r.framework_reason + "; set training.framework to change)"
            : "",
        r.stack_traits.empty() ? "" : " with training.stack_traits " + r.stack_traits));
  d.Line(fmt::format(
      "as estimated: {}, {}, {}, sequence {}, micro-batch {} x global batch {}, checkpointing {}, "
      "{} tokens{}",
      EnumName(workload::kMethods, r.method),
      std::string(EnumName(workload::kPrecisions, r.precision)) +
          (r.fp8_master_weights == workload::Fp8MasterWeights::kBf16 ? " over bf16 weights" : "") +
          (r.fp8_attention.value_or(false) ? ", attention in fp8" : "") +
          (r.fp8_activation_input.value_or(false) ? ", MLP activation input saved in fp8" : ""),
      EnumName(workload::kOptimizers, r.optimizer), r.seq_len, r.micro_batch, r.global_batch,
      CheckpointingText(r), Number(r.training.tokens),
      r.ema ? (*r.ema ? ", EMA on" : ", EMA off") : ""));
  if (!r.defaults.empty()) {
    std::string defaults;
    for (const auto& k : r.defaults)
      defaults += fmt::format("{}{} {} ({})", defaults.empty() ? "" : "; ", k.knob, k.value, k.why);
    d.Line("defaults used: " + defaults);
  }
  if (r.gpus > 1) {
    const auto& p = r.parallelism;
    d.Line(fmt::format(
        "layout: {}{}{}, micro-batch {}, checkpointing {}{}", LayoutShort(p, r.gpus),
        p.pipeline_embedding_loss && p.pp > 1 ? " (embedding and loss as pipeline layers)" : "",
        p.cp > 1 && p.cp_comm == workload::CpComm::kA2a ? " (context parallel by all-to-all)" : "",
        r.micro_batch, CheckpointingText(r),
        r.layout_source == "planner"
            ? " (the planner's best for this GPU count; set parallelism to change)"
            : ""));
  }
}

// The memory breakdown against capacity and the fit verdict.
void AddMemory(const estimate::MemoryResult& m, Document& d) {
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
  d.Heading("Memory").Table(mem);
  std::string verdict = m.fit == estimate::Fit::kFits    ? "FITS"
                        : m.fit == estimate::Fit::kTight ? "TIGHT (out-of-memory risk)"
                                                         : "DOES NOT FIT";
  d.Line(fmt::format("  {}: {} needed (range {} to {}) of {}", verdict, Bytes(m.per_gpu_bytes),
                     Bytes(m.low_bytes), Bytes(m.high_bytes), Bytes(m.capacity_bytes)));
  if (m.fit == estimate::Fit::kTight && m.per_gpu_bytes > m.capacity_bytes)
    // The verdict rests on what must be resident (estimate/memory.cc): the allocated peak and
    // the runtime; the caching allocator gives its cache back before it fails.
    d.Line(
        fmt::format("  the allocated peak and the runtime, {}, fit: the allocator flushes its "
                    "cache and retries",
                    Bytes(m.resident_bytes)));
  if (m.host_ram_bytes > 0) d.Line(fmt::format("  host RAM needed: {}", Bytes(m.host_ram_bytes)));
  d.Line(fmt::format("  parameters: {} total, {} trainable", Number(m.total_params),
                     Number(m.trainable_params)));
}

// Throughput and the step time's terms.
void AddThroughput(const estimate::ThroughputResult& t, Document& d) {
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
  d.Heading("Throughput").Table(thr);
  d.Table({{"time per step", "seconds"},
           {"compute", Duration(t.breakdown_s.compute)},
           {"memory-bound", Duration(t.breakdown_s.memory)},
           {"communication (exposed)", Duration(t.breakdown_s.communication)},
           {"pipeline bubble", Duration(t.breakdown_s.bubble)},
           {"offload (exposed)", Duration(t.breakdown_s.offload)}});
}

// The CSV row of an estimate (raw values; the header in EstimateDocument).
Row CsvRow(const estimate::EstimateResult& r) {
  const auto& m = r.memory;
  const auto& t = r.throughput;
  auto g6 = [](double v) { return fmt::format("{:.6g}", v); };
  auto f0 = [](double v) { return fmt::format("{:.0f}", v); };
  return {r.gpu_id,
          std::to_string(r.gpus),
          f0(m.per_gpu_bytes),
          f0(m.peak_allocated_bytes),
          f0(m.peak_reserved_bytes),
          f0(m.capacity_bytes),
          std::string(EnumName(estimate::kFits, m.fit)),
          g6(t.step_time_s),
          g6(t.tokens_per_s),
          g6(t.tokens_per_s_per_gpu),
          fmt::format("{:.4f}", t.mfu),
          std::string(EnumName(estimate::kBottlenecks, t.bottleneck)),
          g6(r.training.time_s),
          g6(r.training.gpu_hours),
          g6(r.training.energy_kwh),
          fmt::format("{:.2f}", r.cost.electricity_usd),
          r.cost.rent_price_known ? fmt::format("{:.2f}", r.cost.rent_usd) : "",
          r.cost.buy_price_known ? fmt::format("{:.2f}", r.cost.buy_usd) : ""};
}

}  // namespace

Document EstimateDocument(const estimate::EstimateResult& r) {
  Document d;
  d.json = EstimateJson(r);
  AddJobLines(r, d);
  AddMemory(r.memory, d);
  AddThroughput(r.throughput, d);
  d.Heading("Time and cost")
      .Table(
          {{"training", "value"},
           {"tokens", Number(r.training.tokens)},
           {"wall time", Duration(r.training.time_s)},
           {"GPU-hours", Number(r.training.gpu_hours, 1)},
           {"energy", Number(r.training.energy_kwh, 1) + " kWh"},
           {"electricity", Usd(r.cost.electricity_usd)},
           {"rent", r.cost.rent_price_known ? Usd(r.cost.rent_usd) + " (" + r.cost.rent_offer + ")"
                                            : "unknown (no offer)"},
           {"buy GPUs", r.cost.buy_price_known ? Usd(r.cost.buy_usd) : "unknown"}});
  if (!r.warnings.empty()) d.Heading("Warnings");
  for (const auto& w : r.warnings) d.Bullet(w, "  ! ");
  if (!r.basis.empty()) d.Heading("Basis");
  for (const auto& b : r.basis) d.Bullet(b, "  ");
  d.csv = {
      {"gpu", "gpus", "per_gpu_bytes", "peak_allocated_bytes", "peak_reserved_bytes",
       "capacity_bytes", "fit", "step_time_s", "tokens_per_s", "tokens_per_s_per_gpu", "mfu",
       "bottleneck", "time_s", "gpu_hours", "energy_kwh", "electricity_usd", "rent_usd", "buy_usd"},
      CsvRow(r)};
  d.csv_json = nlohmann::json::array({d.json});
  return d;
}

}  // namespace gpuadv::report
