#include <gtest/gtest.h>

#include "advise_fixture.h"
#include "gpuadv/advise/guidance.h"
#include "gpuadv/report/recommend_report.h"

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
  const std::string text = report::RecommendText(r, nullptr, false);
  EXPECT_NE(text.find("Recommendations (objective: value)"), std::string::npos);
  EXPECT_NE(text.find(r.picks.front().gpu->id), std::string::npos);
  const std::string md = report::RecommendText(r, nullptr, true);
  EXPECT_NE(md.find("| #"), std::string::npos);
  const std::string csv = report::RecommendCsv(r);
  EXPECT_EQ(csv.rfind("rank,gpu,count,nodes,acquire,offer,fit,", 0), 0u);
  EXPECT_EQ(std::count(csv.begin(), csv.end(), '\n'), static_cast<long>(r.picks.size()) + 1);
}

}  // namespace
}  // namespace gpuadv::advise
