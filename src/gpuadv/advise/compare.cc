#include "gpuadv/advise/compare.h"

#include <algorithm>

#include "gpuadv/advise/cost.h"
#include "gpuadv/advise/recommend.h"
#include "gpuadv/advise/text.h"

namespace gpuadv::advise {
namespace {

// The spec behind the bottleneck: tensor rate for compute-bound jobs, bandwidth for
// memory-bound ones, interconnect for communication-bound ones.
std::string DrivingSpec(const catalog::GpuSpec& g, estimate::Bottleneck b) {
  switch (b) {
    case estimate::Bottleneck::kCompute:
      return text::Num(g.Peak16FlopsPerS() / 1e12, 1) + " TFLOP/s 16-bit tensor";
    case estimate::Bottleneck::kMemory:
      return text::Num(g.memory_bw_gbs.value_or(0)) + " GB/s memory bandwidth";
    case estimate::Bottleneck::kCommunication:
      return (g.gpu_interconnect.empty() ? std::string("no") : g.gpu_interconnect) +
             " GPU interconnect";
    case estimate::Bottleneck::kBubble:
      return "pipeline schedule";
    case estimate::Bottleneck::kOffload:
      return "PCIe gen " + std::to_string(g.pcie_gen.value_or(0)) + " offload path";
  }
  return "";
}

}  // namespace

CompareResult Compare(const workload::Scenario& s, const std::vector<CompareItem>& items,
                      const estimate::Context& ctx, void (*restack)(workload::Scenario&)) {
  CompareResult r;
  for (const auto& item : items) {
    workload::Scenario w = s;
    w.hardware.gpu = *item.gpu;
    w.hardware.gpu_id = item.gpu->id;
    std::string layout;
    bool planned = false;
    if (item.count > 0) {
      w.hardware.count = item.count;
      w.hardware.nodes = 1;
      if (restack) restack(w);
      if (!s.parallelism.specified) {
        w.parallelism = workload::Parallelism{};
        if (item.count > 1) layout = PlanParallelism(w, item.count, ctx, restack, &planned);
      }
    }
    CompareEntry e;
    e.gpu = item.gpu;
    e.count = w.hardware.TotalGpus();
    e.label = item.count > 0 ? std::to_string(item.count) + "x " + item.gpu->id : item.gpu->id;
    e.estimate = estimate::Estimate(w, ctx);
    if (planned) e.estimate.layout_source = "planner";
    if (!layout.empty()) e.reasons.push_back(layout);
    r.entries.push_back(std::move(e));
  }
  if (r.entries.empty()) return r;
  // Winner: best fit class, then shortest time.
  auto better = [](const CompareEntry& a, const CompareEntry& b) {
    const int fa = estimate::FitClass(a.estimate.memory.fit),
              fb = estimate::FitClass(b.estimate.memory.fit);
    if (fa != fb) return fa < fb;
    return a.estimate.training.time_s < b.estimate.training.time_s;
  };
  const CompareEntry* best = &*std::min_element(r.entries.begin(), r.entries.end(), better);
  const CompareEntry* fastest = nullptr;
  const CompareEntry* cheapest = nullptr;
  for (const auto& e : r.entries) {
    if (e.estimate.memory.fit == estimate::Fit::kDoesNotFit) continue;
    if (!fastest || e.estimate.training.time_s < fastest->estimate.training.time_s) fastest = &e;
    const auto p = UnitPriceUsd(*e.gpu);
    if (p && (!cheapest || *p * e.count < *UnitPriceUsd(*cheapest->gpu) * cheapest->count))
      cheapest = &e;
  }
  for (auto& e : r.entries) {
    const auto& m = e.estimate.memory;
    const auto& t = e.estimate.throughput;
    const bool none_fits = best->estimate.memory.fit == estimate::Fit::kDoesNotFit;
    e.verdict = &e == best ? (none_fits ? "closest" : "wins") : "loses";
    if (&e != best && !better(*best, e) && !better(e, *best)) e.verdict = "ties";
    if (m.fit == estimate::Fit::kDoesNotFit) {
      e.reasons.push_back("does not fit: needs " + text::Gb(m.per_gpu_bytes) + " per GPU, has " +
                          text::GbLabel(e.gpu->memory_gb));
    } else {
      e.reasons.push_back(
          std::string(m.fit == estimate::Fit::kTight ? "tight (OOM risk): " : "fits: ") +
          text::Gb(m.per_gpu_bytes) + " of " + text::GbLabel(e.gpu->memory_gb) + " (" +
          text::Pct(1 - m.per_gpu_bytes / std::max(1.0, m.capacity_bytes)) + " headroom)");
      e.reasons.push_back(text::Num(t.tokens_per_s) + " tokens/s, " +
                          std::string(EnumName(estimate::kBottlenecks, t.bottleneck)) +
                          "-bound: " + DrivingSpec(*e.gpu, t.bottleneck) + "; " +
                          text::Time(e.estimate.training.time_s) + " for the job");
      if (fastest && &e != fastest && fastest->estimate.training.time_s > 0)
        e.reasons.push_back(
            text::Num(e.estimate.training.time_s / fastest->estimate.training.time_s, 2) +
            "x the time of " + fastest->label);
    }
    // Memory beats everything else: a GPU that fits wins over one that does not, whatever
    // its speed; say so to the faster card that loses on memory.
    if (estimate::FitClass(m.fit) > estimate::FitClass(best->estimate.memory.fit))
      e.reasons.push_back(
          best->label +
          (best->estimate.memory.fit == estimate::Fit::kFits ? " fits with margin" : " fits") +
          " in its " + text::GbLabel(best->gpu->memory_gb) + ": memory decides before speed");
    if (const auto unit = UnitPriceUsd(*e.gpu)) {
      const double p = *unit * e.count;
      std::string price = text::Usd(p) + (e.gpu->street_price_usd ? " street" : " MSRP");
      if (e.count > 1) price += " for " + std::to_string(e.count);
      if (m.fit != estimate::Fit::kDoesNotFit && t.tokens_per_s > 0)
        price += ", " + text::Num(t.tokens_per_s / p * 1000, 0) + " tokens/s per $1,000";
      if (cheapest == &e && r.entries.size() > 1) price += " (cheapest that fits)";
      e.reasons.push_back(price);
    }
  }
  r.summary = best->label + " wins";
  if (best->estimate.memory.fit == estimate::Fit::kDoesNotFit) {
    r.summary = "none fits this job; " + best->label + " comes closest";
  } else {
    bool others_fail = false, others_tight = false;
    for (const auto& e : r.entries) {
      if (&e == best) continue;
      others_fail |= e.estimate.memory.fit == estimate::Fit::kDoesNotFit;
      others_tight |= estimate::FitClass(e.estimate.memory.fit) >
                          estimate::FitClass(best->estimate.memory.fit) &&
                      e.estimate.memory.fit == estimate::Fit::kTight;
    }
    r.summary += others_fail    ? ": it fits where others do not"
                 : others_tight ? ": it fits with margin where others are tight (OOM risk)"
                                : ": fastest for this job";
  }
  return r;
}

}  // namespace gpuadv::advise
