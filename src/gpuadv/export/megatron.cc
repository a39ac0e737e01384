// Megatron-LM arguments and the torchrun command line that launches them. Flags as
// defined in NVIDIA/Megatron-LM megatron/training/arguments.py; torchrun options as in the
// PyTorch "torchrun (Elastic Launch)" documentation (docs.pytorch.org/docs/stable/elastic/run).
#include <algorithm>
#include <utility>
#include <vector>

#include "gpuadv/export/writers.h"

namespace gpuadv::launch {
namespace {

using workload::Checkpointing;
using workload::Offload;
using workload::Precision;

// Multi-latent attention, q/k norms and MTP modules (Megatron-LM arguments.py:
// --multi-latent-attention with its ranks and head sizes, --qk-layernorm, --mtp-num-layers).
void ArchFeatureArgs(const catalog::ModelArch& m, Args* a) {
  const auto n = [](long long v) { return std::to_string(v); };
  if (m.IsMla()) {
    a->emplace_back("--multi-latent-attention", "");
    if (m.q_lora_rank > 0) a->emplace_back("--q-lora-rank", n(m.q_lora_rank));
    a->emplace_back("--kv-lora-rank", n(m.kv_lora_rank));
    a->emplace_back("--qk-head-dim", n(m.HeadDim()));
    a->emplace_back("--qk-pos-emb-head-dim", n(m.qk_rope_head_dim));
    a->emplace_back("--v-head-dim", n(m.VHeadDim()));
  }
  if (m.qk_norm) a->emplace_back("--qk-layernorm", "");
  if (m.mtp_layers > 0) a->emplace_back("--mtp-num-layers", n(m.mtp_layers));
}

// The rotary base and Llama 3.1/3.2 scaling from the model data (issue 15: without them
// Megatron trains with its defaults, base 10000 and no scaling).
void Rope(const catalog::ModelArch& m, Args* a) {
  if (m.position != catalog::PositionKind::kRope) return;
  const auto real = [](double v) {
    std::string t = std::to_string(v);
    t.erase(t.find_last_not_of('0') + 1);
    if (t.back() == '.') t.pop_back();
    return t;
  };
  if (m.rope_theta > 0) a->emplace_back("--rotary-base", real(m.rope_theta));
  if (m.rope_scaling_factor > 0) {
    a->emplace_back("--use-rope-scaling", "");
    a->emplace_back("--rope-scaling-factor", real(m.rope_scaling_factor));
  }
}

void Model(const workload::Scenario& s, Args* a) {
  const auto& m = s.model;
  const auto n = [](long long v) { return std::to_string(v); };
  ShapeArgs(s, a);
  if (m.KvHeads() < m.heads) {
    a->emplace_back("--group-query-attention", "");
    a->emplace_back("--num-query-groups", n(m.KvHeads()));
  }
  a->emplace_back("--position-embedding-type",
                  m.position == catalog::PositionKind::kRope ? "rope" : "learned_absolute");
  Rope(m, a);
  a->emplace_back("--normalization",
                  m.norm == catalog::NormKind::kRmsNorm ? "RMSNorm" : "LayerNorm");
  if (m.mlp == catalog::MlpKind::kSwiGlu) a->emplace_back("--swiglu", "");
  if (!m.tied_embeddings) a->emplace_back("--untie-embeddings-and-output-weights", "");
  if (!m.bias) a->emplace_back("--disable-bias-linear", "");
  if (m.dropout == 0) {
    a->emplace_back("--attention-dropout", "0");
    a->emplace_back("--hidden-dropout", "0");
  }
  ArchFeatureArgs(m, a);
  if (m.IsMoe()) {
    a->emplace_back("--num-experts", n(m.experts));
    a->emplace_back("--moe-router-topk", n(std::max(1, m.experts_active)));
    a->emplace_back("--moe-ffn-hidden-size", n(m.moe_ffn > 0 ? m.moe_ffn : m.ffn));
    if (m.first_dense_layers > 0) {
      // Megatron-LM evaluates a per-layer pattern given as a Python list expression
      // (DeepSeek-V3: "([0]*3+[1]*58)"): leading dense layers, then MoE every freq-th
      // layer; single-quoted for the shell array.
      const int freq = std::max(1, m.moe_layer_freq), rest = m.layers - m.first_dense_layers;
      const std::string moe =
          freq == 1 ? "[1]*" + n(rest)
                    : "(([1]+[0]*" + n(freq - 1) + ")*" + n(rest) + ")[:" + n(rest) + "]";
      a->emplace_back("--moe-layer-freq", "'([0]*" + n(m.first_dense_layers) + "+" + moe + ")'");
    } else if (m.moe_layer_freq > 1) {
      a->emplace_back("--moe-layer-freq", n(m.moe_layer_freq));
    }
    if (m.shared_expert_ffn > 0)
      a->emplace_back("--moe-shared-expert-intermediate-size", n(m.shared_expert_ffn));
    if (s.parallelism.ep > 1) {
      // DeepEP deduplicates tokens per remote node (stack trait moe_node_dedup); otherwise
      // NCCL's all-to-all, the dispatcher the estimate timed.
      if (s.training.stack.moe_node_dedup) {
        a->emplace_back("--moe-token-dispatcher-type", "flex");
        a->emplace_back("--moe-flex-dispatcher-backend", "deepep");
      } else {
        a->emplace_back("--moe-token-dispatcher-type", "alltoall");
      }
      // The 1F1B overlap of the expert all-to-all (as the Megatron MoE Model Zoo runs it).
      if (s.training.stack.moe_a2a_overlap) {
        a->emplace_back("--overlap-moe-expert-parallel-comm", "");
        a->emplace_back("--delay-wgrad-compute", "");
      }
    }
    if (s.training.precision != Precision::kFp16Mixed && s.training.precision != Precision::kFp32)
      a->emplace_back("--moe-grouped-gemm", "");
  }
}

// The optimizer step on the CPU (Megatron --optimizer-cpu-offload, which runs through the
// precision-aware optimizer).
bool CpuOptimizer(const workload::Parallelism& p) { return p.offload == Offload::kOptimizer; }

void Parallel(const workload::Scenario& s, Args* a) {
  const auto& p = s.parallelism;
  const auto n = [](long long v) { return std::to_string(v); };
  a->emplace_back("--tensor-model-parallel-size", n(p.tp));
  a->emplace_back("--pipeline-model-parallel-size", n(p.pp));
  // The embedding and the loss as pipeline layers: stages of (layers + 2) / pp.
  const bool el = p.pipeline_embedding_loss && p.pp > 1;
  if (const std::string layout = PipelineLayout(s); !layout.empty()) {
    // An uneven split its other flags cannot say (interleaved, or with the embedding and
    // loss counted) is written out stage by stage; Megatron-Core refuses the account-for and
    // per-virtual-stage flags beside it.
    a->emplace_back("--pipeline-model-parallel-layout", "\"" + layout + "\"");
  } else {
    if (el) {
      a->emplace_back("--account-for-embedding-in-pipeline-split", "");
      a->emplace_back("--account-for-loss-in-pipeline-split", "");
    } else if (const auto split = UnevenSplit(s.model.layers, p); split) {
      a->emplace_back("--decoder-first-pipeline-num-layers", n(split->first));
      a->emplace_back("--decoder-last-pipeline-num-layers", n(split->second));
    }
    if (p.vpp > 1)
      a->emplace_back("--num-layers-per-virtual-pipeline-stage",
                      n((s.model.layers + (el ? 2 : 0)) / (p.pp * p.vpp)));
  }
  if (p.cp > 1) a->emplace_back("--context-parallel-size", n(p.cp));
  if (p.cp > 1 && p.cp_comm == workload::CpComm::kA2a) a->emplace_back("--cp-comm-type", "a2a");
  if (p.ep > 1) a->emplace_back("--expert-model-parallel-size", n(p.ep));
  if (s.model.IsMoe()) a->emplace_back("--expert-tensor-parallel-size", n(p.ExpertTp()));
  if (p.sequence_parallel && p.tp > 1) {
    a->emplace_back("--sequence-parallel", "");
    // The estimator overlaps TP collectives with GEMMs under sequence parallel where
    // Transformer Engine's userbuffers have NVLink multicast (estimate/communication.cc).
    if (s.hardware.gpu.HopperClassDatacenter()) a->emplace_back("--tp-comm-overlap", "");
  }
  // The distributed optimizer's gradient bucket the estimate timed (stack trait
  // dp_bucket_params; 0 is Megatron-Core's own max(40M, 1M x dp), which needs no flag).
  const double bucket = s.training.stack.dp_bucket_params;
  if (p.zero == 1 && bucket > 0)
    a->emplace_back("--ddp-bucket-size", n(static_cast<long long>(bucket)));
  switch (p.zero) {
    case 0:
      a->emplace_back("--overlap-grad-reduce", "");
      break;
    case 1:
      a->emplace_back("--use-distributed-optimizer", "");
      a->emplace_back("--overlap-grad-reduce", "");
      // The estimate hides the gather behind the next forward only where the stack does.
      if (s.training.stack.overlap_param_gather) a->emplace_back("--overlap-param-gather", "");
      break;
    default:
      a->emplace_back("--use-megatron-fsdp", "");
      a->emplace_back("--data-parallel-sharding-strategy",
                      p.zero >= 3 ? "optim_grads_params" : "optim_grads");
      a->emplace_back("--ckpt-format", "fsdp_dtensor");
      a->emplace_back("--overlap-grad-reduce", "");
      a->emplace_back("--overlap-param-gather", "");
      break;
  }
  if (CpuOptimizer(p)) {
    a->emplace_back("--optimizer-cpu-offload", "");
    a->emplace_back("--use-precision-aware-optimizer", "");
  }
}

// Adam's moments in bf16: the precision-aware optimizer's moment dtypes.
void Bf16Moments(Args* a) {
  a->emplace_back("--exp-avg-dtype", "bf16");
  a->emplace_back("--exp-avg-sq-dtype", "bf16");
}

// bf16 weights with bf16 gradients and Adam moments. Megatron FSDP has its own main
// parameter and gradient dtypes (--megatron-fsdp-main-params-dtype / -main-grads-dtype);
// otherwise Transformer Engine's precision-aware optimizer keeps fp32 main parameters (its
// --main-params-dtype choices are fp32 and fp16).
void PureBf16(const workload::Scenario& s, Args* a, std::vector<std::string>* notes) {
  a->emplace_back("--bf16", "");
  a->emplace_back("--use-precision-aware-optimizer", "");
  if (UsesMegatronFsdp(s.parallelism)) {
    a->emplace_back("--megatron-fsdp-main-params-dtype", "bf16");
    a->emplace_back("--megatron-fsdp-main-grads-dtype", "bf16");
  } else {
    a->emplace_back("--main-grads-dtype", "bf16");
    notes->push_back("pure bf16: Megatron-LM keeps fp32 main parameters (without Megatron FSDP)");
  }
  Bf16Moments(a);
}

// Gradients in bf16 (stack trait grad_reduce_fp32 false: Scenario::MegatronGradBytes 2
// under bf16 / fp8) and Adam moments in bf16 (training.optimizer_state_dtype) beside fp32
// main parameters: Megatron FSDP's own gradient dtype, else the precision-aware optimizer's
// --main-grads-dtype, and its --exp-avg-dtype / --exp-avg-sq-dtype.
void Bf16GradientsAndMoments(const workload::Scenario& s, Args* a) {
  const bool grads = s.MegatronGradBytes() < 4;
  const bool moments = s.training.optimizer_state_dtype == workload::StateDtype::kBf16;
  const bool fsdp = UsesMegatronFsdp(s.parallelism);
  if (grads && fsdp) a->emplace_back("--megatron-fsdp-main-grads-dtype", "bf16");
  // Offloading the optimizer has already turned it on (Parallel).
  if (((grads && !fsdp) || moments) && !CpuOptimizer(s.parallelism))
    a->emplace_back("--use-precision-aware-optimizer", "");
  if (grads && !fsdp) a->emplace_back("--main-grads-dtype", "bf16");
  if (moments) Bf16Moments(a);
}

// The fp8 recipe the estimate ran (the stack's, or training.fp8): Megatron-LM's
// --fp8-recipe (tensorwise = current scaling, delayed, blockwise, mxfp8;
// megatron/training/arguments.py) and --disable-fp8-wgrad. Its fp8 dot-product attention has
// no flag in the version these flags are checked against (tests/data/engine_keys).
void Fp8Recipe(const workload::Scenario& s, Args* a, std::vector<std::string>* notes) {
  const auto& stack = s.training.stack;
  const char* recipe = "delayed";
  switch (stack.fp8_recipe) {
    case workload::Fp8Recipe::kDelayed:
      break;
    case workload::Fp8Recipe::kCurrent:
      recipe = "tensorwise";
      break;
    case workload::Fp8Recipe::kBlockwise:
      recipe = "blockwise";
      break;
    case workload::Fp8Recipe::kMxfp8:
      recipe = "mxfp8";
      break;
  }
  a->emplace_back("--fp8-recipe", recipe);
  if (s.training.Fp8Params()) a->emplace_back("--fp8-param-gather", "");
  if (!stack.fp8_wgrad) a->emplace_back("--disable-fp8-wgrad", "");
  if (s.training.fp8.attention)
    notes->push_back(
        "training.fp8.attention: the Megatron-LM these flags target has no flag for fp8 "
        "dot-product attention; set Transformer Engine's (TransformerConfig "
        "fp8_dot_product_attention) where your version has it");
  if (s.Fp8ActivationInput())
    notes->push_back(
        "training.fp8.activation_input: the Megatron-LM these flags target has no flag for it; "
        "set Megatron-Core's TransformerConfig activation_func_fp8_input_store (NeMo: "
        "model.activation_func_fp8_input_store)");
}

void Training(const workload::Scenario& s, Args* a, std::vector<std::string>* notes) {
  const auto& t = s.training;
  a->emplace_back("--micro-batch-size", std::to_string(t.micro_batch));
  a->emplace_back("--global-batch-size", std::to_string(s.GlobalBatch()));
  if (t.activation_checkpointing == Checkpointing::kFull && t.checkpoint_layers > 0) {
    a->emplace_back("--recompute-granularity", "full");
    a->emplace_back("--recompute-method", "block");
    a->emplace_back("--recompute-num-layers", std::to_string(t.checkpoint_layers));
  } else if (t.activation_checkpointing == Checkpointing::kFull) {
    a->emplace_back("--recompute-granularity", "full");
    a->emplace_back("--recompute-method", "uniform");
    a->emplace_back("--recompute-num-layers", "1");
  } else if (t.activation_checkpointing == Checkpointing::kSelective) {
    a->emplace_back("--recompute-granularity", "selective");
    if (t.RecomputedModules() != workload::kDefaultRecomputeModules)
      a->emplace_back("--recompute-modules",
                      workload::RecomputeModuleNames(t.RecomputedModules(), " "));
  }
  if (t.optimizer_state_offload)
    notes->push_back(
        "training.optimizer_state_offload: the Megatron-LM these flags target has no flag for "
        "it; Megatron-Core's development branch takes --offload-optimizer-states (the Megatron "
        "MoE Model Zoo's GB200 scripts)");
  switch (t.precision) {
    case Precision::kBf16Mixed:
      a->emplace_back("--bf16", "");
      Bf16GradientsAndMoments(s, a);
      break;
    case Precision::kFp16Mixed:
      a->emplace_back("--fp16", "");
      break;
    case Precision::kFp8Mixed:
      a->emplace_back("--bf16", "");
      Bf16GradientsAndMoments(s, a);
      a->emplace_back("--fp8-format", "hybrid");
      Fp8Recipe(s, a, notes);
      break;
    case Precision::kBf16:
      PureBf16(s, a, notes);
      break;
    case Precision::kFp32:
      break;
  }
  switch (t.optimizer) {
    case workload::Optimizer::kAdamW:
      a->emplace_back("--optimizer", "adam");  // Megatron's adam applies decoupled weight decay
      break;
    case workload::Optimizer::kSgd:
      a->emplace_back("--optimizer", "sgd");
      break;
    default:
      a->emplace_back("--optimizer", "adam");
      notes->push_back("optimizer " + std::string(EnumName(workload::kOptimizers, t.optimizer)) +
                       " is not in Megatron-LM (adam, sgd): exported as adam");
  }
  const char* backend = t.attention == workload::Attention::kFlash   ? "flash"
                        : t.attention == workload::Attention::kEager ? "unfused"
                                                                     : "auto";
  a->emplace_back("--attention-backend", backend);
}

Args MegatronArgs(const workload::Scenario& s, std::vector<std::string>* notes) {
  Args a;
  Parallel(s, &a);
  Training(s, &a, notes);
  Model(s, &a);
  notes->push_back(
      "add your data and schedule: --data-path, --tokenizer-type / "
      "--tokenizer-model (vocabulary " +
      std::to_string(s.model.vocab) + "), --train-iters, --lr, --save");
  if (NeedsOneConnection(s.parallelism))
    notes->push_back(
        "set CUDA_DEVICE_MAX_CONNECTIONS=1 (Megatron-LM requires it with tp or cp > 1 "
        "before Blackwell)");
  if (UsesMegatronFsdp(s.parallelism))
    notes->push_back(
        "leave CUDA_DEVICE_MAX_CONNECTIONS unset (or > 1): Megatron FSDP refuses 1 "
        "(megatron/training/arguments.py)");
  return a;
}

}  // namespace

void ShapeArgs(const workload::Scenario& s, Args* a) {
  const auto& m = s.model;
  const auto n = [](long long v) { return std::to_string(v); };
  a->emplace_back("--num-layers", n(m.layers));
  a->emplace_back("--hidden-size", n(m.hidden));
  if (m.ffn > 0) a->emplace_back("--ffn-hidden-size", n(m.ffn));
  a->emplace_back("--num-attention-heads", n(m.heads));
  if (m.heads > 0 && m.HeadDim() != m.hidden / m.heads)
    a->emplace_back("--kv-channels", n(m.HeadDim()));
  a->emplace_back("--seq-length", n(s.training.seq_len));
  a->emplace_back("--max-position-embeddings",
                  n(std::max<long long>(s.training.seq_len, m.max_seq_len)));
}

std::vector<std::string> Flags(const Args& a) {
  std::vector<std::string> out;
  for (const auto& [flag, value] : a) out.push_back(flag);
  return out;
}

std::string Join(const Args& a, const std::string& indent, const std::string& end) {
  std::string out;
  for (size_t i = 0; i < a.size(); ++i) {
    out += indent + a[i].first;
    if (!a[i].second.empty()) out += " " + a[i].second;
    out += i + 1 < a.size() ? end : "";
    out += "\n";
  }
  return out;
}

Args TorchrunLauncher(const workload::Scenario& s) {
  Args launcher;
  if (s.hardware.nodes > 1) {
    launcher.emplace_back("--nnodes", std::to_string(s.hardware.nodes));
    launcher.emplace_back("--nproc-per-node", std::to_string(s.hardware.count));
    launcher.emplace_back("--rdzv-id", "$JOB_ID");
    launcher.emplace_back("--rdzv-backend", "c10d");
    launcher.emplace_back("--rdzv-endpoint", "$MASTER_ADDR:29500");
  } else {
    launcher.emplace_back("--standalone", "");
    launcher.emplace_back("--nproc-per-node", std::to_string(s.hardware.count));
  }
  return launcher;
}

std::string LaunchLine(const Args& launcher, const std::string& program) {
  std::string text = program;
  for (const auto& [flag, value] : launcher)
    text += " " + flag + (value.empty() ? "" : "=" + value);
  return text;
}

LaunchConfig WriteMegatron(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kMegatron;
  const Args a = MegatronArgs(s, &out.notes);
  out.files.push_back(
      {"megatron_args.sh", PlanSummary(s) + "\nMEGATRON_ARGS=(\n" + Join(a, "  ", "") + ")\n"});
  out.keys = Flags(a);
  out.launch = "source megatron_args.sh && torchrun ... pretrain_gpt.py \"${MEGATRON_ARGS[@]}\"";
  out.notes.insert(out.notes.begin(),
                   "torchrun's own flags: gpu-advisor export --engine torchrun writes them");
  return out;
}

LaunchConfig WriteTorchrun(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kTorchrun;
  const Args model_args = MegatronArgs(s, &out.notes);
  const int nodes = s.hardware.nodes;
  const Args launcher = TorchrunLauncher(s);
  std::string text = PlanSummary(s) + "\n";
  const auto& p = s.parallelism;
  if (NeedsOneConnection(p)) text += "export CUDA_DEVICE_MAX_CONNECTIONS=1\n";
  if (UsesMegatronFsdp(p)) text += "unset CUDA_DEVICE_MAX_CONNECTIONS\n";
  text += LaunchLine(launcher) + " \\\n  pretrain_gpt.py \\\n" + Join(model_args, "  ", " \\");
  out.files.push_back({"launch.sh", text});
  out.launch = "bash launch.sh";
  out.keys = Flags(launcher);
  const auto more = Flags(model_args);
  out.keys.insert(out.keys.end(), more.begin(), more.end());
  if (nodes > 1)
    out.notes.insert(out.notes.begin(),
                     "run on every node with JOB_ID and MASTER_ADDR set (the "
                     "first node's address)");
  return out;
}

}  // namespace gpuadv::launch
