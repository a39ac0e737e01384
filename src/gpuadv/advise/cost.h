#pragma once
// Cost model (C5): rent = offer price x GPU-hours; buy = purchase (street, else MSRP) +
// host share + electricity at the user's price; buy-vs-rent break-even over a horizon.
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/advise/platform.h"
#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/offer.h"
#include "gpuadv/core/enum_table.h"
#include "gpuadv/estimate/result.h"

namespace gpuadv::advise {

/// Assumptions of the buy-vs-rent comparison. Defaults are stated in every `why` that
/// uses them, so a user can see and change them (--months, --hours-per-month).
struct CostOptions {
  double horizon_months = 36;    // ownership horizon (typical depreciation period)
  double hours_per_month = 120;  // the owner's training hours per month (~4 h a day)
  std::string today;             // ISO date; empty = system clock
  double max_price_age_days = 365;
};

enum class AcquireKind { kBuy, kRent };
inline constexpr EnumEntry<AcquireKind> kAcquireKinds[] = {
    {"buy", AcquireKind::kBuy, "purchase the GPUs"},
    {"rent", AcquireKind::kRent, "rent a cloud offer"},
};

/// How a candidate obtains its GPUs.
struct Acquisition {
  AcquireKind kind = AcquireKind::kBuy;
  const catalog::Offer* offer = nullptr;  // rent; nullptr = the GPU entry's cloud price
  std::string offer_id;                   // rent: offer id (or "catalog:<gpu>")
  std::string provider;
  double usd_per_gpu_hr = 0;  // rent: on-demand
  std::optional<double> spot_usd_per_gpu_hr;
  std::string price_date;  // offer as_of, or the GPU's street_price_date
};

/// What one candidate costs, for this job and over the horizon.
struct JobCost {
  AcquireKind kind = AcquireKind::kBuy;
  double gpu_purchase_usd = 0;        // buy: unit price x GPUs
  bool street_price = false;          // buy: street price (else launch MSRP)
  double host_usd = 0;                // buy: host platform(s) the GPUs need beyond the user's PC
  std::string host;                   // buy: host platform id, "" = the user's own PC
  double upfront_usd = 0;             // buy: purchase + host
  double electricity_usd = 0;         // buy: this job's energy at the user's price
  double rent_usd = 0;                // rent: price x GPU-hours
  double total_usd = 0;               // out of pocket for this job: upfront + electricity, or rent
  double amortized_usd = 0;           // buy: job's share of upfront over the horizon + electricity
  double usd_per_million_tokens = 0;  // amortized / training tokens
  double average_kw = 0;              // power while training (GPUs + host)
  // Buy vs rent over the horizon: owning = upfront + energy; renting = price x hours.
  double breakeven_hours_per_month = 0;  // 0 when unknown; +inf when renting always wins
  double breakeven_utilisation = 0;      // breakeven hours / 730 h per month
  std::string compared_with;             // the rental offer (for buy) or purchase (for rent)
  double horizon_buy_usd = 0;            // at hours_per_month for horizon_months
  double horizon_rent_usd = 0;
  std::vector<std::string> warnings;  // stale prices
};

/// Hours in an average month (8766 h / 12).
inline constexpr double kHoursPerMonth = 730.5;

/// The unit price used for buying: street price when known, else launch MSRP.
std::optional<double> UnitPriceUsd(const catalog::GpuSpec& gpu);

/// "price of <what> is from <date>, over a year old" when `date` is older than the limit
/// relative to today; "" otherwise (and when the date is unknown).
std::string StalePriceWarning(const std::string& what, const std::string& date,
                              const CostOptions& opt);

/// The host platform a purchase of `gpus_per_node` of `gpu` needs, or nullptr when the
/// user's own PC takes them (PCIe cards, within `user_slots`) or no platform fits.
const HostPlatform* HostFor(const catalog::GpuSpec& gpu, int gpus_per_node, int user_slots,
                            const PlatformData* platforms);

/// Cost of buying `gpus_per_node` x `nodes` of `gpu` for the job in `est`.
/// `rent_usd_per_gpu_hr` (0 = none) is the rental price the break-even compares with.
JobCost BuyCost(const catalog::GpuSpec& gpu, int gpus_per_node, int nodes,
                const estimate::EstimateResult& est, double electricity_usd_per_kwh,
                const HostPlatform* host, double rent_usd_per_gpu_hr, const std::string& rent_offer,
                const CostOptions& opt);

/// Cost of renting for the job in `est`; `buy_upfront_usd` (0 = unknown) is the purchase
/// the break-even compares with.
JobCost RentCost(const Acquisition& acq, const estimate::EstimateResult& est,
                 double electricity_usd_per_kwh, double buy_upfront_usd, const CostOptions& opt);

}  // namespace gpuadv::advise
