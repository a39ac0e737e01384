// GPU and offer parsing: overrides keep base fields, ranges reject typos with the field
// named, and the consistency checks catch contradictory entries.
#include "gpuadv/io/gpu_loader.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "gpuadv/catalog/gpu_checks.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/report/gpu_report.h"

namespace gpuadv {
namespace {

std::string WriteTemp(const std::string& name, const std::string& text) {
  const std::string path = testing::TempDir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

catalog::Catalog WithFile(const std::string& name, const std::string& text) {
  catalog::Catalog cat = io::BuiltinCatalog();
  io::LoadCatalogFile(cat, WriteTemp(name, text));
  return cat;
}

std::string ErrorOf(const std::string& name, const std::string& text) {
  try {
    WithFile(name, text);
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(GpuOverride, ChangesOnlyTheGivenFields) {
  const auto cat = WithFile("override.yaml",
                            "gpus:\n"
                            "  - id: rtx-4090\n"
                            "    street_price_usd: 1500\n"
                            "    street_price_date: \"2026-01\"\n");
  const auto& before = io::BuiltinCatalog().Gpu("rtx-4090");
  const auto& after = cat.Gpu("rtx-4090");
  EXPECT_DOUBLE_EQ(*after.street_price_usd, 1500);
  EXPECT_EQ(after.street_price_date, "2026-01");
  auto a = report::GpuJson(after), b = report::GpuJson(before);
  a.erase("street_price_usd");
  a.erase("street_price_date");
  b.erase("street_price_usd");
  b.erase("street_price_date");
  EXPECT_EQ(a, b);
  EXPECT_EQ(cat.Gpus().size(), io::BuiltinCatalog().Gpus().size());
}

TEST(GpuOverride, ExplicitNullResetsToUnknown) {
  const auto cat = WithFile("null.yaml", "gpus:\n  - {id: a10g, tdp_w: null, ecc: ~}\n");
  EXPECT_FALSE(cat.Gpu("a10g").tdp_w.has_value());
  EXPECT_FALSE(cat.Gpu("a10g").ecc.has_value());
  EXPECT_DOUBLE_EQ(cat.Gpu("a10g").memory_gb, 24);
}

TEST(GpuOverride, JsonFilesWorkToo) {
  const auto cat = WithFile("override.json", R"({"gpus": [{"id": "l4", "tdp_w": 75}]})");
  EXPECT_DOUBLE_EQ(*cat.Gpu("l4").tdp_w, 75);
}

TEST(GpuOverride, NewEntryNeedsItsIdentity) {
  const auto cat = WithFile("new.yaml",
                            "gpus:\n"
                            "  - {id: my-card, name: My Card, vendor: nvidia, segment: consumer,\n"
                            "     memory_gb: 12, verification: partial, sources: [me]}\n");
  const auto& g = cat.Gpu("my-card");
  EXPECT_DOUBLE_EQ(g.memory_gb, 12);
  EXPECT_FALSE(g.memory_bw_gbs.has_value());  // unknown stays unknown, nothing derived
  EXPECT_EQ(
      ErrorOf("noname.yaml", "gpus:\n  - {id: x1, vendor: amd, segment: consumer, memory_gb: 8}\n"),
      "gpus[0].name: required key 'missing'; accepted: the product name, e.g. GeForce RTX 4090");
}

TEST(GpuOverride, AnAliasOverridesTheEntryItNames) {
  const auto cat = WithFile("alias.yaml", "gpus:\n  - {id: \"4090\", tdp_w: 400}\n");
  EXPECT_DOUBLE_EQ(*cat.Gpu("rtx-4090").tdp_w, 400);
  EXPECT_EQ(cat.Gpus().size(), io::BuiltinCatalog().Gpus().size());
}

TEST(GpuOverride, ANewVariantKeepsFiguresButNotAliases) {
  const auto& base = io::BuiltinCatalog().Gpu("h100-sxm");
  const io::Doc doc = io::ParseDocument("id: h100-96gb\nmemory_gb: 96", "t");
  io::Fields f(doc, "hardware.gpu");
  const auto g = io::ParseGpu(f, &base);
  EXPECT_EQ(g.id, "h100-96gb");
  EXPECT_DOUBLE_EQ(g.memory_gb, 96);
  EXPECT_EQ(g.bf16_tensor_dense_tflops, base.bf16_tensor_dense_tflops);
  EXPECT_TRUE(g.aliases.empty());
}

TEST(GpuParse, NegativeMemoryNamesTheField) {
  EXPECT_EQ(ErrorOf("neg.yaml", "gpus:\n  - {id: rtx-4090, memory_gb: -24}\n"),
            "gpus[0].memory_gb: out of range '-24'; accepted: a number from 0.5 to 4096");
}

TEST(GpuParse, UnitSlipsAreOutOfRange) {
  // 24576 (MB for GB), 3.35 TB/s written as 3.35 is in range, but 1e6 GB/s is not.
  EXPECT_NE(
      ErrorOf("mb.yaml", "gpus:\n  - {id: rtx-4090, memory_gb: 24576}\n").find("out of range"),
      std::string::npos);
  EXPECT_NE(ErrorOf("tdp.yaml", "gpus:\n  - {id: rtx-4090, tdp_w: 450000}\n").find("gpus[0].tdp_w"),
            std::string::npos);
  EXPECT_NE(ErrorOf("tf.yaml", "gpus:\n  - {id: rtx-4090, bf16_tensor_dense_tflops: 1.65e14}\n")
                .find("gpus[0].bf16_tensor_dense_tflops: out of range"),
            std::string::npos);
}

TEST(GpuParse, UnknownKeySuggestsTheRealOne) {
  try {
    WithFile("typo.yaml", "gpus:\n  - {id: rtx-4090, memry_gb: 48}\n");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "gpus[0].memry_gb");
    EXPECT_NE(std::string(e.what()).find("did you mean 'memory_gb'"), std::string::npos)
        << e.what();
  }
}

TEST(GpuParse, WrongTypesAndNamesAreRejected) {
  EXPECT_EQ(ErrorOf("vendor.yaml", "gpus:\n  - {id: rtx-4090, vendor: nvida}\n"),
            "gpus[0].vendor: invalid value 'nvida'; accepted: nvidia | amd | intel (did you mean "
            "'nvidia'?)");
  EXPECT_NE(ErrorOf("bool.yaml", "gpus:\n  - {id: rtx-4090, ecc: maybe}\n").find("gpus[0].ecc"),
            std::string::npos);
  EXPECT_NE(ErrorOf("fw.yaml", "gpus:\n  - {id: rtx-4090, frameworks: [pytorch, caffe]}\n")
                .find("gpus[0].frameworks: invalid value 'caffe'"),
            std::string::npos);
  EXPECT_NE(ErrorOf("date.yaml", "gpus:\n  - {id: rtx-4090, street_price_date: June}\n")
                .find("gpus[0].street_price_date"),
            std::string::npos);
  EXPECT_NE(ErrorOf("id.yaml",
                    "gpus:\n  - {id: \"RTX 4090!\", name: x, vendor: amd, segment: "
                    "consumer, memory_gb: 8}\n")
                .find("gpus[0].id"),
            std::string::npos);
}

TEST(GpuParse, DocumentRejectsDuplicateIdsAndUnknownTopLevelKeys) {
  const char* dup =
      "gpus:\n"
      "  - {id: a, name: A, vendor: amd, segment: consumer, memory_gb: 8}\n"
      "  - {id: a, name: B, vendor: amd, segment: consumer, memory_gb: 8}\n";
  try {
    io::ParseGpuDocument(io::ParseDocument(dup, "d.yaml"), "d.yaml");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "d.yaml: gpus[1].id");
  }
  EXPECT_THROW(io::ParseGpuDocument(io::ParseDocument("gpu: []", "d.yaml"), "d.yaml"), InputError);
  EXPECT_THROW(io::ParseGpuDocument(io::ParseDocument("gpus: {a: 1}", "d.yaml"), "d.yaml"),
               InputError);
}

TEST(OfferParse, ReadsEveryFieldAndRequiresADate) {
  const auto cat =
      WithFile("offers.yaml",
               "offers:\n"
               "  - {id: my-h100, provider: Me, kind: gpu-cloud, gpu: h100-sxm,\n"
               "     gpus_per_instance: 8, interconnect: sxm-nvswitch,\n"
               "     usd_per_gpu_hr: 0.99, spot_usd_per_gpu_hr: 0.5, network_gbps: 400,\n"
               "     as_of: 2026-02-01, sources: [quote], verified: true}\n");
  EXPECT_EQ(cat.CheapestOffer("h100-sxm", 8, 1)->id, "my-h100");
  const auto& o = *cat.CheapestOffer("h100-sxm", 8, 4);
  EXPECT_EQ(o.gpus_per_instance, 8);
  EXPECT_DOUBLE_EQ(*o.network_gbps, 400);
  EXPECT_TRUE(o.verified);
  EXPECT_NE(
      ErrorOf("nodate.yaml",
              "offers:\n  - {id: x, provider: Me, kind: gpu-cloud, gpu: t4, usd_per_gpu_hr: 1}\n")
          .find("nodate.yaml: offers[0].as_of: required key 'missing'; accepted: the date of "
                "the price: YYYY, YYYY-MM or YYYY-MM-DD"),
      std::string::npos);
  EXPECT_NE(ErrorOf("kind.yaml",
                    "offers:\n  - {id: x, provider: Me, kind: cloud, gpu: t4, "
                    "usd_per_gpu_hr: 1, as_of: 2025}\n")
                .find("offers[0].kind: invalid value 'cloud'"),
            std::string::npos);
}

TEST(CheckGpu, FlagsContradictoryFigures) {
  catalog::GpuSpec g = io::BuiltinCatalog().Gpu("rtx-4090");
  ASSERT_TRUE(catalog::CheckGpu(g).empty());
  g.tf32_tensor_dense_tflops = 200;          // above bf16 165.2
  g.fp16_tensor_fp32acc_dense_tflops = 400;  // above fp16-acc 330.3
  g.memory_bw_gbs = 3350;                    // 384-bit GDDR6X cannot do 69.8 Gbit/s per pin
  g.bf16_support = false;
  g.slot_width = 2;
  g.form_factor = "SXM5 module";
  const auto p = catalog::CheckGpu(g);
  ASSERT_EQ(p.size(), 5u);
  EXPECT_EQ(p[0], "bf16_tensor_dense_tflops (165.2) is below tf32_tensor_dense_tflops (200)");
  EXPECT_EQ(
      p[1],
      "fp16_tensor_fp16acc_dense_tflops (330.3) is below fp16_tensor_fp32acc_dense_tflops (400)");
  EXPECT_EQ(p[2], "bf16_support is false but bf16_tensor_dense_tflops is given");
  EXPECT_EQ(p[3],
            "memory_bw_gbs (3350) over bus_width_bits (384) implies 69.7917 Gbit/s per pin, "
            "outside GDDR6X 19-24 Gbit/s");
  EXPECT_EQ(p[4], "slot_width (2) is given for a non-PCIe form factor 'SXM5 module'");
}

TEST(CheckGpu, SkipsRelationsWithUnknownInputs) {
  catalog::GpuSpec g;
  g.id = "x";
  g.name = "X";
  g.vendor = "amd";
  g.segment = "consumer";
  g.verification = "partial";
  g.sources = {"me"};
  g.memory_gb = 8;
  g.memory_type = "GDDR6";
  g.memory_bw_gbs = 500;  // bus width unknown: no bandwidth check
  EXPECT_TRUE(catalog::CheckGpu(g).empty());
  g.vendor = "apple";
  EXPECT_EQ(catalog::CheckGpu(g),
            std::vector<std::string>{"vendor 'apple' is not one of nvidia | amd | intel"});
}

TEST(FilterGpus, ByVendorSegmentAndMemory) {
  const auto& cat = io::BuiltinCatalog();
  EXPECT_EQ(catalog::FilterGpus(cat).size(), cat.Gpus().size());
  // The vendors partition the catalog; names match case-insensitively.
  size_t by_vendor = 0;
  for (const char* vendor : {"nvidia", "AMD", "Intel"}) {
    const auto some = catalog::FilterGpus(cat, vendor);
    EXPECT_FALSE(some.empty()) << vendor;
    by_vendor += some.size();
  }
  EXPECT_EQ(by_vendor, cat.Gpus().size());
  EXPECT_GE(catalog::FilterGpus(cat, "amd").size(), 9u);    // 7 + MI350X, MI355X
  EXPECT_GE(catalog::FilterGpus(cat, "Intel").size(), 6u);  // 3 + B580, Pro B60, Gaudi 3 PCIe
  for (const auto* g : catalog::FilterGpus(cat, "nvidia", "datacenter", 80)) {
    EXPECT_EQ(g->vendor, "nvidia");
    EXPECT_EQ(g->segment, "datacenter");
    EXPECT_GE(g->memory_gb, 80);
  }
  // At least 100 GB: exactly the entries with that much memory, in catalog order.
  const auto big = catalog::FilterGpus(cat, "", "", 100);
  size_t next = 0;
  for (const auto& g : cat.Gpus())
    if (g.memory_gb >= 100) {
      ASSERT_LT(next, big.size());
      EXPECT_EQ(big[next++], &g);
    }
  EXPECT_EQ(next, big.size());
  EXPECT_GE(big.size(),
            13u);  // 7 before issue 16 + B300, GB300, GB10, MI350X, MI355X, Gaudi 3 PCIe
  try {
    catalog::FilterGpus(cat, "nvdia");
    FAIL();
  } catch (const InputError& e) {
    EXPECT_STREQ(
        e.what(),
        "vendor: invalid value 'nvdia'; accepted: nvidia | amd | intel (did you mean 'nvidia'?)");
  }
}

}  // namespace
}  // namespace gpuadv

namespace gpuadv {
namespace {

// Issue 16 item 5: a --catalog GPU given as `base: ID` and the fields that differ.
TEST(CatalogInheritance, ABaseGivesEveryFieldNotRepeated) {
  for (const char* text :
       {"gpus:\n  - {id: h100-96gb-test, base: h100-sxm, memory_gb: 96}\n",
        R"({"gpus": [{"id": "h100-96gb-test", "base": "H100-SXM", "memory_gb": 96}]})"}) {
    catalog::Catalog cat = io::BuiltinCatalog();
    io::LoadCatalogText(cat, text, "extra");
    const catalog::GpuSpec& base = cat.Gpu("h100-sxm");
    const catalog::GpuSpec& g = cat.Gpu("h100-96gb-test");
    EXPECT_DOUBLE_EQ(g.memory_gb, 96);
    EXPECT_EQ(g.vendor, base.vendor);
    EXPECT_EQ(g.architecture, base.architecture);
    EXPECT_EQ(g.bf16_tensor_dense_tflops, base.bf16_tensor_dense_tflops);
    EXPECT_EQ(g.memory_bw_gbs, base.memory_bw_gbs);
    EXPECT_EQ(g.tdp_w, base.tdp_w);
    EXPECT_DOUBLE_EQ(base.memory_gb, 80);  // the base itself is unchanged
  }
}

TEST(CatalogInheritance, AnUnknownBaseOrAnotherGpusIdIsRejected) {
  const auto error = [](const std::string& text) {
    catalog::Catalog cat = io::BuiltinCatalog();
    try {
      io::LoadCatalogText(cat, text, "extra.yaml");
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string();
  };
  EXPECT_NE(error("gpus: [{id: x1, base: h100-sxn}]").find("gpus[0].base"), std::string::npos);
  EXPECT_NE(error("gpus: [{id: a100-80gb-sxm, base: h100-sxm}]").find("gpus[0].id"),
            std::string::npos);
  EXPECT_NE(error("gpus: [{id: x1, base: h100-sxm, memory_gb: -1}]").find("gpus[0].memory_gb"),
            std::string::npos);
  // Without a base a new GPU still gives every required field.
  EXPECT_NE(error("gpus: [{id: x1, memory_gb: 96}]"), "");
}

}  // namespace
}  // namespace gpuadv
