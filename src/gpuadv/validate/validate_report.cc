#include "gpuadv/validate/validate_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "gpuadv/core/units.h"
#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/text_table.h"

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

// Aligned text table or Markdown table (first row = header). Columns whose cells are all
// number-like are right-aligned, the others left-aligned.
std::string Table(const std::vector<Row>& rows, bool markdown) {
  if (rows.size() < 2) return markdown ? "(none)\n" : "  (none)\n";
  std::vector<bool> right(rows[0].size(), true);
  for (size_t ri = 1; ri < rows.size(); ++ri)
    for (size_t i = 0; i < rows[ri].size() && i < right.size(); ++i)
      if (!NumberLike(rows[ri][i])) right[i] = false;
  return report::RenderAligned(rows, markdown, right);
}

// One table cell from free text: one line, at most kMaxCellChars, '|' escaped in Markdown.
std::string Cut(std::string s, bool markdown) {
  for (char& c : s)
    if (c == '\n' || c == '\r') c = ' ';
  if (s.size() > kMaxCellChars) s = s.substr(0, kMaxCellChars - 3) + "...";
  if (!markdown) return s;
  std::string out;
  for (char c : s) {
    if (c == '|') out += '\\';
    out += c;
  }
  return out;
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
std::string CoveragePct(const GroupStats& g, Quantity q) {
  const Coverage* c = CoverageOf(g, q);
  return c && c->count ? Pct(c->Share()) : "";
}

// Rows "key | quantity | n | median | p90 | bias | in range | accuracy" for each quantity.
void SliceRows(const GroupStats& g, std::vector<Row>& rows, bool with_key) {
  for (Quantity q : kErrorQuantities) {
    const ErrorStats& e = g.For(q);
    if (e.count == 0 && e.non_finite == 0) continue;
    Row r = {Name(q),
             std::to_string(e.count),
             Pct(e.median_abs),
             Pct(e.p90_abs),
             Pct(e.mean_signed, true),
             CoveragePct(g, q),
             ""};
    if (e.non_finite) r[1] += fmt::format(" (+{} n/a)", e.non_finite);
    if (with_key) r.insert(r.begin(), g.key);
    rows.push_back(std::move(r));
  }
  if (g.fit.count) {
    Row r = {Name(Quantity::kFit),
             std::to_string(g.fit.count),
             "",
             "",
             "",
             "",
             fmt::format("{} ({}/{})", Pct(g.fit.Accuracy()), g.fit.correct, g.fit.count)};
    if (with_key) r.insert(r.begin(), g.key);
    rows.push_back(std::move(r));
  }
}

std::string SliceTable(const std::vector<GroupStats>& groups, const std::string& key,
                       bool markdown) {
  std::vector<Row> rows = {
      {key, "quantity", "n", "median |err|", "p90 |err|", "bias", "in range", "accuracy"}};
  for (const auto& g : groups) SliceRows(g, rows, true);
  return Table(rows, markdown);
}

std::string CountTable(const std::vector<std::pair<std::string, size_t>>& counts,
                       const std::string& what, bool markdown) {
  std::vector<Row> rows = {{what, "cases"}};
  for (const auto& [k, n] : counts) rows.push_back({Cut(k, markdown), std::to_string(n)});
  return Table(rows, markdown);
}

// CSV -----------------------------------------------------------------------------------

std::string Csv(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::string CsvNum(double v) { return std::isfinite(v) ? fmt::format("{}", v) : ""; }
std::string CsvPct(double fraction) {
  return std::isfinite(fraction) ? fmt::format("{:.3f}", fraction * 100) : "";
}

std::string CsvRow(const std::vector<std::string>& cells) {
  std::string out;
  for (size_t i = 0; i < cells.size(); ++i) {
    if (i) out += ',';
    out += Csv(cells[i]);
  }
  return out + "\n";
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
  } else {
    j["error"] = Num(c.SignedError());
    j["abs_error"] = Num(std::fabs(c.SignedError()));
  }
  return j;
}

json ErrorStatsJson(const ErrorStats& e) {
  return {{"count", e.count},
          {"non_finite", e.non_finite},
          {"median_abs_error", Num(e.median_abs)},
          {"p90_abs_error", Num(e.p90_abs)},
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
  j["fit"] = {
      {"count", g.fit.count}, {"correct", g.fit.correct}, {"accuracy", Num(g.fit.Accuracy())}};
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
  for (Quantity q : {Quantity::kMemory, Quantity::kThroughput}) {
    const CvFigures& f = q == Quantity::kMemory ? sl.memory : sl.throughput;
    if (f.in_sample.count == 0 && f.cross_validated.count == 0) continue;
    Row r = {Name(q),
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

std::string CvText(const CrossValidation& cv, bool md) {
  const Row head = {"quantity",           "n",         "in-sample median", "in-sample p90",
                    "in-sample in range", "CV median", "CV p90",           "CV in range"};
  std::vector<Row> overall = {head};
  CvRows(cv.overall, overall, false);
  Row keyed = head;
  keyed.insert(keyed.begin(), "group");
  std::vector<Row> groups = {keyed};
  for (const auto& g : cv.by_source) CvRows(g, groups, true);
  std::string notes;
  for (const auto& n : cv.notes) notes += (md ? "- " : "  ") + n + "\n";
  return report::SectionHeading("Cross-validation: leave one " + cv.scheme + " group out", md) +
         Table(overall, md) + (md ? "\n" : "") + notes +
         report::SectionHeading("Cross-validation by source group", md) + Table(groups, md);
}

}  // namespace

std::string ValidationText(const ValidationReport& rep, bool md) {
  const Summary& s = rep.summary;
  std::string out = fmt::format("{}Validation: {} cases ({} evaluated, {} skipped, {} errors)\n",
                                md ? "# " : "", s.cases, s.evaluated, s.skipped, s.errors);
  out += md ? "\nErrors are (predicted - measured) / measured; |err| its absolute value.\n"
            : "Errors are (predicted - measured) / measured; |err| its absolute value.\n";

  std::vector<Row> rows = {{"id", "quantity", "metric", "predicted", "measured", "error"}};
  std::vector<Row> skipped = {{"id", "reason"}};
  std::vector<Row> failed = {{"id", "error"}};
  for (const auto& r : rep.cases) {
    if (r.skipped) {
      skipped.push_back({r.input.id, Cut(*r.skipped, md)});
    } else if (r.error) {
      failed.push_back({r.input.id, Cut(*r.error, md)});
    } else if (r.comparisons.empty()) {
      rows.push_back({r.input.id, "-", "nothing comparable measured", "", "", ""});
    }
    for (const auto& c : r.comparisons) {
      const std::string measured = fmt::format("{}{}", c.quantity == Quantity::kFit ? "cap " : "",
                                               Value(c.quantity, c.measured));
      rows.push_back({r.input.id, Name(c.quantity), c.metric, Value(c.quantity, c.predicted),
                      measured, Verdict(c)});
    }
  }
  out += report::SectionHeading("Cases", md) + Table(rows, md);
  out += report::SectionHeading(fmt::format("Skipped ({})", s.skipped), md) + Table(skipped, md);
  out += report::SectionHeading(fmt::format("Errors ({})", s.errors), md) + Table(failed, md);

  std::vector<Row> overall = {
      {"quantity", "n", "median |err|", "p90 |err|", "bias", "in range", "accuracy"}};
  SliceRows(s.overall, overall, false);
  out += report::SectionHeading("Summary by quantity", md) + Table(overall, md);
  out += report::SectionHeading("By source group", md) + SliceTable(s.by_source, "group", md);
  out += report::SectionHeading("By quality", md) + SliceTable(s.by_quality, "quality", md);
  out += report::SectionHeading("By core subset", md) +
         SliceTable(s.by_core_subset, "core_subset", md);
  if (rep.cv) out += CvText(*rep.cv, md);
  if (s.planner.compared > 0) {
    std::vector<Row> pl = {
        {"planner vs published layouts (>= 16 GPUs)", "value"},
        {"rows compared", std::to_string(s.planner.compared)},
        {"planner at least as fast", std::to_string(s.planner.at_least_as_fast)},
        {"published layout fits (our estimate)", std::to_string(s.planner.published_fits)},
        {"at least as fast where it fits", std::to_string(s.planner.at_least_as_fast_where_fits)},
        {"median predicted speedup", fmt::format("{:.2f}x", s.planner.median_speedup)}};
    out += report::SectionHeading("Planner", md) + Table(pl, md);
    // Issue 11: every claimed gain over 10% names the modelled term it comes from.
    std::vector<Row> gains = {{"case", "speedup", "planner best", "gain from", "share of step"}};
    for (const auto& c : rep.cases)
      if (c.planner_speedup && *c.planner_speedup > kClaimedGain)
        gains.push_back({c.input.id, fmt::format("{:.2f}x", *c.planner_speedup), c.planner_best,
                         c.planner_gain_term.empty() ? "?" : c.planner_gain_term,
                         fmt::format("{:.0f}%", 100 * c.planner_gain_share)});
    if (gains.size() > 1)
      out +=
          report::SectionHeading("Planner gains over 10% and the modelled term behind each", md) +
          Table(gains, md);
  }
  out += report::SectionHeading("Skip reasons", md) + CountTable(s.skip_reasons, "reason", md);
  out += report::SectionHeading("Error kinds", md) + CountTable(s.error_kinds, "kind", md);
  return out;
}

std::string ValidationCsv(const ValidationReport& rep) {
  std::string out =
      CsvRow({"kind", "id", "group", "quality", "core_subset", "quantity", "metric", "predicted",
              "measured", "error_pct", "status", "count", "median_abs_error_pct",
              "p90_abs_error_pct", "bias_pct", "accuracy_pct", "coverage_pct"});
  // Each row's JSON (its case, or its summary group) is appended to it: the CSV carries
  // every figure of ValidationJson.
  const json doc = ValidationJson(rep);
  json docs = json::array();
  auto add = [&](const std::string& row, const json& row_doc) {
    out += row;
    docs.push_back(row_doc);
  };
  size_t case_index = 0;
  for (const auto& r : rep.cases) {
    const json& case_doc = doc["cases"][case_index++];
    const Case& in = r.input;
    Row head = {"case", in.id, in.group, in.quality, in.core_subset};
    auto emit = [&](Row tail) {
      Row row = head;
      row.insert(row.end(), tail.begin(), tail.end());
      row.resize(17);
      add(CsvRow(row), case_doc);
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
  auto slice = [&](const GroupStats& g, const std::string& key, const json& group_doc) {
    for (Quantity q : kErrorQuantities) {
      const ErrorStats& e = g.For(q);
      if (e.count == 0) continue;
      const Coverage* c = CoverageOf(g, q);
      add(CsvRow({"summary", "", key, "", "", Name(q), "", "", "", "", "", std::to_string(e.count),
                  CsvPct(e.median_abs), CsvPct(e.p90_abs), CsvPct(e.mean_signed), "",
                  c && c->count ? CsvPct(c->Share()) : ""}),
          group_doc);
    }
    if (g.fit.count)
      add(CsvRow({"summary", "", key, "", "", Name(Quantity::kFit), "", "", "", "", "",
                  std::to_string(g.fit.count), "", "", "", CsvPct(g.fit.Accuracy()), ""}),
          group_doc);
  };
  const Summary& s = rep.summary;
  // The "all" rows carry the summary's own figures (case counts, planner) too.
  json overall_doc = doc["summary"];
  for (const char* k : {"by_source", "by_quality", "by_core_subset", "cv"}) overall_doc.erase(k);
  slice(s.overall, "all", overall_doc);
  const json& sd = doc["summary"];
  for (size_t i = 0; i < s.by_source.size(); ++i)
    slice(s.by_source[i], "source:" + s.by_source[i].key, sd["by_source"][i]);
  for (size_t i = 0; i < s.by_quality.size(); ++i)
    slice(s.by_quality[i], "quality:" + s.by_quality[i].key, sd["by_quality"][i]);
  for (size_t i = 0; i < s.by_core_subset.size(); ++i)
    slice(s.by_core_subset[i], "core_subset:" + s.by_core_subset[i].key, sd["by_core_subset"][i]);
  if (!rep.cv) return report::AppendJsonColumns(out, docs);
  // kind = cv: metric says which figures (in_sample | cross_validated).
  auto cv_slice = [&](const CvSlice& sl, const std::string& key, const json& slice_doc) {
    for (Quantity q : {Quantity::kMemory, Quantity::kThroughput}) {
      const CvFigures& f = q == Quantity::kMemory ? sl.memory : sl.throughput;
      const std::pair<const char*, std::pair<const ErrorStats*, const Coverage*>> which[] = {
          {"in_sample", {&f.in_sample, &f.in_sample_coverage}},
          {"cross_validated", {&f.cross_validated, &f.cv_coverage}}};
      for (const auto& [metric, stats] : which) {
        const auto& [e, c] = stats;
        if (e->count == 0) continue;
        add(CsvRow({"cv", "", key, "", "", Name(q), metric, "", "", "", "",
                    std::to_string(e->count), CsvPct(e->median_abs), CsvPct(e->p90_abs),
                    CsvPct(e->mean_signed), "", CsvPct(c->Share())}),
            slice_doc);
      }
    }
  };
  const json& cvd = sd["cv"];
  cv_slice(rep.cv->overall, "all", cvd["overall"]);
  for (size_t i = 0; i < rep.cv->by_source.size(); ++i)
    cv_slice(rep.cv->by_source[i], "source:" + rep.cv->by_source[i].key, cvd["by_source"][i]);
  return report::AppendJsonColumns(out, docs);
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
    c["planner_gain_term"] =
        r.planner_gain_term.empty() ? json(nullptr) : json(r.planner_gain_term);
    cases.push_back(std::move(c));
  }
  const Summary& s = rep.summary;
  json by_source = json::array(), by_quality = json::array(), by_core = json::array();
  for (const auto& g : s.by_source) by_source.push_back(GroupJson(g));
  for (const auto& g : s.by_quality) by_quality.push_back(GroupJson(g));
  for (const auto& g : s.by_core_subset) by_core.push_back(GroupJson(g));
  json summary = {
      {"cases", s.cases},
      {"evaluated", s.evaluated},
      {"skipped", s.skipped},
      {"errors", s.errors},
      {"error_definition",
       "relative error = (predicted - measured) / measured; median and p90 of its "
       "absolute value by linear interpolation; mean_signed_error = bias"},
      {"skip_reasons", CountsJson(s.skip_reasons, "reason")},
      {"error_kinds", CountsJson(s.error_kinds, "kind")},
      {"overall", GroupJson(s.overall)},
      {"by_source", std::move(by_source)},
      {"by_quality", std::move(by_quality)},
      {"by_core_subset", std::move(by_core)},
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
