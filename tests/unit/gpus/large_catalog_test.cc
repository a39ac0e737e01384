// A --catalog of tens of thousands of GPUs (issue 17 item 8) loads completely and every
// entry is found by id and alias; the speed claim itself is bench/catalog_bench.
#include <gtest/gtest.h>

#include <string>

#include "bench/synthetic_catalog.h"
#include "gpuadv/io/catalog_loader.h"

namespace gpuadv {
namespace {

TEST(LargeCatalog, EveryEntryLoadsAndIsFoundByIdAndAlias) {
  constexpr int kGpus = 20000;
  for (const bool json : {true, false}) {
    catalog::Catalog cat = io::BuiltinCatalog();
    const size_t builtin = cat.Gpus().size();
    io::LoadCatalogText(cat, bench::SyntheticCatalog(kGpus, json), "large");
    ASSERT_EQ(cat.Gpus().size(), builtin + kGpus);
    for (int i : {0, 1, 12345, kGpus - 1}) {
      const auto* by_id = cat.FindGpu("syn-" + std::to_string(i));
      ASSERT_NE(by_id, nullptr) << i;
      EXPECT_EQ(cat.FindGpu("S" + std::to_string(i)), by_id) << "alias, any case";
    }
    EXPECT_EQ(cat.FindGpu("syn-" + std::to_string(kGpus)), nullptr);
    EXPECT_EQ(cat.Gpu("4090").id, "rtx-4090");  // built-in entries keep their aliases
  }
}

TEST(LargeCatalog, OverrideReplacesInPlaceAndKeepsLookupsCurrent) {
  catalog::Catalog cat = io::BuiltinCatalog();
  const size_t n = cat.Gpus().size();
  io::LoadCatalogText(cat, "gpus:\n  - {id: rtx-4090, memory_gb: 48, aliases: [big4090]}\n", "o");
  EXPECT_EQ(cat.Gpus().size(), n);
  EXPECT_EQ(cat.Gpu("big4090").memory_gb, 48);
  EXPECT_EQ(cat.FindGpu("rtx4090"), nullptr);  // the replaced aliases no longer answer
  EXPECT_EQ(cat.Gpu("RTX-4090").memory_gb, 48);
}

}  // namespace
}  // namespace gpuadv
