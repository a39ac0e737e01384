#include <gtest/gtest.h>

#include "advise_fixture.h"
#include "gpuadv/advise/guidance.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/report/document.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/plan_report.h"
#include "gpuadv/report/recommend_report.h"
#include "gpuadv/report/table_report.h"

namespace gpuadv::advise {
namespace {

TEST(RecommendReport, JsonHasTheSchemaFields) {
  const auto s = testing::Scenario("model: llama-3.1-8b\ntraining: {method: qlora}\n");
  const auto r = Recommend(s, testing::BuiltinInputs(), testing::Options(3));
  const auto j = report::RecommendJson(r);
  for (const char* k : {"schema_version", "recommendations", "excluded", "advice", "pareto"})
    ASSERT_TRUE(j.contains(k)) << k;
  ASSERT_FALSE(j["recommendations"].empty());
  for (const auto& rec : j["recommendations"]) {
    for (const char* k : {"rank", "gpu", "count", "nodes", "acquire", "offer", "estimate",
                          "compatibility", "score", "why"})
      EXPECT_TRUE(rec.contains(k)) << k;
    EXPECT_TRUE(rec["gpu"].is_string());
    EXPECT_TRUE(rec["acquire"] == "buy" || rec["acquire"] == "rent");
    EXPECT_EQ(rec["acquire"] == "rent", rec["offer"].is_string());
    for (const char* k : {"gpu", "memory", "throughput", "training", "cost", "warnings"})
      EXPECT_TRUE(rec["estimate"].contains(k)) << k;
    EXPECT_TRUE(rec["compatibility"].contains("applies"));
    EXPECT_TRUE(rec["why"].is_array());
    EXPECT_TRUE(rec["score"].is_number());
  }
  for (const auto& e : j["excluded"]) {
    EXPECT_TRUE(e["gpu"].is_string());
    EXPECT_TRUE(e["reason"].is_string());
  }
  for (const auto& p : j["pareto"])
    for (const char* k : {"gpu", "count", "nodes", "acquire", "offer", "time_s", "cost_usd"})
      EXPECT_TRUE(p.contains(k)) << k;
}

TEST(RecommendReport, GuidanceAppearsOnlyWhenGiven) {
  const auto s = testing::Scenario("model: llama-3.1-8b\ntraining: {method: qlora}\n");
  const auto in = testing::BuiltinInputs();
  const auto r = Recommend(s, in, testing::Options(3));
  EXPECT_FALSE(report::RecommendJson(r).contains("guidance"));
  const auto g = BuildGuidance(s, r, in);
  const auto j = report::RecommendJson(r, &g);
  ASSERT_TRUE(j.contains("guidance"));
  for (const char* k : {"vram_tiers", "precision", "cores", "software_stacks", "rent_vs_buy",
                        "cpu_baseline", "accelerators"})
    EXPECT_TRUE(j["guidance"].contains(k)) << k;
  // Each CPU baseline carries the figures it used and whether each was measured.
  ASSERT_FALSE(j["guidance"]["cpu_baseline"].empty());
  for (const auto& c : j["guidance"]["cpu_baseline"]) {
    EXPECT_GT(c["matmul_tflops"].get<double>(), 0) << c.dump();
    EXPECT_TRUE(c["matmul_measured"].is_boolean()) << c.dump();
    EXPECT_TRUE(c["bandwidth_measured"].is_boolean()) << c.dump();
    EXPECT_TRUE(c["memory_bw_gbs"].is_null() || c["memory_bw_gbs"].get<double>() > 0) << c.dump();
  }
}

TEST(RecommendReport, SvgDrawsEveryPointAndTheFront) {
  RecommendResult r;
  r.points = {{"a", 1, 1, AcquireKind::kBuy, "", 3600, 1000, false},
              {"b", 1, 1, AcquireKind::kRent, "o", 7200, 10, false},
              {"c", 2, 1, AcquireKind::kRent, "o", 9000, 50, false}};
  MarkParetoFront(r.points);
  EXPECT_TRUE(r.points[0].on_front);   // fastest
  EXPECT_TRUE(r.points[1].on_front);   // cheaper
  EXPECT_FALSE(r.points[2].on_front);  // slower and dearer than b
  const std::string svg = report::ParetoSvg(r, "t <&>");
  EXPECT_EQ(svg.rfind("<svg", 0), 0u);
  EXPECT_NE(svg.find("t &lt;&amp;&gt;"), std::string::npos);
  EXPECT_NE(svg.find("class='front'"), std::string::npos);
  size_t circles = 0;
  for (size_t p = svg.find("<circle"); p != std::string::npos; p = svg.find("<circle", p + 1))
    ++circles;
  EXPECT_EQ(circles, 3u + 2u + 2u);  // points, front markers, legend
  EXPECT_NE(svg.find("</svg>"), std::string::npos);
}

TEST(RecommendReport, TextAndCsvListThePicks) {
  const auto s = testing::Scenario("model: llama-3.1-8b\ntraining: {method: qlora}\n");
  const auto r = Recommend(s, testing::BuiltinInputs(), testing::Options(3));
  const report::Document d = report::RecommendDocument(r);
  EXPECT_EQ(d.json, report::RecommendJson(r));
  const std::string text = report::Render(d, report::Format::kTable);
  EXPECT_EQ(text.rfind("Recommendations (objective: value)\n", 0), 0u) << text;
  EXPECT_NE(text.find(r.picks.front().gpu->id), std::string::npos);
  // Each pick's why: its line indented under the table, emphasised in Markdown.
  EXPECT_NE(text.find("\n  1. " + std::to_string(r.picks.front().count) + "x "), std::string::npos)
      << text;
  EXPECT_NE(text.find("\n     - fits: "), std::string::npos) << text;
  const std::string md = report::Render(d, report::Format::kMarkdown);
  EXPECT_EQ(md.rfind("# Recommendations (objective: value)\n\n| #", 0), 0u) << md;
  EXPECT_NE(md.find("\n**1. "), std::string::npos) << md;
  EXPECT_NE(md.find("\n- fits: "), std::string::npos) << md;
  const std::string csv = report::Render(d, report::Format::kCsv);
  EXPECT_EQ(csv.rfind("rank,gpu,count,nodes,acquire,offer,fit,", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(r.picks.size()) + 1);
}

// Issue 11 item 5: a pick whose estimate is not validated is marked in the table itself,
// with the mark explained under it; validated picks carry no mark.
TEST(RecommendReport, TableMarksUnvalidatedPicks) {
  const auto s =
      testing::Scenario("model: llama-3.1-8b\ntraining: {method: qlora, seq_len: 2048}\n");
  const auto r = Recommend(s, testing::BuiltinInputs(), testing::Options(200));
  const std::string text = report::Render(report::RecommendDocument(r), report::Format::kTable);
  size_t marked = 0;
  for (const auto& p : r.picks) {
    const std::string cell = (p.nodes > 1 ? std::to_string(p.nodes) + " nodes x " : "") +
                             std::to_string(p.count) + "x " + p.gpu->id + " *";
    const bool has_mark = text.find(" " + cell + " ") != std::string::npos;
    EXPECT_EQ(has_mark, !p.estimate.unvalidated.empty()) << cell;
    marked += has_mark ? 1 : 0;
  }
  ASSERT_GT(marked, 0u);
  EXPECT_NE(text.find("\n  * not validated (too few validation rows"), std::string::npos);
}

TEST(ReportDocument, LeadStrongIndentAndALaterTitle) {
  // The blocks `recommend --local` and the picks' why need: a lead that runs into its label
  // in the table format, an emphasised line indented there, a title after other blocks.
  report::Document d;
  d.Lead("Yours", "2x a").Bullet("b").Title("T").Strong("1. c", "  ").Bullet("d", "     - ");
  EXPECT_EQ(report::Render(d, report::Format::kTable),
            "Yours: 2x a\n  - b\n\nT\n  1. c\n     - d\n");
  EXPECT_EQ(report::Render(d, report::Format::kMarkdown),
            "### Yours\n\n2x a\n\n- b\n\n# T\n\n**1. c**\n\n- d\n");
  // A title first has no blank line before it; a strong line without indent is as given.
  report::Document first;
  first.Title("T").Strong("s");
  EXPECT_EQ(report::Render(first, report::Format::kTable), "T\ns\n");
}

TEST(EstimateReport, OneDocumentInEveryFormat) {
  const auto s = testing::Scenario(
      "model: llama-3.1-8b\ntraining: {method: full}\nhardware: {gpu: rtx-4090, count: 1}\n");
  estimate::EstimateResult r = estimate::Estimate(s, testing::BuiltinContext());
  r.warnings.push_back("w <1>");
  r.basis = {"b 1", "b 2"};  // --explain
  const report::Document d = report::EstimateDocument(r);
  EXPECT_EQ(d.json, report::EstimateJson(r));
  const std::string text = report::Render(d, report::Format::kTable);
  EXPECT_EQ(text.rfind("1 x " + r.gpu_name + " (", 0), 0u) << text;
  EXPECT_NE(text.find("\nMemory\n  memory per GPU"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  DOES NOT FIT: "), std::string::npos) << text;
  EXPECT_NE(text.find("\n  ! w <1>\n\nBasis\n  b 1\n  b 2\n"), std::string::npos) << text;
  const std::string md = report::Render(d, report::Format::kMarkdown);
  EXPECT_EQ(md.rfind("# 1 x " + r.gpu_name + " (", 0), 0u) << md;
  EXPECT_NE(md.find("\n## Memory\n\n| memory per GPU"), std::string::npos) << md;
  EXPECT_NE(md.find("\n- w <1>\n\n## Basis\n\n- b 1\n- b 2\n"), std::string::npos) << md;
  const std::string csv = report::Render(d, report::Format::kCsv);
  EXPECT_EQ(csv.rfind("gpu,gpus,per_gpu_bytes,peak_allocated_bytes,", 0), 0u) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 2);
  EXPECT_EQ(csv.find("\n" + r.gpu_id + ",1,"), csv.find('\n')) << csv;
}

// A tight verdict above the card says why the job still runs: the allocated peak and the
// runtime fit, and the caching allocator gives back its cache before it fails.
TEST(EstimateReport, TightAboveTheCardNamesWhatMustFit) {
  const auto s = testing::Scenario(
      "model: llama-3.1-8b\ntraining: {method: full}\nhardware: {gpu: rtx-4090, count: 1}\n");
  estimate::EstimateResult r = estimate::Estimate(s, testing::BuiltinContext());
  auto& m = r.memory;
  m.fit = estimate::Fit::kTight;
  m.capacity_bytes = (m.peak_allocated_bytes + m.per_gpu_bytes - m.peak_reserved_bytes) * 1.01;
  ASSERT_GT(m.per_gpu_bytes, m.capacity_bytes);
  std::string text = report::Render(report::EstimateDocument(r), report::Format::kTable);
  EXPECT_NE(text.find("\n  TIGHT (out-of-memory risk): "), std::string::npos) << text;
  EXPECT_NE(text.find("\n  the allocated peak and the runtime, "), std::string::npos) << text;
  m.capacity_bytes = m.per_gpu_bytes * 1.1;  // tight by the range only: no such line
  text = report::Render(report::EstimateDocument(r), report::Format::kTable);
  EXPECT_EQ(text.find("the allocated peak and the runtime"), std::string::npos) << text;
}

TEST(PlanReport, OneDocumentInEveryFormat) {
  plan::PlanReport r;
  r.model = "m";
  r.gpu_id = "g";
  r.gpus = r.gpus_per_node = 8;
  r.strategy = "pruned";
  r.rejected = {{"out_of_memory", 3}};
  r.notes = {"a note"};
  plan::Plan p;
  p.candidate.layout.tp = p.candidate.layout.pp = p.candidate.layout.dp = 1;
  p.memory.fit = estimate::Fit::kTight;
  p.above_measured_mfu = true;
  p.measured_mfu_max = 0.5;
  r.plans = {p, p};
  const report::Document d = report::PlanDocument(r);
  EXPECT_EQ(d.json, report::PlanJson(r));
  const std::string text = report::Render(d, report::Format::kTable);
  EXPECT_EQ(text.rfind("m on 8 x g (1 node of 8)", 0), 0u) << text;
  EXPECT_NE(text.find("\nFastest plans that fit\n  #  tp x pp"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  - (!) MFU above the highest measured"), std::string::npos) << text;
  EXPECT_NE(text.find("\n  - tight plans rank after"), std::string::npos) << text;
  EXPECT_NE(text.find("\nSearch\n  - rejected: 3 out_of_memory\n  - a note\n"), std::string::npos)
      << text;
  const std::string md = report::Render(d, report::Format::kMarkdown);
  EXPECT_NE(md.find("\n## Best plan\n\n- "), std::string::npos) << md;
  const std::string csv = report::Render(d, report::Format::kCsv);
  EXPECT_EQ(csv.rfind("rank,tp,pp,vpp,cp,ep,dp,zero,", 0), 0u) << csv;
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), 3);
  EXPECT_NE(csv.find("\n2,1,1,"), std::string::npos) << csv;
  r.plans.clear();
  EXPECT_NE(
      report::Render(report::PlanDocument(r), report::Format::kTable).find("\nNo plan fits\n"),
      std::string::npos);
}

}  // namespace
}  // namespace gpuadv::advise
