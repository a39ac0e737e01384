// data/efficiency.yaml -> EfficiencyTable (schema documented at the top of that file).
#include "gpuadv/io/efficiency_loader.h"

#include <string>
#include <vector>

namespace gpuadv::io {
namespace {

const std::vector<std::string> kArchKeys = {
    "architecture",     "aliases",      "gemm_eta_max", "gemm_half_flops", "attn_eta", "mem_eta",
    "fp8_gemm_speedup", "ref_gemm_eta", "ref_copy_eta", "sources",         "notes"};

// Reads the factor fields of an architecture (or the fallback) entry over `base`.
estimate::ArchEfficiency ParseArch(Fields& f, const estimate::ArchEfficiency& base) {
  estimate::ArchEfficiency a = base;
  if (auto v = f.Number("gemm_eta_max", 0.01, 1)) a.gemm_eta_max = *v;
  if (auto v = f.Number("gemm_half_flops", 0, 1e15)) a.gemm_half_flops = *v;
  if (auto v = f.Number("attn_eta", 0.01, 1)) a.attn_eta = *v;
  if (auto v = f.Number("mem_eta", 0.01, 1)) a.mem_eta = *v;
  if (auto v = f.Number("fp8_gemm_speedup", 1, 4)) a.fp8_gemm_speedup = *v;
  if (auto v = f.Number("ref_gemm_eta", 0.01, 1)) a.ref_gemm_eta = *v;
  if (auto v = f.Number("ref_copy_eta", 0.01, 1)) a.ref_copy_eta = *v;
  if (auto v = f.StringList("sources")) a.sources = *v;
  if (auto v = f.String("notes")) a.notes = *v;
  return a;
}

}  // namespace

estimate::EfficiencyTable ParseEfficiencyDocument(const YAML::Node& doc,
                                                  const std::string& origin) {
  estimate::EfficiencyTable t;
  Fields root(doc, "");
  if (auto g = root.Map("global")) {
    if (auto v = g->Number("overlap_eta", 0, 1)) t.global.overlap_eta = *v;
    if (auto v = g->Number("overlap_eta_pcie", 0, 1)) t.global.overlap_eta_pcie = *v;
    if (auto v = g->Number("launch_overhead_s", 0, 1e-2)) t.global.launch_overhead_s = *v;
    g->StringList("sources");
    g->String("notes");
    g->Finish({"overlap_eta", "overlap_eta_pcie", "launch_overhead_s", "sources", "notes"});
  }
  if (auto fb = root.Map("fallback")) {
    t.fallback = ParseArch(*fb, t.fallback);
    t.fallback.architecture = "fallback";
    fb->Finish(kArchKeys);
  }
  YAML::Node list = root.Raw("architectures");
  if (list.IsDefined() && !list.IsNull()) {
    if (!list.IsSequence())
      throw InputError(origin + ": architectures", Printable(list),
                       "a list of architecture entries", "expected a list, got");
    for (size_t i = 0; i < list.size(); ++i) {
      Fields f(list[i], "architectures[" + std::to_string(i) + "]");
      auto name = f.String("architecture", 128);
      if (!name || name->empty())
        throw InputError(f.Field("architecture"), "", "an architecture name as in gpus.csv",
                         "missing");
      estimate::ArchEfficiency a = ParseArch(f, t.fallback);
      a.architecture = *name;
      auto aliases = f.StringList("aliases");
      f.Finish(kArchKeys);
      for (const auto& existing : t.archs)
        if (existing.architecture == a.architecture)
          throw InputError(f.Field("architecture"), a.architecture, "each architecture once",
                           "duplicate");
      t.archs.push_back(a);
      // An alias is the same entry under the catalog's other spelling ("Hopper (+Grace CPU)").
      if (aliases)
        for (const auto& alias : *aliases) {
          estimate::ArchEfficiency copy = a;
          copy.architecture = alias;
          t.archs.push_back(std::move(copy));
        }
    }
  }
  root.Finish({"global", "fallback", "architectures"});
  return t;
}

}  // namespace gpuadv::io
