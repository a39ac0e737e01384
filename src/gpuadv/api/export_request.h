#pragma once
// `export` (C10) as one request (issue 13 item 4): the CLI's `export` verb and the server's
// POST /api/export both call these, so both give the same layout, files and notes.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "gpuadv/api/environment.h"
#include "gpuadv/api/scenario_request.h"
#include "gpuadv/export/launch.h"

namespace gpuadv::api {

struct ExportOptions {
  std::string engine;       // engine: one of launch::kEngines (required)
  std::optional<int> gpus;  // gpus: plan for N GPUs (else the scenario's layout or its GPUs)
  bool force = false;       // force: export a pinned layout the estimate says does not fit
};

/// An exported launch configuration with the layout it launches.
struct ExportOutput {
  workload::Scenario scenario;  // the launched job: the planner's plan or the given layout
  std::string layout_source;    // "scenario" (as given) or "planner"
  std::string plan_label;       // the layout in words ("tp 8, pp 2, ...")
  launch::LaunchConfig config;
};

/// Plans (or takes the scenario's layout), checks that a given layout fits unless
/// `opt.force`, and writes the engine's files. Throws InputError naming `prefix` + the
/// option ("--engine" / "engine") or the scenario field ("parallelism").
ExportOutput Export(const ScenarioRequest& req, const Environment& env, const ExportOptions& opt,
                    std::string_view prefix);

/// {schema_version, engine, layout{...}, files:[{name,text}], launch, keys, notes}.
nlohmann::json ExportJson(const ExportOutput& out);
nlohmann::json ExportJson(const ScenarioRequest& req, const Environment& env,
                          const ExportOptions& opt, std::string_view prefix);

}  // namespace gpuadv::api
