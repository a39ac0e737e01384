// Local hardware verbs (design C11): `detect`, `probe`, and the --local / --calibration
// options of estimate, fit and recommend (applied by src/gpuadv/api/local_hardware). Parse,
// call the library, print (STYLE.md principle 1).
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

#include "gpuadv/api/local_hardware.h"
#include "gpuadv/io/probe_loader.h"
#include "gpuadv/report/detect_report.h"
#include "tools/cli/verbs.h"

namespace gpuadv::cli {
namespace {

// The directory of the running binary (Linux /proc/self/exe), or "".
std::filesystem::path SelfDir() {
  std::error_code ec;
  auto p = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::filesystem::path() : p.parent_path();
}

}  // namespace

int RunDetect(const GlobalOptions& g) {
  const catalog::Catalog cat = LoadCatalog(g);
  const report::DetectView v = api::DetectLocal(cat);
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
  report::ProbeView v{p, api::MatchProbe(p, cat), {}, result_file};
  if (!v.match.id.empty()) v.rows = detect::CompareToPeaks(p, *cat.FindGpu(v.match.id));
  Print(g.format, report::ProbeDocument(v));
  return 0;
}

namespace {

api::LocalOptions LocalOptionsOf(const ScenarioInput& in) {
  return {in.local, in.calibration_file, in.force_calibration};
}

void Log(const std::vector<std::string>& lines) {
  for (const auto& l : lines) std::cerr << l << "\n";
}

}  // namespace

api::LocalHardware ApplyLocalHardware(const ScenarioInput& in, api::Environment* env,
                                      estimate::EfficiencyTable* storage) {
  api::LocalHardware out = api::ApplyLocalHardware(ToRequest(in), LocalOptionsOf(in), env, storage);
  Log(out.log);
  return out;
}

api::LocalRecommendation RecommendLocal(const ScenarioInput& in, const api::Environment& env,
                                        const api::RecommendOptions& opt,
                                        const advise::RecommendResult& ranking) {
  api::LocalRecommendation r =
      api::RecommendLocal(ToRequest(in), LocalOptionsOf(in), env, opt, ranking);
  Log(r.log);
  return r;
}

}  // namespace gpuadv::cli
