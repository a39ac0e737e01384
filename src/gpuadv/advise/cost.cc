#include "gpuadv/advise/cost.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "gpuadv/advise/dates.h"
#include "gpuadv/core/units.h"

namespace gpuadv::advise {
namespace {

bool Contains(const std::string& s, const char* needle) { return s.find(needle) != s.npos; }

// Form of a GPU for host selection: PCIe cards go into desktops/workstations/servers;
// SXM modules need an HGX baseboard system, OAM modules an OAM (UBB) system.
std::string FormOf(const catalog::GpuSpec& gpu) {
  const std::string& f = gpu.form_factor;
  if (Contains(f, "SXM") || Contains(f, "Superchip") || Contains(f, "superchip")) return "hgx";
  if (Contains(f, "OAM")) return "oam";
  return "pcie";
}

// Owning vs renting over the horizon at h hours a month:
//   own(h)  = upfront + energy_per_h * h * months
//   rent(h) = rent_per_h * h * months
// break-even h* = upfront / (months * (rent_per_h - energy_per_h)); renting always wins
// when the rental costs less per hour than the owner's electricity.
void BreakEven(double upfront_usd, double rent_per_h, double energy_per_h, const CostOptions& opt,
               JobCost& c) {
  if (upfront_usd <= 0 || rent_per_h <= 0) return;
  const double margin = rent_per_h - energy_per_h;
  c.breakeven_hours_per_month = margin > 0 ? upfront_usd / (opt.horizon_months * margin)
                                           : std::numeric_limits<double>::infinity();
  c.breakeven_utilisation = c.breakeven_hours_per_month / kHoursPerMonth;
  c.horizon_buy_usd = upfront_usd + energy_per_h * opt.hours_per_month * opt.horizon_months;
  c.horizon_rent_usd = rent_per_h * opt.hours_per_month * opt.horizon_months;
}

double JobHours(const estimate::EstimateResult& est) {
  return est.training.time_s / kSecondsPerHour;
}

double AverageKw(const estimate::EstimateResult& est) {
  const double h = JobHours(est);
  return h > 0 ? est.training.energy_kwh / h : 0;
}

}  // namespace

std::optional<double> UnitPriceUsd(const catalog::GpuSpec& gpu) {
  if (gpu.street_price_usd) return gpu.street_price_usd;
  return gpu.launch_msrp_usd;
}

std::string StalePriceWarning(const std::string& what, const std::string& date,
                              const CostOptions& opt) {
  if (date.empty()) return "";
  const std::string today = opt.today.empty() ? TodayIso() : opt.today;
  auto age = AgeDays(date, today);
  if (!age || *age <= opt.max_price_age_days) return "";
  return "price of " + what + " is from " + date + ", over a year old: check current prices";
}

const HostPlatform* HostFor(const catalog::GpuSpec& gpu, int gpus_per_node, int user_slots,
                            const PlatformData* platforms) {
  const std::string form = FormOf(gpu);
  const bool passive = gpu.PassivelyCooled();
  if (form == "pcie" && gpus_per_node <= std::max(1, user_slots)) return nullptr;
  if (!platforms) return nullptr;
  const HostPlatform* best = nullptr;
  for (const auto& h : platforms->hosts) {
    // Passively cooled cards need a server's ducted front-to-back airflow.
    const bool ok = form == "pcie"
                        ? (h.form == "pcie-server" ||
                           (!passive && (h.form == "desktop" || h.form == "workstation")))
                        : h.form == form;
    if (!ok || h.max_gpus < gpus_per_node) continue;
    if (!best || h.price_usd < best->price_usd) best = &h;
  }
  return best;
}

JobCost BuyCost(const catalog::GpuSpec& gpu, int gpus_per_node, int nodes,
                const estimate::EstimateResult& est, double electricity_usd_per_kwh,
                const HostPlatform* host, double rent_usd_per_gpu_hr, const std::string& rent_offer,
                const CostOptions& opt) {
  JobCost c;
  c.kind = AcquireKind::kBuy;
  const int gpus = gpus_per_node * nodes;
  c.street_price = gpu.street_price_usd.has_value();
  c.gpu_purchase_usd = UnitPriceUsd(gpu).value_or(0) * gpus;
  if (host) {
    c.host = host->id;
    c.host_usd = host->price_usd * nodes;
    if (auto w = StalePriceWarning("host " + host->id, host->as_of, opt); !w.empty())
      c.warnings.push_back(w);
  }
  c.upfront_usd = c.gpu_purchase_usd + c.host_usd;
  const double hours = JobHours(est);
  const double host_kw = host ? host->power_w * nodes / kKilo : 0;
  c.average_kw = AverageKw(est) + host_kw;
  c.electricity_usd = est.cost.electricity_usd + host_kw * hours * electricity_usd_per_kwh;
  c.total_usd = c.upfront_usd + c.electricity_usd;
  const double horizon_hours = opt.horizon_months * opt.hours_per_month;
  const double share = horizon_hours > 0 ? std::min(1.0, hours / horizon_hours) : 1.0;
  c.amortized_usd = c.upfront_usd * share + c.electricity_usd;
  if (est.training.tokens > 0)
    c.usd_per_million_tokens = c.amortized_usd / est.training.tokens * kMega;
  if (rent_usd_per_gpu_hr > 0) {
    c.compared_with = rent_offer;
    BreakEven(c.upfront_usd, rent_usd_per_gpu_hr * gpus, c.average_kw * electricity_usd_per_kwh,
              opt, c);
  }
  if (auto w = StalePriceWarning(gpu.id, gpu.street_price_usd ? gpu.street_price_date : "", opt);
      !w.empty())
    c.warnings.push_back(w);
  return c;
}

JobCost RentCost(const Acquisition& acq, const estimate::EstimateResult& est,
                 double electricity_usd_per_kwh, double buy_upfront_usd, const CostOptions& opt) {
  JobCost c;
  c.kind = AcquireKind::kRent;
  c.rent_usd = acq.usd_per_gpu_hr * est.training.gpu_hours;
  c.total_usd = c.amortized_usd = c.rent_usd;
  c.average_kw = AverageKw(est);
  if (est.training.tokens > 0) c.usd_per_million_tokens = c.rent_usd / est.training.tokens * kMega;
  if (buy_upfront_usd > 0) {
    c.compared_with = "buying " + std::to_string(est.gpus) + "x " + est.gpu_id;
    BreakEven(buy_upfront_usd, acq.usd_per_gpu_hr * est.gpus,
              c.average_kw * electricity_usd_per_kwh, opt, c);
  }
  if (auto w = StalePriceWarning("offer " + acq.offer_id, acq.price_date, opt); !w.empty())
    c.warnings.push_back(w);
  return c;
}

}  // namespace gpuadv::advise
