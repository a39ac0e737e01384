#include "gpuadv/api/local_hardware.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>

#include "gpuadv/core/error.h"
#include "gpuadv/detect/device_query.h"
#include "gpuadv/io/probe_loader.h"
#include "gpuadv/io/rocm_smi_json.h"

namespace gpuadv::api {
namespace {

// GPUADV_NVML_LIBRARY: another NVML path, or "none" to skip NVML (tests use it).
std::string NvmlLibrary() {
  const char* v = std::getenv("GPUADV_NVML_LIBRARY");
  return v ? v : "";
}

}  // namespace

report::DetectView DetectLocal(const catalog::Catalog& cat) {
  auto sources = detect::DefaultSources(NvmlLibrary(), io::ParseRocmSmiJson);
  std::vector<detect::DeviceQuery*> ptrs;
  for (auto& s : sources) ptrs.push_back(s.get());
  report::DetectView v{detect::Detect(ptrs), {}};
  for (const auto& g : v.report.gpus) v.matches.push_back(detect::MatchGpu(g, cat));
  return v;
}

detect::GpuMatch MatchProbe(const detect::ProbeResult& p, const catalog::Catalog& cat) {
  detect::DetectedGpu d;
  d.name = p.device_name;
  d.vendor = "nvidia";
  return detect::MatchGpu(d, cat);
}

namespace {

// The GPUs --local uses: those like the first detected one (same catalog entry).
struct LocalGpus {
  std::string id;      // catalog id; "" when there is none to use (see `problem`)
  int count = 0;       // detected GPUs matching `id`
  std::string name;    // the first GPU as its driver names it
  std::string source;  // "nvml", "nvidia-smi", "rocm-smi"
  std::optional<std::uint64_t> free_bytes;  // the least free (else total) memory among them
  std::optional<double> power_limit_w;      // the lowest board power limit among them
  std::string problem;                      // why `id` is empty
  bool unknown_gpu = false;                 // detected, but not in the catalog
};

LocalGpus FindLocalGpus(const catalog::Catalog& cat) {
  const report::DetectView v = DetectLocal(cat);
  LocalGpus l;
  if (v.report.gpus.empty()) {
    l.problem = fmt::format("no GPU detected ({})", fmt::join(v.report.tried, "; "));
    return l;
  }
  l.name = v.report.gpus.front().name;
  l.source = v.report.source;
  const std::string id = v.matches.front().id;
  if (id.empty()) {
    l.unknown_gpu = true;
    l.problem = "no catalog entry for the detected '" + l.name + "'";
    return l;
  }
  l.id = id;
  for (size_t i = 0; i < v.matches.size(); ++i) {
    if (v.matches[i].id != id) continue;
    ++l.count;
    const auto& gpu = v.report.gpus[i];
    const auto f = gpu.memory_free_bytes ? gpu.memory_free_bytes : gpu.memory_total_bytes;
    if (f) l.free_bytes = l.free_bytes ? std::min(*l.free_bytes, *f) : *f;
    if (gpu.power_limit_w && *gpu.power_limit_w > 0)
      l.power_limit_w =
          l.power_limit_w ? std::min(*l.power_limit_w, *gpu.power_limit_w) : *gpu.power_limit_w;
  }
  return l;
}

// A board power limit this far from the catalog TDP is the card's own (nvidia-smi -pl, a
// vendor's board), not a reading's noise.
constexpr double kPowerLimitTolerance = 0.05;

// Puts the local GPUs into the scenario (hardware.gpu, hardware.count, one node; first, so
// later flags still override), their free memory into env's catalog entry as capacity and
// their power limit as its board power (TDP: what caps the tensor rate and sets the energy).
void UseLocalGpus(const LocalGpus& l, Environment* env, ScenarioRequest* req,
                  std::vector<std::string>* log) {
  catalog::GpuSpec spec = *env->catalog.FindGpu(l.id);
  if (l.free_bytes) {
    spec.memory_gb = static_cast<double>(*l.free_bytes) / (1024.0 * 1024.0 * 1024.0);
    spec.name += fmt::format(" (local: {:.1f} GiB free)", spec.memory_gb);
  }
  if (l.power_limit_w && spec.tdp_w &&
      std::fabs(*l.power_limit_w - *spec.tdp_w) > kPowerLimitTolerance * *spec.tdp_w) {
    log->push_back(fmt::format("local: power limit {:g} W (catalog TDP {:g} W) as board power",
                               *l.power_limit_w, *spec.tdp_w));
    spec.tdp_w = *l.power_limit_w;
    spec.name += fmt::format(" (local: {:g} W limit)", *l.power_limit_w);
  }
  env->catalog.Upsert(spec);
  log->push_back(fmt::format("local: {} x {} ({}), capacity {:.1f} GiB per GPU", l.count, l.id,
                             l.name, spec.memory_gb));
  req->overrides.insert(req->overrides.begin(), {{"hardware.gpu", l.id},
                                                 {"hardware.count", std::to_string(l.count)},
                                                 {"hardware.nodes", "1"}});
}

void Warn(const std::string& warning, std::vector<std::string>* warnings,
          std::vector<std::string>* log) {
  log->push_back("warning: " + warning);
  warnings->push_back(warning);
}

// --calibration FILE: the probe's factors replace the efficiency entry of the scenario
// GPU's architecture (in a copy kept in `storage`). A probe of another GPU model is not
// applied -- its card, clocks and cooling are not the scenario's -- unless
// --force-calibration says to; either way a warning says so.
void ApplyCalibration(const ScenarioRequest& req, const LocalOptions& opt, Environment* env,
                      estimate::EfficiencyTable* storage, std::vector<std::string>* warnings,
                      std::vector<std::string>* log) {
  const detect::ProbeResult p = io::LoadProbeFile(opt.calibration_file, "--calibration");
  const detect::GpuMatch m = MatchProbe(p, env->catalog);
  if (m.id.empty())
    throw InputError("--calibration", p.device_name, "a probe of a GPU the catalog knows",
                     "no catalog entry for");
  const catalog::GpuSpec& probed = *env->catalog.FindGpu(m.id);
  const workload::Scenario s = BuildScenario(req, *env);
  const catalog::GpuSpec& target = s.hardware.gpu;
  if (target.id != probed.id) {
    const std::string what =
        fmt::format("--calibration {} was measured on {} ({}), not on the scenario's GPU {}",
                    opt.calibration_file, p.device_name, probed.id, target.id);
    if (!opt.force_calibration) {
      Warn(what + ": not applied (--force-calibration applies it anyway)", warnings, log);
      return;
    }
    Warn(what + ": applied anyway (--force-calibration)", warnings, log);
  }
  std::vector<std::string> notes;
  *storage = detect::CalibratedTable(*env->efficiency, p, probed, target.architecture, &notes);
  env->efficiency = storage;
  log->push_back(fmt::format("calibration ({}, applies to {}): {}", probed.id, target.id,
                             fmt::join(notes, ", ")));
}

}  // namespace

LocalHardware ApplyLocalHardware(const ScenarioRequest& req, const LocalOptions& opt,
                                 Environment* env, estimate::EfficiencyTable* storage) {
  LocalHardware out{req, {}, {}};
  if (opt.local) {
    const LocalGpus local = FindLocalGpus(env->catalog);
    if (local.unknown_gpu)
      throw InputError("--local", local.name, "a GPU the catalog knows", "no catalog entry for");
    // Asked for local GPUs where there are none: the fuzzers' contract (bad input is exit 2,
    // naming the flag) holds here too.
    if (local.id.empty())
      throw InputError("--local", local.problem,
                       "a machine where `gpu-advisor detect` finds a GPU, or --gpu ID",
                       "nothing to use");
    UseLocalGpus(local, env, &out.request, &out.log);
  }
  if (!opt.calibration_file.empty())
    ApplyCalibration(out.request, opt, env, storage, &out.warnings, &out.log);
  return out;
}

LocalRecommendation RecommendLocal(const ScenarioRequest& req, const LocalOptions& opt,
                                   const Environment& env, const RecommendOptions& ro,
                                   const advise::RecommendResult& ranking) {
  LocalRecommendation r;
  Environment local_env = env;  // the ranking keeps the catalog's own entries
  const LocalGpus local = FindLocalGpus(local_env.catalog);
  if (local.id.empty()) {
    r.message = local.problem;
    r.log.push_back("local: " + r.message + "; the ranking covers the catalog only");
    return r;
  }
  r.detected = local.name + " via " + local.source;
  ScenarioRequest local_req = req;
  UseLocalGpus(local, &local_env, &local_req, &r.log);
  estimate::EfficiencyTable calibrated;  // --calibration: the owned GPUs only
  if (!opt.calibration_file.empty())
    ApplyCalibration(local_req, opt, &local_env, &calibrated, &r.warnings, &r.log);
  r.owned = EvaluateOwned(local_req, local_env, ro, ranking);
  return r;
}

nlohmann::json LocalRecommendationJson(const LocalRecommendation& r) {
  nlohmann::json j = r.owned ? OwnedJson(*r.owned) : nlohmann::json::object();
  if (!r.owned) {
    j["gpu"] = nullptr;
    j["count"] = 0;
  }
  j["detected"] = r.detected.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.detected);
  j["message"] = r.message.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.message);
  j["warnings"] = r.warnings;
  return j;
}

report::Document LocalRecommendationDocument(const LocalRecommendation& r) {
  report::Document d;
  d.json = LocalRecommendationJson(r);
  const std::string label = "Your GPUs (--local)";
  if (!r.owned) {
    d.Lead(label, r.message + "; the ranking below covers the catalog only.");
    return d;
  }
  const OwnedResult& w = *r.owned;
  d.Lead(label, fmt::format("{}x {} ({}), owned", w.count, w.gpu, r.detected));
  for (const auto& why : w.why) d.Bullet(why);
  for (const auto& warning : r.warnings) d.Bullet("warning: " + warning);
  return d;
}

}  // namespace gpuadv::api
