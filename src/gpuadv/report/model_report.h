#pragma once
// `models list` / `models show` result documents (DESIGN.md C2, C13): table, Markdown, JSON
// and CSV (report::Document).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/report/document.h"

namespace gpuadv::report {

/// "8.03B", "46.7B", "406B", "124M": a parameter count with three significant digits.
std::string ParamsShort(double params);

/// `models list`: ModelListJson; one row per model (id, name, family, kind, params (active
/// for MoE), shape, context) and their count; CSV: flat columns, one row per model.
Document ModelListDocument(const std::vector<const catalog::ModelArch*>& models);

/// `models show`: ModelJson; architecture, computed vs declared parameters with the
/// breakdown (embedding, lm_head, per layer, active), diffusion components, sources and
/// notes; CSV: the `models list` header and the model's row.
Document ModelShowDocument(const catalog::ModelArch& m);

/// One model as JSON: id, name, family, aliases, kind, params, active_params, declared_params
/// (null when none), architecture (null without a shape), moe (null when dense),
/// param_counts, diffusion (null unless kind is diffusion), sources, notes. Counts are integers.
nlohmann::json ModelJson(const catalog::ModelArch& m);

/// {"schema_version": 1, "models": [ModelJson...]}.
nlohmann::json ModelListJson(const std::vector<const catalog::ModelArch*>& models);

}  // namespace gpuadv::report
