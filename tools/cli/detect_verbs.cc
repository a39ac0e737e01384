// Local hardware verbs (design C11): `detect`, `probe`, and the --local / --calibration
// options of estimate, fit and recommend. Parse, call the library, print (STYLE.md principle 1).
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <sys/wait.h>
#include <unistd.h>

#include <climits>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <iostream>
#include <string>

#include "gpuadv/core/error.h"
#include "gpuadv/detect/calibration.h"
#include "gpuadv/detect/device_query.h"
#include "gpuadv/detect/match.h"
#include "gpuadv/io/probe_loader.h"
#include "gpuadv/io/rocm_smi_json.h"
#include "gpuadv/report/detect_report.h"
#include "gpuadv/report/json_report.h"
#include "tools/cli/verbs.h"

namespace gpuadv::cli {
namespace {

// GPUADV_NVML_LIBRARY: another NVML path, or "none" to skip NVML (tests use it).
std::string NvmlLibrary() {
  const char* v = std::getenv("GPUADV_NVML_LIBRARY");
  return v ? v : "";
}

report::DetectView RunDetection(const catalog::Catalog& cat) {
  auto sources = detect::DefaultSources(NvmlLibrary(), io::ParseRocmSmiJson);
  std::vector<detect::DeviceQuery*> ptrs;
  for (auto& s : sources) ptrs.push_back(s.get());
  report::DetectView v{detect::Detect(ptrs), {}};
  for (const auto& g : v.report.gpus) v.matches.push_back(detect::MatchGpu(g, cat));
  return v;
}

// The catalog entry of the GPU a probe result was measured on (probes run on NVIDIA only).
detect::GpuMatch MatchProbe(const detect::ProbeResult& p, const catalog::Catalog& cat) {
  detect::DetectedGpu d;
  d.name = p.device_name;
  d.vendor = "nvidia";
  return detect::MatchGpu(d, cat);
}

// The directory of the running binary (Linux /proc/self/exe), or "".
std::filesystem::path SelfDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : p.parent_path();
}

// The GPUs --local uses: those like the first detected one (same catalog entry).
struct LocalGpus {
  std::string id;      // catalog id; "" when there is none to use (see `problem`)
  int count = 0;       // detected GPUs matching `id`
  std::string name;    // the first GPU as its driver names it
  std::string source;  // "nvml", "nvidia-smi", "rocm-smi"
  std::optional<std::uint64_t> free_bytes;  // the least free (else total) memory among them
  std::string problem;                      // why `id` is empty
  bool unknown_gpu = false;                 // detected, but not in the catalog
};

LocalGpus FindLocalGpus(const catalog::Catalog& cat) {
  const report::DetectView v = RunDetection(cat);
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
  }
  return l;
}

// Puts the local GPUs into the scenario (hardware.gpu, hardware.count, one node; first, so
// later flags still override) and their free memory into env's catalog entry as capacity.
void UseLocalGpus(const LocalGpus& l, api::Environment* env, ScenarioInput* in) {
  catalog::GpuSpec spec = *env->catalog.FindGpu(l.id);
  if (l.free_bytes) {
    spec.memory_gb = static_cast<double>(*l.free_bytes) / (1024.0 * 1024.0 * 1024.0);
    spec.name += fmt::format(" (local: {:.1f} GiB free)", spec.memory_gb);
  }
  env->catalog.Upsert(spec);
  std::cerr << fmt::format("local: {} x {} ({}), capacity {:.1f} GiB per GPU\n", l.count, l.id,
                           l.name, spec.memory_gb);
  in->overrides.insert(in->overrides.begin(), {{"hardware.gpu", l.id},
                                               {"hardware.count", std::to_string(l.count)},
                                               {"hardware.nodes", "1"}});
}

void Warn(const std::string& warning, std::vector<std::string>* warnings) {
  std::cerr << "warning: " << warning << "\n";
  warnings->push_back(warning);
}

// --calibration FILE: the probe's factors replace the efficiency entry of the scenario
// GPU's architecture (in a copy kept in `storage`). A probe of another GPU model is not
// applied -- its card, clocks and cooling are not the scenario's -- unless
// --force-calibration says to; either way a warning says so.
void ApplyCalibration(const ScenarioInput& in, api::Environment* env,
                      estimate::EfficiencyTable* storage, std::vector<std::string>* warnings) {
  const detect::ProbeResult p = io::LoadProbeFile(in.calibration_file, "--calibration");
  const detect::GpuMatch m = MatchProbe(p, env->catalog);
  if (m.id.empty())
    throw InputError("--calibration", p.device_name, "a probe of a GPU the catalog knows",
                     "no catalog entry for");
  const catalog::GpuSpec& probed = *env->catalog.FindGpu(m.id);
  const workload::Scenario s = api::BuildScenario(ToRequest(in), *env);
  const catalog::GpuSpec& target = s.hardware.gpu;
  if (target.id != probed.id) {
    const std::string what =
        fmt::format("--calibration {} was measured on {} ({}), not on the scenario's GPU {}",
                    in.calibration_file, p.device_name, probed.id, target.id);
    if (!in.force_calibration) {
      Warn(what + ": not applied (--force-calibration applies it anyway)", warnings);
      return;
    }
    Warn(what + ": applied anyway (--force-calibration)", warnings);
  }
  std::vector<std::string> notes;
  *storage = detect::CalibratedTable(*env->efficiency, p, probed, target.architecture, &notes);
  env->efficiency = storage;
  std::cerr << fmt::format("calibration ({}, applies to {}): {}\n", probed.id, target.id,
                           fmt::join(notes, ", "));
}

}  // namespace

int RunDetect(const GlobalOptions& g) {
  const catalog::Catalog cat = LoadCatalog(g);
  const report::DetectView v = RunDetection(cat);
  Print(g.format, report::DetectDocument(v));
  return 0;  // no GPU is an answer, not an error
}

int RunProbe(const GlobalOptions& g, const ProbeCliOptions& opt) {
  const catalog::Catalog cat = LoadCatalog(g);
  std::string result_file = opt.from_file;
  if (result_file.empty()) {
    const auto exe = SelfDir() / "gpu-advisor-probe";
    if (::access(exe.c_str(), X_OK) != 0) {
      std::cerr << "gpu-advisor-probe is not built (looked for " << exe.string()
                << ").\nThe build makes it when CMake finds the CUDA toolkit (nvcc, cuBLASLt);\n"
                   "on such a machine:\n"
                   "  cmake -S . -B build -DGPUADV_BUILD_PROBE=ON && cmake --build build\n"
                   "then run `gpu-advisor probe` again, or read a saved result with "
                   "`gpu-advisor probe --from FILE`.\n";
      return 1;
    }
    result_file = opt.out_file.empty() ? "gpu-advisor-probe.json" : opt.out_file;
    std::string cmd =
        detect::ShellQuote(exe.string()) + " --out " + detect::ShellQuote(result_file);
    if (opt.quick) cmd += " --quick";
    if (opt.device) cmd += " --device " + std::to_string(*opt.device);
    cmd += " > /dev/null";  // progress stays on stderr; the JSON goes to the file
    std::cerr << "running " << exe.string() << " (progress below; the device is only read)\n";
    const int st = std::system(cmd.c_str());
    if (st != 0)
      throw std::runtime_error("gpu-advisor-probe failed (" +
                               (st != -1 && WIFEXITED(st)
                                    ? "exit code " + std::to_string(WEXITSTATUS(st))
                                    : "status " + std::to_string(st)) +
                               ")");
  }
  const detect::ProbeResult p =
      io::LoadProbeFile(result_file, opt.from_file.empty() ? "probe" : "--from");
  report::ProbeView v{p, MatchProbe(p, cat), {}, result_file};
  if (!v.match.id.empty()) v.rows = detect::CompareToPeaks(p, *cat.FindGpu(v.match.id));
  Print(g.format, report::ProbeDocument(v));
  return 0;
}

LocalHardware ApplyLocalHardware(const ScenarioInput& in, api::Environment* env,
                                 estimate::EfficiencyTable* storage) {
  LocalHardware out{in, {}};
  if (in.local) {
    const LocalGpus local = FindLocalGpus(env->catalog);
    if (local.unknown_gpu)
      throw InputError("--local", local.name, "a GPU the catalog knows", "no catalog entry for");
    // Asked for local GPUs where there are none: the fuzzers' contract (bad input is exit 2,
    // naming the flag) holds here too.
    if (local.id.empty())
      throw InputError("--local", local.problem,
                       "a machine where `gpu-advisor detect` finds a GPU, or --gpu ID",
                       "nothing to use");
    UseLocalGpus(local, env, &out.input);
  }
  if (!in.calibration_file.empty()) ApplyCalibration(out.input, env, storage, &out.warnings);
  return out;
}

LocalRecommendation RecommendLocal(const ScenarioInput& in, const api::Environment& env,
                                   const api::RecommendOptions& opt,
                                   const advise::RecommendResult& ranking) {
  LocalRecommendation r;
  api::Environment local_env = env;  // the ranking keeps the catalog's own entries
  const LocalGpus local = FindLocalGpus(local_env.catalog);
  if (local.id.empty()) {
    r.message = local.problem;
    std::cerr << "local: " << r.message << "; the ranking covers the catalog only\n";
    return r;
  }
  r.detected = local.name + " via " + local.source;
  ScenarioInput local_in = in;
  UseLocalGpus(local, &local_env, &local_in);
  estimate::EfficiencyTable calibrated;  // --calibration: the owned GPUs only
  if (!in.calibration_file.empty())
    ApplyCalibration(local_in, &local_env, &calibrated, &r.warnings);
  r.owned = api::EvaluateOwned(ToRequest(local_in), local_env, opt, ranking);
  return r;
}

nlohmann::json LocalRecommendationJson(const LocalRecommendation& r) {
  nlohmann::json j = r.owned ? api::OwnedJson(*r.owned) : nlohmann::json::object();
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
  const api::OwnedResult& w = *r.owned;
  d.Lead(label, fmt::format("{}x {} ({}), owned", w.count, w.gpu, r.detected));
  for (const auto& why : w.why) d.Bullet(why);
  for (const auto& warning : r.warnings) d.Bullet("warning: " + warning);
  return d;
}

}  // namespace gpuadv::cli
