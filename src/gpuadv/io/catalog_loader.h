#pragma once
#include <string>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/estimate/efficiency.h"

namespace gpuadv::io {

/// The built-in catalogs: every embedded data/gpus/*.yaml, data/models/*.yaml and
/// data/offers/*.yaml. Built once per process (cached).
const catalog::Catalog& BuiltinCatalog();

/// The embedded data/efficiency.yaml with data/calibration.yaml applied on top
/// (io/efficiency_loader.h), parsed once per process.
const estimate::EfficiencyTable& BuiltinEfficiency();

/// Adds or overrides entries from a user file (--catalog): a YAML/JSON map with any of
/// `gpus:`, `models:`, `offers:`. A GPU entry whose id exists overrides only the fields
/// it gives. Throws InputError naming the field.
void LoadCatalogFile(catalog::Catalog& cat, const std::string& path);

/// LoadCatalogFile on text already read; `origin` names the source in errors.
void LoadCatalogText(catalog::Catalog& cat, std::string_view text, const std::string& origin);

}  // namespace gpuadv::io
