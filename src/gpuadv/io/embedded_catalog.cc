#include "gpuadv/io/embedded_catalog.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <mutex>
#include <optional>
#include <unordered_map>

#include "gpuadv/catalog/param_count.h"
#include "gpuadv/core/embedded.h"
#include "gpuadv/core/error.h"
#include "gpuadv/core/strings.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/gpu_loader.h"
#include "gpuadv/io/model_loader.h"

namespace gpuadv::io {
namespace {

constexpr std::string_view kIndexSuffix = ".idx";  // cmake/embed_files.cmake
constexpr size_t kRowsHint = 1024;                 // rows reserved: today's catalog, ~700

// One catalog entry: where its MessagePack lies.
struct Entry {
  std::string_view path;   // "gpus/nvidia.yaml"
  std::string_view list;   // "gpus" | "models" | "offers"
  size_t index = 0;        // position in the file's list
  std::string_view bytes;  // its MessagePack
  std::string_view id;
};

// One index line: a name that finds an entry.
struct Row {
  std::string_view list;
  std::string_view role;  // "id" | "alias" | "gpu"
  std::string_view key;
  size_t entry = 0;  // position in Source::entries_
};

size_t Number(std::string_view s) {
  size_t v = 0;
  std::from_chars(s.data(), s.data() + s.size(), v);
  return v;
}

// The tab-separated fields of an index line; nullopt when it has another count.
std::optional<std::array<std::string_view, 6>> Split(std::string_view line) {
  std::array<std::string_view, 6> out;
  for (size_t i = 0; i < out.size(); ++i) {
    const size_t tab = i + 1 < out.size() ? line.find('\t') : line.size();
    if (tab == std::string_view::npos) return std::nullopt;
    out[i] = line.substr(0, tab);
    line.remove_prefix(std::min(line.size(), tab + 1));
  }
  return out;
}

// A file of the catalog (the other indexed file, stacks.yaml, is read by FindEmbeddedEntry).
bool IsCatalogFile(std::string_view path) {
  return path.starts_with("gpus/") || path.starts_with("models/") || path.starts_with("offers/");
}

template <class T>
using Decoded = std::unordered_map<size_t, std::unique_ptr<T>>;  // by entry position

class Source final : public catalog::EntrySource {
 public:
  Source() {
    rows_.reserve(kRowsHint);
    for (const auto& f : EmbeddedFiles())
      if (f.path.ends_with(kIndexSuffix) && IsCatalogFile(f.path))
        ReadIndex(f.path.substr(0, f.path.size() - kIndexSuffix.size()), f.content);
  }

  const catalog::GpuSpec* FindGpu(std::string_view name) const override {
    const auto at = Find("gpus", name);
    return at ? &Get(*at, gpus_, ParseGpuEntry) : nullptr;
  }

  const catalog::ModelArch* FindModel(std::string_view name) const override {
    const auto at = Find("models", name);
    return at ? &Get(*at, models_, ParseModel) : nullptr;
  }

  std::vector<const catalog::Offer*> OffersOf(std::string_view gpu_id) const override {
    std::vector<const catalog::Offer*> out;
    const auto id = Find("gpus", gpu_id);
    if (!id) return out;
    std::vector<std::string_view> names;  // an offer names its GPU by one of these
    for (const Row& r : rows_)
      if (r.entry == *id) names.push_back(r.key);
    for (const Row& r : rows_) {
      if (r.list != "offers" || r.role != "gpu" ||
          std::none_of(names.begin(), names.end(), [&](auto n) { return IEquals(n, r.key); }))
        continue;
      const auto gpu = Find("gpus", r.key);  // an alias may name another GPU first
      if (gpu && entries_[*gpu].id == gpu_id)
        out.push_back(&Get(r.entry, offers_, [this](const Doc& d, const std::string& field) {
          return ParseOffer(d, field);
        }));
    }
    return out;
  }

  std::vector<std::string> Names(Kind kind) const override {
    const std::string_view list = kind == Kind::kGpu ? "gpus" : "models";
    std::vector<std::string> out;
    for (const Row& r : rows_)
      if (r.list == list && r.role != "gpu") out.emplace_back(r.key);
    return out;
  }

  std::vector<std::string> GpuIds() const override {
    std::vector<std::string> out;
    for (const Row& r : rows_)
      if (r.list == "gpus" && r.role == "id") out.emplace_back(r.key);
    return out;
  }

  const catalog::Catalog& All() const override {
    std::call_once(all_once_, [this] { all_.emplace(DecodeBuiltinCatalog()); });
    return *all_;
  }

 private:
  // The index lines of one embedded catalog file (`path` relative to data/).
  void ReadIndex(std::string_view path, std::string_view index) {
    const std::string_view content = FindEmbedded(path).value_or(std::string_view());
    const size_t first = entries_.size();
    while (!index.empty()) {
      const size_t nl = std::min(index.find('\n'), index.size());
      const auto f = Split(index.substr(0, nl));
      index.remove_prefix(std::min(index.size(), nl + 1));
      if (!f) continue;
      const auto [list, role, pos, begin, end, key] = *f;
      const size_t i = Number(pos);
      if (entries_.size() == first || entries_.back().index != i || entries_.back().list != list) {
        const size_t b = Number(begin);
        entries_.push_back(
            {path, list, i, content.substr(std::min(b, content.size()), Number(end) - b), {}});
      }
      if (role == "id") entries_.back().id = key;
      rows_.push_back({list, role, key, entries_.size() - 1});
    }
  }

  // The entry an id (else the first entry an alias) of `list` names, case-insensitively.
  std::optional<size_t> Find(std::string_view list, std::string_view name) const {
    for (std::string_view role : {"id", "alias"})
      for (const Row& r : rows_)
        if (r.list == list && r.role == role && IEquals(r.key, name)) return r.entry;
    return std::nullopt;
  }

  // Entry `at` decoded by parse(doc, field) on its first use.
  template <class T, class Parse>
  const T& Get(size_t at, Decoded<T>& cache, Parse parse) const {
    std::lock_guard lock(mutex_);
    auto& slot = cache[at];
    if (!slot) {
      const Entry& e = entries_[at];
      slot = std::make_unique<T>(
          parse(DecodeEmbedded(e.bytes),
                CatalogEntryField("data/" + std::string(e.path), e.list, e.index)));
    }
    return *slot;
  }

  static catalog::ModelArch ParseModel(const Doc& d, const std::string& field) {
    catalog::ModelArch m = ParseModelEntry(d, field);
    catalog::PrepareDerived(m);  // as Catalog::Upsert does
    return m;
  }

  // An offer names its GPU by id (OffersFor matches ids), as io::LoadCatalogFile makes it.
  catalog::Offer ParseOffer(const Doc& d, const std::string& field) const {
    catalog::Offer o = ParseOfferEntry(d, field);
    const auto gpu = Find("gpus", o.gpu);
    if (!gpu) throw InputError(field + ".gpu", o.gpu, "a GPU id of the catalog", "unknown GPU");
    o.gpu = std::string(entries_[*gpu].id);
    return o;
  }

  std::vector<Entry> entries_;
  std::vector<Row> rows_;
  mutable std::mutex mutex_;
  mutable Decoded<catalog::GpuSpec> gpus_;
  mutable Decoded<catalog::ModelArch> models_;
  mutable Decoded<catalog::Offer> offers_;
  mutable std::once_flag all_once_;
  mutable std::optional<catalog::Catalog> all_;
};

}  // namespace

std::optional<EmbeddedEntry> FindEmbeddedEntry(std::string_view path, std::string_view id) {
  const auto content = FindEmbedded(path);
  auto index = FindEmbedded(std::string(path) + std::string(kIndexSuffix));
  if (!content || !index) return std::nullopt;
  while (!index->empty()) {
    const size_t nl = std::min(index->find('\n'), index->size());
    const auto f = Split(index->substr(0, nl));
    index->remove_prefix(std::min(index->size(), nl + 1));
    if (!f || (*f)[1] != "id" || !IEquals((*f)[5], id)) continue;
    const size_t b = std::min(Number((*f)[3]), content->size());
    return EmbeddedEntry{content->substr(b, Number((*f)[4]) - b), Number((*f)[2])};
  }
  return std::nullopt;
}

std::shared_ptr<const catalog::EntrySource> EmbeddedCatalogSource() {
  static const auto source = std::make_shared<const Source>();
  return source;
}

}  // namespace gpuadv::io
