#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/offer.h"
#include "gpuadv/io/fields.h"

namespace gpuadv::io {

/// One GPU entry (data/gpus/*.yaml schema). With `base` non-null, fields not given keep
/// the base's values (overrides: --catalog files, scenario {base: ID, memory_gb: 96}).
/// Validates units and ranges; throws InputError naming the field.
catalog::GpuSpec ParseGpu(Fields& f, const catalog::GpuSpec* base = nullptr);

/// A GPU entry with `base: ID` (a scenario's hardware.gpu map, a --catalog gpus entry):
/// every field of the catalog GPU ID, with the fields `f` gives over it; the base's id
/// when `f` gives none. An `id` naming another catalog GPU is an error (the variant would
/// be priced as that GPU). Throws InputError naming the field.
catalog::GpuSpec ParseGpuVariant(Fields& f, const catalog::Catalog& cat);

/// One GPU entry of a catalog document, at `field` (CatalogEntryField), checked for
/// unknown keys.
catalog::GpuSpec ParseGpuEntry(const Doc& entry, const std::string& field);

/// All entries of a GPU document: a map with key `gpus:` holding a list.
std::vector<catalog::GpuSpec> ParseGpuDocument(const Doc& doc, const std::string& origin);

/// True for a date the catalogs accept: YYYY, YYYY-MM or YYYY-MM-DD.
bool IsDate(std::string_view s);

/// One offer entry (data/offers/*.yaml schema).
catalog::Offer ParseOffer(Fields& f);
/// One offer entry of a catalog document, at `field`, checked for unknown keys.
catalog::Offer ParseOfferEntry(const Doc& entry, const std::string& field);

/// All entries of an offers document: a map with key `offers:` holding a list.
std::vector<catalog::Offer> ParseOfferDocument(const Doc& doc, const std::string& origin);

}  // namespace gpuadv::io
