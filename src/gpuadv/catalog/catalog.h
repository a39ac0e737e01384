#pragma once
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/catalog/offer.h"

namespace gpuadv::catalog {

/// The loaded catalogs: built-in data, then `--catalog FILE` overrides (loaded by io/).
/// Lookups accept ids and aliases, case-insensitively; unknown names throw InputError
/// with "did you mean".
class Catalog {
 public:
  std::vector<GpuSpec> gpus;
  std::vector<ModelArch> models;
  std::vector<Offer> offers;

  /// nullptr when absent.
  const GpuSpec* FindGpu(std::string_view id_or_alias) const;
  const ModelArch* FindModel(std::string_view id_or_alias) const;
  /// Throwing variants: InputError(field, name, "did you mean ...").
  const GpuSpec& Gpu(std::string_view id_or_alias, std::string_view field = "hardware.gpu") const;
  const ModelArch& Model(std::string_view id_or_alias, std::string_view field = "model") const;
  /// Offers for a GPU id, cheapest on-demand first.
  std::vector<const Offer*> OffersFor(std::string_view gpu_id) const;
  /// Cheapest on-demand offer for a GPU whose instances serve the job's nodes
  /// (Offer::Serves), or nullptr.
  const Offer* CheapestOffer(std::string_view gpu_id, int gpus_per_node, int nodes) const;
  /// Adds or replaces (by id) a GPU / model / offer.
  void Upsert(GpuSpec gpu);
  void Upsert(ModelArch model);
  void Upsert(Offer offer);
};

}  // namespace gpuadv::catalog
