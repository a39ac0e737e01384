#pragma once
#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/catalog/offer.h"

namespace gpuadv::catalog {

class Catalog;

/// Entries a Catalog reads on demand instead of holding them (io::BuiltinCatalog: the
/// embedded data, each entry decoded on its first lookup, so start-up does not grow with the
/// catalog). Lookups follow Catalog's rules (id, then the first entry with the alias).
/// Thread-safe; what it returns lives as long as the source.
class EntrySource {
 public:
  enum class Kind { kGpu, kModel };
  virtual ~EntrySource() = default;
  virtual const GpuSpec* FindGpu(std::string_view id_or_alias) const = 0;
  virtual const ModelArch* FindModel(std::string_view id_or_alias) const = 0;
  /// The offers for a GPU id, in catalog order.
  virtual std::vector<const Offer*> OffersOf(std::string_view gpu_id) const = 0;
  /// Every id and alias of a kind, in catalog order (for "did you mean").
  virtual std::vector<std::string> Names(Kind kind) const = 0;
  /// Every GPU id, in catalog order.
  virtual std::vector<std::string> GpuIds() const = 0;
  /// Every entry, decoded once (what a verb that lists or ranks the catalog reads).
  virtual const Catalog& All() const = 0;
};

/// The loaded catalogs: built-in data, then `--catalog FILE` overrides (loaded by io/).
/// Lookups accept ids and aliases, case-insensitively; unknown names throw InputError
/// with "did you mean".
/// Lookups and upserts go through hash indexes that Upsert keeps, so loading n entries
/// costs O(n) (a 70,000-GPU --catalog loads in about a second).
/// A catalog made on an EntrySource answers lookups from it and reads all its entries on the
/// first call that needs them all (Gpus(), Models(), Offers(), Upsert); thread-safe.
class Catalog {
 public:
  Catalog() = default;
  explicit Catalog(std::shared_ptr<const EntrySource> source) : source_(std::move(source)) {}
  Catalog(const Catalog& other);
  Catalog& operator=(const Catalog& other);

  /// Every entry, in catalog order (reads a source's entries all).
  const std::vector<GpuSpec>& Gpus() const;
  const std::vector<ModelArch>& Models() const;
  const std::vector<Offer>& Offers() const;
  /// Every GPU id, in catalog order (without reading a source's entries).
  std::vector<std::string> GpuIds() const;

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
  bool Lazy() const { return source_ && !loaded_.load(std::memory_order_acquire); }
  void LoadAll() const;  // a source's entries into the vectors, once
  std::vector<const Offer*> Candidates(std::string_view gpu_id) const;

  std::shared_ptr<const EntrySource> source_;  // null: the vectors hold everything
  mutable std::atomic<bool> loaded_{false};
  mutable std::mutex load_mutex_;
  mutable std::vector<GpuSpec> gpus_;
  mutable std::vector<ModelArch> models_;
  mutable std::vector<Offer> offers_;
  mutable Index gpu_index_, model_index_, offer_index_;
};

}  // namespace gpuadv::catalog
