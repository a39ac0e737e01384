#include "gpuadv/io/cpu_loader.h"

#include "gpuadv/core/embedded.h"

namespace gpuadv::io {
namespace {

// Calls `each(Fields&)` for every entry of the list under `key`, then Finish()es it.
template <typename F>
void ForEachEntry(const Doc& doc, const std::string& origin, const char* key, F each) {
  Fields root(doc, "");
  const Doc& list = root.Raw(key);
  if (Absent(list)) return;
  if (!list.is_array())
    throw InputError(origin + ": " + key, Printable(list), "a list of entries",
                     "expected a list, got");
  for (size_t i = 0; i < list.size(); ++i) {
    Fields f(list[i], std::string(key) + "[" + std::to_string(i) + "]");
    each(f);
  }
  root.Finish({key});
}

std::string Required(Fields& f, const char* key) {
  auto v = f.String(key);
  if (!v || v->empty())
    throw InputError(f.Field(key), "missing", "a non-empty string", "required key");
  return *v;
}

// "measured" | "estimate" under `key`, or `fallback` when absent.
std::string BasisName(Fields& f, const std::string& key, const std::string& fallback) {
  const std::string basis = f.String(key, 64).value_or(fallback);
  if (basis != "measured" && basis != "estimate")
    throw InputError(f.Field(key), basis, "measured | estimate");
  return basis;
}

// The basis of one CPU figure: `<name>_basis` (default `fallback`) and `<name>_source`.
// A measured figure must say where it was measured; a basis or source for a figure the
// entry does not give is a mistake in the data, not something to ignore.
advise::CpuFigureBasis FigureBasis(Fields& f, const std::string& name, const char* figure_key,
                                   bool has_figure, const std::string& fallback) {
  const std::string basis_key = name + "_basis", source_key = name + "_source";
  if (!has_figure) {
    for (const auto& k : {basis_key, source_key})
      if (f.Has(k))
        throw InputError(f.Field(k), Printable(f.Raw(k)), std::string("only with ") + figure_key,
                         "applies to no figure");
    return {};
  }
  advise::CpuFigureBasis b;
  b.measured = BasisName(f, basis_key, fallback) == "measured";
  b.source = f.String(source_key, 512).value_or("");
  if (b.measured && b.source.empty())
    throw InputError(f.Field(source_key), "missing",
                     "where, with what and under which conditions it was measured",
                     "required for a measured figure");
  return b;
}

}  // namespace

std::vector<advise::CpuSpec> ParseCpuDocument(const Doc& doc, const std::string& origin) {
  std::vector<advise::CpuSpec> out;
  ForEachEntry(doc, origin, "cpus", [&](Fields& f) {
    advise::CpuSpec c;
    c.id = Required(f, "id");
    c.name = f.String("name").value_or(c.id);
    c.segment = f.String("segment").value_or("");
    c.cores = static_cast<int>(f.Integer("cores", 1, 4096).value_or(0));
    c.tdp_w = f.Number("tdp_w", 1, 5000).value_or(0);
    c.bf16_matmul_tflops = f.Number("bf16_matmul_tflops", 0.001, 1e4).value_or(0);
    c.fp32_matmul_tflops = f.Number("fp32_matmul_tflops", 0.001, 1e4).value_or(0);
    c.memory_bw_gbs = f.Number("memory_bw_gbs", 0.1, 1e5).value_or(0);
    c.price_usd = f.Number("price_usd", 0, 1e7);
    c.sources = f.StringList("sources").value_or(std::vector<std::string>{});
    c.notes = f.String("notes").value_or("");
    // `basis` is the default for every figure; `<figure>_basis` overrides it per figure.
    const std::string basis = BasisName(f, "basis", "estimate");
    c.bf16_basis = FigureBasis(f, "bf16", "bf16_matmul_tflops", c.bf16_matmul_tflops > 0, basis);
    c.fp32_basis = FigureBasis(f, "fp32", "fp32_matmul_tflops", c.fp32_matmul_tflops > 0, basis);
    c.bandwidth_basis = FigureBasis(f, "bandwidth", "memory_bw_gbs", c.memory_bw_gbs > 0, basis);
    if (c.bf16_matmul_tflops <= 0 && c.fp32_matmul_tflops <= 0)
      throw InputError(f.Field("bf16_matmul_tflops"), "missing",
                       "bf16_matmul_tflops or fp32_matmul_tflops", "required key");
    f.Finish({"id", "name", "segment", "cores", "tdp_w", "bf16_matmul_tflops", "bf16_basis",
              "bf16_source", "fp32_matmul_tflops", "fp32_basis", "fp32_source", "memory_bw_gbs",
              "bandwidth_basis", "bandwidth_source", "basis", "price_usd", "sources", "notes"});
    out.push_back(std::move(c));
  });
  return out;
}

std::vector<advise::HostPlatform> ParseHostDocument(const Doc& doc, const std::string& origin) {
  std::vector<advise::HostPlatform> out;
  ForEachEntry(doc, origin, "hosts", [&](Fields& f) {
    advise::HostPlatform h;
    h.id = Required(f, "id");
    h.name = f.String("name").value_or(h.id);
    h.form = Required(f, "form");
    if (h.form != "desktop" && h.form != "workstation" && h.form != "pcie-server" &&
        h.form != "hgx" && h.form != "oam")
      throw InputError(f.Field("form"), h.form, "desktop | workstation | pcie-server | hgx | oam");
    h.max_gpus = static_cast<int>(f.Integer("max_gpus", 1, 64).value_or(1));
    h.price_usd = f.Number("price_usd", 0, 1e8).value_or(0);
    h.power_w = f.Number("power_w", 0, 1e5).value_or(0);
    h.as_of = f.String("as_of").value_or("");
    h.sources = f.StringList("sources").value_or(std::vector<std::string>{});
    h.notes = f.String("notes").value_or("");
    f.Finish(
        {"id", "name", "form", "max_gpus", "price_usd", "power_w", "as_of", "sources", "notes"});
    out.push_back(std::move(h));
  });
  return out;
}

std::vector<advise::AcceleratorNote> ParseAcceleratorDocument(const Doc& doc,
                                                              const std::string& origin) {
  std::vector<advise::AcceleratorNote> out;
  ForEachEntry(doc, origin, "accelerators", [&](Fields& f) {
    advise::AcceleratorNote a;
    a.id = Required(f, "id");
    a.name = f.String("name").value_or(a.id);
    a.kind = f.String("kind").value_or("");
    a.bf16_tflops = f.Number("bf16_tflops", 0, 1e7);
    a.int8_tops = f.Number("int8_tops", 0, 1e7);
    a.memory_gb = f.Number("memory_gb", 0, 1e6);
    a.memory_bw_gbs = f.Number("memory_bw_gbs", 0, 1e7);
    a.training_support = Required(f, "training_support");
    if (a.training_support != "none" && a.training_support != "limited" &&
        a.training_support != "vendor-stack" && a.training_support != "cloud-only")
      throw InputError(f.Field("training_support"), a.training_support,
                       "none | limited | vendor-stack | cloud-only");
    a.good_for = f.String("good_for").value_or("");
    a.why_not_for_training = f.String("why_not_for_training").value_or("");
    a.sources = f.StringList("sources").value_or(std::vector<std::string>{});
    f.Finish({"id", "name", "kind", "bf16_tflops", "int8_tops", "memory_gb", "memory_bw_gbs",
              "training_support", "good_for", "why_not_for_training", "sources"});
    out.push_back(std::move(a));
  });
  return out;
}

const advise::PlatformData& BuiltinPlatforms() {
  static const advise::PlatformData data = [] {
    advise::PlatformData d;
    if (auto doc = EmbeddedDoc("cpus.yaml")) d.cpus = ParseCpuDocument(*doc, "data/cpus.yaml");
    if (auto doc = EmbeddedDoc("hosts.yaml")) d.hosts = ParseHostDocument(*doc, "data/hosts.yaml");
    if (auto doc = EmbeddedDoc("accelerators.yaml"))
      d.accelerators = ParseAcceleratorDocument(*doc, "data/accelerators.yaml");
    return d;
  }();
  return data;
}

}  // namespace gpuadv::io
