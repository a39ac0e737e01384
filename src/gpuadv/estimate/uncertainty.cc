#include "gpuadv/estimate/uncertainty.h"

#include <algorithm>
#include <cstdio>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/workload/enums.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::estimate {
namespace {

constexpr std::string_view kAny = "*";

size_t RowsOf(const std::vector<std::pair<std::string, size_t>>& counts, std::string_view name) {
  for (const auto& [k, n] : counts)
    if (k == name) return n;
  return 0;
}

// Whether entry `e` is category `c` backed off `level` times (AtLevel without the copies:
// the estimator calls this for every estimate).
bool Matches(const RangeEntry& e, const RangeEntry& c, int level) {
  const std::string* ef[] = {&e.scale, &e.stack, &e.method, &e.precision, &e.architecture};
  const std::string* cf[] = {&c.scale, &c.stack, &c.method, &c.precision, &c.architecture};
  for (int i = 4; i >= 0; --i)  // most selective field (architecture) first
    if (*ef[i] != (i < level ? kAny : std::string_view(*cf[i]))) return false;
  return true;
}

std::string Pct(double fraction) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%+.0f%%", fraction * 100);
  return buf;
}

// "memory range: ..." / "throughput range: ..." basis line.
std::string Describe(const Range& r) {
  const std::string span = Pct(1 / (1 + r.q_hi) - 1) + " .. " + Pct(1 / (1 + r.q_lo) - 1);
  if (!r.entry)
    return span + " of the prediction (not validated for " + r.unvalidated + ": wide default)";
  char pct[128];
  const double lo = 100 * r.level, hi = 100 * (1 - r.level);
  if (r.held_out_coverage > 0)
    std::snprintf(pct, sizeof pct,
                  "ranges built this way held %.0f%% of a left-out source's measurements on "
                  "average",
                  100 * r.held_out_coverage);
  else
    std::snprintf(pct, sizeof pct, "a %.0f%% range of a new source's measurements", hi - lo);
  char level[64];
  std::snprintf(level, sizeof level, "%.3g-%.3g", lo, hi);
  return span + " of the prediction in " + r.Category() + ": " + pct + " (percentiles " + level +
         " of a new source's error, from the cross-validated errors of " + std::to_string(r.rows) +
         " validation rows and the spread between sources; data/calibration.yaml)";
}

}  // namespace

std::string_view MethodClass(workload::Method m) {
  return workload::TrainsAdapters(m) ? "adapters" : "full";
}

std::string_view ScaleBucket(int gpus) {
  if (gpus <= 1) return "1";
  if (gpus <= 8) return "2-8";
  if (gpus <= 64) return "9-64";
  return ">64";
}

namespace {
// MemoryCategory(CategoryOf(s, t)) without looking the architecture up (every memory estimate
// of the planner's search would).
RangeEntry CategoryWithoutArchitecture(const workload::Scenario& s) {
  RangeEntry c;
  c.precision = EnumName(workload::kPrecisions, s.training.precision);
  c.method = MethodClass(s.training.method);
  c.stack = EnumName(workload::kFrameworks, s.training.stack.id);  // the resolved stack
  c.scale = ScaleBucket(s.hardware.TotalGpus());
  return c;
}
}  // namespace

RangeEntry CategoryOf(const workload::Scenario& s, const EfficiencyTable& t) {
  RangeEntry c = CategoryWithoutArchitecture(s);
  const ArchEfficiency& a = t.For(s.hardware.gpu.architecture);
  c.architecture = &a == &t.fallback ? s.hardware.gpu.architecture : a.Canonical();
  return c;
}

RangeEntry MemoryCategory(RangeEntry c) {
  c.architecture = kAny;
  return c;
}

RangeEntry AtLevel(RangeEntry c, int level) {
  // Fields in the order back-off drops them.
  std::string* drop[] = {&c.scale, &c.stack, &c.method, &c.precision, &c.architecture};
  for (int i = 0; i < level && i < 5; ++i) *drop[i] = kAny;
  return c;
}

std::string CategoryKey(const RangeEntry& c) {
  return c.architecture + "/" + c.precision + "/" + c.method + "/" + c.stack + "/" + c.scale;
}

std::string Range::Category() const { return entry ? CategoryKey(*entry) : std::string(); }

Range MakeRange(double q_lo, double q_hi) {
  Range r;
  r.q_lo = std::clamp(q_lo, kMinLowerQuantile, 0.0);
  r.q_hi = std::max(q_hi, 0.0);
  return r;
}

Range FindRange(const QuantityRanges& q, const RangeEntry& category, bool check_architecture) {
  Range wide;
  std::string missing;
  // A field needs `need` rows: any for precision and method (they back off into their
  // architecture's range), kMinCategoryRows for the architecture of a throughput estimate:
  // with fewer it has no range of its own at any back-off level, only the global one, and
  // its factors are the priors (calibration fits none on so few rows), so the errors of the
  // other architectures say nothing about it.
  auto check = [&](const auto& counts, const std::string& value, const char* what, size_t need) {
    const size_t rows = RowsOf(counts, value);
    if (rows >= need) return;
    missing += (missing.empty() ? "" : ", ") + std::string(what) + " " + value;
    if (rows > 0)
      missing +=
          " (" + std::to_string(rows) + " of the " + std::to_string(need) + " rows a range needs)";
  };
  if (check_architecture)
    check(q.architectures, category.architecture, "architecture", kMinCategoryRows);
  check(q.precisions, category.precision, "precision", 1);
  check(q.methods, category.method, "method", 1);
  if (!missing.empty() || q.entries.empty()) {
    wide.unvalidated = missing.empty() ? "this category" : missing;
    return wide;
  }
  // One pass: an entry backed off k times has its first k fields (back-off order) "*"; the
  // category's match is the first entry at the lowest such level.
  const RangeEntry* best = nullptr;
  int best_level = kBackoffLevels;
  for (const auto& e : q.entries) {
    // Most entries belong to another architecture: rule them out with one comparison.
    if (e.architecture != category.architecture && e.architecture != kAny) continue;
    const std::string* ef[] = {&e.scale, &e.stack, &e.method, &e.precision, &e.architecture};
    int level = 0;
    while (level < 5 && *ef[level] == kAny) ++level;
    if (level >= best_level || !Matches(e, category, level)) continue;
    best = &e;
    best_level = level;
    if (level == 0) break;
  }
  if (!best) {
    wide.unvalidated = "this category";
    return wide;
  }
  Range r = MakeRange(best->q_lo, best->q_hi);
  r.entry = *best;
  r.rows = best->rows;
  r.level = q.level;
  r.held_out_coverage = q.held_out_coverage;
  return r;
}

Range MemoryRange(const workload::Scenario& s, const EfficiencyTable* t) {
  if (!t || t->uncertainty.Empty())
    return MakeRange(1 / (1 + kMemoryRelativeError) - 1, 1 / (1 - kMemoryRelativeError) - 1);
  return FindRange(t->uncertainty.memory, CategoryWithoutArchitecture(s),
                   /*check_architecture=*/false);
}

void ApplyUncertainty(const workload::Scenario& s, const EfficiencyTable& t, EstimateResult* r,
                      Explanation* explain) {
  if (t.uncertainty.Empty()) return;
  const RangeEntry category = CategoryOf(s, t);
  const Range thr = FindRange(t.uncertainty.throughput, category, /*check_architecture=*/true);
  ThroughputResult& tp = r->throughput;
  tp.low_tokens_per_s_per_gpu = thr.Low(tp.tokens_per_s_per_gpu);
  tp.high_tokens_per_s_per_gpu = thr.High(tp.tokens_per_s_per_gpu);
  r->unvalidated = thr.unvalidated;
  if (!explain) return;
  const Range mem = MemoryRange(s, &t);
  explain->Basis("memory range", Describe(mem));
  explain->Basis("throughput range", Describe(thr));
  if (!mem.unvalidated.empty() && mem.unvalidated == thr.unvalidated) {
    explain->Warn("not validated for " + mem.unvalidated + ": range widened");
    return;
  }
  if (!mem.unvalidated.empty())
    explain->Warn("not validated for " + mem.unvalidated + " (memory): range widened");
  if (!thr.unvalidated.empty())
    explain->Warn("not validated for " + thr.unvalidated + " (throughput): range widened");
}

}  // namespace gpuadv::estimate
