// RunValidation over a hand-written fixture with a test catalog: errors don't stop the
// run, like-with-like metrics, the summary slices, and every output format.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/validate/validate.h"
#include "gpuadv/validate/validate_report.h"
#include "tests/unit/validation/test_catalog.h"

namespace gpuadv::validate {
namespace {

const std::string kFixture =
    std::string(GPUADV_SOURCE_DIR) + "/tests/unit/validation/fixtures/mixed.jsonl";

const ValidationReport& Report() {
  static const ValidationReport rep =
      RunValidation(io::ReadFileBounded(kFixture, "fixture"), testing::TestCatalog(),
                    io::BuiltinEfficiency(), false, "mixed.jsonl");
  return rep;
}

const CaseResult& Find(const ValidationReport& rep, const std::string& id) {
  for (const auto& c : rep.cases)
    if (c.input.id == id) return c;
  static const CaseResult none;
  ADD_FAILURE() << "no case " << id;
  return none;
}

TEST(ValidationRun, ErrorsDoNotStopTheRun) {
  const auto& rep = Report();
  ASSERT_EQ(rep.cases.size(), 8u);  // the blank line is not a case
  EXPECT_EQ(rep.summary.cases, 8u);
  EXPECT_EQ(rep.summary.skipped, 1u);
  EXPECT_EQ(rep.summary.errors, 3u);
  EXPECT_EQ(rep.summary.evaluated, 4u);
  EXPECT_EQ(rep.cases.back().input.id, "T-MAX-SEQ");  // cases after the errors still ran
  EXPECT_TRUE(rep.cases.back().estimate.has_value());
}

TEST(ValidationRun, MalformedLineIsAnErrorWithItsLineNumber) {
  const auto& c = Find(Report(), "line 5");
  ASSERT_TRUE(c.error);
  EXPECT_TRUE(c.error->starts_with("mixed.jsonl:5: malformed JSON: ")) << *c.error;
  EXPECT_EQ(c.error_kind, "malformed case line");
  const auto& k = Find(Report(), "T-BAD-KEY");
  ASSERT_TRUE(k.error);
  EXPECT_TRUE(k.error->starts_with("mixed.jsonl:8: measured.memory_byte: unknown key")) << *k.error;
}

TEST(ValidationRun, UnknownGpuGetsTheScenarioError) {
  const auto& c = Find(Report(), "T-UNKNOWN-GPU");
  ASSERT_TRUE(c.error);
  EXPECT_TRUE(c.error->starts_with("hardware.gpu: ")) << *c.error;
  EXPECT_NE(c.error->find("no-such-gpu"), std::string::npos) << *c.error;
  EXPECT_EQ(c.error_kind, "scenario rejected: hardware.gpu");
  EXPECT_FALSE(c.estimate);
  EXPECT_TRUE(c.comparisons.empty());
}

// Issue 18: a published row is scored at its published layout even when no layout of the
// planner's space splits its batch (16 GPUs, batch 3, a model of 2 layers and 4 heads).
TEST(ValidationRun, RowWithoutAPlannerLayoutIsStillScored) {
  const std::string line =
      R"({"id": "T-NO-PLAN", "source": "example/repo-c:README.md@abc", "quality": "good", )"
      R"("core_subset": "Y", "scenario": {"model": {"layers": 2, "hidden": 512, "heads": 4, )"
      R"("kv_heads": 4, "ffn": 2048, "vocab": 1000, "max_seq_len": 1024}, "training": )"
      R"({"method": "pretrain", "seq_len": 1024, "global_batch": 3, "micro_batch": 1}, )"
      R"("hardware": {"gpu": "test-gpu-24gb", "count": 8, "nodes": 2}, "parallelism": )"
      R"({"tp": 4, "pp": 2, "zero": 0}}, "measured": {"memory_bytes": null, "memory_metric": )"
      R"(null, "outcome": "ok", "tokens_per_s_per_gpu": 1000, "mfu": null, "mfu_convention": )"
      R"(null, "step_time_s": null}, "assumptions": "", "skip": null})";
  const ValidationReport rep = RunValidation(line + "\n", testing::TestCatalog(),
                                             io::BuiltinEfficiency(), false, "inline.jsonl");
  ASSERT_EQ(rep.cases.size(), 1u);
  const CaseResult& c = rep.cases.front();
  EXPECT_FALSE(c.error.has_value()) << c.error.value_or("");
  EXPECT_FALSE(c.comparisons.empty());
  EXPECT_FALSE(c.planner_speedup.has_value());  // no comparison with the planner
}

// One run read three ways (allocated, reserved, device total) is one case: the headline
// memory figures count it once, by the reading it states; every reading is counted apart.
TEST(ValidationRun, ExtraReadingsOfOneRunCountOnceInTheHeadline) {
  const std::string line =
      R"({"id": "T-THREE", "source": "example/repo-d:README.md@abc", "quality": "good", )"
      R"("core_subset": "Y", "scenario": {"model": {"layers": 2, "hidden": 512, "heads": 4, )"
      R"("kv_heads": 4, "ffn": 2048, "vocab": 1000, "max_seq_len": 1024}, "training": )"
      R"({"method": "pretrain", "seq_len": 1024, "global_batch": 1, "micro_batch": 1}, )"
      R"("hardware": {"gpu": "test-gpu-24gb", "count": 1}}, "measured": {"memory_bytes": )"
      R"(1000000000, "memory_metric": "allocated", "reserved_bytes": 1200000000, )"
      R"("nvml_bytes": 1700000000, "outcome": "ok", "tokens_per_s_per_gpu": null, "mfu": )"
      R"(null, "mfu_convention": null, "step_time_s": null}, "assumptions": "", "skip": null})";
  const ValidationReport rep = RunValidation(line + "\n", testing::TestCatalog(),
                                             io::BuiltinEfficiency(), false, "inline.jsonl");
  ASSERT_EQ(rep.cases.size(), 1u);
  // Three readings and the completed run's verdict.
  ASSERT_EQ(rep.cases[0].comparisons.size(), 4u) << rep.cases[0].error.value_or("");
  const GroupStats& all = rep.summary.overall;
  EXPECT_EQ(all.fit.ran_count, 1u);
  EXPECT_EQ(all.fit.count, 0u);
  EXPECT_EQ(all.memory.count, 1u);
  EXPECT_EQ(all.memory_coverage.count, 1u);
  EXPECT_EQ(all.memory_every_reading.count, 3u);
  EXPECT_EQ(all.memory_every_reading_coverage.count, 3u);
  // The headline error is the stated (allocated) reading's.
  EXPECT_DOUBLE_EQ(all.memory.median_abs, std::fabs(rep.cases[0].comparisons[0].SignedError()));
}

TEST(ValidationRun, SkippedCaseCarriesItsReason) {
  const auto& c = Find(Report(), "T-SKIP");
  ASSERT_TRUE(c.skipped);
  EXPECT_EQ(*c.skipped, "no architecture given");
  EXPECT_FALSE(c.error);
  EXPECT_FALSE(c.estimate);
  const auto& reasons = Report().summary.skip_reasons;
  ASSERT_EQ(reasons.size(), 1u);
  EXPECT_EQ(reasons[0], std::make_pair(std::string("no architecture given"), size_t{1}));
}

TEST(ValidationRun, AllocatedCaseComparesPeakAllocatedOfItsEstimate) {
  const auto& c = Find(Report(), "T-OK-MEM");
  ASSERT_TRUE(c.estimate) << c.error.value_or("");
  ASSERT_EQ(c.comparisons.size(), 2u);
  EXPECT_EQ(c.comparisons[0].metric, "peak_allocated_bytes");
  EXPECT_EQ(c.comparisons[0].predicted, c.estimate->memory.peak_allocated_bytes);
  EXPECT_EQ(c.comparisons[0].measured, 16106127360.0);
  EXPECT_TRUE(c.comparisons[1].ran);  // the run completed: the verdict should be "fits"
}

TEST(ValidationRun, NvmlCaseComparesPerGpuAndThroughput) {
  const auto& c = Find(Report(), "T-OK-TPUT");
  ASSERT_TRUE(c.estimate) << c.error.value_or("");
  ASSERT_EQ(c.comparisons.size(), 4u);
  EXPECT_EQ(c.comparisons[0].metric, "per_gpu_bytes");
  EXPECT_EQ(c.comparisons[0].predicted, c.estimate->memory.per_gpu_bytes);
  EXPECT_EQ(c.comparisons[1].metric, "tokens_per_s_per_gpu");
  EXPECT_EQ(c.comparisons[1].predicted, c.estimate->throughput.tokens_per_s_per_gpu);
  EXPECT_EQ(c.comparisons[2].metric, "mfu");
  EXPECT_EQ(c.comparisons[3].quantity, Quantity::kFit);
  EXPECT_TRUE(c.comparisons[3].ran);
}

TEST(ValidationRun, CapacityRowsBecomeFitChecks) {
  const auto& oom = Find(Report(), "T-OOM");
  ASSERT_TRUE(oom.estimate) << oom.error.value_or("");
  ASSERT_EQ(oom.comparisons.size(), 1u);
  EXPECT_EQ(oom.comparisons[0].quantity, Quantity::kFit);
  EXPECT_FALSE(oom.comparisons[0].expect_fit);
  EXPECT_DOUBLE_EQ(oom.comparisons[0].measured, oom.estimate->gpu_memory_bytes);
  const auto& max = Find(Report(), "T-MAX-SEQ");
  ASSERT_TRUE(max.estimate) << max.error.value_or("");
  ASSERT_EQ(max.comparisons.size(), 2u);
  EXPECT_TRUE(max.comparisons[0].expect_fit);
  EXPECT_EQ(max.comparisons[1].metric, "per_gpu_bytes_at_2x_seq_len");
  EXPECT_FALSE(max.comparisons[1].expect_fit);
}

TEST(ValidationRun, SummarySlicesBySourceQualityAndCoreSubset) {
  const Summary& s = Report().summary;
  EXPECT_EQ(s.overall.memory.count, 2u);
  EXPECT_EQ(s.overall.throughput.count, 1u);
  EXPECT_EQ(s.overall.mfu.count, 1u);
  EXPECT_EQ(s.overall.step_time.count, 0u);
  EXPECT_EQ(s.overall.fit.count, 3u);
  ASSERT_EQ(s.by_source.size(), 3u);
  EXPECT_EQ(s.by_source[0].key, "repo-a");
  EXPECT_EQ(s.by_source[0].cases, 2u);
  ASSERT_EQ(s.by_quality.size(), 2u);
  EXPECT_EQ(s.by_quality[0].key, "good");
  EXPECT_EQ(s.by_quality[1].key, "medium");
  EXPECT_EQ(s.by_quality[1].cases, 2u);
  ASSERT_EQ(s.by_core_subset.size(), 2u);
  EXPECT_EQ(s.by_core_subset[0].key, "N");
  EXPECT_EQ(s.by_core_subset[0].cases, 1u);
  EXPECT_EQ(s.by_core_subset[1].cases, 3u);
  // By the estimate's category (architecture/precision/method/stack): every evaluated case
  // in exactly one, named as the ranges name it.
  ASSERT_FALSE(s.by_category.empty());
  size_t cases = 0, memory = 0;
  for (const auto& g : s.by_category) {
    EXPECT_EQ(std::count(g.key.begin(), g.key.end(), '/'), 3) << g.key;
    cases += g.cases;
    memory += g.memory.count;
  }
  EXPECT_EQ(cases, s.overall.cases);
  EXPECT_EQ(memory, s.overall.memory.count);
  for (const auto& c : Report().cases) {
    if (!c.estimate) continue;
    EXPECT_FALSE(c.category.empty()) << c.input.id;
  }
}

TEST(ValidationRun, CoreOnlyKeepsCoreCasesAndMalformedLines) {
  const auto rep = RunValidation(io::ReadFileBounded(kFixture, "fixture"), testing::TestCatalog(),
                                 io::BuiltinEfficiency(), true, "mixed.jsonl");
  EXPECT_EQ(rep.cases.size(), 6u);
  for (const auto& c : rep.cases)
    EXPECT_TRUE(c.input.core_subset == "Y" || !c.input.parse_error.empty()) << c.input.id;
}

TEST(ValidationReport, JsonHasTheDesignContract) {
  const auto j = ValidationJson(Report());
  ASSERT_TRUE(j.contains("cases"));
  ASSERT_TRUE(j.contains("summary"));
  ASSERT_EQ(j["cases"].size(), 8u);
  for (const auto& c : j["cases"])
    for (const char* k : {"id", "skipped", "error", "estimate", "measured", "comparisons"})
      EXPECT_TRUE(c.contains(k)) << k;
  const auto& skip = j["cases"][2];
  EXPECT_EQ(skip["id"], "T-SKIP");
  EXPECT_EQ(skip["skipped"], "no architecture given");
  EXPECT_TRUE(skip["error"].is_null());
  EXPECT_TRUE(skip["estimate"].is_null());
  EXPECT_EQ(skip["measured"]["tokens_per_s_per_gpu"], 1000.0);
  const auto& ok = j["cases"][0];
  EXPECT_TRUE(ok["skipped"].is_null());
  EXPECT_TRUE(ok["estimate"].contains("memory"));
  EXPECT_EQ(ok["measured"]["memory_metric"], "allocated");
  EXPECT_EQ(ok["comparisons"][0]["metric"], "peak_allocated_bytes");
  EXPECT_TRUE(j["cases"][3]["error"].is_string());
  const auto& s = j["summary"];
  for (const char* k : {"cases", "evaluated", "skipped", "errors", "skip_reasons", "error_kinds",
                        "overall", "by_source", "by_quality", "by_core_subset"})
    EXPECT_TRUE(s.contains(k)) << k;
  for (const char* k : {"memory", "throughput", "mfu", "step_time", "fit"})
    EXPECT_TRUE(s["overall"].contains(k)) << k;
  EXPECT_EQ(s["overall"]["memory"]["count"], 2);
}

std::string Rendered(const ValidationReport& rep, report::Format f) {
  return report::Render(ValidationDocument(rep), f);
}

TEST(ValidationReport, TextAndMarkdownListCasesThenSummaries) {
  for (report::Format f : {report::Format::kTable, report::Format::kMarkdown}) {
    const std::string t = Rendered(Report(), f);
    EXPECT_NE(t.find("Validation: 8 cases (4 evaluated, 1 skipped, 3 errors)"), std::string::npos);
    EXPECT_NE(t.find("T-OK-MEM"), std::string::npos);
    EXPECT_NE(t.find("Summary by quantity"), std::string::npos);
    EXPECT_NE(t.find("By source group"), std::string::npos);
    EXPECT_NE(t.find("no architecture given"), std::string::npos);
    EXPECT_LT(t.find("Cases"), t.find("Summary by quantity"));
  }
  EXPECT_NE(Rendered(Report(), report::Format::kMarkdown).find("## Summary by quantity"),
            std::string::npos);
}

// An empty table is "(none)": indented under its heading in the table format, its own
// paragraph in Markdown.
TEST(ValidationReport, EmptyTablesSayNone) {
  const ValidationReport empty;
  const std::string t = Rendered(empty, report::Format::kTable);
  EXPECT_NE(t.find("\nCases\n  (none)\n\nSkipped (0)\n  (none)\n"), std::string::npos) << t;
  const std::string md = Rendered(empty, report::Format::kMarkdown);
  EXPECT_NE(md.find("\n## Cases\n\n(none)\n\n## Skipped (0)\n\n(none)\n"), std::string::npos) << md;
  EXPECT_TRUE(md.ends_with("## Error kinds\n\n(none)\n")) << md;
}

// Free text in a cell is one line, and its '|' is escaped once in Markdown (the writer's
// job: escaped twice, a backslash would show and the '|' would split the cell).
TEST(ValidationReport, FreeTextCellsAreOneLineAndEscapedOnce) {
  ValidationReport rep = Report();
  rep.cases[2].skipped = "needs a | b\nand more";
  const std::string md = Rendered(rep, report::Format::kMarkdown);
  EXPECT_NE(md.find("| needs a \\| b and more"), std::string::npos) << md;
  EXPECT_EQ(md.find("\\\\|"), std::string::npos) << md;
  EXPECT_NE(Rendered(rep, report::Format::kTable).find("  needs a | b and more"),
            std::string::npos);
}

TEST(ValidationReport, CsvHasOneHeaderAndCaseThenSummaryRows) {
  const std::string csv = Rendered(Report(), report::Format::kCsv);
  EXPECT_TRUE(
      csv.starts_with("kind,id,group,quality,core_subset,quantity,metric,predicted,"
                      "measured,error_pct,status,count,median_abs_error_pct,"
                      "p90_abs_error_pct,bias_pct,accuracy_pct,coverage_pct,"));
  EXPECT_NE(csv.find("\ncase,T-OK-MEM,repo-a,good,Y,memory,peak_allocated_bytes,"),
            std::string::npos);
  EXPECT_NE(
      csv.find("\ncase,T-SKIP,Someone et al. 2023,vague,N,,,,,,skipped: no architecture given"),
      std::string::npos);
  EXPECT_NE(csv.find("\nsummary,,all,,,memory,"), std::string::npos);
  EXPECT_LT(csv.rfind("\ncase,"), csv.find("\nsummary,"));
  // Each row carries its case's (or summary group's) JSON figures as dotted columns.
  const std::string header = csv.substr(0, csv.find('\n'));
  EXPECT_NE(header.find(",estimate.memory.peak_allocated_bytes,"), std::string::npos) << header;
  EXPECT_NE(header.find(",overall.fit.correct,"), std::string::npos) << header;
}

// The real binary (ninja output_test style).
struct CliRun {
  int rc = -1;
  std::string out;
};
CliRun Exec(const std::string& args) {
  CliRun r;
  FILE* p = popen((std::string(GPUADV_CLI) + " " + args + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf{};
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.out.append(buf.data(), n);
  const int status = pclose(p);
  r.rc = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return r;
}

TEST(ValidationCli, CasesFileInJsonKeepsGoingPastErrors) {
  const CliRun r = Exec("--format json validate --cases " + kFixture);
  ASSERT_EQ(r.rc, 0) << r.out;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["cases"].size(), 8u);
  EXPECT_EQ(j["summary"]["skipped"], 1);
}

TEST(ValidationCli, MissingCasesFileIsBadInput) {
  const CliRun r = Exec("validate --cases /nonexistent/cases.jsonl");
  EXPECT_EQ(r.rc, 2) << r.out;
  EXPECT_NE(r.out.find("--cases"), std::string::npos) << r.out;
}

TEST(ValidationCli, EmbeddedCoreSubsetEveryFormat) {
  for (const char* f : {"table", "markdown", "csv", "json"}) {
    const CliRun r = Exec(std::string("--format ") + f + " validate --core");
    EXPECT_EQ(r.rc, 0) << f << ": " << r.out.substr(0, 400);
    EXPECT_FALSE(r.out.empty()) << f;
  }
}

}  // namespace
}  // namespace gpuadv::validate
