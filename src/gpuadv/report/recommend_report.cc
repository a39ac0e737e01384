#include "gpuadv/report/recommend_report.h"

#include <fmt/format.h>

#include <cmath>

#include "gpuadv/core/units.h"
#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/text_table.h"

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
          {"zero", p.zero},
          {"sequence_parallel", p.sequence_parallel},
          {"pipeline_embedding_loss", p.pipeline_embedding_loss},
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

std::string RecommendText(const advise::RecommendResult& r, const advise::Guidance* g, bool md) {
  std::string out = fmt::format("{}Recommendations (objective: {})\n{}", md ? "# " : "",
                                EnumName(workload::kObjectives, r.objective), md ? "\n" : "");
  std::vector<TableRow> rows = {{"#", "configuration", "layout", "acquire", "offer", "fit",
                                 "per GPU", "time", "total cost", "$/M tokens", "score"}};
  for (const auto& p : r.picks)
    rows.push_back({std::to_string(p.rank), Config(p),
                    LayoutShort(p.estimate.parallelism, p.estimate.gpus),
                    AcquireName(p.acquisition.kind),
                    p.acquisition.kind == advise::AcquireKind::kRent ? p.acquisition.offer_id : "-",
                    FitWord(p.estimate.memory.fit), Bytes(p.estimate.memory.per_gpu_bytes),
                    Duration(p.estimate.training.time_s), Usd(p.cost.total_usd),
                    Usd(p.cost.usd_per_million_tokens), Number(p.score, 2)});
  out += r.picks.empty() ? "  (nothing meets the constraints)\n"
                         : RenderTable(rows, md, {1, 2, 3, 4, 5});
  if (!r.picks.empty()) out += SectionHeading("Why", md);
  for (const auto& p : r.picks) {
    out += md ? fmt::format("**{}. {} ({}{})**\n\n", p.rank, Config(p),
                            AcquireName(p.acquisition.kind),
                            p.acquisition.offer_id.empty() ? "" : " " + p.acquisition.offer_id)
              : fmt::format("  {}. {} ({}{})\n", p.rank, Config(p), AcquireName(p.acquisition.kind),
                            p.acquisition.offer_id.empty() ? "" : " " + p.acquisition.offer_id);
    for (const auto& w : p.why) out += Bullet(w, md, 5);
    if (p.compatibility.applies)
      for (const auto& n : p.compatibility.notes) out += Bullet("note: " + n, md, 5);
    if (md) out += "\n";
  }
  std::vector<TableRow> front = {{"time", "total cost", "configuration", "acquire"}};
  for (const auto& pt : r.points)
    if (pt.on_front)
      front.push_back(
          {Duration(pt.time_s), Usd(pt.cost_usd),
           (pt.nodes > 1 ? std::to_string(pt.nodes) + " nodes x " : "") + std::to_string(pt.count) +
               "x " + pt.gpu,
           AcquireName(pt.kind) + (pt.kind == advise::AcquireKind::kRent ? " " + pt.offer : "")});
  if (front.size() > 1)
    out += SectionHeading("Pareto front: time vs total cost", md) + RenderTable(front, md, {2, 3});
  if (!r.excluded.empty()) {
    std::vector<TableRow> ex = {{"excluded GPU", "reason"}};
    for (const auto& e : r.excluded) ex.push_back({e.gpu, e.reason});
    out += SectionHeading("Excluded", md) + RenderTable(ex, md, {1});
  }
  out += SectionHeading("Advice", md);
  for (const auto& a : r.advice) out += Bullet(a, md);
  if (!g) return out;

  out += SectionHeading("Guidance: VRAM tiers (what each size trains, estimated)", md);
  if (!g->tiers.empty()) {
    TableRow head = {"VRAM", "example"};
    for (const auto& j : g->tiers.front().jobs) head.push_back(j.label);
    std::vector<TableRow> t = {head};
    for (const auto& tier : g->tiers) {
      TableRow row = {GiBLabel(tier.memory_gb), tier.example_gpu};
      for (const auto& j : tier.jobs)  // the verdict and the need it rests on
        row.push_back(std::string(j.tight  ? "tight"
                                  : j.fits ? "yes"
                                           : "no") +
                      " (" + Bytes(j.per_gpu_bytes) + ")");
      t.push_back(row);
    }
    out += RenderTable(t, md, {1});
  }
  out += SectionHeading("Guidance: tensor cores and precisions", md);
  for (const auto& s : g->precision) out += Bullet(s, md);
  if (!g->cores.empty()) {
    out += SectionHeading("Guidance: cores and clocks in context", md);
    for (const auto& s : g->cores) out += Bullet(s, md);
  }
  out += SectionHeading("Guidance: software stacks", md);
  for (const auto& s : g->stacks) {
    std::string sw, fw;
    for (const auto& x : s.software) sw += (sw.empty() ? "" : ", ") + x;
    for (const auto& x : s.frameworks) fw += (fw.empty() ? "" : ", ") + x;
    out += Bullet(fmt::format("{} {} ({} GPUs): {}; frameworks: {}", s.vendor, s.stack, s.gpus, sw,
                              fw.empty() ? "not recorded" : fw),
                  md);
  }
  out += SectionHeading("Guidance: rent (GPU-as-a-service) or buy", md);
  for (const auto& s : g->rent_vs_buy) out += Bullet(s, md);
  if (!g->cpu_baseline.empty()) {
    out += SectionHeading("Guidance: the same job on a CPU", md);
    for (const auto& c : g->cpu_baseline)
      out += Bullet(fmt::format("{}: {} tokens/s, {} ({}x slower than {}); {}", c.name,
                                Number(c.tokens_per_s, 1), Duration(c.time_s),
                                Number(c.times_slower), c.versus, c.basis),
                    md);
  }
  if (!g->accelerators.empty()) {
    out += SectionHeading("Guidance: FPGAs and other accelerators", md);
    for (const auto& s : g->accelerators) out += Bullet(s, md);
  }
  return out;
}

std::string RecommendCsv(const advise::RecommendResult& r) {
  std::string out =
      "rank,gpu,count,nodes,acquire,offer,fit,per_gpu_bytes,time_s,gpu_hours,energy_kwh,"
      "total_usd,amortized_usd,usd_per_million_tokens,breakeven_hours_per_month,score\n";
  for (const auto& p : r.picks)
    out += fmt::format(
        "{},{},{},{},{},{},{},{:.0f},{:.6g},{:.6g},{:.6g},{:.2f},{:.2f},{:.6g},{},{:.4f}\n", p.rank,
        p.gpu->id, p.count, p.nodes, AcquireName(p.acquisition.kind),
        CsvField(p.acquisition.offer_id), FitWord(p.estimate.memory.fit),
        p.estimate.memory.per_gpu_bytes, p.estimate.training.time_s, p.estimate.training.gpu_hours,
        p.estimate.training.energy_kwh, p.cost.total_usd, p.cost.amortized_usd,
        p.cost.usd_per_million_tokens,
        p.cost.breakeven_hours_per_month > 0 && std::isfinite(p.cost.breakeven_hours_per_month)
            ? fmt::format("{:.1f}", p.cost.breakeven_hours_per_month)
            : "",
        p.score);
  return AppendJsonColumns(out, RecommendJson(r)["recommendations"]);
}

}  // namespace gpuadv::report
