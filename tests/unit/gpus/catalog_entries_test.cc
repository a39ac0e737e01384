// Every built-in GPU and offer loads and is self-consistent (STYLE.md principle 8; the
// ramulator2 smoke test over every preset), and the catalog matches the reference table.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "gpuadv/catalog/gpu_checks.h"
#include "gpuadv/io/catalog_loader.h"

namespace gpuadv {
namespace {

// The 62 ids of shared/reference/gpus.csv (the catalog keeps them); the accelerators of
// 2025-2026 are the rows of tests/unit/gpus/reference_2026.csv (issue 16 item 3).
const std::vector<std::string> kReferenceIds = {"rtx-2060",
                                                "rtx-2070",
                                                "rtx-2080ti",
                                                "rtx-3060-12gb",
                                                "rtx-3060ti",
                                                "rtx-3070",
                                                "rtx-3080-10gb",
                                                "rtx-3080ti",
                                                "rtx-3090",
                                                "rtx-3090ti",
                                                "rtx-4060",
                                                "rtx-4060ti-16gb",
                                                "rtx-4070",
                                                "rtx-4070super",
                                                "rtx-4070tisuper",
                                                "rtx-4080super",
                                                "rtx-4090",
                                                "rtx-5060ti-16gb",
                                                "rtx-5070",
                                                "rtx-5070ti",
                                                "rtx-5080",
                                                "rtx-5090",
                                                "rtx-a4000",
                                                "rtx-a5000",
                                                "rtx-a6000",
                                                "rtx-4000-ada",
                                                "rtx-5000-ada",
                                                "rtx-6000-ada",
                                                "rtx-pro-6000-bw",
                                                "t4",
                                                "v100-sxm2-16gb",
                                                "v100-sxm2-32gb",
                                                "v100-pcie-16gb",
                                                "v100-pcie-32gb",
                                                "a10",
                                                "a10g",
                                                "a30",
                                                "a40",
                                                "a100-40gb-pcie",
                                                "a100-40gb-sxm",
                                                "a100-80gb-pcie",
                                                "a100-80gb-sxm",
                                                "l4",
                                                "l40",
                                                "l40s",
                                                "h100-pcie",
                                                "h100-sxm",
                                                "h100-nvl",
                                                "h200-sxm",
                                                "gh200",
                                                "b200",
                                                "gb200",
                                                "rx-7900xtx",
                                                "radeon-pro-w7900",
                                                "mi100",
                                                "mi210",
                                                "mi250x",
                                                "mi300x",
                                                "mi325x",
                                                "arc-a770-16gb",
                                                "gaudi2",
                                                "gaudi3"};

const catalog::Catalog& Cat() { return io::BuiltinCatalog(); }

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// --- Reference tables: shared/reference/gpus.csv (beside the repository) and the 2026
// table in the repository, tests/unit/gpus/reference_2026.csv.

const std::string kReference2026 =
    std::string(GPUADV_SOURCE_DIR) + "/tests/unit/gpus/reference_2026.csv";

std::vector<std::string> SplitCsvLine(const std::string& line) {
  std::vector<std::string> out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        out.back() += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        out.back() += c;
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == ',') {
      out.emplace_back();
    } else {
      out.back() += c;
    }
  }
  return out;
}

// The cells of a reference CSV: header first, one vector per row.
std::vector<std::vector<std::string>> ReadCsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(SplitCsvLine(line));
  return rows;
}

// Every catalog id: the 62 of the shared reference and the rows of reference_2026.csv.
std::set<std::string> ExpectedIds() {
  std::set<std::string> want(kReferenceIds.begin(), kReferenceIds.end());
  const auto rows = ReadCsv(kReference2026);
  for (size_t i = 1; i < rows.size(); ++i) want.insert(rows[i][0]);
  return want;
}

std::vector<std::string> CatalogIds() {
  std::vector<std::string> ids;
  for (const auto& g : Cat().Gpus()) ids.push_back(g.id);
  return ids;
}

// Every reference id is in the catalog. The catalog may hold more: adding a GPU is one data
// file edit (issue 13), its figures sourced in that file, with no test to edit.
TEST(BuiltinGpus, HoldEveryReferenceId) {
  const auto ids = CatalogIds();
  const std::set<std::string> have(ids.begin(), ids.end());
  EXPECT_EQ(have.size(), ids.size()) << "duplicate ids";
  const auto want = ExpectedIds();
  ASSERT_GT(want.size(), kReferenceIds.size()) << "reference_2026.csv was not read";
  for (const auto& id : want) EXPECT_TRUE(have.count(id)) << id << " is missing from the catalog";
}

TEST(BuiltinGpus, IdsAndAliasesAreUniqueCaseInsensitively) {
  std::map<std::string, std::string> owner;
  for (const auto& g : Cat().Gpus()) {
    std::vector<std::string> names = g.aliases;
    names.push_back(g.id);
    for (const auto& n : names) {
      auto [it, fresh] = owner.emplace(Lower(n), g.id);
      EXPECT_TRUE(fresh) << "'" << n << "' names both " << it->second << " and " << g.id;
    }
  }
}

TEST(BuiltinGpus, AliasesResolveToTheMostCommonSku) {
  EXPECT_EQ(Cat().Gpu("4090").id, "rtx-4090");
  EXPECT_EQ(Cat().Gpu("RTX 4090").id, "rtx-4090");
  EXPECT_EQ(Cat().Gpu("h100").id, "h100-sxm");
  EXPECT_EQ(Cat().Gpu("A100").id, "a100-80gb-sxm");
  EXPECT_EQ(Cat().Gpu("v100").id, "v100-sxm2-16gb");
  EXPECT_EQ(Cat().Gpu("3060").id, "rtx-3060-12gb");
  EXPECT_EQ(Cat().Gpu("a770").id, "arc-a770-16gb");
  EXPECT_EQ(Cat().Gpu("DGX Spark").id, "gb10");
  EXPECT_EQ(Cat().Gpu("b580").id, "arc-b580");
  EXPECT_EQ(Cat().Gpu("rtx pro 5000").id, "rtx-pro-5000-bw");
  EXPECT_EQ(Cat().Gpu("HL-338").id, "gaudi3-pcie");
}

// Anchors from shared/reference/gpus.csv (vendor whitepapers / datasheets, dense).
TEST(BuiltinGpus, AnchorFiguresMatchTheReference) {
  const auto& h100 = Cat().Gpu("h100-sxm");
  EXPECT_DOUBLE_EQ(*h100.bf16_tensor_dense_tflops, 989.4);
  EXPECT_DOUBLE_EQ(*h100.tf32_tensor_dense_tflops, 494.7);
  EXPECT_DOUBLE_EQ(*h100.memory_bw_gbs, 3350);
  EXPECT_DOUBLE_EQ(h100.memory_gb, 80);
  EXPECT_DOUBLE_EQ(*h100.tdp_w, 700);
  EXPECT_FALSE(h100.slot_width.has_value());
  EXPECT_FALSE(h100.launch_msrp_usd.has_value());

  const auto& rtx = Cat().Gpu("rtx-4090");
  EXPECT_DOUBLE_EQ(*rtx.fp16_tensor_fp32acc_dense_tflops, 165.2);
  EXPECT_DOUBLE_EQ(*rtx.fp16_tensor_fp16acc_dense_tflops, 330.3);
  EXPECT_DOUBLE_EQ(*rtx.fp8_tensor_fp32acc_dense_tflops, 330.3);
  EXPECT_DOUBLE_EQ(rtx.memory_gb, 24);
  EXPECT_EQ(rtx.pcie_gen, 4);
  EXPECT_EQ(rtx.pcie_lanes, 16);
  EXPECT_DOUBLE_EQ(*rtx.slot_width, 3);
  EXPECT_FALSE(rtx.peer_to_peer);
  EXPECT_EQ(rtx.cuda_cc_or_target, "8.9");

  EXPECT_DOUBLE_EQ(Cat().Gpu("a100-80gb-sxm").memory_bw_gbs.value(), 2039);
  EXPECT_DOUBLE_EQ(Cat().Gpu("l40").bf16_tensor_dense_tflops.value(), 181.05);
  EXPECT_DOUBLE_EQ(Cat().Gpu("mi325x").memory_gb, 256);
  EXPECT_DOUBLE_EQ(Cat().Gpu("mi300x").bf16_tensor_dense_tflops.value(), 1307.4);
  EXPECT_EQ(Cat().Gpu("rtx-4060").pcie_lanes, 8);
  EXPECT_EQ(Cat().Gpu("gaudi3").frameworks, std::vector<std::string>{"pytorch"});
  EXPECT_EQ(Cat().Gpu("rx-7900xtx").frameworks,
            (std::vector<std::string>{"pytorch", "onnxruntime"}));
  EXPECT_TRUE(Cat().Gpu("rtx-a6000").peer_to_peer);
}

class EveryGpu : public testing::TestWithParam<std::string> {
 protected:
  const catalog::GpuSpec& gpu() const { return Cat().Gpu(GetParam()); }
};

TEST_P(EveryGpu, HasTheRequiredFields) {
  const auto& g = gpu();
  EXPECT_FALSE(g.name.empty());
  EXPECT_FALSE(g.architecture.empty());
  EXPECT_FALSE(g.memory_type.empty());
  EXPECT_TRUE(g.memory_bw_gbs.has_value());
  EXPECT_TRUE(g.tdp_w.has_value());
  EXPECT_TRUE(g.launch_year.has_value());
  EXPECT_TRUE(g.ecc.has_value());
  EXPECT_TRUE(g.bf16_support.has_value());
  EXPECT_TRUE(g.fp8_support.has_value());
  EXPECT_FALSE(g.software.empty());
  EXPECT_FALSE(g.frameworks.empty());
  EXPECT_FALSE(g.sources.empty());
  EXPECT_FALSE(g.aliases.empty());
  EXPECT_GT(g.Peak16FlopsPerS(), 0) << "no dense 16-bit tensor rate";
}

TEST_P(EveryGpu, UnitsAreSane) {
  const auto& g = gpu();
  EXPECT_GE(g.memory_gb, 6);
  EXPECT_LE(g.memory_gb, 288);  // MI350X / MI355X
  EXPECT_GE(*g.memory_bw_gbs, 200);
  EXPECT_LE(*g.memory_bw_gbs, 10000);
  EXPECT_GE(*g.tdp_w, 60);
  EXPECT_LE(*g.tdp_w, 1500);
  EXPECT_GE(g.Peak16FlopsPerS(), 20e12);
  EXPECT_LE(g.Peak16FlopsPerS(), 3000e12);
  if (g.fp32_tflops_nontensor) {
    EXPECT_LT(*g.fp32_tflops_nontensor, 200);
  }
  if (g.cloud_usd_per_gpu_hr) {
    EXPECT_LT(*g.cloud_usd_per_gpu_hr, 20);
  }
  if (g.street_price_usd) {
    EXPECT_FALSE(g.street_price_date.empty());
  }
  // Vendor "GB" of GPU memory are GiB-sized (MODELLING section 0).
  EXPECT_DOUBLE_EQ(g.CapacityBytes(), g.memory_gb * 1024 * 1024 * 1024);
}

TEST_P(EveryGpu, PassesTheConsistencyChecks) {
  const auto problems = catalog::CheckGpu(gpu());
  for (const auto& p : problems) ADD_FAILURE() << gpu().id << ": " << p;
}

INSTANTIATE_TEST_SUITE_P(Builtin, EveryGpu, testing::ValuesIn(CatalogIds()),
                         [](const testing::TestParamInfo<std::string>& info) {
                           std::string name;
                           for (char c : info.param)
                             name += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
                           return name;
                         });

TEST(BuiltinOffers, ReferenceCatalogGpusAndCarryADate) {
  ASSERT_GE(Cat().Offers().size(), 40u);
  std::set<std::string> ids;
  for (const auto& o : Cat().Offers()) {
    EXPECT_TRUE(ids.insert(o.id).second) << "duplicate offer " << o.id;
    EXPECT_NE(Cat().FindGpu(o.gpu), nullptr) << o.id << " names unknown GPU " << o.gpu;
    if (const auto* g = Cat().FindGpu(o.gpu)) {
      EXPECT_EQ(g->id, o.gpu) << "use the id, not an alias";
    }
    EXPECT_FALSE(o.as_of.empty()) << o.id;
    EXPECT_FALSE(o.sources.empty()) << o.id;
    EXPECT_GT(o.usd_per_gpu_hr, 0) << o.id;
    EXPECT_LT(o.usd_per_gpu_hr, 20) << o.id;
    if (o.spot_usd_per_gpu_hr) {
      EXPECT_LE(*o.spot_usd_per_gpu_hr, o.usd_per_gpu_hr) << o.id;
    }
    EXPECT_TRUE(o.kind == "hyperscaler" || o.kind == "gpu-cloud" || o.kind == "marketplace");
    if (o.gpus_per_instance == 1) {
      EXPECT_EQ(o.interconnect, "none") << o.id;
    }
  }
}

TEST(BuiltinOffers, CheapestH100SxmIsTheMarketplaceOfferForOneGpu) {
  const auto* o = Cat().CheapestOffer("h100-sxm", 1, 1);
  ASSERT_NE(o, nullptr);
  EXPECT_EQ(o->id, "vastai-h100-sxm-1x");
  EXPECT_EQ(Cat().OffersFor("h100-sxm").size(), 7u);
  // An 8-GPU node, and 16 of them, are priced on 8-GPU instances (issue 12).
  for (int nodes : {1, 16}) {
    const auto* node = Cat().CheapestOffer("h100-sxm", 8, nodes);
    ASSERT_NE(node, nullptr);
    EXPECT_EQ(node->gpus_per_instance, 8) << node->id;
  }
  EXPECT_EQ(Cat().CheapestOffer("h100-sxm", 3, 1), nullptr);  // no 3-GPU instances
}

// Every figure of every row of a reference CSV equals the catalog's (an empty cell: unknown,
// null in the catalog), and the verification flags agree. Returns the number of rows.
int CheckAgainstReference(const std::vector<std::vector<std::string>>& rows) {
  if (rows.empty()) {
    ADD_FAILURE() << "empty reference table";
    return 0;
  }
  const auto& header = rows.front();
  auto col = [&](const std::string& name) {
    for (size_t i = 0; i < header.size(); ++i)
      if (header[i] == name) return i;
    ADD_FAILURE() << "no column " << name;
    return size_t{0};
  };
  struct Figure {
    const char* column;
    std::optional<double> (*get)(const catalog::GpuSpec&);
  };
  const Figure figures[] = {
      {"memory_gb", [](const catalog::GpuSpec& g) { return std::optional(g.memory_gb); }},
      {"memory_bw_gbs", [](const catalog::GpuSpec& g) { return g.memory_bw_gbs; }},
      {"bus_width_bits", [](const catalog::GpuSpec& g) { return g.bus_width_bits; }},
      {"shader_cores", [](const catalog::GpuSpec& g) { return g.shader_cores; }},
      {"boost_clock_mhz", [](const catalog::GpuSpec& g) { return g.boost_clock_mhz; }},
      {"fp32_tflops_nontensor", [](const catalog::GpuSpec& g) { return g.fp32_tflops_nontensor; }},
      {"fp16_tensor_fp16acc_dense_tflops",
       [](const catalog::GpuSpec& g) { return g.fp16_tensor_fp16acc_dense_tflops; }},
      {"fp16_tensor_fp32acc_dense_tflops",
       [](const catalog::GpuSpec& g) { return g.fp16_tensor_fp32acc_dense_tflops; }},
      {"bf16_tensor_dense_tflops",
       [](const catalog::GpuSpec& g) { return g.bf16_tensor_dense_tflops; }},
      {"tf32_tensor_dense_tflops",
       [](const catalog::GpuSpec& g) { return g.tf32_tensor_dense_tflops; }},
      {"fp8_tensor_fp32acc_dense_tflops",
       [](const catalog::GpuSpec& g) { return g.fp8_tensor_fp32acc_dense_tflops; }},
      {"fp8_tensor_fp16acc_dense_tflops",
       [](const catalog::GpuSpec& g) { return g.fp8_tensor_fp16acc_dense_tflops; }},
      {"fp4_tensor_dense_tflops",
       [](const catalog::GpuSpec& g) { return g.fp4_tensor_dense_tflops; }},
      {"int8_tensor_dense_tops",
       [](const catalog::GpuSpec& g) { return g.int8_tensor_dense_tops; }},
      {"tdp_w", [](const catalog::GpuSpec& g) { return g.tdp_w; }},
      {"interconnect_bw_gbs_bidir",
       [](const catalog::GpuSpec& g) { return g.interconnect_bw_gbs_bidir; }},
      {"launch_msrp_usd", [](const catalog::GpuSpec& g) { return g.launch_msrp_usd; }},
      {"cloud_usd_per_gpu_hr", [](const catalog::GpuSpec& g) { return g.cloud_usd_per_gpu_hr; }},
  };
  const size_t id_col = col("id");
  int n = 0;
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& cells = rows[r];
    if (cells.size() != header.size()) {
      ADD_FAILURE() << "row " << r << " has " << cells.size() << " cells";
      continue;
    }
    const auto* g = Cat().FindGpu(cells[id_col]);
    if (g == nullptr) {
      ADD_FAILURE() << cells[id_col] << " is not in the catalog";
      continue;
    }
    ++n;
    EXPECT_EQ(g->verification, cells[col("verification")]) << g->id;
    for (const auto& f : figures) {
      const std::string& cell = cells[col(f.column)];
      const auto have = f.get(*g);
      if (cell.empty()) {
        EXPECT_FALSE(have.has_value())
            << g->id << "." << f.column << " is unknown in the reference";
      } else if (!have) {
        ADD_FAILURE() << g->id << "." << f.column << " is null in the catalog";
      } else {
        EXPECT_DOUBLE_EQ(*have, std::stod(cell)) << g->id << "." << f.column;
      }
    }
  }
  return n;
}

TEST(BuiltinGpus, EveryFigureMatchesTheReferenceCsv) {
  const std::string path = std::string(GPUADV_SOURCE_DIR) + "/../shared/reference/gpus.csv";
  if (!std::ifstream(path)) GTEST_SKIP() << "shared/reference/gpus.csv not beside the repository";
  EXPECT_EQ(CheckAgainstReference(ReadCsv(path)), static_cast<int>(kReferenceIds.size()));
}

// The 2025-2026 accelerators (issue 16 item 3): each row names its sources and the figures
// that are derived or unverified, as the catalog entry does.
TEST(BuiltinGpus, EveryFigureMatchesTheReference2026Csv) {
  const auto rows = ReadCsv(kReference2026);
  ASSERT_GT(rows.size(), 1u) << kReference2026;
  EXPECT_EQ(CheckAgainstReference(rows), static_cast<int>(rows.size() - 1));
  const auto& header = rows.front();
  const auto sources = std::find(header.begin(), header.end(), "sources") - header.begin();
  for (size_t r = 1; r < rows.size(); ++r) {
    const auto& g = Cat().Gpu(rows[r][0]);
    EXPECT_FALSE(rows[r][sources].empty()) << g.id;
    EXPECT_NE(rows[r][sources].find("http"), std::string::npos) << g.id << ": no source URL";
    if (g.verification == "partial") {
      EXPECT_FALSE(g.unverified_fields.empty()) << g.id;
    }
  }
}

}  // namespace
}  // namespace gpuadv
