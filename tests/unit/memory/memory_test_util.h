#pragma once
// Scenario builders for the memory tests: shapes from the published configs.
#include "gpuadv/catalog/gpu_spec.h"
#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::estimate::testing {

// Llama-3.1-8B (meta-llama/Llama-3.1-8B config.json).
inline catalog::ModelArch Llama31_8B() {
  catalog::ModelArch m;
  m.id = "llama-3.1-8b";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 8;
  m.ffn = 14336;
  m.vocab = 128256;
  m.max_seq_len = 131072;
  m.params = catalog::CountParams(m).total;
  return m;
}

// Llama-2-7B (meta-llama/Llama-2-7b-hf config.json).
inline catalog::ModelArch Llama2_7B() {
  catalog::ModelArch m;
  m.id = "llama-2-7b";
  m.layers = 32;
  m.hidden = 4096;
  m.heads = 32;
  m.kv_heads = 32;
  m.ffn = 11008;
  m.vocab = 32000;
  m.max_seq_len = 4096;
  m.params = catalog::CountParams(m).total;
  return m;
}

// Mixtral-8x7B (mistralai/Mixtral-8x7B-v0.1 config.json): Llama 3.1 8B's layer shape with 8
// SwiGLU experts of ffn 14336, top-2 routing, and Mistral's 32k vocabulary.
inline catalog::ModelArch Mixtral8x7B() {
  catalog::ModelArch m = Llama31_8B();
  m.id = "mixtral-8x7b";
  m.vocab = 32000;
  m.max_seq_len = 32768;
  m.experts = 8;
  m.experts_active = 2;
  m.params = catalog::CountParams(m).total;
  return m;
}

// GPT-3 175B (Brown et al. 2020 Table 2.1): L96 h12288 a96, GELU 4h, LayerNorm, dropout.
inline catalog::ModelArch Gpt3_175B() {
  catalog::ModelArch m;
  m.id = "gpt3-175b";
  m.layers = 96;
  m.hidden = 12288;
  m.heads = 96;
  m.ffn = 4 * 12288;
  m.vocab = 50257;
  m.max_seq_len = 2048;
  m.mlp = catalog::MlpKind::kGelu;
  m.norm = catalog::NormKind::kLayerNorm;
  m.position = catalog::PositionKind::kLearned;
  m.bias = true;
  m.tied_embeddings = true;
  m.dropout = 0.1;
  m.params = catalog::CountParams(m).total;
  return m;
}

inline catalog::GpuSpec Gpu(const char* id, double memory_gb, const char* arch = "Ampere") {
  catalog::GpuSpec g;
  g.id = id;
  g.vendor = "nvidia";
  g.architecture = arch;
  g.memory_gb = memory_gb;
  return g;
}

inline workload::Scenario Scenario(const catalog::ModelArch& m, const catalog::GpuSpec& gpu,
                                   int gpus = 1) {
  workload::Scenario s;
  s.model_ref = m.id;
  s.model = m;
  s.hardware.gpu_id = gpu.id;
  s.hardware.gpu = gpu;
  s.hardware.count = gpus;
  s.training.seq_len = 2048;
  s.training.micro_batch = 1;
  return s;
}

}  // namespace gpuadv::estimate::testing
