#pragma once
// Scenarios for the planner tests: an H100-SXM-like GPU in a test catalog (independent of
// the data files) and inline models, parsed by the real scenario loader.
#include <initializer_list>
#include <string>
#include <utility>

#include "gpuadv/catalog/catalog.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"

namespace gpuadv::plan::testing {

inline catalog::Catalog TestCatalog() {
  catalog::Catalog cat;
  catalog::GpuSpec g;
  g.id = "test-h100";
  g.name = "Test H100 SXM";
  g.vendor = "nvidia";
  g.segment = "datacenter";
  g.architecture = "Hopper";
  g.launch_year = 2022;
  g.memory_gb = 80;
  g.memory_bw_gbs = 3350;
  g.fp32_tflops_nontensor = 66.9;
  g.bf16_tensor_dense_tflops = 989.4;
  g.fp16_tensor_fp32acc_dense_tflops = 989.4;
  g.pcie_gen = 5;
  g.pcie_lanes = 16;
  g.gpu_interconnect = "NVLink 4.0 (18 links)";
  g.interconnect_bw_gbs_bidir = 900;
  g.tdp_w = 700;
  cat.Upsert(g);
  return cat;
}

/// A 1.3B-class decoder (16 layers, GQA), pre-trained in bf16 on 8-GPU nodes of test-h100.
inline constexpr const char* kBaseScenario =
    "model: {layers: 16, hidden: 2048, heads: 16, kv_heads: 8, ffn: 5632, vocab: 32000,"
    " max_seq_len: 32768}\n"
    "training: {method: pretrain, precision: bf16-mixed, optimizer: adamw, seq_len: 2048,"
    " global_batch: 256, attention: flash}\n"
    "hardware: {gpu: test-h100, count: 8}\n";

/// The base scenario with dotted-key overrides (values in YAML syntax), e.g.
/// {{"training.seq_len", "16384"}, {"model", "{layers: 8, ...}"}}.
inline workload::Scenario MakeScenario(
    std::initializer_list<std::pair<const char*, const char*>> overrides = {}) {
  static const catalog::Catalog cat = TestCatalog();
  io::Doc doc = io::ParseDocument(kBaseScenario, "test");
  for (const auto& [k, v] : overrides) io::ApplyOverride(doc, k, v);
  return io::ParseScenario(doc, cat, "test");
}

inline estimate::Context Ctx() { return {&io::BuiltinEfficiency(), nullptr}; }

}  // namespace gpuadv::plan::testing
