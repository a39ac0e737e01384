#pragma once
// Result documents of `gpu-advisor gpus list|show` (report::Document: table, Markdown, CSV, JSON).
// They print the catalog's own figures with their units; unknown figures print as
// "unknown" (text) or null (JSON) or an empty cell (CSV), never as a guess.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/offer.h"
#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/report/document.h"

namespace gpuadv::report {

/// `gpus list`: GpuListJson; one row per GPU (id, name, vendor, segment, memory,
/// bandwidth, dense 16-bit and FP8 tensor TFLOPS, TDP, street and cloud price,
/// verification) and their count; CSV: the GpuJson keys as header, one row per GPU (lists
/// joined with "; ", unknown values empty). Rows keep the order given.
Document GpuListDocument(const std::vector<const catalog::GpuSpec*>& gpus);

/// `gpus show`: GpuShowJson; every field of one GPU with its unit, grouped (identity,
/// memory, compute, throughput, power and physical, prices, software, provenance), then its
/// sources, unverified fields and notes; `offers` (e.g. Catalog::OffersFor(id)) are listed
/// when given. CSV: the GPU's `gpus list` row with its offers appended as columns
/// ("offers.0.id", ...).
/// `eff` (the efficiency row estimates use for the GPU's architecture) adds the rates the
/// model runs it at ("modelled_rates": the sustained 16-bit GEMM rate, whether the board's
/// power limits it, the memory-bound bandwidth).
Document GpuShowDocument(const catalog::GpuSpec& gpu,
                         const std::vector<const catalog::Offer*>& offers = {},
                         const estimate::ArchEfficiency* eff = nullptr);

/// Every GpuSpec field under its catalog name (units in the names); unknown = null.
nlohmann::json GpuJson(const catalog::GpuSpec& gpu);
/// {"schema_version": 1, "gpus": [GpuJson...]}.
nlohmann::json GpuListJson(const std::vector<const catalog::GpuSpec*>& gpus);
/// Every Offer field under its catalog name; unknown = null.
nlohmann::json OfferJson(const catalog::Offer& offer);
/// `gpus show`: GpuJson plus "offers" (OfferJson of each, [] when none), the same fields
/// GpuShowDocument prints in every format.
nlohmann::json GpuShowJson(const catalog::GpuSpec& gpu,
                           const std::vector<const catalog::Offer*>& offers,
                           const estimate::ArchEfficiency* eff = nullptr);

}  // namespace gpuadv::report
