#include "gpuadv/catalog/catalog.h"

#include <algorithm>
#include <cctype>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/error.h"

namespace gpuadv::catalog {
namespace {

bool IEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

template <typename T>
const T* FindByIdOrAlias(const std::vector<T>& items, std::string_view name) {
  for (const auto& it : items)
    if (IEquals(it.id, name)) return &it;
  for (const auto& it : items)
    for (const auto& a : it.aliases)
      if (IEquals(a, name)) return &it;
  return nullptr;
}

template <typename T>
const T& FindOrThrow(const std::vector<T>& items, std::string_view name, std::string_view field,
                     const char* what) {
  if (const T* p = FindByIdOrAlias(items, name)) return *p;
  std::vector<std::string> names;
  for (const auto& it : items) {
    names.push_back(it.id);
    for (const auto& a : it.aliases) names.push_back(a);
  }
  std::string accepted =
      std::string("a catalog ") + what + " id (see `gpu-advisor " + what + "s list`)";
  std::string hint = DidYouMean(name, names);
  if (!hint.empty()) accepted += "; " + hint;
  throw InputError(std::string(field), std::string(name), accepted, std::string("unknown ") + what);
}

template <typename T>
void UpsertById(std::vector<T>& items, T item) {
  for (auto& it : items)
    if (it.id == item.id) {
      it = std::move(item);
      return;
    }
  items.push_back(std::move(item));
}

}  // namespace

const GpuSpec* Catalog::FindGpu(std::string_view id) const { return FindByIdOrAlias(gpus, id); }
const ModelArch* Catalog::FindModel(std::string_view id) const {
  return FindByIdOrAlias(models, id);
}
const GpuSpec& Catalog::Gpu(std::string_view id, std::string_view field) const {
  return FindOrThrow(gpus, id, field, "gpu");
}
const ModelArch& Catalog::Model(std::string_view id, std::string_view field) const {
  return FindOrThrow(models, id, field, "model");
}

std::vector<const Offer*> Catalog::OffersFor(std::string_view gpu_id) const {
  std::vector<const Offer*> out;
  for (const auto& o : offers)
    if (o.gpu == gpu_id) out.push_back(&o);
  std::stable_sort(out.begin(), out.end(), [](const Offer* a, const Offer* b) {
    return a->usd_per_gpu_hr < b->usd_per_gpu_hr;
  });
  return out;
}

const Offer* Catalog::CheapestOffer(std::string_view gpu_id, int gpus_per_node, int nodes) const {
  const Offer* best = nullptr;  // no allocation: called once per estimate
  for (const auto& o : offers)
    if (o.gpu == gpu_id && o.Serves(gpus_per_node, nodes) &&
        (!best || o.usd_per_gpu_hr < best->usd_per_gpu_hr))
      best = &o;
  return best;
}

void Catalog::Upsert(GpuSpec gpu) { UpsertById(gpus, std::move(gpu)); }
void Catalog::Upsert(ModelArch model) {
  PrepareDerived(model);
  UpsertById(models, std::move(model));
}
void Catalog::Upsert(Offer offer) { UpsertById(offers, std::move(offer)); }

}  // namespace gpuadv::catalog
