#include "gpuadv/io/catalog_loader.h"

#include <chrono>
#include <ctime>
#include <filesystem>

#include "gpuadv/core/embedded.h"
#include "gpuadv/core/strings.h"
#include "gpuadv/io/embedded_catalog.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/gpu_loader.h"
#include "gpuadv/io/model_loader.h"
#include "gpuadv/io/offer_csv.h"

namespace gpuadv::io {
namespace {

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool IsDataFile(std::string_view s) { return s.ends_with(".yaml"); }  // embedded as MessagePack

// Offers name a GPU of the catalog (an alias is replaced by its id, which is what
// OffersFor matches): an offer for an unknown GPU would never be shown.
void UpsertOffers(catalog::Catalog& cat, std::vector<catalog::Offer> offers,
                  const std::string& origin) {
  for (size_t i = 0; i < offers.size(); ++i) {
    auto& o = offers[i];
    const catalog::GpuSpec* g = cat.FindGpu(o.gpu);
    if (!g)
      throw InputError(
          origin + ": offers[" + std::to_string(i) + "].gpu", o.gpu,
          "a GPU id of the catalog (built-in or this file's gpus)" +
              [&] {
                std::vector<std::string> ids;
                for (auto& id : cat.GpuIds()) ids.push_back(std::move(id));
                const std::string hint = DidYouMean(o.gpu, ids);
                return hint.empty() ? std::string() : "; " + hint;
              }(),
          "unknown GPU");
    o.gpu = g->id;
    cat.Upsert(std::move(o));
  }
}

}  // namespace

catalog::Catalog DecodeBuiltinCatalog() {
  catalog::Catalog cat;
  std::vector<std::pair<std::string, std::vector<catalog::Offer>>> offers;
  for (const auto& f : EmbeddedFiles()) {
    if (!IsDataFile(f.path)) continue;
    const std::string origin = "data/" + std::string(f.path);
    if (StartsWith(f.path, "gpus/")) {
      for (auto& g : ParseGpuDocument(DecodeEmbedded(f.content), origin)) cat.Upsert(std::move(g));
    } else if (StartsWith(f.path, "models/")) {
      for (auto& m : ParseModelDocument(DecodeEmbedded(f.content), origin))
        cat.Upsert(std::move(m));
    } else if (StartsWith(f.path, "offers/")) {
      offers.emplace_back(origin, ParseOfferDocument(DecodeEmbedded(f.content), origin));
    }
  }
  for (auto& [origin, list] : offers) UpsertOffers(cat, std::move(list), origin);  // GPUs first
  return cat;
}

const catalog::Catalog& BuiltinCatalog() {
  static const catalog::Catalog cat(EmbeddedCatalogSource());
  return cat;
}

namespace {

// The UTC date (YYYY-MM-DD) the file was last written: when a downloaded catalog was
// collected (gpuhunt's catalog.zip keeps the CSV's time), for files without a date.
std::string FileDate(const std::string& path) {
  std::error_code ec;
  const auto t = std::filesystem::last_write_time(path, ec);
  if (ec) throw InputError("--catalog", path, "a readable file", "cannot read its date");
  const std::time_t secs = std::chrono::system_clock::to_time_t(std::chrono::file_clock::to_sys(t));
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[16];
  std::strftime(buf, sizeof buf, "%Y-%m-%d", &tm);
  return buf;
}

// Offers of a --catalog document without `as_of` dated `date` (an overriding price is
// as new as its file).
void DateUndatedOffers(Doc& doc, const std::string& date) {
  if (date.empty() || !doc.is_object() || !doc.contains("offers") || !doc["offers"].is_array())
    return;
  for (auto& o : doc["offers"])
    if (o.is_object() && !o.contains("as_of")) o["as_of"] = date;
}

}  // namespace

void CheckPricesDate(const std::string& date, const std::string& field) {
  if (date.size() != 10 || !IsDate(date))
    throw InputError(field, date, "a date YYYY-MM-DD, e.g. 2026-11-30");
}

std::vector<std::string> LoadCatalogFile(catalog::Catalog& cat, const std::string& path,
                                         const std::string& prices_date) {
  if (!prices_date.empty()) CheckPricesDate(prices_date, "--prices-date");
  const std::string text = ReadFileBounded(path, "--catalog");
  if (!Lower(path).ends_with(".csv")) {
    LoadCatalogText(cat, text, path, prices_date);
    return {};
  }
  const std::string date = prices_date.empty() ? FileDate(path) : prices_date;
  const std::string date_note = "prices dated " + date +
                                (prices_date.empty() ? " (the file's modification date; "
                                                       "--prices-date sets another)"
                                                     : " (--prices-date)");
  const std::string stem = std::filesystem::path(path).stem().string();
  OfferCsvImport in = ParseOfferCsv(text, path, stem, date, cat);
  const std::string summary = in.Summary(path, date_note);
  UpsertOffers(cat, std::move(in.offers), path);
  return {summary};
}

void LoadCatalogText(catalog::Catalog& cat, std::string_view text, const std::string& origin,
                     const std::string& default_as_of) {
  Doc doc = ParseDocument(text, origin);
  DateUndatedOffers(doc, default_as_of);
  Fields root(doc, "");
  if (const Doc& gpus = root.Raw("gpus"); !Absent(gpus)) {
    if (!gpus.is_array())
      throw InputError(origin + ": gpus", Printable(gpus), "a list of GPU entries",
                       "expected a list, got");
    // A GPU entry overrides the catalog's entry of its id (or alias), else adds one.
    for (size_t i = 0; i < gpus.size(); ++i) {
      Fields f(gpus[i], "gpus[" + std::to_string(i) + "]");
      catalog::GpuSpec g;
      if (f.Has("base")) {  // a new GPU given as its differences from a catalog GPU
        g = ParseGpuVariant(f, cat);
      } else {
        const auto id = f.String("id", 256);
        g = ParseGpu(f, id ? cat.FindGpu(*id) : nullptr);
      }
      f.Finish();
      cat.Upsert(std::move(g));
    }
  }
  if (!Absent(root.Raw("models")))
    for (auto& m : ParseModelDocument(doc, origin)) cat.Upsert(std::move(m));
  if (!Absent(root.Raw("offers"))) UpsertOffers(cat, ParseOfferDocument(doc, origin), origin);
  root.Finish({"gpus", "models", "offers"});
}

}  // namespace gpuadv::io
