#pragma once
// Presenters for catalog GPUs (`gpu-advisor gpus list|show`): text, Markdown, JSON, CSV.
// They print the catalog's own figures with their units; unknown figures print as
// "unknown" (text) or null (JSON) or an empty cell (CSV), never as a guess.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/offer.h"

namespace gpuadv::report {

/// One row per GPU: id, name, vendor, segment, memory, bandwidth, dense 16-bit and FP8
/// tensor TFLOPS, TDP, street and cloud price, verification. `markdown` gives a Markdown
/// table. Rows keep the order given.
std::string GpuListText(const std::vector<const catalog::GpuSpec*>& gpus, bool markdown = false);

/// Every field of one GPU with its unit, grouped (identity, memory, compute, throughput,
/// power and physical, prices, software, provenance), then its sources, unverified fields
/// and notes; `offers` (e.g. Catalog::OffersFor(id)) are listed when given.
std::string GpuShowText(const catalog::GpuSpec& gpu, bool markdown = false,
                        const std::vector<const catalog::Offer*>& offers = {});

/// Every GpuSpec field under its catalog name (units in the names); unknown = null.
nlohmann::json GpuJson(const catalog::GpuSpec& gpu);
/// {"schema_version": 1, "gpus": [GpuJson...]}.
nlohmann::json GpuListJson(const std::vector<const catalog::GpuSpec*>& gpus);
/// Every Offer field under its catalog name; unknown = null.
nlohmann::json OfferJson(const catalog::Offer& offer);
/// `gpus show`: GpuJson plus "offers" (OfferJson of each, [] when none), the same fields
/// GpuShowText and GpuShowCsv print.
nlohmann::json GpuShowJson(const catalog::GpuSpec& gpu,
                           const std::vector<const catalog::Offer*>& offers);

/// A CSV header (the GpuJson keys) plus one row per GPU; lists are joined with "; ",
/// unknown values are empty cells. RFC 4180 quoting.
std::string GpuCsv(const std::vector<const catalog::GpuSpec*>& gpus);
/// `gpus show`: GpuCsv of the GPU with its offers appended as columns ("offers.0.id", ...).
std::string GpuShowCsv(const catalog::GpuSpec& gpu,
                       const std::vector<const catalog::Offer*>& offers);

}  // namespace gpuadv::report
