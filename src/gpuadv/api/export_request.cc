#include "gpuadv/api/export_request.h"

#include "gpuadv/core/enum_table.h"
#include "gpuadv/core/error.h"
#include "gpuadv/core/units.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/plan/candidate.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::api {
namespace {

std::string Name(std::string_view prefix, std::string_view option) {
  return std::string(prefix) + std::string(option);
}

// A layout the scenario pins is exported as given, after the estimate says it fits (issue
// 15: 8 x RTX 4090 with ZeRO-1 + offload was exported while `estimate` said 50.6 GB of 24).
void CheckFits(const workload::Scenario& s, const estimate::Context& ctx, std::string_view prefix) {
  const estimate::MemoryResult m = estimate::EstimateMemory(s, ctx);
  if (m.fit != estimate::Fit::kDoesNotFit) return;
  throw InputError("parallelism", plan::Label(plan::CandidateOf(s)),
                   "a layout that fits (gpu-advisor plan / fit), or " + Name(prefix, "force") +
                       " to export it anyway",
                   "needs " + MemorySize(m.per_gpu_bytes) + " per GPU (range " +
                       MemorySize(m.low_bytes) + " to " + MemorySize(m.high_bytes) + ") of " +
                       MemorySize(m.capacity_bytes) + " on " + s.hardware.gpu.id +
                       ": does not fit; layout");
}

// An engine name or one of its aliases (hf, transformers, trl: hf-trainer).
launch::Engine ParseEngine(const std::string& field, const std::string& name) {
  if (auto e = ParseEnum(launch::kEngineAliases, name)) return *e;
  return ParseEnumOrThrow(launch::kEngines, field, name);
}

// The scenario as `estimate` sees it with the engine's stack: a training.framework left to
// `auto` becomes the stack the engine's launch runs (torchtune's recipes, DeepSpeed's engine,
// Megatron-Core, ...), so the plan, the defaults it fills in (optimizer, checkpointing, loss)
// and the figures are those of `estimate` with `training.framework: <stack>`. A framework the
// scenario names stays, and the notes say it differs from the engine's.
workload::Scenario BuildForEngine(const ScenarioRequest& req, const Environment& env,
                                  launch::Engine engine) {
  workload::Scenario s = BuildScenario(req, env);
  if (s.training.framework != workload::Framework::kAuto) return s;
  ScenarioRequest with_stack = req;
  with_stack.overrides.emplace_back(
      "training.framework",
      std::string(EnumName(workload::kFrameworks, launch::EngineStack(engine))));
  return BuildScenario(with_stack, env);
}

}  // namespace

ExportOutput Export(const ScenarioRequest& req, const Environment& env, const ExportOptions& opt,
                    std::string_view prefix) {
  const std::string field = Name(prefix, "engine");
  if (opt.engine.empty())
    throw InputError(field, "(none)", AcceptedNames(launch::kEngines), "missing");
  const launch::Engine engine = ParseEngine(field, opt.engine);
  if (opt.gpus && *opt.gpus < 1)
    throw InputError(Name(prefix, "gpus"), std::to_string(*opt.gpus), "1 or more", "out of range");
  ExportOutput out{BuildForEngine(req, env, engine), "scenario", "", {}};
  workload::Scenario& s = out.scenario;
  const long long asked_micro_batch = s.training.micro_batch;
  const estimate::Context ctx{env.efficiency, &env.catalog};
  if (opt.gpus || !s.parallelism.specified) {
    const int gpus = opt.gpus.value_or(s.hardware.TotalGpus());
    const plan::PlanReport r = launch::PlanFor(engine, s, gpus, ctx, io::RestackDefault);
    s = plan::BestPlanned(s, r);
    out.layout_source = "planner";
  } else if (!opt.force) {
    CheckFits(s, ctx, prefix);
  }
  out.plan_label = plan::Label(plan::CandidateOf(s));
  out.config = launch::Export(engine, s);
  const workload::Framework stack = launch::EngineStack(engine);
  if (s.training.stack.id != stack)
    out.config.notes.push_back("stack: planned and estimated for training.framework " +
                               std::string(EnumName(workload::kFrameworks, s.training.stack.id)) +
                               " as the scenario "
                               "names it; " +
                               std::string(EnumName(launch::kEngines, engine)) + " runs " +
                               std::string(EnumName(workload::kFrameworks, stack)) +
                               ", whose figures differ");
  if (s.training.micro_batch != asked_micro_batch)
    out.config.notes.push_back(
        "micro-batch: the plan runs " + std::to_string(s.training.micro_batch) + " x " +
        std::to_string(s.MicroBatchesPerStep()) + " accumulation instead of the scenario's " +
        "micro_batch " + std::to_string(asked_micro_batch) +
        " (same global batch); give a parallelism section to keep it");
  return out;
}

nlohmann::json ExportJson(const ExportOutput& out) {
  const workload::Scenario& s = out.scenario;
  const auto& p = s.parallelism;
  const auto& t = s.training;
  const nlohmann::json layout = {
      {"source", out.layout_source},
      {"label", out.plan_label},
      {"gpu", s.hardware.gpu.id},
      {"gpus", s.hardware.TotalGpus()},
      {"nodes", s.hardware.nodes},
      {"tp", p.tp},
      {"pp", p.pp},
      {"vpp", p.vpp},
      {"cp", p.cp},
      {"ep", p.ep},
      {"etp", p.ExpertTp()},
      {"dp", s.DataParallel()},
      {"zero", p.zero},
      {"shard_group", p.shard_group},
      {"offload", std::string(EnumName(workload::kOffloads, p.offload))},
      {"micro_batch", t.micro_batch},
      {"accumulation", s.MicroBatchesPerStep()},
      {"global_batch", s.GlobalBatch()},
      {"seq_len", t.seq_len},
      {"stack", std::string(EnumName(workload::kFrameworks, t.stack.id))},
      {"checkpointing",
       std::string(EnumName(workload::kCheckpointings, t.activation_checkpointing))}};
  nlohmann::json files = nlohmann::json::array();
  for (const auto& f : out.config.files) files.push_back({{"name", f.name}, {"text", f.text}});
  return {{"schema_version", report::kJsonSchemaVersion},
          {"engine", std::string(EnumName(launch::kEngines, out.config.engine))},
          {"layout", layout},
          {"files", files},
          {"launch", out.config.launch},
          {"keys", out.config.keys},
          {"notes", out.config.notes}};
}

nlohmann::json ExportJson(const ScenarioRequest& req, const Environment& env,
                          const ExportOptions& opt, std::string_view prefix) {
  return ExportJson(Export(req, env, opt, prefix));
}

}  // namespace gpuadv::api
