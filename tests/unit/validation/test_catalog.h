#pragma once
// A small catalog for validation tests: independent of the built-in data files.
#include "gpuadv/catalog/catalog.h"

namespace gpuadv::validate::testing {

/// "test-gpu-24gb" (24 GiB, Ampere-like figures), "test-gpu-150w" (the same silicon on a
/// 150 W board) and "test-7b" (a Llama-2-7B shape).
inline catalog::Catalog TestCatalog() {
  catalog::Catalog cat;
  catalog::GpuSpec g;
  g.id = "test-gpu-24gb";
  g.name = "Test GPU 24GB";
  g.vendor = "nvidia";
  g.architecture = "Ampere";
  g.memory_gb = 24;
  g.memory_bw_gbs = 936;
  g.bf16_tensor_dense_tflops = 142;
  g.fp16_tensor_fp32acc_dense_tflops = 142;
  g.tdp_w = 350;
  cat.Upsert(g);
  g.id = "test-gpu-150w";
  g.name = "Test GPU 150W";
  g.tdp_w = 150;
  cat.Upsert(g);
  catalog::ModelArch m;
  m.id = "test-7b";
  m.name = "Test 7B";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 32;
  m.ffn = 11008;
  m.vocab = 32000;
  m.max_seq_len = 32768;
  m.params = 6.74e9;
  m.declared_params = 6.74e9;
  cat.Upsert(m);
  return cat;
}

}  // namespace gpuadv::validate::testing
