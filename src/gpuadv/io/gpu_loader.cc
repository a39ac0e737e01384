#include "gpuadv/io/gpu_loader.h"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <cctype>
#include <set>
#include <string_view>
#include <vector>

#include "gpuadv/catalog/gpu_checks.h"
#include "gpuadv/core/strings.h"

namespace gpuadv::io {
namespace {

// Sane ranges: wide enough for any real part, narrow enough that a unit slip (MB for GB,
// TB/s for GB/s, kW for W) or a typo fails loudly instead of skewing every estimate.
constexpr double kMaxTflops = 100000;

// Every key of a GPU entry, in data/gpus/*.yaml order; Finish() suggests among these.
const std::vector<std::string>& GpuKeys() {
  // clang-format off
  static const std::vector<std::string> keys = {
      "id", "name", "vendor", "segment", "architecture", "chip", "launch_year", "aliases",
      "memory_gb", "memory_type", "memory_bw_gbs", "bus_width_bits", "shader_cores", "sm_or_cu",
      "tensor_matrix_cores", "tensor_core_gen", "boost_clock_mhz", "fp32_tflops_nontensor",
      "fp16_tensor_fp16acc_dense_tflops", "fp16_tensor_fp32acc_dense_tflops",
      "bf16_tensor_dense_tflops", "tf32_tensor_dense_tflops", "fp8_tensor_fp32acc_dense_tflops",
      "fp8_tensor_fp16acc_dense_tflops", "fp4_tensor_dense_tflops", "int8_tensor_dense_tops",
      "tdp_w", "power_connectors", "pcie_gen", "pcie_lanes", "form_factor", "slot_width",
      "gpu_interconnect", "interconnect_bw_gbs_bidir", "peer_to_peer", "ecc", "launch_msrp_usd",
      "street_price_usd", "street_price_date", "cloud_usd_per_gpu_hr", "cloud_price_source",
      "software", "frameworks", "cuda_cc_or_target", "bf16_support", "fp8_support",
      "verification", "unverified_fields", "sources", "notes"};
  // clang-format on
  return keys;
}

// Every key of an offer entry (data/offers/*.yaml).
const std::vector<std::string>& OfferKeys() {
  // clang-format off
  static const std::vector<std::string> keys = {
      "id", "provider", "kind", "gpu", "gpus_per_instance", "interconnect", "usd_per_gpu_hr",
      "spot_usd_per_gpu_hr", "network_gbps", "as_of", "sources", "notes", "verified"};
  // clang-format on
  return keys;
}

constexpr std::string_view kOfferKinds[] = {"hyperscaler", "gpu-cloud", "marketplace"};
constexpr std::string_view kOfferInterconnects[] = {"nvlink", "pcie", "sxm-nvswitch", "none"};

// True when the key is written as `key: null` (or `~`): an override back to unknown.
// One lookup (an absent key reads as Missing(), which is not null); the key is read anyway.
bool ExplicitNull(Fields& f, std::string_view key) { return f.Raw(key).is_null(); }

void Num(Fields& f, std::string_view key, double min, double max, std::optional<double>& out) {
  if (ExplicitNull(f, key)) {
    out.reset();
  } else if (auto v = f.Number(key, min, max)) {
    out = *v;
  }
}

void Int(Fields& f, std::string_view key, long long min, long long max, std::optional<int>& out) {
  if (ExplicitNull(f, key)) {
    out.reset();
  } else if (auto v = f.Integer(key, min, max)) {
    out = static_cast<int>(*v);
  }
}

void Flag(Fields& f, std::string_view key, std::optional<bool>& out) {
  if (ExplicitNull(f, key)) {
    out.reset();
  } else if (auto v = f.Bool(key)) {
    out = *v;
  }
}

// Free text; null clears it to "" (unknown).
void Text(Fields& f, std::string_view key, std::string& out) {
  if (ExplicitNull(f, key)) {
    out.clear();
  } else if (auto v = f.String(key)) {
    out = std::move(*v);
  }
}

void List(Fields& f, std::string_view key, std::vector<std::string>& out) {
  if (ExplicitNull(f, key)) {
    out.clear();
  } else if (auto v = f.StringList(key)) {
    out = std::move(*v);
  }
}

template <size_t N>
std::string Accepted(const std::string_view (&names)[N]) {
  std::string out;
  for (auto n : names) out += (out.empty() ? "" : " | ") + std::string(n);
  return out;
}

// One of `names`, exactly (the catalog keeps canonical lower-case names).
template <size_t N>
void Choice(Fields& f, std::string_view key, const std::string_view (&names)[N], std::string& out) {
  auto v = f.String(key, 256);
  if (!v) return;
  if (std::find(std::begin(names), std::end(names), *v) != std::end(names)) {
    out = *v;
    return;
  }
  std::string accepted = Accepted(names);
  const std::string hint =
      DidYouMean(*v, std::vector<std::string>(std::begin(names), std::end(names)));
  if (!hint.empty()) accepted += " (" + hint + ")";
  throw InputError(f.Field(key), *v, accepted);
}

// Catalog ids: lower-case letters, digits and - . _ (they appear in CLI arguments and
// JSON keys). Aliases may also hold spaces and upper case ("RTX 4090").
void CheckName(Fields& f, std::string_view key, const std::string& v, bool is_id) {
  bool ok = !v.empty() && v.size() <= 64;
  for (unsigned char c : v) {
    const bool base = std::isdigit(c) || c == '-' || c == '.' || c == '_';
    const bool letter = is_id ? std::islower(c) != 0 : (std::isalpha(c) != 0 || c == ' ');
    if (!base && !letter) ok = false;
  }
  if (!ok)
    throw InputError(f.Field(key), v,
                     is_id ? "1-64 characters: a-z, 0-9, '-', '.', '_'"
                           : "1-64 characters: letters, digits, spaces, '-', '.', '_'");
}

void Date(Fields& f, std::string_view key, std::string& out) {
  if (ExplicitNull(f, key)) {
    out.clear();
    return;
  }
  auto v = f.String(key, 64);
  if (!v) return;
  if (!IsDate(*v)) throw InputError(f.Field(key), *v, "a date: YYYY, YYYY-MM or YYYY-MM-DD");
  out = *v;
}

// True when `name` is the GPU's id or one of its aliases (as Catalog lookups match).
bool NamesGpu(const catalog::GpuSpec& g, std::string_view name) {
  if (IEquals(g.id, name)) return true;
  return std::any_of(g.aliases.begin(), g.aliases.end(),
                     [&](const std::string& a) { return IEquals(a, name); });
}

[[noreturn]] void Missing(Fields& f, std::string_view key, const std::string& accepted) {
  throw InputError(f.Field(key), "missing", accepted, "required key");
}

// The list under `key` of a catalog document, or throws naming it.
const Doc& EntryList(Fields& root, std::string_view key, const std::string& origin,
                     const char* what) {
  const Doc& list = root.Raw(key);
  const std::string field = origin + ": " + std::string(key);
  if (Absent(list)) throw InputError(field, "missing", what, "required key");
  if (!list.is_array()) throw InputError(field, Printable(list), what, "expected a list, got");
  return list;
}

// One entry of a catalog list at `field` ("<origin>: gpus[3]"), parsed by `parse` and
// checked against `keys`.
template <class Parse>
auto ParseEntry(const Doc& entry, const std::string& field, Parse parse,
                const std::vector<std::string>& keys) {
  Fields f(entry, field);
  auto e = parse(f);
  f.Finish(keys);
  return e;
}

// The entries of the list `key` ("gpus" | "offers") of a catalog document, each parsed by
// `parse_entry`; ids must be unique. A user catalog file may hold all three lists (gpus,
// models, offers): the others are left to their own loaders.
template <class Entry, class ParseOne>
std::vector<Entry> ParseEntries(const Doc& doc, const std::string& origin, std::string_view key,
                                const char* what, ParseOne parse_entry) {
  Fields root(doc, "");
  const Doc& list = EntryList(root, key, origin, what);
  for (std::string_view other : {"gpus", "models", "offers"})
    if (other != key) root.Raw(other);
  std::vector<Entry> out;
  std::set<std::string, std::less<>> ids;
  for (size_t i = 0; i < list.size(); ++i) {
    const std::string field = CatalogEntryField(origin, key, i);
    Entry e = parse_entry(list[i], field);
    if (!ids.insert(e.id).second)
      throw InputError(Fields(list[i], field).Field("id"), e.id, "unique ids", "duplicate id");
    out.push_back(std::move(e));
  }
  root.Finish({"gpus", "models", "offers"});
  return out;
}

// A price per GPU-hour: above 0 (a free offer would rank first or, with the cost
// objective's guards, vanish) and at most 1000.
std::optional<double> Price(Fields& f, std::string_view key) {
  auto v = f.Number(key, 0, 1000);
  if (v && *v <= 0)
    throw InputError(f.Field(key), Printable(f.Raw(key)),
                     "a price above 0 and at most 1000 USD per GPU-hour", "out of range");
  return v;
}

}  // namespace

bool IsDate(std::string_view s) {
  auto digits = [&](size_t pos, size_t n) {
    if (s.size() < pos + n) return false;
    for (size_t i = pos; i < pos + n; ++i)
      if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    return true;
  };
  auto in = [&](size_t pos, int lo, int hi) {
    const int v = (s[pos] - '0') * 10 + (s[pos + 1] - '0');
    return v >= lo && v <= hi;
  };
  if (!digits(0, 4)) return false;
  if (s.size() == 4) return true;
  if (s.size() < 7 || s[4] != '-' || !digits(5, 2) || !in(5, 1, 12)) return false;
  if (s.size() == 7) return true;
  return s.size() == 10 && s[7] == '-' && digits(8, 2) && in(8, 1, 31);
}

catalog::GpuSpec ParseGpu(Fields& f, const catalog::GpuSpec* base) {
  catalog::GpuSpec g = base ? *base : catalog::GpuSpec{};

  if (auto v = f.String("id", 64)) {
    if (base && NamesGpu(*base, *v)) {
      g.id = base->id;  // `id: 4090` overrides rtx-4090 itself, under its canonical id
    } else {
      CheckName(f, "id", *v, true);
      g.id = *v;
      if (base) g.aliases.clear();  // a new variant must not answer to the base's aliases
    }
  } else if (!base) {
    Missing(f, "id", "a GPU id such as rtx-4090");
  }
  if (auto v = f.String("name", 256)) g.name = *v;
  Choice(f, "vendor", catalog::kGpuVendors, g.vendor);
  Choice(f, "segment", catalog::kGpuSegments, g.segment);
  Text(f, "architecture", g.architecture);
  Text(f, "chip", g.chip);
  Int(f, "launch_year", 1990, 2100, g.launch_year);
  if (auto v = f.StringList("aliases")) {
    for (const auto& a : *v) CheckName(f, "aliases", a, false);
    g.aliases = std::move(*v);
  }

  if (auto v = f.Number("memory_gb", 0.5, 4096)) g.memory_gb = *v;
  Text(f, "memory_type", g.memory_type);
  Num(f, "memory_bw_gbs", 1, 1e5, g.memory_bw_gbs);
  Num(f, "bus_width_bits", 8, 65536, g.bus_width_bits);

  Num(f, "shader_cores", 0, 1e6, g.shader_cores);
  Num(f, "sm_or_cu", 1, 1e5, g.sm_or_cu);
  Num(f, "tensor_matrix_cores", 0, 1e6, g.tensor_matrix_cores);
  Text(f, "tensor_core_gen", g.tensor_core_gen);
  Num(f, "boost_clock_mhz", 100, 10000, g.boost_clock_mhz);

  Num(f, "fp32_tflops_nontensor", 0, kMaxTflops, g.fp32_tflops_nontensor);
  Num(f, "fp16_tensor_fp16acc_dense_tflops", 0, kMaxTflops, g.fp16_tensor_fp16acc_dense_tflops);
  Num(f, "fp16_tensor_fp32acc_dense_tflops", 0, kMaxTflops, g.fp16_tensor_fp32acc_dense_tflops);
  Num(f, "bf16_tensor_dense_tflops", 0, kMaxTflops, g.bf16_tensor_dense_tflops);
  Num(f, "tf32_tensor_dense_tflops", 0, kMaxTflops, g.tf32_tensor_dense_tflops);
  Num(f, "fp8_tensor_fp32acc_dense_tflops", 0, kMaxTflops, g.fp8_tensor_fp32acc_dense_tflops);
  Num(f, "fp8_tensor_fp16acc_dense_tflops", 0, kMaxTflops, g.fp8_tensor_fp16acc_dense_tflops);
  Num(f, "fp4_tensor_dense_tflops", 0, kMaxTflops, g.fp4_tensor_dense_tflops);
  Num(f, "int8_tensor_dense_tops", 0, kMaxTflops, g.int8_tensor_dense_tops);

  Num(f, "tdp_w", 1, 5000, g.tdp_w);
  Text(f, "power_connectors", g.power_connectors);
  Int(f, "pcie_gen", 1, 7, g.pcie_gen);
  Int(f, "pcie_lanes", 1, 32, g.pcie_lanes);
  Text(f, "form_factor", g.form_factor);
  Num(f, "slot_width", 1, 5, g.slot_width);
  Text(f, "gpu_interconnect", g.gpu_interconnect);
  Num(f, "interconnect_bw_gbs_bidir", 0, 1e5, g.interconnect_bw_gbs_bidir);
  if (auto v = f.Bool("peer_to_peer")) g.peer_to_peer = *v;
  Flag(f, "ecc", g.ecc);

  Num(f, "launch_msrp_usd", 0, 1e7, g.launch_msrp_usd);
  Num(f, "street_price_usd", 0, 1e7, g.street_price_usd);
  Date(f, "street_price_date", g.street_price_date);
  Num(f, "cloud_usd_per_gpu_hr", 0, 1000, g.cloud_usd_per_gpu_hr);
  Text(f, "cloud_price_source", g.cloud_price_source);

  List(f, "software", g.software);
  if (auto v = f.StringList("frameworks")) {
    for (const auto& name : *v) {
      if (std::find(std::begin(catalog::kGpuFrameworks), std::end(catalog::kGpuFrameworks), name) ==
          std::end(catalog::kGpuFrameworks))
        throw InputError(f.Field("frameworks"), name, Accepted(catalog::kGpuFrameworks));
    }
    g.frameworks = std::move(*v);
  }
  Text(f, "cuda_cc_or_target", g.cuda_cc_or_target);
  Flag(f, "bf16_support", g.bf16_support);
  Flag(f, "fp8_support", g.fp8_support);

  Choice(f, "verification", catalog::kGpuVerifications, g.verification);
  List(f, "unverified_fields", g.unverified_fields);
  List(f, "sources", g.sources);
  Text(f, "notes", g.notes);

  // Whole-entry requirements (after overrides): what every estimate needs, and dated prices.
  if (!base) {
    if (g.name.empty()) Missing(f, "name", "the product name, e.g. GeForce RTX 4090");
    if (g.vendor.empty()) Missing(f, "vendor", Accepted(catalog::kGpuVendors));
    if (g.segment.empty()) Missing(f, "segment", Accepted(catalog::kGpuSegments));
    if (g.memory_gb <= 0) Missing(f, "memory_gb", "a number from 0.5 to 4096");
  }
  if (g.street_price_usd && g.street_price_date.empty())
    throw InputError(f.Field("street_price_date"), "missing",
                     "the date of street_price_usd: YYYY, YYYY-MM or YYYY-MM-DD", "required key");
  return g;
}

// A variant's name says what it changes of its base's figures that a reader compares boards
// by (memory, bandwidth, board power, 16-bit peak), so "H100 SXM5 80GB" never heads an
// estimate of a 96 GB, 500 W part.
std::string VariantName(const catalog::GpuSpec& base, const catalog::GpuSpec& g) {
  std::vector<std::string> diffs;
  if (g.memory_gb != base.memory_gb) diffs.push_back(fmt::format("{:g} GB", g.memory_gb));
  if (g.memory_bw_gbs != base.memory_bw_gbs)
    diffs.push_back(g.memory_bw_gbs ? fmt::format("{:g} GB/s", *g.memory_bw_gbs)
                                    : "bandwidth unknown");
  if (g.tdp_w != base.tdp_w)
    diffs.push_back(g.tdp_w ? fmt::format("{:g} W", *g.tdp_w) : "power unknown");
  if (g.Peak16FlopsPerS() != base.Peak16FlopsPerS())
    diffs.push_back(g.Peak16FlopsPerS() > 0
                        ? fmt::format("{:g} TFLOP/s 16-bit", g.Peak16FlopsPerS() / 1e12)
                        : "16-bit peak unknown");
  if (diffs.empty()) return base.name;
  return fmt::format("{} variant ({})", base.name, fmt::join(diffs, ", "));
}

catalog::GpuSpec ParseGpuVariant(Fields& f, const catalog::Catalog& cat) {
  const auto base_id = f.String("base", 256);
  if (!base_id)
    throw InputError(f.Field("base"), "missing", "a catalog GPU id to vary", "required");
  const catalog::GpuSpec& base = cat.Gpu(*base_id, f.Field("base"));
  if (const auto id = f.String("id", 64)) {
    const catalog::GpuSpec* other = cat.FindGpu(*id);
    if (other && other->id != base.id)
      throw InputError(
          f.Field("id"), *id, "a new id for the variant, or the base's own id '" + base.id + "'",
          "is another catalog GPU (" + other->id + "), not a variant of " + base.id + ":");
  }
  catalog::GpuSpec g = ParseGpu(f, &base);
  if (!f.Has("id")) g.id = base.id;
  if (!f.Has("name")) g.name = VariantName(base, g);
  return g;
}

catalog::GpuSpec ParseGpuEntry(const Doc& entry, const std::string& field) {
  return ParseEntry(
      entry, field, [](Fields& f) { return ParseGpu(f); }, GpuKeys());
}

std::vector<catalog::GpuSpec> ParseGpuDocument(const Doc& doc, const std::string& origin) {
  return ParseEntries<catalog::GpuSpec>(doc, origin, "gpus", "a list of GPU entries",
                                        ParseGpuEntry);
}

catalog::Offer ParseOffer(Fields& f) {
  catalog::Offer o;
  if (auto v = f.String("id", 64)) {
    CheckName(f, "id", *v, true);
    o.id = *v;
  } else {
    Missing(f, "id", "an offer id such as lambda-h100-sxm-8x");
  }
  if (auto v = f.String("provider", 128))
    o.provider = *v;
  else
    Missing(f, "provider", "the provider's name, e.g. Lambda");
  Choice(f, "kind", kOfferKinds, o.kind);
  if (o.kind.empty()) Missing(f, "kind", Accepted(kOfferKinds));
  if (auto v = f.String("gpu", 64))
    o.gpu = *v;
  else
    Missing(f, "gpu", "a catalog GPU id");
  if (auto v = f.Integer("gpus_per_instance", 1, 1024)) o.gpus_per_instance = static_cast<int>(*v);
  Choice(f, "interconnect", kOfferInterconnects, o.interconnect);
  if (auto v = Price(f, "usd_per_gpu_hr"))
    o.usd_per_gpu_hr = *v;
  else
    Missing(f, "usd_per_gpu_hr", "the on-demand price per GPU-hour, above 0 and up to 1000");
  if (auto v = Price(f, "spot_usd_per_gpu_hr")) o.spot_usd_per_gpu_hr = *v;
  if (auto v = f.Number("network_gbps", 0.1, 1e5)) o.network_gbps = *v;
  Date(f, "as_of", o.as_of);
  if (o.as_of.empty()) Missing(f, "as_of", "the date of the price: YYYY, YYYY-MM or YYYY-MM-DD");
  List(f, "sources", o.sources);
  Text(f, "notes", o.notes);
  if (auto v = f.Bool("verified")) o.verified = *v;
  return o;
}

catalog::Offer ParseOfferEntry(const Doc& entry, const std::string& field) {
  return ParseEntry(entry, field, ParseOffer, OfferKeys());
}

std::vector<catalog::Offer> ParseOfferDocument(const Doc& doc, const std::string& origin) {
  return ParseEntries<catalog::Offer>(doc, origin, "offers", "a list of offer entries",
                                      ParseOfferEntry);
}

}  // namespace gpuadv::io
