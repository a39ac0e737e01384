#include "gpuadv/advise/cost.h"

#include <gtest/gtest.h>

#include <cmath>

#include "gpuadv/advise/dates.h"
#include "gpuadv/core/units.h"

namespace gpuadv::advise {
namespace {

catalog::GpuSpec Card(double street, const std::string& date) {
  catalog::GpuSpec g;
  g.id = "card";
  g.form_factor = "PCIe dual-slot";
  g.launch_msrp_usd = 1000;
  if (street > 0) g.street_price_usd = street;
  g.street_price_date = date;
  return g;
}

// A job of 10 hours at 0.5 kW costing $0.75 of electricity.
estimate::EstimateResult Job() {
  estimate::EstimateResult e;
  e.gpu_id = "card";
  e.gpus = 1;
  e.training.tokens = 1e9;
  e.training.time_s = 10 * kSecondsPerHour;
  e.training.gpu_hours = 10;
  e.training.energy_kwh = 5;
  e.cost.electricity_usd = 0.75;
  return e;
}

CostOptions Today() {
  CostOptions o;
  o.today = "2026-11-27";
  return o;
}

TEST(Dates, IsoDatesAndBareYears) {
  EXPECT_EQ(AgeDays("2026-11-26", "2026-11-27"), 1);
  EXPECT_EQ(AgeDays("2025-11", "2025-12-01"), 30);
  EXPECT_EQ(AgeDays("2025", "2025-07-02"), 1);  // a bare year is its middle
  EXPECT_FALSE(AgeDays("last year", "2026-11-27").has_value());
}

TEST(Cost, BuyUsesStreetPriceElseMsrp) {
  EXPECT_EQ(*UnitPriceUsd(Card(800, "2026-06-01")), 800);
  EXPECT_EQ(*UnitPriceUsd(Card(0, "")), 1000);
}

TEST(Cost, RentIsPriceTimesGpuHours) {
  Acquisition a;
  a.kind = AcquireKind::kRent;
  a.offer_id = "x";
  a.usd_per_gpu_hr = 0.5;
  a.price_date = "2026-10-01";
  const JobCost c = RentCost(a, Job(), 0.15, 0, Today());
  EXPECT_DOUBLE_EQ(c.rent_usd, 5.0);
  EXPECT_DOUBLE_EQ(c.total_usd, 5.0);
  EXPECT_DOUBLE_EQ(c.usd_per_million_tokens, 5.0 / 1000);
  EXPECT_TRUE(c.warnings.empty());
}

TEST(Cost, BuyTotalIsPurchasePlusElectricityAndAmortisesOverTheHorizon) {
  CostOptions o = Today();
  o.horizon_months = 10;
  o.hours_per_month = 100;  // 1000 owned hours; the job uses 10 of them
  const JobCost c = BuyCost(Card(800, "2026-06-01"), 1, 1, Job(), 0.15, nullptr, 0, "", o);
  EXPECT_DOUBLE_EQ(c.upfront_usd, 800);
  EXPECT_DOUBLE_EQ(c.total_usd, 800.75);
  EXPECT_DOUBLE_EQ(c.amortized_usd, 800 * 0.01 + 0.75);
  EXPECT_TRUE(c.street_price);
}

TEST(Cost, BreakEvenHoursSolveOwnEqualsRent) {
  // own(h) = 800 + 0.5 kW x $0.15 x h x 10 months; rent(h) = $0.475 x h x 10 months.
  CostOptions o = Today();
  o.horizon_months = 10;
  const JobCost c = BuyCost(Card(800, "2026-06-01"), 1, 1, Job(), 0.15, nullptr, 0.475, "r", o);
  EXPECT_NEAR(c.breakeven_hours_per_month, 800 / (10 * (0.475 - 0.075)), 1e-9);  // 200 h
  EXPECT_NEAR(c.breakeven_utilisation, 200 / kHoursPerMonth, 1e-9);
  EXPECT_EQ(c.compared_with, "r");
}

TEST(Cost, RentCheaperThanElectricityNeverBreaksEven) {
  const JobCost c =
      BuyCost(Card(800, "2026-06-01"), 1, 1, Job(), 0.15, nullptr, 0.05, "r", Today());
  EXPECT_TRUE(std::isinf(c.breakeven_hours_per_month));
}

TEST(Cost, PriceOlderThanAYearWarns) {
  const JobCost c = BuyCost(Card(800, "2025-06-01"), 1, 1, Job(), 0.15, nullptr, 0, "", Today());
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_EQ(c.warnings[0],
            "price of card is from 2025-06-01, over a year old: check current prices");
  EXPECT_EQ(StalePriceWarning("x", "2026-01-01", Today()), "");
}

TEST(Cost, HostShareOnlyBeyondTheUsersSlots) {
  PlatformData p;
  p.hosts.push_back({"ws", "workstation", "workstation", 4, 6000, 400, "2026-06", {}, ""});
  p.hosts.push_back({"srv", "server", "pcie-server", 8, 15000, 800, "2026-06", {}, ""});
  const auto card = Card(800, "2026-06-01");
  EXPECT_EQ(HostFor(card, 1, 1, &p), nullptr);  // the user's PC
  EXPECT_EQ(HostFor(card, 2, 2, &p), nullptr);
  EXPECT_EQ(HostFor(card, 4, 1, &p)->id, "ws");
  EXPECT_EQ(HostFor(card, 8, 1, &p)->id, "srv");
  const JobCost c = BuyCost(card, 4, 1, Job(), 0.15, HostFor(card, 4, 1, &p), 0, "", Today());
  EXPECT_DOUBLE_EQ(c.upfront_usd, 4 * 800 + 6000);
}

}  // namespace
}  // namespace gpuadv::advise
