#pragma once
// `models list` / `models show` output (DESIGN.md C2, C13): table, Markdown, JSON and CSV.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/catalog/model_arch.h"

namespace gpuadv::report {

/// "8.03B", "46.7B", "406B", "124M": a parameter count with three significant digits.
std::string ParamsShort(double params);

/// One row per model: id, name, family, kind, params (active for MoE), shape, context.
/// `markdown` switches to a Markdown table.
std::string ModelListText(const std::vector<const catalog::ModelArch*>& models,
                          bool markdown = false);

/// One model: architecture, computed vs declared parameters with the breakdown
/// (embedding, lm_head, per layer, active), diffusion components, sources and notes.
std::string ModelShowText(const catalog::ModelArch& m, bool markdown = false);

/// One model as JSON: id, name, family, aliases, kind, params, active_params, declared_params
/// (null when none), architecture (null without a shape), moe (null when dense),
/// param_counts, diffusion (null unless kind is diffusion), sources, notes. Counts are integers.
nlohmann::json ModelJson(const catalog::ModelArch& m);

/// {"schema_version": 1, "models": [ModelJson...]}.
nlohmann::json ModelListJson(const std::vector<const catalog::ModelArch*>& models);

/// CSV: one header line and one line per model (flat columns; RFC 4180 quoting).
std::string ModelCsvHeader();
std::string ModelCsvRow(const catalog::ModelArch& m);
/// Header plus one row per model.
std::string ModelListCsv(const std::vector<const catalog::ModelArch*>& models);

}  // namespace gpuadv::report
