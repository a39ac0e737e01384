// data/efficiency.yaml -> EfficiencyTable (schema documented at the top of that file).
#include "gpuadv/io/efficiency_loader.h"

#include <string>
#include <utility>
#include <vector>

#include "gpuadv/core/embedded.h"

namespace gpuadv::io {
namespace {

const std::vector<std::string> kArchKeys = {"architecture",     "aliases",          "gemm_eta_max",
                                            "gemm_half_flops",  "attn_eta",         "mem_eta",
                                            "fp8_gemm_speedup", "gemm_pj_per_flop", "ref_gemm_eta",
                                            "ref_copy_eta",     "sources",          "notes"};

// The list at `key` of `f` (empty when absent or null); throws unless it is a list.
const Doc& ListOf(Fields& f, std::string_view key, const std::string& field, const char* accepted) {
  static const Doc kEmpty = Doc::array();
  const Doc& list = f.Raw(key);
  if (Absent(list)) return kEmpty;
  if (!list.is_array()) throw InputError(field, Printable(list), accepted, "expected a list, got");
  return list;
}

// Reads the factor fields of an architecture (or the fallback) entry over `base`.
estimate::ArchEfficiency ParseArch(Fields& f, const estimate::ArchEfficiency& base) {
  estimate::ArchEfficiency a = base;
  if (auto v = f.Number("gemm_eta_max", 0.01, 1)) a.gemm_eta_max = *v;
  if (auto v = f.Number("gemm_half_flops", 0, 1e15)) a.gemm_half_flops = *v;
  if (auto v = f.Number("attn_eta", 0.01, 1)) a.attn_eta = *v;
  if (auto v = f.Number("mem_eta", 0.01, 1)) a.mem_eta = *v;
  if (auto v = f.Number("fp8_gemm_speedup", 1, 4)) a.fp8_gemm_speedup = *v;
  if (auto v = f.Number("gemm_pj_per_flop", 0, 5)) a.gemm_pj_per_flop = *v;
  if (auto v = f.Number("ref_gemm_eta", 0.01, 1)) a.ref_gemm_eta = *v;
  if (auto v = f.Number("ref_copy_eta", 0.01, 1)) a.ref_copy_eta = *v;
  if (auto v = f.StringList("sources")) a.sources = *v;
  if (auto v = f.String("notes")) a.notes = *v;
  return a;
}

// The `global:` and `fallback:` blocks are the one set of default values (the structs of
// estimate/efficiency.h hold none): each must be there and give every value of `keys`.
Fields RequiredBlock(Fields& root, std::string_view block,
                     std::initializer_list<std::string_view> keys) {
  const char* accepted = "every default value (estimate/efficiency.h has none)";
  auto f = root.Map(block);
  if (!f) throw InputError(root.Field(block), "", accepted, "missing");
  for (const auto key : keys)
    if (Absent(f->Raw(key))) throw InputError(f->Field(key), "", accepted, "missing");
  return std::move(*f);
}

}  // namespace

estimate::EfficiencyTable ParseEfficiencyDocument(const Doc& doc, const std::string& origin) {
  estimate::EfficiencyTable t;
  Fields root(doc, "");
  {
    Fields g = RequiredBlock(
        root, "global",
        {"overlap_eta", "overlap_eta_pcie", "launch_overhead_s", "memory_kernel_fixed_s"});
    t.global.overlap_eta = *g.Number("overlap_eta", 0, 1);
    t.global.overlap_eta_pcie = *g.Number("overlap_eta_pcie", 0, 1);
    t.global.launch_overhead_s = *g.Number("launch_overhead_s", 0, 1e-2);
    t.global.memory_kernel_fixed_s = *g.Number("memory_kernel_fixed_s", 0, 1e-3);
    g.StringList("sources");
    g.String("notes");
    g.Finish({"overlap_eta", "overlap_eta_pcie", "launch_overhead_s", "memory_kernel_fixed_s",
              "sources", "notes"});
  }
  {
    Fields fb = RequiredBlock(root, "fallback",
                              {"gemm_eta_max", "gemm_half_flops", "attn_eta", "mem_eta",
                               "fp8_gemm_speedup", "gemm_pj_per_flop"});
    t.fallback = ParseArch(fb, t.fallback);
    t.fallback.architecture = "fallback";
    fb.Finish(kArchKeys);
  }
  {
    const Doc& list =
        ListOf(root, "architectures", origin + ": architectures", "a list of architecture entries");
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
          copy.alias_of = a.architecture;
          t.archs.push_back(std::move(copy));
        }
    }
  }
  root.Finish({"global", "fallback", "architectures"});
  return t;
}

namespace {

// "name: count" maps of the `validated:` block, in file order.
std::vector<std::pair<std::string, size_t>> ReadCounts(Fields& f, std::string_view key) {
  std::vector<std::pair<std::string, size_t>> out;
  const Doc& n = f.Raw(key);
  if (Absent(n)) return out;
  if (!n.is_object())
    throw InputError(f.Field(key), Printable(n), "a map of name: rows", "expected a map, got");
  Fields counts(n, f.Field(key));
  for (const auto& kv : n.items()) {
    const std::string& name = kv.key();
    auto rows = counts.Integer(name, 0, 1000000000);
    out.emplace_back(name, static_cast<size_t>(rows.value_or(0)));
  }
  return out;
}

// The keys of an uncertainty category (a range per architecture x precision x ...).
const std::vector<std::string> kRangeKeys = {"architecture", "precision", "method", "stack",
                                             "scale",        "rows",      "q_lo",   "q_hi"};

estimate::QuantityRanges ReadRanges(Fields& f) {
  estimate::QuantityRanges q;
  if (auto v = f.Map("validated")) {
    q.architectures = ReadCounts(*v, "architectures");
    q.precisions = ReadCounts(*v, "precisions");
    q.methods = ReadCounts(*v, "methods");
    v->Finish({"architectures", "precisions", "methods"});
  }
  if (auto b = f.Map("between_source")) {
    q.between_source_sd = b->Number("sd", 0, 100).value_or(0);
    q.sources = static_cast<size_t>(b->Integer("sources", 0, 1000000).value_or(0));
    b->Finish({"sd", "sources"});
  }
  if (auto l = f.Map("level")) {
    if (auto v = l->Number("quantile", 0, 0.5)) q.level = *v;
    q.held_out_coverage = l->Number("held_out_coverage", 0, 1).value_or(0);
    q.coverage_target = l->Number("target", 0, 1).value_or(0);
    l->Finish({"quantile", "held_out_coverage", "target"});
  }
  {
    const std::string list_field = f.Field("categories");
    const Doc& list = ListOf(f, "categories", list_field, "a list of categories");
    q.entries.reserve(list.size());
    for (size_t i = 0; i < list.size(); ++i) {
      Fields c(list[i], list_field + "[" + std::to_string(i) + "]");
      estimate::RangeEntry e;
      for (auto [key, field] : {std::pair{"architecture", &e.architecture},
                                {"precision", &e.precision},
                                {"method", &e.method},
                                {"stack", &e.stack},
                                {"scale", &e.scale}})
        if (auto v = c.String(key, 128)) *field = *v;
      e.rows = static_cast<size_t>(c.Integer("rows", 1, 1000000000).value_or(0));
      e.q_lo = c.Number("q_lo", -0.99, 0).value_or(0);
      e.q_hi = c.Number("q_hi", 0, 100).value_or(0);
      c.Finish(kRangeKeys);
      q.entries.push_back(std::move(e));
    }
  }
  f.Finish({"validated", "between_source", "level", "categories"});
  return q;
}

// Reads the provenance of an architecture entry (rows, groups, errors): checked, not kept.
void SkipProvenance(Fields& f) {
  f.Integer("rows", 0, 1000000000);
  f.StringList("groups");
  for (const char* key : {"in_sample", "leave_one_source_out"})
    if (auto e = f.Map(key)) {
      e->Number("median", 0, 1e9);
      e->Number("p90", 0, 1e9);
      e->Finish({"median", "p90"});
    }
}

// The keys of a fitted architecture entry: its provenance and a map per fitted factor.
const std::vector<std::string>& FittedArchKeys() {
  static const std::vector<std::string> keys = [] {
    std::vector<std::string> k = {"architecture", "rows", "groups", "in_sample",
                                  "leave_one_source_out"};
    for (const auto& factor : estimate::kFittedFactors) k.emplace_back(factor.name);
    return k;
  }();
  return keys;
}

}  // namespace

void ApplyCalibrationDocument(const Doc& doc, const std::string& origin,
                              estimate::EfficiencyTable* table) {
  Fields root(doc, "");
  root.String("generated_by");
  root.String("objective");
  {
    const Doc& list =
        ListOf(root, "architectures", origin + ": architectures", "a list of fitted architectures");
    for (size_t i = 0; i < list.size(); ++i) {
      Fields f(list[i], "architectures[" + std::to_string(i) + "]");
      auto name = f.String("architecture", 128);
      bool known = false;
      for (const auto& a : table->archs) known = known || (name && a.architecture == *name);
      if (!name || !known)
        throw InputError(f.Field("architecture"), name.value_or(""),
                         "an architecture of data/efficiency.yaml", "unknown");
      SkipProvenance(f);
      for (const auto& factor : estimate::kFittedFactors) {
        auto m = f.Map(factor.name);
        if (!m) continue;
        const auto value = m->Number("value", factor.min, factor.max);
        m->Number("prior", 0, 1e9);
        m->Integer("rows", 0, 1000000000);
        m->Bool("at_bound");
        m->Finish({"value", "prior", "rows", "at_bound"});
        if (!value) throw InputError(m->Field("value"), "", "the fitted value", "missing");
        for (auto& a : table->archs)
          if (a.Canonical() == *name) a.*factor.member = *value;
      }
      f.Finish(FittedArchKeys());
    }
  }
  ListOf(root, "not_fitted", origin + ": not_fitted", "a list");  // provenance, not read
  {
    const Doc& list = ListOf(root, "measured_mfu", origin + ": measured_mfu",
                             "a list of {architecture, scope, max, case}");
    for (size_t i = 0; i < list.size(); ++i) {
      Fields f(list[i], "measured_mfu[" + std::to_string(i) + "]");
      const auto name = f.String("architecture", 128);
      const auto scope = f.String("scope", 32);
      const auto max = f.Number("max", 0, 1);
      f.String("case");
      f.Finish({"architecture", "scope", "max", "case"});
      if (!name || !max)
        throw InputError(f.Field(name ? "max" : "architecture"), "", "a value", "missing");
      const bool mp = scope && *scope == "model-parallel";
      if (scope && !mp && *scope != "any")
        throw InputError(f.Field("scope"), *scope, "any | model-parallel");
      for (auto& a : table->archs)
        if (a.Canonical() == *name)
          (mp ? a.measured_mfu_max_model_parallel : a.measured_mfu_max) = *max;
    }
  }
  if (auto g = root.Map("global")) {
    if (auto l = g->Map("launch_overhead_s")) {
      const auto value = l->Number("value", 0, 1e-2);
      l->Number("prior", 0, 1e-2);
      l->Raw("scanned");
      l->Finish({"value", "prior", "scanned"});
      if (!value) throw InputError(l->Field("value"), "", "the fitted value", "missing");
      table->global.launch_overhead_s = *value;
    }
    g->Raw("overlap_eta");   // what calibrate decided about it (prose)
    g->Raw("prior_weight");  // how the factors above were fitted (provenance)
    g->Finish({"launch_overhead_s", "prior_weight", "overlap_eta"});
  }
  if (auto u = root.Map("uncertainty")) {
    u->Integer("min_rows", 1, 1000000);
    if (auto m = u->Map("memory")) table->uncertainty.memory = ReadRanges(*m);
    if (auto t = u->Map("throughput")) table->uncertainty.throughput = ReadRanges(*t);
    u->Finish({"min_rows", "memory", "throughput"});
  }
  root.Finish({"generated_by", "objective", "architectures", "not_fitted", "measured_mfu", "global",
               "uncertainty"});
}

const estimate::EfficiencyTable& PriorEfficiency() {
  static const estimate::EfficiencyTable table = [] {
    auto doc = EmbeddedDoc("efficiency.yaml");
    if (!doc) return estimate::EfficiencyTable{};
    return ParseEfficiencyDocument(*doc, "data/efficiency.yaml");
  }();
  return table;
}

estimate::EfficiencyTable ParseBuiltinEfficiency() {
  estimate::EfficiencyTable t = PriorEfficiency();
  if (auto doc = EmbeddedDoc("calibration.yaml"))
    ApplyCalibrationDocument(*doc, "data/calibration.yaml", &t);
  return t;
}

}  // namespace gpuadv::io
