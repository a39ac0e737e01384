// Property test (issue 17): seeded random scenarios, inside and outside the valid ranges,
// through every verb's library entry point (estimate, fit, plan, compare, recommend). Each
// either ends in an InputError or gives finite results that keep the invariants
// (estimate::CheckInvariants, plan::CheckPlans, advise::CheckRanking). Bounded: a fixed
// number of scenarios, the expensive verbs on a fixed share of them.
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "gpuadv/advise/compare.h"
#include "gpuadv/advise/invariants.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/estimate/invariants.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/plan/planner.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/workload/enums.h"
#include "tests/unit/hardening/hardening_util.h"

namespace gpuadv::hardening {
namespace {

constexpr int kScenarios = 2000;
constexpr unsigned kSeed = 17;

class Generator {
 public:
  explicit Generator(const catalog::Catalog& cat) : cat_(cat), rng_(kSeed) {}

  // A scenario as JSON text: each key present or not, each value valid or not.
  std::string Scenario() {
    std::string t = "{\"model\": " + Model();
    t += ", \"training\": {" + Training() + "}";
    t += ", \"hardware\": {\"gpu\": \"" + GpuId() + "\"" + Opt("count", {"1", "2", "3", "8"}) +
         Opt("nodes", {"1", "2", "16", "1000", "1000000"}) + "}";
    if (Chance(0.3))
      t += ", \"parallelism\": {\"tp\": " + Pick({"1", "2", "8", "3"}) +
           ", \"pp\": " + Pick({"1", "2", "4"}) + ", \"zero\": " + Pick({"0", "1", "2", "3"}) + "}";
    return t + "}";
  }

  std::string GpuId() {
    if (Chance(0.02)) return "no-such-gpu";
    return cat_.Gpus()[Index(cat_.Gpus().size())].id;
  }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

 private:
  std::string Model() {
    if (Chance(0.1))
      return "{\"params\": " + Pick({"7e9", "1e6", "0", "5e12"}) +
             ", \"layers\": " + Pick({"32", "2", "0"}) +
             ", \"hidden\": " + Pick({"4096", "64", "100"}) +
             ", \"heads\": " + Pick({"32", "8", "7"}) + ", \"vocab\": 32000, \"ffn\": 11008}";
    return "\"" + cat_.Models()[Index(cat_.Models().size())].id + "\"";
  }

  std::string Training() {
    std::string t = "\"method\": \"" + Name(workload::kMethods) + "\"";
    t += ", \"precision\": \"" + Name(workload::kPrecisions) + "\"";
    t += ", \"optimizer\": \"" + Name(workload::kOptimizers) + "\"";
    t += ", \"activation_checkpointing\": \"" + Name(workload::kCheckpointings) + "\"";
    t += Opt("seq_len", {"1", "512", "2048", "8192", "131072", "10000000", "0"});
    t += Opt("micro_batch", {"1", "2", "4", "64", "0"});
    t += Opt("global_batch", {"1", "17", "64", "1024", "100000"});
    t += Opt("tokens", {"1", "1e6", "2e9", "1e16"});
    if (Chance(0.3)) t += ", \"lora\": {\"rank\": " + Pick({"8", "64", "4096", "65536"}) + "}";
    if (Chance(0.2))
      t += ", \"quantization\": {\"bits\": " + Pick({"4", "8"}) + ", \"type\": \"" +
           Pick({"nf4", "fp4", "int8"}) + "\"}";
    return t;
  }

  template <typename E, size_t N>
  std::string Name(const EnumEntry<E> (&table)[N]) {
    if (Chance(0.02)) return "bogus";
    return std::string(table[Index(N)].name);
  }
  std::string Opt(const char* key, std::vector<std::string> values) {
    if (Chance(0.4)) return "";
    return std::string(", \"") + key + "\": " + Pick(values);
  }
  std::string Pick(const std::vector<std::string>& values) { return values[Index(values.size())]; }
  size_t Index(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

  const catalog::Catalog& cat_;
  std::mt19937 rng_;
};

void ExpectKept(const std::vector<std::string>& broken, const std::string& verb,
                const std::string& scenario) {
  EXPECT_TRUE(broken.empty()) << verb << " broke:" << Join(broken) << "\nscenario: " << scenario;
}

// Runs `body`; an InputError is a fine outcome, any other exception a failure.
template <typename F>
void Attempt(const std::string& verb, const std::string& scenario, F&& body) {
  try {
    body();
  } catch (const InputError&) {
  } catch (const std::exception& e) {
    ADD_FAILURE() << verb << " threw " << e.what() << "\nscenario: " << scenario;
  }
}

// It found layouts whose MFU the model put above 1 (sd3-medium on 2 x gaudi2 at pp2 vpp2,
// 100.6%; llama-3.2-3b `freeze` on rtx-2070 at tp2 pp4, 100.96%): the step's compute is now
// at least the model FLOPs at peak (estimate/throughput.cc), and Estimate() refuses a result
// that breaks an invariant in every build.
TEST(Property, RandomScenariosThroughEveryVerbKeepTheInvariants) {
  const api::Environment env = api::MakeEnvironment({});
  Generator gen(env.catalog);
  const estimate::Context ctx{env.efficiency, &env.catalog};
  int estimated = 0;
  for (int i = 0; i < kScenarios; ++i) {
    api::ScenarioRequest req;
    req.source = api::ScenarioRequest::Source::kText;
    req.text = gen.Scenario();
    req.origin = "property";
    const std::string& text = req.text;
    Attempt("estimate", text, [&] {
      const auto r = api::Estimate(req, env, {});
      ExpectKept(estimate::CheckInvariants(r), "estimate", text);
      EXPECT_FALSE(report::JsonText(report::EstimateJson(r)).empty());
      ++estimated;
    });
    if (i % 10 == 1)
      Attempt("fit", text, [&] {
        const auto r = api::Fit(req, env, {});
        ExpectKept(estimate::CheckInvariants(r.baseline), "fit", text);
        for (const auto& o : r.options)
          ExpectKept(estimate::CheckInvariants(o.estimate), "fit", text);
      });
    if (i % 20 == 2)
      Attempt("plan", text, [&] {
        ExpectKept(plan::CheckPlans(api::Plan(req, env, {8, 3, "pruned", 1}, "")), "plan", text);
      });
    if (i % 10 == 3)
      Attempt("compare", text, [&] {
        const auto s = api::BuildScenario(req, env);
        const auto a = &env.catalog.Gpu(gen.GpuId()), b = &env.catalog.Gpu(gen.GpuId());
        io::CheckComputePeak(*a, "compare");
        io::CheckComputePeak(*b, "compare");
        for (const auto& e : advise::Compare(s, {{a, 0}, {b, 2}}, ctx, io::RestackDefault).entries)
          ExpectKept(estimate::CheckInvariants(e.estimate), "compare", text);
      });
    if (i % 100 == 4)
      Attempt("recommend", text, [&] {
        ExpectKept(advise::CheckRanking(api::Recommend(req, env, {}, "").result), "recommend",
                   text);
      });
  }
  // The generator must reach the models, not only their errors.
  EXPECT_GT(estimated, kScenarios / 4);
}

}  // namespace
}  // namespace gpuadv::hardening
