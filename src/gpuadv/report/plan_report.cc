#include "gpuadv/report/plan_report.h"

#include <fmt/format.h>

#include <cmath>

#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/text_table.h"

namespace gpuadv::report {
namespace {

using nlohmann::json;

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
json Int(double v) {
  return std::isfinite(v) ? json(static_cast<long long>(std::llround(v))) : json(nullptr);
}

std::string Ckpt(workload::Checkpointing c) {
  return std::string(EnumName(workload::kCheckpointings, c));
}

std::string Layout(const plan::Candidate& c) {
  const plan::Layout& l = c.layout;
  std::string out = fmt::format("{}x{}", l.tp, l.pp);
  if (l.vpp > 1) out += fmt::format("(v{})", l.vpp);
  if (l.pipeline_embedding_loss) out += "+el";
  if (l.cp > 1) out += fmt::format(" cp{}", l.cp);
  if (l.ep > 1) out += fmt::format(" ep{}", l.ep);
  if (l.etp > 0 && l.etp != l.tp) out += fmt::format(" etp{}", l.etp);
  return out;
}

std::string Zero(const plan::Layout& l) {
  std::string out = std::to_string(l.zero);
  if (l.shard_group > 0) out += fmt::format(" (hsdp {})", l.shard_group);
  if (l.offload != workload::Offload::kNone)
    out += " +" + std::string(EnumName(workload::kOffloads, l.offload));
  return out;
}

// The ranked plans, the flags they carry and the best plan's breakdown.
void AddPlans(const plan::PlanReport& r, Document& d) {
  std::vector<TableRow> rows = {{"#", "tp x pp", "dp", "zero", "sp", "micro-batch", "ckpt",
                                 "tokens/s/GPU", "MFU", "step", "memory/GPU", "bottleneck", "time",
                                 "GPU-hours", "rent"}};
  int rank = 0;
  bool flagged = false, tight = false;
  for (const plan::Plan& p : r.plans) {
    const plan::Candidate& c = p.candidate;
    rows.push_back(
        {std::to_string(++rank), Layout(c), std::to_string(c.layout.dp), Zero(c.layout),
         c.layout.sequence_parallel ? "yes" : "no",
         fmt::format("{} x {}", c.micro_batch, c.gradient_accumulation), Ckpt(c.checkpointing),
         Number(p.throughput.tokens_per_s_per_gpu),
         Percent(p.throughput.mfu, 1) + (p.above_measured_mfu ? " (!)" : ""),
         Duration(p.throughput.step_time_s),
         Bytes(p.memory.per_gpu_bytes) + (p.memory.fit == estimate::Fit::kTight ? " (tight)" : ""),
         std::string(EnumName(estimate::kBottlenecks, p.throughput.bottleneck)),
         p.training ? Duration(p.training->time_s) : "-",
         p.training ? Number(p.training->gpu_hours) : "-",
         p.cost && p.cost->rent_price_known ? Usd(p.cost->rent_usd) : "-"});
    flagged |= p.above_measured_mfu;
    tight |= p.memory.fit == estimate::Fit::kTight;
  }
  d.Heading("Fastest plans that fit").Table(rows, {1, 3, 6, 11, 14});
  if (flagged)
    d.Bullet(
        fmt::format("(!) MFU above the highest measured on this architecture for this "
                    "kind of layout ({}): outside measured territory, ranked by "
                    "the slow end of its range",
                    Percent(r.plans.front().measured_mfu_max, 1)));
  if (tight)
    d.Bullet(
        "tight plans rank after plans that fit with margin (--prefer-tight to rank "
        "them by speed alone; --safe to drop them)");
  const plan::Plan& best = r.plans.front();
  const auto& tb = best.throughput.breakdown_s;
  const auto& mb = best.memory.breakdown;
  d.Heading("Best plan").Bullet(plan::Label(best.candidate));
  d.Bullet(
      fmt::format("step {}: compute {}, memory-bound {}, communication {}, bubble {}, "
                  "offload {}",
                  Duration(best.throughput.step_time_s), Duration(tb.compute), Duration(tb.memory),
                  Duration(tb.communication), Duration(tb.bubble), Duration(tb.offload)));
  d.Bullet(fmt::format(
      "memory {} of {}: weights {}, gradients {}, optimizer {}, "
      "activations {}, logits {}, runtime {}, fragmentation {}",
      Bytes(best.memory.per_gpu_bytes), Bytes(best.memory.capacity_bytes), Bytes(mb.weights),
      Bytes(mb.gradients), Bytes(mb.optimizer), Bytes(mb.activations), Bytes(mb.logits),
      Bytes(mb.runtime), Bytes(mb.fragmentation)));
}

// The CSV row of the plan ranked `rank` (raw values).
TableRow CsvRow(int rank, const plan::Plan& p) {
  const plan::Candidate& c = p.candidate;
  const plan::Layout& l = c.layout;
  auto g6 = [](double v) { return fmt::format("{:.6g}", v); };
  return {std::to_string(rank),
          std::to_string(l.tp),
          std::to_string(l.pp),
          std::to_string(l.vpp),
          std::to_string(l.cp),
          std::to_string(l.ep),
          std::to_string(l.dp),
          std::to_string(l.zero),
          std::to_string(l.shard_group),
          l.sequence_parallel ? "true" : "false",
          std::string(EnumName(workload::kOffloads, l.offload)),
          std::to_string(c.micro_batch),
          std::to_string(c.gradient_accumulation),
          Ckpt(c.checkpointing),
          g6(p.throughput.tokens_per_s),
          g6(p.throughput.tokens_per_s_per_gpu),
          g6(p.throughput.mfu),
          g6(p.throughput.step_time_s),
          fmt::format("{:.0f}", p.memory.per_gpu_bytes),
          fmt::format("{:.0f}", p.memory.capacity_bytes),
          std::string(EnumName(estimate::kFits, p.memory.fit)),
          std::string(EnumName(estimate::kBottlenecks, p.throughput.bottleneck)),
          p.above_measured_mfu ? "true" : "false"};
}

}  // namespace

json PlanJson(const plan::PlanReport& r) {
  json rejected = json::object();
  for (const auto& [name, n] : r.rejected) rejected[name] = n;
  json plans = json::array();
  int rank = 0;
  for (const plan::Plan& p : r.plans) {
    const plan::Candidate& c = p.candidate;
    const plan::Layout& l = c.layout;
    const auto& m = p.memory;
    const auto& t = p.throughput;
    const auto& mb = m.breakdown;
    const auto& tb = t.breakdown_s;
    plans.push_back({
        {"rank", ++rank},
        {"tp", l.tp},
        {"pp", l.pp},
        {"vpp", l.vpp},
        {"cp", l.cp},
        {"ep", l.ep},
        {"etp", l.etp > 0 ? l.etp : l.tp},
        {"dp", l.dp},
        {"zero", l.zero},
        {"shard_group", l.shard_group},
        {"sequence_parallel", l.sequence_parallel},
        {"pipeline_embedding_loss", l.pipeline_embedding_loss},
        {"offload", std::string(EnumName(workload::kOffloads, l.offload))},
        {"micro_batch", c.micro_batch},
        {"gradient_accumulation", c.gradient_accumulation},
        {"activation_checkpointing", Ckpt(c.checkpointing)},
        {"label", plan::Label(c)},
        {"above_measured_mfu", p.above_measured_mfu},
        {"measured_mfu_max", p.measured_mfu_max > 0 ? json(p.measured_mfu_max) : json(nullptr)},
        {"ranked_tokens_per_s", Num(p.ranked_tokens_per_s)},
        {"training", p.training ? json{{"tokens", Num(p.training->tokens)},
                                       {"time_s", Num(p.training->time_s)},
                                       {"gpu_hours", Num(p.training->gpu_hours)},
                                       {"energy_kwh", Num(p.training->energy_kwh)}}
                                : json(nullptr)},
        {"cost",
         p.cost
             ? json{{"rent_usd", p.cost->rent_price_known ? Num(p.cost->rent_usd) : json(nullptr)},
                    {"rent_offer",
                     p.cost->rent_price_known ? json(p.cost->rent_offer) : json(nullptr)},
                    {"buy_usd", p.cost->buy_price_known ? Num(p.cost->buy_usd) : json(nullptr)},
                    {"electricity_usd", Num(p.cost->electricity_usd)}}
             : json(nullptr)},
        {"memory",
         {{"per_gpu_bytes", Int(m.per_gpu_bytes)},
          {"capacity_bytes", Int(m.capacity_bytes)},
          {"fit", std::string(EnumName(estimate::kFits, m.fit))},
          {"breakdown_bytes",
           {{"weights", Int(mb.weights)},
            {"gradients", Int(mb.gradients)},
            {"optimizer", Int(mb.optimizer)},
            {"activations", Int(mb.activations)},
            {"logits", Int(mb.logits)},
            {"runtime", Int(mb.runtime)},
            {"fragmentation", Int(mb.fragmentation)}}}}},
        {"throughput",
         {{"step_time_s", Num(t.step_time_s)},
          {"tokens_per_s", Num(t.tokens_per_s)},
          {"tokens_per_s_per_gpu", Num(t.tokens_per_s_per_gpu)},
          {"mfu", Num(t.mfu)},
          {"tflops_per_gpu", Num(t.tflops_per_gpu)},
          {"bottleneck", std::string(EnumName(estimate::kBottlenecks, t.bottleneck))},
          {"breakdown_s",
           {{"compute", Num(tb.compute)},
            {"memory", Num(tb.memory)},
            {"communication", Num(tb.communication)},
            {"bubble", Num(tb.bubble)},
            {"offload", Num(tb.offload)}}}}},
    });
  }
  return {{"schema_version", kJsonSchemaVersion},
          {"model", r.model},
          {"gpu", {{"id", r.gpu_id}, {"name", r.gpu_name}}},
          {"gpus", r.gpus},
          {"gpus_per_node", r.gpus_per_node},
          {"nodes", r.nodes},
          {"seq_len", r.seq_len},
          {"global_batch", r.global_batch},
          {"global_batch_assumed", r.global_batch_assumed},
          {"search",
           {{"strategy", r.strategy},
            {"threads", r.threads},
            {"space_size", r.space_size},
            {"evaluated", r.evaluated},
            {"throughput_evaluated", r.throughput_evaluated},
            {"fitting", r.fitting},
            {"seconds", Num(r.seconds)},
            {"offload_used", r.offload_used},
            {"rejected", rejected}}},
          {"plans", plans},
          {"notes", r.notes},
          {"idle_gpus", r.idle_gpus}};
}

Document PlanDocument(const plan::PlanReport& r) {
  Document d;
  d.json = PlanJson(r);
  d.Title(fmt::format("{} on {} x {} ({} node{} of {}), sequence {} tokens, global batch {}{}",
                      r.model, r.gpus, r.gpu_id, r.nodes, r.nodes > 1 ? "s" : "", r.gpus_per_node,
                      r.seq_len, r.global_batch, r.global_batch_assumed ? " (assumed)" : ""));
  d.Line(fmt::format("searched {} of {} candidates ({} strategy, {} thread{}) in {}; {} fit",
                     Number(static_cast<double>(r.evaluated)),
                     Number(static_cast<double>(r.space_size)), r.strategy, r.threads,
                     r.threads > 1 ? "s" : "", Duration(r.seconds),
                     Number(static_cast<double>(r.fitting))));
  if (r.plans.empty())
    d.Heading("No plan fits");
  else
    AddPlans(r, d);
  if (!r.rejected.empty()) {
    std::string line = "rejected:";
    for (const auto& [name, n] : r.rejected)
      line += fmt::format(" {} {}", Number(static_cast<double>(n)), name);
    d.Heading("Search").Bullet(line);
  }
  for (const auto& n : r.notes) d.Bullet(n);
  d.csv.push_back({"rank",
                   "tp",
                   "pp",
                   "vpp",
                   "cp",
                   "ep",
                   "dp",
                   "zero",
                   "shard_group",
                   "sequence_parallel",
                   "offload",
                   "micro_batch",
                   "gradient_accumulation",
                   "activation_checkpointing",
                   "tokens_per_s",
                   "tokens_per_s_per_gpu",
                   "mfu",
                   "step_time_s",
                   "per_gpu_bytes",
                   "capacity_bytes",
                   "fit",
                   "bottleneck",
                   "above_measured_mfu"});
  int rank = 0;
  for (const plan::Plan& p : r.plans) d.csv.push_back(CsvRow(++rank, p));
  return d;
}

}  // namespace gpuadv::report
