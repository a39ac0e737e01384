#include "gpuadv/catalog/catalog.h"

#include <algorithm>
#include <cctype>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/error.h"
#include "gpuadv/core/strings.h"

namespace gpuadv::catalog {
namespace {

template <typename T>
const std::vector<std::string>* AliasesOf(const T& item) {
  if constexpr (requires { item.aliases; }) {
    return &item.aliases;
  } else {
    return nullptr;
  }
}

template <typename T>
bool HasAlias(const T& item, std::string_view name) {
  const auto* aliases = AliasesOf(item);
  if (!aliases) return false;
  for (const auto& a : *aliases)
    if (IEquals(a, name)) return true;
  return false;
}

// The first entry whose id matches `name` (case-insensitively), else the first whose
// alias does: by the index when it is current, else by a scan.
template <typename T>
const T* FindByIdOrAlias(const std::vector<T>& items, const Catalog::Index& index,
                         std::string_view name) {
  if (index.size != items.size()) {
    for (const auto& it : items)
      if (IEquals(it.id, name)) return &it;
    for (const auto& it : items)
      if (HasAlias(it, name)) return &it;
    return nullptr;
  }
  const std::string low = Lower(name);
  if (auto it = index.ids.find(low); it != index.ids.end() && IEquals(items[it->second].id, name))
    return &items[it->second];
  const T* best = nullptr;
  for (auto [a, b] = index.aliases.equal_range(low); a != b; ++a)
    if (a->second < items.size() && HasAlias(items[a->second], name) &&
        (!best || &items[a->second] < best))
      best = &items[a->second];
  return best;
}

template <typename T>
[[noreturn]] void ThrowUnknown(const std::vector<T>& items, std::string_view name,
                               std::string_view field, const char* what) {
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
void UpsertById(std::vector<T>& items, Catalog::Index& index, T item) {
  if (index.size != items.size()) {  // the vector was changed directly: re-index it
    index = {};
    for (size_t i = 0; i < items.size(); ++i) {
      index.exact.emplace(items[i].id, i);
      index.ids.emplace(Lower(items[i].id), i);
      if (const auto* aliases = AliasesOf(items[i]))
        for (const auto& a : *aliases) index.aliases.emplace(Lower(a), i);
    }
    index.size = items.size();
  }
  size_t pos = items.size();
  if (auto it = index.exact.find(item.id); it != index.exact.end()) {
    pos = it->second;
  } else {
    index.exact.emplace(item.id, pos);
    index.ids.emplace(Lower(item.id), pos);  // keeps the first of ids equal but for case
  }
  if (const auto* aliases = AliasesOf(item))
    for (const auto& a : *aliases) index.aliases.emplace(Lower(a), pos);
  if (pos == items.size()) {
    items.push_back(std::move(item));
    index.size = items.size();
  } else {
    items[pos] = std::move(item);
  }
}

}  // namespace

const GpuSpec* Catalog::FindGpu(std::string_view id) const {
  return FindByIdOrAlias(gpus, gpu_index_, id);
}
const ModelArch* Catalog::FindModel(std::string_view id) const {
  return FindByIdOrAlias(models, model_index_, id);
}
const GpuSpec& Catalog::Gpu(std::string_view id, std::string_view field) const {
  if (const GpuSpec* g = FindGpu(id)) return *g;
  ThrowUnknown(gpus, id, field, "gpu");
}
const ModelArch& Catalog::Model(std::string_view id, std::string_view field) const {
  if (const ModelArch* m = FindModel(id)) return *m;
  ThrowUnknown(models, id, field, "model");
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

void Catalog::Upsert(GpuSpec gpu) { UpsertById(gpus, gpu_index_, std::move(gpu)); }
void Catalog::Upsert(ModelArch model) {
  PrepareDerived(model);
  UpsertById(models, model_index_, std::move(model));
}
void Catalog::Upsert(Offer offer) { UpsertById(offers, offer_index_, std::move(offer)); }

}  // namespace gpuadv::catalog
