#include "gpuadv/report/model_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/report/format.h"
#include "gpuadv/report/json_report.h"
#include "gpuadv/report/text_table.h"

namespace gpuadv::report {
namespace {

using catalog::ModelArch;
using Row = TableRow;

std::string Kind(const ModelArch& m) {
  std::string k(EnumName(catalog::kModelKinds, m.kind));
  if (m.kind == catalog::ModelKind::kDiffusion)
    k += " (" + std::string(EnumName(catalog::kDenoiserTypes, m.denoiser_type)) + ")";
  return k;
}

std::string IntOrDash(int v) { return v > 0 ? std::to_string(v) : "-"; }
std::string YesNo(bool b) { return b ? "yes" : "no"; }

nlohmann::json Count(double v) {
  if (!std::isfinite(v) || std::fabs(v) > 9.0e18) return nullptr;
  return static_cast<long long>(std::llround(v));
}

std::string Join(const std::vector<std::string>& v, const std::string& sep) {
  std::string out;
  for (const auto& s : v) {
    if (!out.empty()) out += sep;
    out += s;
  }
  return out;
}

// An optional architecture feature: its JSON value (null or false when the model does not
// set it) and, when it does, the table's text.
struct Feature {
  const char* name;
  nlohmann::json value;
  std::string text;  // empty: not set
};

// The optional architecture features, in the table's order: the table lists the ones a
// model sets, the JSON all of them.
std::vector<Feature> Features(const ModelArch& m) {
  std::vector<Feature> out;
  const std::pair<const char*, int> ints[] = {{"first_dense_layers", m.first_dense_layers},
                                              {"q_lora_rank", m.q_lora_rank},
                                              {"kv_lora_rank", m.kv_lora_rank},
                                              {"qk_rope_head_dim", m.qk_rope_head_dim},
                                              {"v_head_dim", m.v_head_dim},
                                              {"sliding_window", m.sliding_window},
                                              {"global_layer_every", m.global_layer_every},
                                              {"mtp_layers", m.mtp_layers}};
  for (const auto& [name, v] : ints)
    out.push_back({name, v > 0 ? nlohmann::json(v) : nlohmann::json(nullptr),
                   v > 0 ? std::to_string(v) : ""});
  const std::pair<const char*, bool> flags[] = {{"qk_norm", m.qk_norm},
                                                {"embedding_norm", m.embedding_norm},
                                                {"fused_qkv", m.fused_qkv},
                                                {"fused_gate_up", m.fused_gate_up}};
  for (const auto& [name, b] : flags) out.push_back({name, b, b ? "yes" : ""});
  const bool clamped = m.swiglu_limit > 0;
  out.push_back({"swiglu_limit", clamped ? nlohmann::json(m.swiglu_limit) : nlohmann::json(nullptr),
                 clamped ? fmt::format("{:g}", m.swiglu_limit) : ""});
  const bool dtype = !m.checkpoint_dtype.empty();
  out.push_back({"checkpoint_dtype",
                 dtype ? nlohmann::json(m.checkpoint_dtype) : nlohmann::json(nullptr),
                 m.checkpoint_dtype});
  return out;
}

// Rows for the optional architecture features that a model sets.
void AddFeatureRows(const ModelArch& m, std::vector<Row>& a) {
  for (const Feature& f : Features(m))
    if (!f.text.empty()) a.push_back({f.name, f.text});
}

// The architecture table of `models show` (a model with a shape).
std::vector<Row> ArchitectureRows(const ModelArch& m) {
  std::vector<Row> a = {{"architecture", "value"},
                        {"layers", std::to_string(m.layers)},
                        {"hidden", std::to_string(m.hidden)},
                        {"heads", std::to_string(m.heads)},
                        {"kv_heads", std::to_string(m.KvHeads())},
                        {"head_dim", std::to_string(m.HeadDim())},
                        {"ffn", IntOrDash(m.ffn)},
                        {"vocab", IntOrDash(m.vocab)},
                        {"max_seq_len", IntOrDash(m.max_seq_len)},
                        {"mlp", std::string(EnumName(catalog::kMlpKinds, m.mlp))},
                        {"norm", std::string(EnumName(catalog::kNormKinds, m.norm))},
                        {"position", std::string(EnumName(catalog::kPositionKinds, m.position))},
                        {"bias", YesNo(m.bias)},
                        {"tied_embeddings", YesNo(m.tied_embeddings)},
                        {"dropout", fmt::format("{:g}", m.dropout)}};
  if (m.IsMoe()) {
    a.push_back({"experts", std::to_string(m.experts)});
    a.push_back({"experts_active", std::to_string(m.experts_active)});
    a.push_back({"moe_ffn", IntOrDash(m.moe_ffn > 0 ? m.moe_ffn : m.ffn)});
    if (m.shared_expert_ffn > 0)
      a.push_back({"shared_expert_ffn", std::to_string(m.shared_expert_ffn)});
    a.push_back({"moe_layer_freq", std::to_string(m.moe_layer_freq)});
  }
  AddFeatureRows(m, a);
  return a;
}

// The parameter table of `models show`: computed vs declared, and the breakdown.
std::vector<Row> ParameterRows(const ModelArch& m, const catalog::ParamCounts& c) {
  std::vector<Row> p = {{"parameters", "count", "short"}};
  auto add = [&](const std::string& name, double v) {
    p.push_back({name, Number(v), ParamsShort(v)});
  };
  const bool template_count = m.has_shape() && m.kind != catalog::ModelKind::kDiffusion;
  add(template_count ? "total (computed)" : "total", c.total);
  if (m.IsMoe()) add("active per token", c.active);
  if (c.vision > 0) add("vision encoder (in total; frozen)", c.vision);
  if (c.mtp > 0) add("MTP modules (not in total)", c.mtp);
  if (m.declared_params > 0 && template_count) {
    const double diff = c.total > 0 ? (c.total - m.declared_params) / m.declared_params : 0;
    p.push_back(
        {"declared (published)", Number(m.declared_params), ParamsShort(m.declared_params)});
    p.push_back({"computed vs declared", fmt::format("{:+.1f}%", diff * 100), ""});
  }
  if (template_count) {
    add("embedding", c.embedding);
    if (c.lm_head > 0) add("lm_head (untied)", c.lm_head);
    if (c.position > 0) add("position embeddings", c.position);
    add("per layer", c.per_layer);
    add("non-embedding", c.non_embedding);
  }
  return p;
}

// CSV: flat columns, one row per model.
Row CsvHeader() {
  Row h = {"id",
           "name",
           "family",
           "kind",
           "params",
           "active_params",
           "declared_params",
           "layers",
           "hidden",
           "heads",
           "kv_heads",
           "head_dim",
           "ffn",
           "vocab",
           "max_seq_len",
           "mlp",
           "norm",
           "position",
           "bias",
           "tied_embeddings",
           "experts",
           "experts_active"};
  for (const char* name :
       {"dropout", "moe_ffn", "shared_expert_ffn", "moe_layer_freq", "embedding_params",
        "lm_head_params", "position_params", "per_layer_params", "non_embedding_params"})
    h.push_back(name);
  for (const Feature& f : Features(ModelArch{})) h.push_back(f.name);
  return h;
}

// A JSON value as a CSV cell: empty for null.
std::string CsvCell(const nlohmann::json& v) {
  if (v.is_null()) return "";
  if (v.is_string()) return v.get<std::string>();
  if (v.is_number_float()) return fmt::format("{:g}", v.get<double>());
  return v.dump();
}

Row CsvRow(const ModelArch& m) {
  const auto c = catalog::CountParams(m);
  auto count = [](double v) { return v > 0 ? fmt::format("{:.0f}", v) : std::string(); };
  auto opt = [](int v) { return v > 0 ? std::to_string(v) : std::string(); };
  const bool s = m.has_shape();
  Row row = {m.id,
             m.name,
             m.family,
             std::string(EnumName(catalog::kModelKinds, m.kind)),
             count(c.total),
             count(c.active),
             count(m.declared_params),
             opt(m.layers),
             opt(m.hidden),
             opt(m.heads),
             s ? std::to_string(m.KvHeads()) : "",
             s ? std::to_string(m.HeadDim()) : "",
             opt(m.ffn),
             opt(m.vocab),
             opt(m.max_seq_len),
             s ? std::string(EnumName(catalog::kMlpKinds, m.mlp)) : "",
             s ? std::string(EnumName(catalog::kNormKinds, m.norm)) : "",
             s ? std::string(EnumName(catalog::kPositionKinds, m.position)) : "",
             s ? (m.bias ? "true" : "false") : "",
             s ? (m.tied_embeddings ? "true" : "false") : "",
             std::to_string(m.experts),
             std::to_string(m.experts_active)};
  const bool moe = m.IsMoe();
  for (const std::string& cell :
       {s ? fmt::format("{:g}", m.dropout) : std::string(),
        moe ? opt(m.moe_ffn > 0 ? m.moe_ffn : m.ffn) : std::string(),
        moe ? opt(m.shared_expert_ffn) : std::string(), moe ? opt(m.moe_layer_freq) : std::string(),
        count(c.embedding), count(c.lm_head), count(c.position), count(c.per_layer),
        count(c.non_embedding)})
    row.push_back(cell);
  for (const Feature& f : Features(m)) row.push_back(s ? CsvCell(f.value) : "");
  return row;
}

}  // namespace

std::string ParamsShort(double p) {
  if (!std::isfinite(p) || p <= 0) return "-";
  const char* unit = "";
  double v = p;
  if (p >= 1e12) {
    v = p / 1e12, unit = "T";
  } else if (p >= 1e9) {
    v = p / 1e9, unit = "B";
  } else if (p >= 1e6) {
    v = p / 1e6, unit = "M";
  } else if (p >= 1e3) {
    v = p / 1e3, unit = "K";
  }
  const int digits = v < 9.995 ? 2 : v < 99.95 ? 1 : 0;
  return fmt::format("{:.{}f}{}", v, digits, unit);
}

Document ModelListDocument(const std::vector<const ModelArch*>& models) {
  Document d;
  d.json = ModelListJson(models);
  std::vector<Row> rows = {{"id", "name", "family", "kind", "params", "active", "layers", "hidden",
                            "heads/kv", "ffn", "vocab", "context"}};
  for (const ModelArch* m : models) {
    const auto c = catalog::CountParams(*m);
    const bool shaped = m->has_shape();
    rows.push_back({m->id.empty() ? "(inline)" : m->id, m->name, m->family, Kind(*m),
                    ParamsShort(c.total), m->IsMoe() ? ParamsShort(c.active) : "",
                    IntOrDash(m->layers), IntOrDash(m->hidden),
                    shaped ? fmt::format("{}/{}", m->heads, m->KvHeads()) : "-",
                    IntOrDash(m->IsMoe() && m->moe_ffn > 0 ? m->moe_ffn : m->ffn),
                    IntOrDash(m->vocab), IntOrDash(m->max_seq_len)});
  }
  d.Table(rows, {0, 1, 2, 3}).Line(fmt::format("{} models", models.size()));
  d.csv = {CsvHeader()};
  for (const ModelArch* m : models) d.csv.push_back(CsvRow(*m));
  return d;
}

Document ModelShowDocument(const ModelArch& m) {
  const auto c = catalog::CountParams(m);
  Document d;
  d.json = ModelJson(m);
  d.Title(fmt::format("{}{}", m.name.empty() ? m.id : m.name,
                      m.id.empty() || m.id == m.name ? "" : " (" + m.id + ")"));
  d.Line(fmt::format("{}{}, {}", m.family.empty() ? "" : m.family + ", ", Kind(m),
                     ParamsShort(c.total) + " parameters" +
                         (m.IsMoe() ? " (" + ParamsShort(c.active) + " active)" : "")));
  if (!m.aliases.empty()) d.Paragraph("aliases: " + Join(m.aliases, ", "));
  if (m.has_shape()) d.Heading("Architecture").Table(ArchitectureRows(m));
  d.Heading("Parameters").Table(ParameterRows(m, c));
  if (!m.components.empty()) {
    std::vector<Row> t = {{"component", "role", "params", "trains by default"}};
    for (const auto& comp : m.components)
      t.push_back({comp.name, std::string(EnumName(catalog::kComponentRoles, comp.role)),
                   ParamsShort(comp.params), YesNo(comp.trains_by_default)});
    d.Heading("Components").Table(t, {0, 1});
    d.Line(fmt::format("latent channels {}, patch {}, default resolution {} px, text tokens {}",
                       m.latent_channels, m.patch_size, m.default_resolution, m.text_tokens));
  }
  if (!m.sources.empty()) {
    d.Heading("Sources");
    for (const auto& s : m.sources) d.Bullet(s);
  }
  if (!m.notes.empty()) d.Heading("Notes").Paragraph(m.notes, "  ");
  d.csv = {CsvHeader(), CsvRow(m)};
  return d;
}

nlohmann::json ModelJson(const ModelArch& m) {
  using nlohmann::json;
  const auto c = catalog::CountParams(m);
  json j;
  j["id"] = m.id;
  j["name"] = m.name;
  j["family"] = m.family;
  j["aliases"] = m.aliases;
  j["kind"] = std::string(EnumName(catalog::kModelKinds, m.kind));
  j["params"] = Count(c.total);
  j["active_params"] = Count(c.active);
  j["declared_params"] = m.declared_params > 0 ? Count(m.declared_params) : json(nullptr);
  if (m.has_shape()) {
    j["architecture"] = {{"layers", m.layers},
                         {"hidden", m.hidden},
                         {"heads", m.heads},
                         {"kv_heads", m.KvHeads()},
                         {"head_dim", m.HeadDim()},
                         {"ffn", m.ffn},
                         {"vocab", m.vocab},
                         {"max_seq_len", m.max_seq_len > 0 ? json(m.max_seq_len) : json(nullptr)},
                         {"mlp", std::string(EnumName(catalog::kMlpKinds, m.mlp))},
                         {"norm", std::string(EnumName(catalog::kNormKinds, m.norm))},
                         {"position", std::string(EnumName(catalog::kPositionKinds, m.position))},
                         {"bias", m.bias},
                         {"tied_embeddings", m.tied_embeddings},
                         {"dropout", m.dropout}};
    for (const Feature& f : Features(m)) j["architecture"][f.name] = f.value;
  } else {
    j["architecture"] = nullptr;
  }
  if (m.IsMoe()) {
    j["moe"] = {{"experts", m.experts},
                {"experts_active", m.experts_active},
                {"moe_ffn", m.moe_ffn > 0 ? m.moe_ffn : m.ffn},
                {"shared_expert_ffn", m.shared_expert_ffn},
                {"moe_layer_freq", m.moe_layer_freq}};
  } else {
    j["moe"] = nullptr;
  }
  j["param_counts"] = {{"total", Count(c.total)},
                       {"active", Count(c.active)},
                       {"embedding", Count(c.embedding)},
                       {"lm_head", Count(c.lm_head)},
                       {"position", Count(c.position)},
                       {"per_layer", Count(c.per_layer)},
                       {"non_embedding", Count(c.non_embedding)}};
  if (m.kind == catalog::ModelKind::kDiffusion) {
    json comps = json::array();
    for (const auto& comp : m.components)
      comps.push_back({{"name", comp.name},
                       {"role", std::string(EnumName(catalog::kComponentRoles, comp.role))},
                       {"params", Count(comp.params)},
                       {"trains", comp.trains_by_default}});
    j["diffusion"] = {
        {"denoiser_type", std::string(EnumName(catalog::kDenoiserTypes, m.denoiser_type))},
        {"latent_channels", m.latent_channels},
        {"patch_size", m.patch_size},
        {"default_resolution", m.default_resolution},
        {"text_tokens", m.text_tokens},
        {"components", comps}};
  } else {
    j["diffusion"] = nullptr;
  }
  j["sources"] = m.sources;
  j["notes"] = m.notes.empty() ? json(nullptr) : json(m.notes);
  return j;
}

nlohmann::json ModelListJson(const std::vector<const ModelArch*>& models) {
  nlohmann::json list = nlohmann::json::array();
  for (const ModelArch* m : models) list.push_back(ModelJson(*m));
  return {{"schema_version", kJsonSchemaVersion}, {"models", list}};
}

}  // namespace gpuadv::report
