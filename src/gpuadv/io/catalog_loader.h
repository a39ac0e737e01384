#pragma once
#include <string>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/estimate/efficiency.h"

namespace gpuadv::io {

/// The built-in catalogs: every embedded data/gpus/*.yaml, data/models/*.yaml and
/// data/offers/*.yaml. Read by entry on lookup (io/embedded_catalog.h): a verb pays for the
/// entries it reads, and for all of them only when it lists or ranks the catalog.
const catalog::Catalog& BuiltinCatalog();

/// The built-in catalogs with every entry decoded now (what BuiltinCatalog reads when a
/// verb needs them all).
catalog::Catalog DecodeBuiltinCatalog();

/// The embedded data/efficiency.yaml with data/calibration.yaml applied on top
/// (io::ParseBuiltinEfficiency), compiled to C++ at build time (tools/efficiency_table):
/// read without parsing.
const estimate::EfficiencyTable& BuiltinEfficiency();

/// Adds or overrides entries from a user file (--catalog): a YAML/JSON map with any of
/// `gpus:`, `models:`, `offers:`, or a CSV of offers in dstack's gpuhunt format
/// (io/offer_csv.h; the provider is the file name's stem when there is no provider column).
/// A GPU entry whose id exists overrides only the fields it gives. A CSV's prices are dated
/// `prices_date` (YYYY-MM-DD, --prices-date), else the file's modification date; a YAML/JSON
/// offer without `as_of` gets `prices_date` when given (else it is an error). Returns notes
/// for the user (the CSV's mapped/unmapped counts and which date it used). Throws
/// InputError naming the field (CSV: the line and column).
std::vector<std::string> LoadCatalogFile(catalog::Catalog& cat, const std::string& path,
                                         const std::string& prices_date = "");

/// LoadCatalogFile on YAML/JSON text already read; `origin` names the source in errors;
/// offers without `as_of` get `default_as_of` when it is not empty.
void LoadCatalogText(catalog::Catalog& cat, std::string_view text, const std::string& origin,
                     const std::string& default_as_of = "");

/// Checks a --prices-date value: YYYY-MM-DD. Throws InputError naming `field`.
void CheckPricesDate(const std::string& date, const std::string& field);

}  // namespace gpuadv::io
