#include "gpuadv/validate/validate_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "gpuadv/core/units.h"
#include "gpuadv/report/document.h"
#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::validate {
namespace {

// A planner gain over published layouts above this is explained term by term.
constexpr double kClaimedGain = 1.10;

using Row = std::vector<std::string>;
using nlohmann::json;

constexpr size_t kMaxCellChars = 100;

// A cell printed right-aligned: a number, a signed percentage, "n/a" or a bound.
bool NumberLike(const std::string& cell) {
  if (cell.empty() || cell == "n/a" || cell.starts_with("cap ")) return true;
  const char c = cell[0];
  return (c >= '0' && c <= '9') || c == '+' || c == '-';
}

// A table under the last heading (first row = header), "(none)" without rows. Columns whose
// cells are all number-like are right-aligned, the others left-aligned.
void AddTable(report::Document& d, std::vector<Row> rows) {
  if (rows.size() < 2) {
    d.Paragraph("(none)", "  ");
    return;
  }
  std::vector<bool> right(rows[0].size(), true);
  for (size_t ri = 1; ri < rows.size(); ++ri)
    for (size_t i = 0; i < rows[ri].size() && i < right.size(); ++i)
      if (!NumberLike(rows[ri][i])) right[i] = false;
  d.Aligned(std::move(rows), std::move(right));
}

// One table cell from free text: one line, at most kMaxCellChars ('|' is the Markdown
// writer's to escape).
std::string Cut(std::string s) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (s.size() > kMaxCellChars) s = s.substr(0, kMaxCellChars - 3) + "...";
  return s;
}

std::string Pct(double fraction, bool sign = false) {
  if (!std::isfinite(fraction)) return "n/a";
  return sign ? fmt::format("{:+.1f}%", fraction * 100) : fmt::format("{:.1f}%", fraction * 100);
}

std::string Value(Quantity q, double v) {
  if (!std::isfinite(v)) return "n/a";
  switch (q) {
    case Quantity::kMemory:
    case Quantity::kFit:
      return fmt::format("{:.2f} GiB", v / kGiB);
    case Quantity::kThroughput:
      return report::Number(v, v < 100 ? 1 : 0) + " tok/s";
    case Quantity::kMfu:
      return Pct(v);
    case Quantity::kStepTime:
      return report::Duration(v);
  }
  return "?";
}

std::string FitWord(bool fits) { return fits ? "fits" : "does not fit"; }

std::string Verdict(const Comparison& c) {
  if (c.quantity != Quantity::kFit) return Pct(c.SignedError(), true);
  return fmt::format("{}: predicted {} ({} vs capacity)", c.Correct() ? "right" : "WRONG",
                     FitWord(c.predicted_fit), Pct(c.Margin(), true));
}

std::string Name(Quantity q) { return std::string(EnumName(kQuantities, q)); }

constexpr Quantity kErrorQuantities[] = {Quantity::kMemory, Quantity::kThroughput, Quantity::kMfu,
                                         Quantity::kStepTime};

// The share of measured values inside the printed range ("" where no range is printed).
const Coverage* CoverageOf(const GroupStats& g, Quantity q) {
  if (q == Quantity::kMemory) return &g.memory_coverage;
  if (q == Quantity::kThroughput) return &g.throughput_coverage;
  return nullptr;
}

// The figures of every memory reading, extra readings of the same runs included; listed
// after "memory" where a slice has such readings.
constexpr const char* kEveryReading = "memory_every_reading";

// One line of a slice's summary: a quantity (or kEveryReading), its errors and coverage.
struct SliceLine {
  std::string label;
  const ErrorStats* errors;
  const Coverage* coverage;  // null where no range is printed
};
std::vector<SliceLine> Lines(const GroupStats& g) {
  std::vector<SliceLine> out;
  for (Quantity q : kErrorQuantities) {
    out.push_back({Name(q), &g.For(q), CoverageOf(g, q)});
    if (q == Quantity::kMemory && g.memory_every_reading.count != g.memory.count)
      out.push_back({kEveryReading, &g.memory_every_reading, &g.memory_every_reading_coverage});
  }
  return out;
}
std::vector<std::pair<std::string, const CvFigures*>> Lines(const CvSlice& sl) {
  std::vector<std::pair<std::string, const CvFigures*>> out = {
      {Name(Quantity::kMemory), &sl.memory}};
  if (sl.memory_every_reading.cross_validated.count != sl.memory.cross_validated.count)
    out.push_back({kEveryReading, &sl.memory_every_reading});
  out.push_back({Name(Quantity::kThroughput), &sl.throughput});
  return out;
}

// Rows "key | quantity | n | median | p90 | bias | in range | accuracy" for each quantity.
void SliceRows(const GroupStats& g, std::vector<Row>& rows, bool with_key) {
  for (const auto& [label, errors, coverage] : Lines(g)) {
    const ErrorStats& e = *errors;
    if (e.count == 0 && e.non_finite == 0) continue;
    Row r = {label,
             std::to_string(e.count),
             Pct(e.median_abs),
             Pct(e.p90_abs),
             Pct(e.median_signed, true),
             Pct(e.mean_signed, true),
             coverage && coverage->count ? Pct(coverage->Share()) : "",
             ""};
    if (e.non_finite) r[1] += fmt::format(" (+{} n/a)", e.non_finite);
    if (with_key) r.insert(r.begin(), g.key);
    rows.push_back(std::move(r));
  }
  auto fit_row = [&](std::string name, size_t count, size_t correct, double accuracy) {
    if (!count) return;
    Row r = {std::move(name),
             std::to_string(count),
             "",
             "",
             "",
             "",
             "",
             fmt::format("{} ({}/{})", Pct(accuracy), correct, count)};
    if (with_key) r.insert(r.begin(), g.key);
    rows.push_back(std::move(r));
  };
  fit_row(std::string(Name(Quantity::kFit)), g.fit.count, g.fit.correct, g.fit.Accuracy());
  fit_row("fit (runs that ran)", g.fit.ran_count, g.fit.ran_correct, g.fit.RanAccuracy());
}

std::vector<Row> SliceTable(const std::vector<GroupStats>& groups, const std::string& key) {
  std::vector<Row> rows = {{key, "quantity", "n", "median |err|", "p90 |err|", "median signed",
                            "mean signed", "in range", "accuracy"}};
  for (const auto& g : groups) SliceRows(g, rows, true);
  return rows;
}

std::vector<Row> CountTable(const std::vector<std::pair<std::string, size_t>>& counts,
                            const std::string& what) {
  std::vector<Row> rows = {{what, "cases"}};
  for (const auto& [k, n] : counts) rows.push_back({Cut(k), std::to_string(n)});
  return rows;
}

// CSV -----------------------------------------------------------------------------------

std::string CsvNum(double v) { return std::isfinite(v) ? fmt::format("{}", v) : ""; }
std::string CsvPct(double fraction) {
  return std::isfinite(fraction) ? fmt::format("{:.3f}", fraction * 100) : "";
}

// JSON ----------------------------------------------------------------------------------

json Num(double v) { return std::isfinite(v) ? json(v) : json(nullptr); }
template <typename T>
json Opt(const std::optional<T>& v) {
  return v ? json(*v) : json(nullptr);
}

json MeasuredJson(const Measured& m) {
  json j;
  j["memory_bytes"] = Opt(m.memory_bytes);
  j["memory_metric"] = m.memory_metric
                           ? json(std::string(EnumName(kMemoryMetrics, *m.memory_metric)))
                           : json(nullptr);
  j["outcome"] = std::string(EnumName(kOutcomes, m.outcome));
  j["tokens_per_s_per_gpu"] = Opt(m.tokens_per_s_per_gpu);
  j["mfu"] = Opt(m.mfu);
  j["mfu_convention"] = m.mfu_convention.empty() ? json(nullptr) : json(m.mfu_convention);
  j["step_time_s"] = Opt(m.step_time_s);
  if (m.allocated_bytes) j["allocated_bytes"] = *m.allocated_bytes;
  if (m.reserved_bytes) j["reserved_bytes"] = *m.reserved_bytes;
  if (m.nvml_bytes) j["nvml_bytes"] = *m.nvml_bytes;
  return j;
}

json ComparisonJson(const Comparison& c) {
  json j = {{"quantity", Name(c.quantity)},
            {"metric", c.metric},
            {"predicted", Num(c.predicted)},
            {"measured", Num(c.measured)}};
  if (c.quantity == Quantity::kFit) {
    j["expected"] = c.expect_fit ? "fits" : "does_not_fit";
    j["predicted_class"] = c.predicted_fit ? "fits" : "does_not_fit";
    j["correct"] = c.Correct();
    j["margin"] = Num(c.Margin());
    if (c.ran) j["ran"] = true;
  } else {
    j["error"] = Num(c.SignedError());
    j["abs_error"] = Num(std::fabs(c.SignedError()));
  }
  if (c.quantity == Quantity::kMemory) j["extra_reading"] = c.extra_reading;
  if (c.cv_predicted) {
    j["cv_predicted"] = Num(*c.cv_predicted);
    j["cv_error"] = Num(c.CvSignedError());
    j["cv_in_range"] = c.cv_in_range.value_or(false);
  }
  return j;
}

json ErrorStatsJson(const ErrorStats& e) {
  return {{"count", e.count},
          {"non_finite", e.non_finite},
          {"median_abs_error", Num(e.median_abs)},
          {"p90_abs_error", Num(e.p90_abs)},
          {"median_signed_error", Num(e.median_signed)},
          {"mean_signed_error", Num(e.mean_signed)}};
}

json CoverageJson(const Coverage& c) {
  return {{"count", c.count}, {"inside", c.inside}, {"share", Num(c.Share())}};
}

json GroupJson(const GroupStats& g) {
  json j = {{"key", g.key}, {"cases", g.cases}};
  for (Quantity q : kErrorQuantities) j[Name(q)] = ErrorStatsJson(g.For(q));
  j["memory"]["coverage"] = CoverageJson(g.memory_coverage);
  j["throughput"]["coverage"] = CoverageJson(g.throughput_coverage);
  j[kEveryReading] = ErrorStatsJson(g.memory_every_reading);
  j[kEveryReading]["coverage"] = CoverageJson(g.memory_every_reading_coverage);
  j["fit"] = {
      {"count", g.fit.count}, {"correct", g.fit.correct}, {"accuracy", Num(g.fit.Accuracy())}};
  j["fit"]["ran"] = {{"count", g.fit.ran_count},
                     {"correct", g.fit.ran_correct},
                     {"accuracy", Num(g.fit.RanAccuracy())}};
  return j;
}

json CvFiguresJson(const CvFigures& f) {
  json in = ErrorStatsJson(f.in_sample), cv = ErrorStatsJson(f.cross_validated);
  in["coverage"] = CoverageJson(f.in_sample_coverage);
  cv["coverage"] = CoverageJson(f.cv_coverage);
  return {{"in_sample", std::move(in)}, {"cross_validated", std::move(cv)}};
}

json CvSliceJson(const CvSlice& s) {
  return {{"key", s.key},
          {"memory", CvFiguresJson(s.memory)},
          {kEveryReading, CvFiguresJson(s.memory_every_reading)},
          {"throughput", CvFiguresJson(s.throughput)}};
}

json CvJson(const CrossValidation& cv) {
  json by_source = json::array();
  for (const auto& g : cv.by_source) by_source.push_back(CvSliceJson(g));
  return {{"scheme", cv.scheme},
          {"notes", cv.notes},
          {"overall", CvSliceJson(cv.overall)},
          {"by_source", std::move(by_source)}};
}

json CountsJson(const std::vector<std::pair<std::string, size_t>>& counts, const char* key) {
  json a = json::array();
  for (const auto& [k, n] : counts) a.push_back({{key, k}, {"count", n}});
  return a;
}

// Cross-validation rows "key | quantity | n | in-sample median/p90/in range | CV ...".
void CvRows(const CvSlice& sl, std::vector<Row>& rows, bool with_key) {
  for (const auto& [label, figures] : Lines(sl)) {
    const CvFigures& f = *figures;
    if (f.in_sample.count == 0 && f.cross_validated.count == 0) continue;
    Row r = {label,
             std::to_string(f.cross_validated.count),
             Pct(f.in_sample.median_abs),
             Pct(f.in_sample.p90_abs),
             Pct(f.in_sample_coverage.Share()),
             Pct(f.cross_validated.median_abs),
             Pct(f.cross_validated.p90_abs),
             Pct(f.cv_coverage.Share())};
    if (with_key) r.insert(r.begin(), sl.key);
    rows.push_back(std::move(r));
  }
}

void CvBlocks(report::Document& d, const CrossValidation& cv) {
  const Row head = {"quantity",           "n",         "in-sample median", "in-sample p90",
                    "in-sample in range", "CV median", "CV p90",           "CV in range"};
  std::vector<Row> overall = {head};
  CvRows(cv.overall, overall, false);
  Row keyed = head;
  keyed.insert(keyed.begin(), "group");
  std::vector<Row> groups = {keyed};
  for (const auto& g : cv.by_source) CvRows(g, groups, true);
  d.Heading("Cross-validation: leave one " + cv.scheme + " group out");
  AddTable(d, std::move(overall));
  for (const auto& n : cv.notes) d.Bullet(n, "  ");
  d.Heading("Cross-validation by source group");
  AddTable(d, std::move(groups));
}

// The per-case tables: the comparisons, then the skipped and the failed cases.
void CaseBlocks(report::Document& d, const ValidationReport& rep) {
  std::vector<Row> rows = {{"id", "quantity", "metric", "predicted", "measured", "error"}};
  if (rep.cv) {  // --cv: each case also as predicted without its source group
    rows[0].push_back("CV predicted");
    rows[0].push_back("CV error");
  }
  std::vector<Row> skipped = {{"id", "reason"}};
  std::vector<Row> failed = {{"id", "error"}};
  for (const auto& r : rep.cases) {
    if (r.skipped) {
      skipped.push_back({r.input.id, Cut(*r.skipped)});
    } else if (r.error) {
      failed.push_back({r.input.id, Cut(*r.error)});
    } else if (r.comparisons.empty()) {
      rows.push_back({r.input.id, "-", "nothing comparable measured", "", "", ""});
    }
    for (const auto& c : r.comparisons) {
      // A completed run's verdict is listed where it is wrong (JSON and CSV keep them all;
      // the summary counts them).
      if (c.ran && c.Correct()) continue;
      const std::string measured = fmt::format("{}{}", c.quantity == Quantity::kFit ? "cap " : "",
                                               Value(c.quantity, c.measured));
      rows.push_back({r.input.id, Name(c.quantity), c.metric, Value(c.quantity, c.predicted),
                      measured, Verdict(c)});
      if (rep.cv && c.cv_predicted) {
        rows.back().push_back(Value(c.quantity, *c.cv_predicted));
        rows.back().push_back(Pct(c.CvSignedError(), true) +
                              (c.cv_in_range.value_or(false) ? "" : " (out of range)"));
      }
    }
  }
  d.Heading("Cases");
  AddTable(d, std::move(rows));
  d.Heading(fmt::format("Skipped ({})", rep.summary.skipped));
  AddTable(d, std::move(skipped));
  d.Heading(fmt::format("Errors ({})", rep.summary.errors));
  AddTable(d, std::move(failed));
}

// The error statistics overall, by source group, quality and core subset.
void SummaryBlocks(report::Document& d, const Summary& s) {
  std::vector<Row> overall = {{"quantity", "n", "median |err|", "p90 |err|", "median signed",
                               "mean signed", "in range", "accuracy"}};
  SliceRows(s.overall, overall, false);
  d.Heading("Summary by quantity");
  AddTable(d, std::move(overall));
  d.Heading("By source group");
  AddTable(d, SliceTable(s.by_source, "group"));
  d.Heading("By quality");
  AddTable(d, SliceTable(s.by_quality, "quality"));
  d.Heading("By core subset");
  AddTable(d, SliceTable(s.by_core_subset, "core_subset"));
  d.Heading("By category (architecture / precision / method / stack)");
  AddTable(d, SliceTable(s.by_category, "category"));
}

// The planner against the published layouts, when any row compared them.
void PlannerBlocks(report::Document& d, const ValidationReport& rep) {
  const PlannerStats& p = rep.summary.planner;
  if (p.compared == 0) return;
  d.Heading("Planner");
  AddTable(d, {{"planner vs published layouts (>= 16 GPUs)", "value"},
               {"rows compared", std::to_string(p.compared)},
               {"planner at least as fast", std::to_string(p.at_least_as_fast)},
               {"published layout fits (our estimate)", std::to_string(p.published_fits)},
               {"at least as fast where it fits", std::to_string(p.at_least_as_fast_where_fits)},
               {"median predicted speedup", fmt::format("{:.2f}x", p.median_speedup)}});
  // Issue 11: every claimed gain over 10% names the modelled term it comes from.
  std::vector<Row> gains = {{"case", "speedup", "planner best", "gain from", "share of step"}};
  for (const auto& c : rep.cases)
    if (c.planner_speedup && *c.planner_speedup > kClaimedGain)
      gains.push_back({c.input.id, fmt::format("{:.2f}x", *c.planner_speedup), c.planner_best,
                       c.planner_gain_term.empty() ? "?" : c.planner_gain_term,
                       fmt::format("{:.0f}%", 100 * c.planner_gain_share)});
  if (gains.size() < 2) return;
  d.Heading("Planner gains over 10% and the modelled term behind each");
  AddTable(d, std::move(gains));
}

// CSV rows -------------------------------------------------------------------------------

// One CSV row and the JSON document appended to it as columns (its case, or its summary
// group): the CSV carries every figure of ValidationJson.
void CsvRow(report::Document& d, Row row, const json& row_doc) {
  row.resize(17);
  d.csv.push_back(std::move(row));
  d.csv_json.push_back(row_doc);
}

// kind = case: a row per comparison, skipped or failed case.
void CsvCaseRows(report::Document& d, const ValidationReport& rep) {
  const json& cases = d.json.at("cases");
  for (size_t i = 0; i < rep.cases.size(); ++i) {
    const CaseResult& r = rep.cases[i];
    const Case& in = r.input;
    auto emit = [&](Row tail) {
      Row row = {"case", in.id, in.group, in.quality, in.core_subset};
      row.insert(row.end(), tail.begin(), tail.end());
      CsvRow(d, std::move(row), cases[i]);
    };
    if (r.skipped) emit({"", "", "", "", "", "skipped: " + *r.skipped});
    if (r.error) emit({"", "", "", "", "", "error: " + *r.error});
    for (const auto& c : r.comparisons) {
      const bool fit = c.quantity == Quantity::kFit;
      emit({Name(c.quantity), c.metric, CsvNum(c.predicted), CsvNum(c.measured),
            CsvPct(fit ? c.Margin() : c.SignedError()),
            fit ? (c.Correct() ? "right" : "wrong") : "ok"});
    }
  }
}

// kind = summary: a row per quantity of one slice.
void CsvSliceRows(report::Document& d, const GroupStats& g, const std::string& key,
                  const json& group_doc) {
  for (const auto& [label, errors, c] : Lines(g)) {
    const ErrorStats& e = *errors;
    if (e.count == 0) continue;
    CsvRow(d,
           {"summary", "", key, "", "", label, "", "", "", "", "", std::to_string(e.count),
            CsvPct(e.median_abs), CsvPct(e.p90_abs), CsvPct(e.mean_signed), "",
            c && c->count ? CsvPct(c->Share()) : ""},
           group_doc);
  }
  if (g.fit.count)
    CsvRow(d,
           {"summary", "", key, "", "", Name(Quantity::kFit), "", "", "", "", "",
            std::to_string(g.fit.count), "", "", "", CsvPct(g.fit.Accuracy()), ""},
           group_doc);
  if (g.fit.ran_count)
    CsvRow(d,
           {"summary", "", key, "", "", "fit_ran", "", "", "", "", "",
            std::to_string(g.fit.ran_count), "", "", "", CsvPct(g.fit.RanAccuracy()), ""},
           group_doc);
}

// kind = cv: a row per quantity and metric (in_sample | cross_validated) of one slice.
void CsvCvRows(report::Document& d, const CvSlice& sl, const std::string& key,
               const json& slice_doc) {
  for (const auto& [label, figures] : Lines(sl)) {
    const CvFigures& f = *figures;
    const std::pair<const char*, std::pair<const ErrorStats*, const Coverage*>> which[] = {
        {"in_sample", {&f.in_sample, &f.in_sample_coverage}},
        {"cross_validated", {&f.cross_validated, &f.cv_coverage}}};
    for (const auto& [metric, stats] : which) {
      const auto& [e, c] = stats;
      if (e->count == 0) continue;
      CsvRow(d,
             {"cv", "", key, "", "", label, metric, "", "", "", "", std::to_string(e->count),
              CsvPct(e->median_abs), CsvPct(e->p90_abs), CsvPct(e->mean_signed), "",
              CsvPct(c->Share())},
             slice_doc);
    }
  }
}

void CsvRows(report::Document& d, const ValidationReport& rep) {
  d.csv = {{"kind", "id", "group", "quality", "core_subset", "quantity", "metric", "predicted",
            "measured", "error_pct", "status", "count", "median_abs_error_pct", "p90_abs_error_pct",
            "bias_pct", "accuracy_pct", "coverage_pct"}};
  d.csv_json = json::array();
  CsvCaseRows(d, rep);
  const Summary& s = rep.summary;
  const json& sd = d.json.at("summary");
  // The "all" rows carry the summary's own figures (case counts, planner) too.
  json overall_doc = sd;
  for (const char* k : {"by_source", "by_quality", "by_core_subset", "by_category", "cv"})
    overall_doc.erase(k);
  CsvSliceRows(d, s.overall, "all", overall_doc);
  for (size_t i = 0; i < s.by_source.size(); ++i)
    CsvSliceRows(d, s.by_source[i], "source:" + s.by_source[i].key, sd["by_source"][i]);
  for (size_t i = 0; i < s.by_quality.size(); ++i)
    CsvSliceRows(d, s.by_quality[i], "quality:" + s.by_quality[i].key, sd["by_quality"][i]);
  for (size_t i = 0; i < s.by_core_subset.size(); ++i)
    CsvSliceRows(d, s.by_core_subset[i], "core_subset:" + s.by_core_subset[i].key,
                 sd["by_core_subset"][i]);
  for (size_t i = 0; i < s.by_category.size(); ++i)
    CsvSliceRows(d, s.by_category[i], "category:" + s.by_category[i].key, sd["by_category"][i]);
  if (!rep.cv) return;
  const json& cvd = sd["cv"];
  CsvCvRows(d, rep.cv->overall, "all", cvd["overall"]);
  for (size_t i = 0; i < rep.cv->by_source.size(); ++i)
    CsvCvRows(d, rep.cv->by_source[i], "source:" + rep.cv->by_source[i].key, cvd["by_source"][i]);
}

}  // namespace

report::Document ValidationDocument(const ValidationReport& rep) {
  report::Document d;
  d.json = ValidationJson(rep);
  const Summary& s = rep.summary;
  d.Title(fmt::format("Validation: {} cases ({} evaluated, {} skipped, {} errors)", s.cases,
                      s.evaluated, s.skipped, s.errors));
  d.Line("Errors are (predicted - measured) / measured; |err| its absolute value.");
  CaseBlocks(d, rep);
  SummaryBlocks(d, s);
  if (rep.cv) CvBlocks(d, *rep.cv);
  PlannerBlocks(d, rep);
  d.Heading("Skip reasons");
  AddTable(d, CountTable(s.skip_reasons, "reason"));
  d.Heading("Error kinds");
  AddTable(d, CountTable(s.error_kinds, "kind"));
  CsvRows(d, rep);
  return d;
}

json ValidationJson(const ValidationReport& rep) {
  json cases = json::array();
  for (const auto& r : rep.cases) {
    const Case& in = r.input;
    json c = {{"id", in.id},
              {"line", in.line},
              {"source", in.source},
              {"group", in.group},
              {"quality", in.quality},
              {"core_subset", in.core_subset},
              {"skipped", Opt(r.skipped)},
              {"error", Opt(r.error)},
              {"estimate", r.estimate ? report::EstimateJson(*r.estimate) : json(nullptr)},
              {"measured", in.parse_error.empty() ? MeasuredJson(in.measured) : json(nullptr)},
              {"assumptions", in.assumptions}};
    json comps = json::array();
    for (const auto& cmp : r.comparisons) comps.push_back(ComparisonJson(cmp));
    c["comparisons"] = std::move(comps);
    c["planner_speedup"] = r.planner_speedup ? json(*r.planner_speedup) : json(nullptr);
    c["category"] = r.category.empty() ? json(nullptr) : json(r.category);
    c["planner_gain_term"] =
        r.planner_gain_term.empty() ? json(nullptr) : json(r.planner_gain_term);
    cases.push_back(std::move(c));
  }
  const Summary& s = rep.summary;
  json by_source = json::array(), by_quality = json::array(), by_core = json::array(),
       by_category = json::array();
  for (const auto& g : s.by_source) by_source.push_back(GroupJson(g));
  for (const auto& g : s.by_quality) by_quality.push_back(GroupJson(g));
  for (const auto& g : s.by_core_subset) by_core.push_back(GroupJson(g));
  for (const auto& g : s.by_category) by_category.push_back(GroupJson(g));
  json summary = {
      {"cases", s.cases},
      {"evaluated", s.evaluated},
      {"skipped", s.skipped},
      {"errors", s.errors},
      {"error_definition",
       "relative error = (predicted - measured) / measured; median and p90 of its "
       "absolute value by linear interpolation; median_signed_error and mean_signed_error: "
       "the bias (> 0: over-prediction)"},
      {"skip_reasons", CountsJson(s.skip_reasons, "reason")},
      {"error_kinds", CountsJson(s.error_kinds, "kind")},
      {"overall", GroupJson(s.overall)},
      {"by_source", std::move(by_source)},
      {"by_quality", std::move(by_quality)},
      {"by_core_subset", std::move(by_core)},
      {"by_category", std::move(by_category)},
      {"planner",
       {{"compared", s.planner.compared},
        {"at_least_as_fast", s.planner.at_least_as_fast},
        {"published_fits", s.planner.published_fits},
        {"at_least_as_fast_where_published_fits", s.planner.at_least_as_fast_where_fits},
        {"median_speedup", s.planner.median_speedup}}}};
  if (rep.cv) summary["cv"] = CvJson(*rep.cv);
  return {{"schema_version", report::kJsonSchemaVersion},
          {"cases", std::move(cases)},
          {"summary", std::move(summary)}};
}

}  // namespace gpuadv::validate
