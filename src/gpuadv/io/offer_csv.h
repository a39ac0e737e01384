#pragma once
// Offers from a CSV in the format of dstack's gpuhunt catalog (github.com/dstackai/gpuhunt,
// src/gpuhunt/_internal/storage.py: one row per instance type, location and spot/on-demand;
// columns instance_name, location, price, cpu, memory, gpu_count, gpu_name, gpu_memory,
// spot, disk_size, gpu_vendor, flags, ...; the provider is a `provider` column or, in the
// published per-provider files, the file name).
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/catalog/offer.h"

namespace gpuadv::io {

/// What a gpuhunt CSV gave.
struct OfferCsvImport {
  std::vector<catalog::Offer> offers;   // one per provider and instance type, sorted by id
  int rows = 0;                         // data rows read
  int mapped_rows = 0;                  // rows whose GPU is a catalog GPU
  int no_gpu_rows = 0;                  // rows without a GPU (gpu_count 0 or no gpu_name)
  int spot_only_rows = 0;               // mapped rows of instances with no on-demand price
  std::map<std::string, int> unmapped;  // "name (N GB)" -> rows whose GPU is not in the catalog
  /// One line for stderr / JSON notes: the counts and the unmapped names.
  std::string Summary(const std::string& origin, const std::string& date_note) const;
};

/// Parses gpuhunt CSV `text`; `origin` names the file in errors and in each offer's source,
/// `provider_default` is the provider of rows without a `provider` column (the file name's
/// stem), `as_of` the date every price gets. Each row's GPU (gpu_name and gpu_memory) is
/// looked up among the ids and aliases of `cat` ("A100" with 80 GB tries "A100-80GB", then
/// "A100", and keeps the hit only when its memory matches). Prices are per instance-hour;
/// an offer keeps the cheapest location's on-demand and spot price per GPU-hour.
/// Throws InputError naming "origin: line N, column C" on a malformed CSV or value.
OfferCsvImport ParseOfferCsv(std::string_view text, const std::string& origin,
                             const std::string& provider_default, const std::string& as_of,
                             const catalog::Catalog& cat);

}  // namespace gpuadv::io
