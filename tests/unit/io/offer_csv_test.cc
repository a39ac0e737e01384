// Issue 16 item 4: offers from a gpuhunt-format CSV (io/offer_csv.h).
#include "gpuadv/io/offer_csv.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "gpuadv/core/error.h"
#include "gpuadv/io/catalog_loader.h"

namespace gpuadv::io {
namespace {

const std::string kHeader =
    "instance_name,location,price,cpu,memory,gpu_count,gpu_name,gpu_memory,spot,disk_size,"
    "gpu_vendor,flags,cpu_arch,provider_data\n";

std::string Fixture() {
  std::ifstream f(std::string(GPUADV_SOURCE_DIR) + "/tests/data/gpuhunt/offers.csv");
  std::stringstream s;
  s << f.rdbuf();
  return s.str();
}

const catalog::Offer* Find(const OfferCsvImport& in, const std::string& id) {
  for (const auto& o : in.offers)
    if (o.id == id) return &o;
  return nullptr;
}

std::string ErrorOf(const std::string& text) {
  try {
    ParseOfferCsv(text, "x.csv", "runpod", "2026-11-20", BuiltinCatalog());
  } catch (const InputError& e) {
    return e.what();
  }
  return "no error";
}

TEST(OfferCsv, FixtureCountsMappedAndUnmappedRows) {
  const auto in = ParseOfferCsv(Fixture(), "offers.csv", "x", "2026-11-20", BuiltinCatalog());
  EXPECT_EQ(in.rows, 10);
  EXPECT_EQ(in.mapped_rows, 7);
  EXPECT_EQ(in.no_gpu_rows, 1);
  EXPECT_EQ(in.spot_only_rows, 1);  // the L4 row: spot only
  ASSERT_EQ(in.unmapped.size(), 2u);
  EXPECT_EQ(in.unmapped.at("RTX3000Ada (8 GB)"), 1);
  EXPECT_EQ(in.unmapped.at("v5litepod (16 GB)"), 1);
  EXPECT_EQ(in.offers.size(), 4u);
  const std::string s = in.Summary("offers.csv", "prices dated 2026-11-20");
  EXPECT_NE(s.find("7 mapped to 4 offer(s), 2 unmapped (RTX3000Ada (8 GB) x1"), std::string::npos)
      << s;
}

TEST(OfferCsv, MapsNamesThroughAliasesAndMemory) {
  const auto in = ParseOfferCsv(Fixture(), "offers.csv", "x", "2026-11-20", BuiltinCatalog());
  const auto* h100 = Find(in, "lambdalabs-gpu-1x-h100-sxm5");
  ASSERT_NE(h100, nullptr);
  EXPECT_EQ(h100->gpu, "h100-sxm");              // alias "h100"
  EXPECT_DOUBLE_EQ(h100->usd_per_gpu_hr, 3.19);  // the cheaper of two locations
  EXPECT_EQ(h100->as_of, "2026-11-20");
  const auto* a100 = Find(in, "runpod-a100-sxm-80gb");
  ASSERT_NE(a100, nullptr);
  EXPECT_EQ(a100->gpu, "a100-80gb-sxm");  // "A100" + 80 GB -> alias a100-80gb
  EXPECT_DOUBLE_EQ(a100->usd_per_gpu_hr, 1.89);
  ASSERT_TRUE(a100->spot_usd_per_gpu_hr);
  EXPECT_DOUBLE_EQ(*a100->spot_usd_per_gpu_hr, 1.19);
  const auto* b200 = Find(in, "lambdalabs-gpu-8x-b200-sxm6");
  ASSERT_NE(b200, nullptr);
  EXPECT_EQ(b200->gpus_per_instance, 8);
  EXPECT_DOUBLE_EQ(b200->usd_per_gpu_hr, 31.92 / 8);  // per instance-hour -> per GPU-hour
  EXPECT_EQ(Find(in, "gcp-g2-standard-4"), nullptr);  // spot only
}

TEST(OfferCsv, MemoryMismatchIsUnmappedAndProviderComesFromTheFileName) {
  const auto in = ParseOfferCsv(kHeader +
                                    "A100 40GB,x,1.10,8,60,1,A100,40,False,,nvidia,,x86,{}\n"
                                    "odd,x,1.00,8,60,1,A100,24,False,,nvidia,,x86,{}\n"
                                    "blank,x,1.00,8,60,1,A100,,False,,nvidia,,x86,{}\n",
                                "runpod.csv", "runpod", "2026-11-20", BuiltinCatalog());
  ASSERT_EQ(in.offers.size(), 1u);
  EXPECT_EQ(in.offers[0].gpu, "a100-40gb-sxm");
  EXPECT_EQ(in.offers[0].id, "runpod-a100-40gb");
  EXPECT_EQ(in.offers[0].provider, "runpod");
  EXPECT_EQ(in.unmapped.at("A100 (24 GB)"), 1);
  EXPECT_EQ(in.unmapped.at("A100 (? GB)"), 1);  // no memory: 40 or 80 GB, not guessed
}

TEST(OfferCsv, MalformedCsvNamesLineAndColumn) {
  EXPECT_NE(ErrorOf(kHeader + "a,x,cheap,8,60,1,A100,80,False,,nvidia,,x86,{}\n")
                .find("x.csv: line 2, column price"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kHeader + "a,x,1.0,8,60,1,A100,80,maybe,,nvidia,,x86,{}\n")
                .find("x.csv: line 2, column spot"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kHeader + "a,x,1.0,8,60,1.5,A100,80,False,,nvidia,,x86,{}\n")
                .find("x.csv: line 2, column gpu_count"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kHeader + "a,x,1.0\n").find("x.csv: line 2: malformed CSV row"),
            std::string::npos);
  EXPECT_NE(ErrorOf(kHeader + "a,x,1.0,8,60,1,A100,80,False,,nvidia,,x86,\"{\n")
                .find("x.csv: line 2: malformed CSV: unterminated quote"),
            std::string::npos);
  EXPECT_NE(ErrorOf("instance_name,price\n").find("x.csv: line 1, column gpu_count"),
            std::string::npos);
  EXPECT_NE(ErrorOf("").find("x.csv: line 1: empty file"), std::string::npos);
}

TEST(OfferCsv, PricesDateDatesUndatedYamlOffers) {
  const std::string path = testing::TempDir() + "/undated_offer.yaml";
  std::ofstream(path) << "offers:\n  - {id: my-t4, provider: Me, kind: gpu-cloud, gpu: t4, "
                         "usd_per_gpu_hr: 0.2}\n";
  catalog::Catalog cat = BuiltinCatalog();
  EXPECT_TRUE(LoadCatalogFile(cat, path, "2026-11-20").empty());
  ASSERT_NE(cat.CheapestOffer("t4", 1, 1), nullptr);
  EXPECT_EQ(cat.CheapestOffer("t4", 1, 1)->as_of, "2026-11-20");
}

TEST(OfferCsv, PricesDateIsChecked) {
  EXPECT_THROW(CheckPricesDate("2026-13-01", "--prices-date"), InputError);
  EXPECT_THROW(CheckPricesDate("2026", "--prices-date"), InputError);
  EXPECT_NO_THROW(CheckPricesDate("2026-11-20", "--prices-date"));
}

}  // namespace
}  // namespace gpuadv::io
