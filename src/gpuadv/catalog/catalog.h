#pragma once
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/catalog/offer.h"

namespace gpuadv::catalog {

/// The loaded catalogs: built-in data, then `--catalog FILE` overrides (loaded by io/).
/// Lookups accept ids and aliases, case-insensitively; unknown names throw InputError
/// with "did you mean".
/// Lookups and upserts go through hash indexes that Upsert keeps, so loading n entries
/// costs O(n) (a 70,000-GPU --catalog loads in about a second). Code that changes the
/// vectors directly leaves the indexes behind: lookups then scan (correct, slower).
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

  /// Position of each entry by id, and by lower-case id and alias (an alias may name
  /// several entries, and a replaced entry leaves stale alias rows: hits are verified).
  struct Index {
    std::unordered_map<std::string, size_t> exact;  // id -> position
    std::unordered_map<std::string, size_t> ids;    // lower-case id -> position
    std::unordered_multimap<std::string, size_t> aliases;
    size_t size = 0;  // entries indexed; differs from the vector's size when it was changed
  };

 private:
  Index gpu_index_, model_index_, offer_index_;
};

}  // namespace gpuadv::catalog
