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
std::vector<std::string> NamesOf(const std::vector<T>& items) {
  std::vector<std::string> names;
  for (const auto& it : items) {
    names.push_back(it.id);
    for (const auto& a : it.aliases) names.push_back(a);
  }
  return names;
}

[[noreturn]] void ThrowUnknown(const std::vector<std::string>& names, std::string_view name,
                               std::string_view field, const char* what) {
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

Catalog::Catalog(const Catalog& other) { *this = other; }

Catalog& Catalog::operator=(const Catalog& other) {
  if (this == &other) return *this;
  std::scoped_lock lock(load_mutex_, other.load_mutex_);
  source_ = other.source_;
  loaded_.store(other.loaded_.load());
  gpus_ = other.gpus_;
  models_ = other.models_;
  offers_ = other.offers_;
  gpu_index_ = other.gpu_index_;
  model_index_ = other.model_index_;
  offer_index_ = other.offer_index_;
  return *this;
}

void Catalog::LoadAll() const {
  if (!Lazy()) return;
  std::lock_guard lock(load_mutex_);
  if (loaded_.load()) return;
  const Catalog& all = source_->All();
  gpus_ = all.Gpus();
  models_ = all.Models();
  offers_ = all.Offers();
  gpu_index_ = all.gpu_index_;
  model_index_ = all.model_index_;
  offer_index_ = all.offer_index_;
  loaded_.store(true, std::memory_order_release);
}

const std::vector<GpuSpec>& Catalog::Gpus() const {
  LoadAll();
  return gpus_;
}
const std::vector<ModelArch>& Catalog::Models() const {
  LoadAll();
  return models_;
}
const std::vector<Offer>& Catalog::Offers() const {
  LoadAll();
  return offers_;
}

std::vector<std::string> Catalog::GpuIds() const {
  if (Lazy()) return source_->GpuIds();
  std::vector<std::string> ids;
  for (const auto& g : gpus_) ids.push_back(g.id);
  return ids;
}

const GpuSpec* Catalog::FindGpu(std::string_view id) const {
  if (Lazy()) return source_->FindGpu(id);
  return FindByIdOrAlias(gpus_, gpu_index_, id);
}
const ModelArch* Catalog::FindModel(std::string_view id) const {
  if (Lazy()) return source_->FindModel(id);
  return FindByIdOrAlias(models_, model_index_, id);
}
const GpuSpec& Catalog::Gpu(std::string_view id, std::string_view field) const {
  if (const GpuSpec* g = FindGpu(id)) return *g;
  ThrowUnknown(Lazy() ? source_->Names(EntrySource::Kind::kGpu) : NamesOf(gpus_), id, field, "gpu");
}
const ModelArch& Catalog::Model(std::string_view id, std::string_view field) const {
  if (const ModelArch* m = FindModel(id)) return *m;
  ThrowUnknown(Lazy() ? source_->Names(EntrySource::Kind::kModel) : NamesOf(models_), id, field,
               "model");
}

// The offers for a GPU id, in catalog order.
std::vector<const Offer*> Catalog::Candidates(std::string_view gpu_id) const {
  if (Lazy()) return source_->OffersOf(gpu_id);
  std::vector<const Offer*> out;
  for (const auto& o : offers_)
    if (o.gpu == gpu_id) out.push_back(&o);
  return out;
}

std::vector<const Offer*> Catalog::OffersFor(std::string_view gpu_id) const {
  std::vector<const Offer*> out = Candidates(gpu_id);
  std::stable_sort(out.begin(), out.end(), [](const Offer* a, const Offer* b) {
    return a->usd_per_gpu_hr < b->usd_per_gpu_hr;
  });
  return out;
}

const Offer* Catalog::CheapestOffer(std::string_view gpu_id, int gpus_per_node, int nodes) const {
  const Offer* best = nullptr;
  for (const Offer* o : Candidates(gpu_id))
    if (o->Serves(gpus_per_node, nodes) && (!best || o->usd_per_gpu_hr < best->usd_per_gpu_hr))
      best = o;
  return best;
}

void Catalog::Upsert(GpuSpec gpu) {
  LoadAll();
  UpsertById(gpus_, gpu_index_, std::move(gpu));
}
void Catalog::Upsert(ModelArch model) {
  LoadAll();
  PrepareDerived(model);
  UpsertById(models_, model_index_, std::move(model));
}
void Catalog::Upsert(Offer offer) {
  LoadAll();
  UpsertById(offers_, offer_index_, std::move(offer));
}

}  // namespace gpuadv::catalog
