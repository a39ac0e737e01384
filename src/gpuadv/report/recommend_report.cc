#include "gpuadv/report/recommend_report.h"

#include <fmt/format.h>

#include <cmath>

#include "gpuadv/core/units.h"
#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::report {
namespace {

using nlohmann::json;

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }

std::string AcquireName(advise::AcquireKind k) {
  return std::string(EnumName(advise::kAcquireKinds, k));
}

json ParallelismJson(const workload::Parallelism& p) {
  return {{"tp", p.tp},
          {"pp", p.pp},
          {"vpp", p.vpp},
          {"cp", p.cp},
          {"ep", p.ep},
          {"etp", p.ExpertTp()},
          {"zero", p.zero},
          {"sequence_parallel", p.sequence_parallel},
          {"pipeline_embedding_loss", p.pipeline_embedding_loss},
          {"cp_comm", std::string(EnumName(workload::kCpComms, p.cp_comm))},
          {"offload", std::string(EnumName(workload::kOffloads, p.offload))},
          {"chosen", !p.specified}};
}

json CostJson(const advise::JobCost& c) {
  json j = {{"total_usd", Num(c.total_usd)},
            {"amortized_usd", Num(c.amortized_usd)},
            {"usd_per_million_tokens", Num(c.usd_per_million_tokens)},
            {"average_kw", Num(c.average_kw)}};
  if (c.kind == advise::AcquireKind::kBuy) {
    j["gpu_purchase_usd"] = Num(c.gpu_purchase_usd);
    j["price_basis"] = c.street_price ? "street" : "msrp";
    j["host_usd"] = Num(c.host_usd);
    j["host"] = c.host.empty() ? json(nullptr) : json(c.host);
    j["upfront_usd"] = Num(c.upfront_usd);
    j["electricity_usd"] = Num(c.electricity_usd);
  } else {
    j["rent_usd"] = Num(c.rent_usd);
  }
  json be = nullptr;
  if (c.breakeven_hours_per_month > 0)
    be = {{"compared_with", c.compared_with},
          {"hours_per_month", Num(c.breakeven_hours_per_month)},
          {"utilisation", Num(c.breakeven_utilisation)},
          {"horizon_buy_usd", Num(c.horizon_buy_usd)},
          {"horizon_rent_usd", Num(c.horizon_rent_usd)}};
  j["break_even"] = be;
  j["warnings"] = c.warnings;
  return j;
}

std::string FitWord(estimate::Fit f) { return std::string(EnumName(estimate::kFits, f)); }

std::string Config(const advise::Pick& p) {
  std::string s = std::to_string(p.count) + "x";
  if (p.nodes > 1) s = std::to_string(p.nodes) + " nodes x " + s;
  return s + " " + p.gpu->id;
}

// The ranked table and why each pick ranks where it does.
void AddPicks(const advise::RecommendResult& r, Document& d) {
  if (r.picks.empty()) {
    d.Line("  (nothing meets the constraints)");
    return;
  }
  std::vector<TableRow> rows = {{"#", "configuration", "layout", "acquire", "offer", "fit",
                                 "per GPU", "time", "total cost", "$/M tokens", "score"}};
  // Picks whose estimate is not validated carry a mark in the table, not only in Why.
  bool unvalidated = false;
  for (const auto& p : r.picks) {
    const bool mark = !p.estimate.unvalidated.empty();
    unvalidated = unvalidated || mark;
    rows.push_back({std::to_string(p.rank), Config(p) + (mark ? " *" : ""),
                    LayoutShort(p.estimate.parallelism, p.estimate.gpus),
                    AcquireName(p.acquisition.kind),
                    p.acquisition.kind == advise::AcquireKind::kRent ? p.acquisition.offer_id : "-",
                    FitWord(p.estimate.memory.fit), Bytes(p.estimate.memory.per_gpu_bytes),
                    Duration(p.estimate.training.time_s), Usd(p.cost.total_usd),
                    Usd(p.cost.usd_per_million_tokens), Number(p.score, 2)});
  }
  d.Table(rows, {1, 2, 3, 4, 5});
  if (unvalidated)
    d.Line(
        "  * not validated (too few validation rows for its GPU architecture, precision or method: "
        "see Why): ranked at the slow end of its range");
  d.Heading("Why");
  for (const auto& p : r.picks) {
    d.Strong(fmt::format("{}. {} ({}{})", p.rank, Config(p), AcquireName(p.acquisition.kind),
                         p.acquisition.offer_id.empty() ? "" : " " + p.acquisition.offer_id),
             "  ");
    for (const auto& w : p.why) d.Bullet(w, "     - ");
    if (p.compatibility.applies)
      for (const auto& n : p.compatibility.notes) d.Bullet("note: " + n, "     - ");
  }
}

// The Pareto front of time vs total cost and the GPUs left out.
void AddFrontAndExclusions(const advise::RecommendResult& r, Document& d) {
  std::vector<TableRow> front = {{"time", "total cost", "configuration", "acquire"}};
  for (const auto& pt : r.points)
    if (pt.on_front)
      front.push_back(
          {Duration(pt.time_s), Usd(pt.cost_usd),
           (pt.nodes > 1 ? std::to_string(pt.nodes) + " nodes x " : "") + std::to_string(pt.count) +
               "x " + pt.gpu,
           AcquireName(pt.kind) + (pt.kind == advise::AcquireKind::kRent ? " " + pt.offer : "")});
  if (front.size() > 1) d.Heading("Pareto front: time vs total cost").Table(front, {2, 3});
  if (r.excluded.empty()) return;
  std::vector<TableRow> ex = {{"excluded GPU", "reason"}};
  for (const auto& e : r.excluded) ex.push_back({e.gpu, e.reason});
  d.Heading("Excluded").Table(ex, {1});
}

// The VRAM tiers: what each memory size trains, the verdict and the need it rests on.
std::vector<TableRow> TierRows(const advise::Guidance& g) {
  TableRow head = {"VRAM", "example"};
  for (const auto& j : g.tiers.front().jobs) head.push_back(j.label);
  std::vector<TableRow> t = {head};
  for (const auto& tier : g.tiers) {
    TableRow row = {GiBLabel(tier.memory_gb), tier.example_gpu};
    for (const auto& j : tier.jobs)
      row.push_back(std::string(j.tight  ? "tight"
                                : j.fits ? "yes"
                                         : "no") +
                    " (" + Bytes(j.per_gpu_bytes) + ")");
    t.push_back(row);
  }
  return t;
}

// Guidance (C14): VRAM tiers, precisions, cores, software stacks, rent or buy, the CPU
// baseline and other accelerators.
void AddGuidance(const advise::Guidance& g, Document& d) {
  d.Heading("Guidance: VRAM tiers (what each size trains, estimated)");
  if (!g.tiers.empty()) d.Table(TierRows(g), {1});
  d.Heading("Guidance: tensor cores and precisions");
  for (const auto& s : g.precision) d.Bullet(s);
  if (!g.cores.empty()) d.Heading("Guidance: cores and clocks in context");
  for (const auto& s : g.cores) d.Bullet(s);
  d.Heading("Guidance: software stacks");
  for (const auto& s : g.stacks) {
    std::string sw, fw;
    for (const auto& x : s.software) sw += (sw.empty() ? "" : ", ") + x;
    for (const auto& x : s.frameworks) fw += (fw.empty() ? "" : ", ") + x;
    d.Bullet(fmt::format("{} {} ({} GPUs): {}; frameworks: {}", s.vendor, s.stack, s.gpus, sw,
                         fw.empty() ? "not recorded" : fw));
  }
  d.Heading("Guidance: rent (GPU-as-a-service) or buy");
  for (const auto& s : g.rent_vs_buy) d.Bullet(s);
  if (!g.cpu_baseline.empty()) d.Heading("Guidance: the same job on a CPU");
  for (const auto& c : g.cpu_baseline)
    d.Bullet(fmt::format("{}: {} tokens/s, {} ({}x slower than {}); {}", c.name,
                         Number(c.tokens_per_s, 1), Duration(c.time_s), Number(c.times_slower),
                         c.versus, c.basis));
  if (!g.accelerators.empty()) d.Heading("Guidance: FPGAs and other accelerators");
  for (const auto& s : g.accelerators) d.Bullet(s);
}

// The CSV row of a pick (raw values).
TableRow CsvRow(const advise::Pick& p) {
  auto g6 = [](double v) { return fmt::format("{:.6g}", v); };
  auto f2 = [](double v) { return fmt::format("{:.2f}", v); };
  const double be = p.cost.breakeven_hours_per_month;
  return {std::to_string(p.rank),
          p.gpu->id,
          std::to_string(p.count),
          std::to_string(p.nodes),
          AcquireName(p.acquisition.kind),
          p.acquisition.offer_id,
          FitWord(p.estimate.memory.fit),
          fmt::format("{:.0f}", p.estimate.memory.per_gpu_bytes),
          g6(p.estimate.training.time_s),
          g6(p.estimate.training.gpu_hours),
          g6(p.estimate.training.energy_kwh),
          f2(p.cost.total_usd),
          f2(p.cost.amortized_usd),
          g6(p.cost.usd_per_million_tokens),
          be > 0 && std::isfinite(be) ? fmt::format("{:.1f}", be) : "",
          fmt::format("{:.4f}", p.score)};
}

}  // namespace

json CompatibilityJson(const advise::Compatibility& c) {
  if (!c.applies)
    return {{"applies", false},
            {"ok", true},
            {"note", "rented: the provider's machine; no PSU, slot or cooling checks"}};
  json issues = json::array();
  for (const auto& i : c.issues)
    issues.push_back({{"kind", i.kind},
                      {"severity", std::string(EnumName(advise::kSeverities, i.severity))},
                      {"message", i.message},
                      {"fix", i.fix}});
  return {{"applies", true},
          {"ok", c.ok},
          {"power",
           {{"gpu_w", Num(c.gpu_w)},
            {"cpu_w", Num(c.cpu_w)},
            {"rest_w", Num(c.rest_w)},
            {"sustained_w", Num(c.sustained_w)},
            {"transient_w", Num(c.transient_w)},
            {"transient_factor", Num(c.transient.factor)},
            {"transient_family", c.transient.family},
            {"transient_source", c.transient.source},
            {"recommended_psu_w", Num(c.recommended_psu_w)},
            {"psu_w", c.psu_w ? Num(*c.psu_w) : json(nullptr)},
            {"connectors",
             {{"12v_2x6", c.connectors_16pin},
              {"8_pin", c.connectors_8pin},
              {"6_pin", c.connectors_6pin}}},
            {"wall_w", Num(c.wall_w)},
            {"circuit_limit_w", Num(c.circuit_limit_w)}}},
          {"pcie_slowdown", Num(c.pcie_slowdown)},
          {"host_ram_needed_bytes", Num(std::round(c.host_ram_needed_bytes))},
          {"host_ram_bytes", c.host_ram_bytes ? Num(std::round(*c.host_ram_bytes)) : json(nullptr)},
          {"cooling_needed", c.cooling_needed},
          {"issues", issues},
          {"notes", c.notes}};
}

json GuidanceJson(const advise::Guidance& g) {
  json tiers = json::array();
  for (const auto& t : g.tiers) {
    json jobs = json::array();
    for (const auto& j : t.jobs)
      jobs.push_back({{"job", j.label},
                      {"fits", j.fits},
                      {"tight", j.tight},
                      {"per_gpu_bytes", Num(std::round(j.per_gpu_bytes))}});
    tiers.push_back({{"memory_gb", t.memory_gb},
                     {"example_gpu", t.example_gpu},
                     {"gpus", t.gpus},
                     {"jobs", jobs}});
  }
  json stacks = json::array();
  for (const auto& s : g.stacks)
    stacks.push_back({{"vendor", s.vendor},
                      {"stack", s.stack},
                      {"gpus", s.gpus},
                      {"software", s.software},
                      {"frameworks", s.frameworks}});
  json cpus = json::array();
  for (const auto& c : g.cpu_baseline)
    cpus.push_back({{"cpu", c.cpu},
                    {"name", c.name},
                    {"tokens_per_s", Num(c.tokens_per_s)},
                    {"time_s", Num(c.time_s)},
                    {"times_slower", Num(c.times_slower)},
                    {"versus", c.versus},
                    {"matmul_tflops", Num(c.matmul_tflops)},
                    {"matmul_precision", c.matmul_precision},
                    {"matmul_measured", c.matmul_measured},
                    {"memory_bw_gbs", c.memory_bw_gbs > 0 ? Num(c.memory_bw_gbs) : json()},
                    {"bandwidth_measured", c.bandwidth_measured},
                    {"basis", c.basis}});
  return {{"vram_tiers", tiers},           {"precision", g.precision},     {"cores", g.cores},
          {"software_stacks", stacks},     {"rent_vs_buy", g.rent_vs_buy}, {"cpu_baseline", cpus},
          {"accelerators", g.accelerators}};
}

json RecommendJson(const advise::RecommendResult& r, const advise::Guidance* g) {
  json recs = json::array();
  for (const auto& p : r.picks) {
    recs.push_back(
        {{"rank", p.rank},
         {"gpu", p.gpu->id},
         {"count", p.count},
         {"nodes", p.nodes},
         {"acquire", AcquireName(p.acquisition.kind)},
         {"offer", p.acquisition.kind == advise::AcquireKind::kRent ? json(p.acquisition.offer_id)
                                                                    : json(nullptr)},
         {"provider",
          p.acquisition.provider.empty() ? json(nullptr) : json(p.acquisition.provider)},
         {"price_date",
          p.acquisition.price_date.empty() ? json(nullptr) : json(p.acquisition.price_date)},
         {"parallelism", ParallelismJson(p.parallelism)},
         {"estimate", EstimateJson(p.estimate)},
         {"cost", CostJson(p.cost)},
         {"compatibility", CompatibilityJson(p.compatibility)},
         {"objective_value", Num(p.objective_value)},
         {"ranked_objective", Num(p.ranked_objective)},
         {"validated", p.estimate.unvalidated.empty()},
         {"not_validated_for",
          p.estimate.unvalidated.empty() ? json(nullptr) : json(p.estimate.unvalidated)},
         {"score", Num(p.score)},
         {"why", p.why}});
  }
  json excluded = json::array();
  for (const auto& e : r.excluded) excluded.push_back({{"gpu", e.gpu}, {"reason", e.reason}});
  json pareto = json::array();
  for (const auto& pt : r.points)
    if (pt.on_front)
      pareto.push_back(
          {{"gpu", pt.gpu},
           {"count", pt.count},
           {"nodes", pt.nodes},
           {"acquire", AcquireName(pt.kind)},
           {"offer", pt.kind == advise::AcquireKind::kRent ? json(pt.offer) : json(nullptr)},
           {"time_s", Num(pt.time_s)},
           {"cost_usd", Num(pt.cost_usd)}});
  json j = {{"schema_version", kJsonSchemaVersion},
            {"objective", std::string(EnumName(workload::kObjectives, r.objective))},
            {"objective_unit", advise::ObjectiveUnit(r.objective)},
            {"recommendations", recs},
            {"excluded", excluded},
            {"advice", r.advice},
            {"pareto", pareto},
            {"evaluated",
             {{"configurations", r.candidates},
              {"estimates", r.estimates},
              {"feasible", r.points.size()}}}};
  if (g) j["guidance"] = GuidanceJson(*g);
  return j;
}

Document RecommendDocument(const advise::RecommendResult& r, const advise::Guidance* g) {
  Document d;
  d.json = RecommendJson(r, g);
  d.Title(
      fmt::format("Recommendations (objective: {})", EnumName(workload::kObjectives, r.objective)));
  AddPicks(r, d);
  AddFrontAndExclusions(r, d);
  d.Heading("Advice");
  for (const auto& a : r.advice) d.Bullet(a);
  if (g) AddGuidance(*g, d);
  d.csv = {{"rank", "gpu", "count", "nodes", "acquire", "offer", "fit", "per_gpu_bytes", "time_s",
            "gpu_hours", "energy_kwh", "total_usd", "amortized_usd", "usd_per_million_tokens",
            "breakeven_hours_per_month", "score"}};
  for (const auto& p : r.picks) d.csv.push_back(CsvRow(p));
  d.csv_json = d.json["recommendations"];
  return d;
}

}  // namespace gpuadv::report
