// Local hardware verbs (design C11): `detect`, `probe`, and the --local / --calibration
// options of estimate and fit. Parse, call the library, print (STYLE.md principle 1).
#include <fmt/format.h>
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
#include "gpuadv/report/detect_report.h"
#include "tools/cli/verbs.h"

namespace gpuadv::cli {
namespace {

// GPUADV_NVML_LIBRARY: another NVML path, or "none" to skip NVML (tests use it).
std::string NvmlLibrary() {
  const char* v = std::getenv("GPUADV_NVML_LIBRARY");
  return v ? v : "";
}

report::DetectView RunDetection(const catalog::Catalog& cat) {
  auto sources = detect::DefaultSources(NvmlLibrary());
  std::vector<detect::DeviceQuery*> ptrs;
  for (auto& s : sources) ptrs.push_back(s.get());
  report::DetectView v{detect::Detect(ptrs), {}};
  for (const auto& g : v.report.gpus) v.matches.push_back(detect::MatchGpu(g, cat));
  return v;
}

std::string JoinTried(const std::vector<std::string>& tried) {
  std::string s;
  for (const auto& t : tried) s += (s.empty() ? "" : "; ") + t;
  return s;
}

// The directory of the running binary (Linux /proc/self/exe), or "".
std::filesystem::path SelfDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : p.parent_path();
}

std::string Quote(const std::string& s) {
  std::string o(1, '\'');
  for (char c : s) {
    if (c == '\'')
      o += "'\\''";
    else
      o += c;
  }
  o += '\'';
  return o;
}

}  // namespace

int RunDetect(const GlobalOptions& g) {
  const catalog::Catalog cat = LoadCatalog(g);
  const report::DetectView v = RunDetection(cat);
  switch (g.format) {
    case report::Format::kJson:
      std::cout << report::DetectJson(v).dump(2) << "\n";
      break;
    case report::Format::kCsv:
      std::cout << report::DetectCsv(v);
      break;
    case report::Format::kMarkdown:
      std::cout << report::DetectText(v, true);
      break;
    case report::Format::kTable:
      std::cout << report::DetectText(v, false);
      break;
  }
  return 0;  // no GPU is an answer, not an error
}

int RunProbe(const GlobalOptions& g, const ProbeCliOptions& opt) {
  const catalog::Catalog cat = LoadCatalog(g);
  std::string result_file = opt.from_file;
  if (result_file.empty()) {
    const auto exe = SelfDir() / "gpu-advisor-probe";
    if (::access(exe.c_str(), X_OK) != 0) {
      std::cerr << "gpu-advisor-probe is not built (looked for " << exe.string()
                << ").\nBuild it on a machine with the CUDA toolkit (nvcc, cuBLASLt):\n"
                   "  cmake -S . -B build -DGPUADV_BUILD_PROBE=ON && cmake --build build\n"
                   "then run `gpu-advisor probe` again, or read a saved result with "
                   "`gpu-advisor probe --from FILE`.\n";
      return 1;
    }
    result_file = opt.out_file.empty() ? "gpu-advisor-probe.json" : opt.out_file;
    std::string cmd = Quote(exe.string()) + " --out " + Quote(result_file);
    if (opt.quick) cmd += " --quick";
    if (opt.device) cmd += " --device " + std::to_string(*opt.device);
    cmd += " > /dev/null";  // progress stays on stderr; the JSON goes to the file
    std::cerr << "running " << exe.string() << " (progress below; the device is only read)\n";
    const int rc = std::system(cmd.c_str());
    if (rc != 0)
      throw std::runtime_error("gpu-advisor-probe failed (status " + std::to_string(rc) + ")");
  }
  const detect::ProbeResult p =
      io::LoadProbeFile(result_file, opt.from_file.empty() ? "probe" : "--from");
  detect::DetectedGpu d;
  d.name = p.device_name;
  d.vendor = "nvidia";
  const detect::GpuMatch m = detect::MatchGpu(d, cat);
  if (m.id.empty()) {
    std::cout << "Probed '" << p.device_name << "': no catalog entry to compare with.\n";
    return 0;
  }
  const auto rows = detect::CompareToPeaks(p, *cat.FindGpu(m.id));
  const bool md = g.format == report::Format::kMarkdown;
  std::cout << "Probe of " << p.device_name << " (" << m.id << (m.exact ? "" : ", nearest")
            << "), driver " << (p.driver.empty() ? "unknown" : p.driver) << "\n"
            << (md ? "\n" : "") << report::ProbeComparisonText(m.id, rows, md);
  if (p.sm_clock_after_mhz && p.sm_clock_max_mhz &&
      *p.sm_clock_after_mhz < 0.9 * *p.sm_clock_max_mhz)
    std::cout << fmt::format("SM clock fell to {:g} MHz (max {:g}) under sustained GEMMs.\n",
                             *p.sm_clock_after_mhz, *p.sm_clock_max_mhz);
  std::cout << "Use it in estimates: gpu-advisor estimate --calibration " << result_file
            << " ...\n";
  return 0;
}

ScenarioInput ApplyLocalHardware(const ScenarioInput& in, api::Environment* env,
                                 estimate::EfficiencyTable* storage) {
  ScenarioInput out = in;
  if (in.local) {
    const report::DetectView v = RunDetection(env->catalog);
    if (v.report.gpus.empty())
      throw std::runtime_error("--local: no GPU detected (" + JoinTried(v.report.tried) + ")");
    const detect::GpuMatch& m = v.matches.front();
    if (m.id.empty())
      throw InputError("--local", v.report.gpus.front().name, "a GPU the catalog knows",
                       "no catalog entry for");
    // The GPUs like the first one; capacity = the least free memory among them.
    int count = 0;
    std::optional<std::uint64_t> free_bytes;
    for (size_t i = 0; i < v.matches.size(); ++i) {
      if (v.matches[i].id != m.id) continue;
      ++count;
      const auto& gpu = v.report.gpus[i];
      const auto f = gpu.memory_free_bytes ? gpu.memory_free_bytes : gpu.memory_total_bytes;
      if (f) free_bytes = free_bytes ? std::min(*free_bytes, *f) : *f;
    }
    catalog::GpuSpec spec = *env->catalog.FindGpu(m.id);
    if (free_bytes) {
      spec.memory_gb = static_cast<double>(*free_bytes) / (1024.0 * 1024.0 * 1024.0);
      spec.name += fmt::format(" (local: {:.1f} GiB free)", spec.memory_gb);
    }
    env->catalog.Upsert(spec);
    std::cerr << fmt::format("local: {} x {} ({}), capacity {:.1f} GiB per GPU\n", count, m.id,
                             v.report.gpus.front().name, spec.memory_gb);
    out.overrides.insert(out.overrides.begin(),
                         {{"hardware.gpu", m.id}, {"hardware.count", std::to_string(count)}});
  }
  if (!in.calibration_file.empty()) {
    const detect::ProbeResult p = io::LoadProbeFile(in.calibration_file, "--calibration");
    detect::DetectedGpu d;
    d.name = p.device_name;
    d.vendor = "nvidia";
    const detect::GpuMatch m = detect::MatchGpu(d, env->catalog);
    if (m.id.empty())
      throw InputError("--calibration", p.device_name, "a probe of a GPU the catalog knows",
                       "no catalog entry for");
    const catalog::GpuSpec& spec = *env->catalog.FindGpu(m.id);
    const estimate::EfficiencyTable& base = *env->efficiency;
    const detect::Calibration cal = detect::Calibrate(p, spec, base.For(spec.architecture));
    *storage = base;
    bool replaced = false;
    for (auto& a : storage->archs)
      if (a.architecture == cal.factors.architecture) {
        a = cal.factors;
        replaced = true;
      }
    if (!replaced) {
      storage->archs.push_back(cal.factors);
      storage->archs.back().architecture = spec.architecture;
    }
    env->efficiency = storage;
    std::string notes;
    for (const auto& n : cal.notes) notes += (notes.empty() ? "" : ", ") + n;
    std::cerr << "calibration (" << m.id << ", applies to " << spec.architecture
              << " GPUs): " << notes << "\n";
  }
  return out;
}

}  // namespace gpuadv::cli
