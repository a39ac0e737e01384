// The built-in catalog read by entry (io/embedded_catalog.h, issue 16 item 6) answers every
// lookup as the catalog with every entry decoded does: ids and aliases in any case, offers
// per GPU in the same order, the same "did you mean" names; overrides still win.
#include "gpuadv/io/embedded_catalog.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "gpuadv/core/error.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/report/gpu_report.h"
#include "gpuadv/report/model_report.h"

namespace gpuadv {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// A by-entry catalog that has read nothing yet (as io::BuiltinCatalog starts).
catalog::Catalog Lazy() { return catalog::Catalog(io::EmbeddedCatalogSource()); }

TEST(EmbeddedCatalog, IdsAreUniqueSoEntryLookupsMatchTheDecodedCatalog) {
  const catalog::Catalog all = io::DecodeBuiltinCatalog();
  std::set<std::string> gpu_ids, model_ids, offer_ids;
  for (const auto& g : all.Gpus()) EXPECT_TRUE(gpu_ids.insert(g.id).second) << g.id;
  for (const auto& m : all.Models()) EXPECT_TRUE(model_ids.insert(m.id).second) << m.id;
  for (const auto& o : all.Offers()) EXPECT_TRUE(offer_ids.insert(o.id).second) << o.id;
}

TEST(EmbeddedCatalog, EveryGpuIdAndAliasFindsTheDecodedEntry) {
  const catalog::Catalog all = io::DecodeBuiltinCatalog();
  const catalog::Catalog lazy = Lazy();
  std::vector<std::string> ids;
  for (const auto& g : all.Gpus()) {
    ids.push_back(g.id);
    std::vector<std::string> names = g.aliases;
    names.push_back(g.id);
    for (const auto& n : names)
      for (const std::string& written : {n, Upper(n)}) {
        const auto* want = all.FindGpu(written);
        const auto* got = lazy.FindGpu(written);
        ASSERT_NE(got, nullptr) << written;
        EXPECT_EQ(report::GpuJson(*got), report::GpuJson(*want)) << written;
      }
    std::vector<std::string> want_offers, got_offers;
    for (const auto* o : all.OffersFor(g.id)) want_offers.push_back(o->id + " " + o->gpu);
    for (const auto* o : lazy.OffersFor(g.id)) got_offers.push_back(o->id + " " + o->gpu);
    EXPECT_EQ(got_offers, want_offers) << g.id;
    const auto* want = all.CheapestOffer(g.id, 1, 1);
    const auto* got = lazy.CheapestOffer(g.id, 1, 1);
    EXPECT_EQ(got ? got->id : "", want ? want->id : "") << g.id;
  }
  EXPECT_EQ(lazy.GpuIds(), ids);
  EXPECT_EQ(lazy.FindGpu("no-such-gpu"), nullptr);
}

TEST(EmbeddedCatalog, EveryModelIdAndAliasFindsTheDecodedEntry) {
  const catalog::Catalog all = io::DecodeBuiltinCatalog();
  const catalog::Catalog lazy = Lazy();
  for (const auto& m : all.Models()) {
    std::vector<std::string> names = m.aliases;
    names.push_back(m.id);
    for (const auto& n : names) {
      const auto* got = lazy.FindModel(Upper(n));
      ASSERT_NE(got, nullptr) << n;
      EXPECT_EQ(report::ModelJson(*got), report::ModelJson(*all.FindModel(n))) << n;
    }
  }
}

// The message of the InputError `f` throws.
template <class F>
std::string ErrorOf(F f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

TEST(EmbeddedCatalog, UnknownNamesGetTheSameDidYouMean) {
  const catalog::Catalog all = io::DecodeBuiltinCatalog();
  const catalog::Catalog lazy = Lazy();
  for (const char* name : {"h100-sxmm", "4090", "a1000", "zzz"}) {
    const std::string want = ErrorOf([&] { all.Gpu(name); });
    EXPECT_EQ(ErrorOf([&] { lazy.Gpu(name); }), want) << name;
  }
  for (const char* name : {"llama-3.1-8bx", "qwen3-9b", "zzz"}) {
    const std::string want = ErrorOf([&] { all.Model(name); });
    EXPECT_FALSE(want.empty());
    EXPECT_EQ(ErrorOf([&] { lazy.Model(name); }), want) << name;
  }
}

TEST(EmbeddedCatalog, ListingReadsEveryEntryAndAnOverrideWins) {
  const catalog::Catalog all = io::DecodeBuiltinCatalog();
  catalog::Catalog lazy = Lazy();
  ASSERT_NE(lazy.FindGpu("rtx-4090"), nullptr);  // read by entry
  EXPECT_EQ(lazy.Gpus().size(), all.Gpus().size());
  EXPECT_EQ(lazy.Models().size(), all.Models().size());
  EXPECT_EQ(lazy.Offers().size(), all.Offers().size());
  io::LoadCatalogText(lazy, "gpus:\n  - {id: rtx-4090, memory_gb: 48}\n", "o");
  EXPECT_EQ(lazy.Gpu("4090").memory_gb, 48);
  EXPECT_EQ(io::BuiltinCatalog().Gpu("rtx-4090").memory_gb, 24);
  catalog::Catalog fresh = Lazy();  // an override before anything was read
  io::LoadCatalogText(fresh, "gpus:\n  - {id: my-4090, base: rtx-4090, memory_gb: 96}\n", "o");
  EXPECT_EQ(fresh.Gpu("my-4090").memory_gb, 96);
  EXPECT_EQ(fresh.Gpus().size(), all.Gpus().size() + 1);
}

}  // namespace
}  // namespace gpuadv
