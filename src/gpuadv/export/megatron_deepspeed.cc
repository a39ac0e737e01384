// BigScience Megatron-DeepSpeed (the stack BLOOM 176B was trained with): launch.sh (torchrun
// running pretrain_gpt.py with its arguments) and ds_config.json beside it. Flags as defined in
// bigscience-workshop/Megatron-DeepSpeed megatron/arguments.py at commit
// 8387ae17c4704f6579f88a84500b535d19d7fbbf (--position-embedding-type alibi,
// --pp-partition-method, --zero-stage, --glu-activation, --embed-layernorm), and
// deepspeed.add_config_arguments (--deepspeed, --deepspeed_config). Pipeline stages are
// DeepSpeed PipelineModule partitions, so any layer count splits over any pp: by default
// the transformer layers are balanced ('type:transformer'); with the embedding and loss
// counted as pipeline layers the two embedding stages join them
// ('type:transformer|embedding', megatron/model/gpt_model.py GPTModelPipe).
#include "gpuadv/export/config_tree.h"
#include "gpuadv/export/writers.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::launch {
namespace {

using workload::Checkpointing;
using workload::Precision;

const char* PositionType(catalog::PositionKind k) {
  switch (k) {
    case catalog::PositionKind::kAlibi:
      return "alibi";
    case catalog::PositionKind::kRope:
      return "rotary";
    case catalog::PositionKind::kLearned:
      break;
  }
  return "absolute";
}

void Model(const workload::Scenario& s, Args* a) {
  const auto& m = s.model;
  ShapeArgs(s, a);
  a->emplace_back("--position-embedding-type", PositionType(m.position));
  if (m.mlp == catalog::MlpKind::kSwiGlu) a->emplace_back("--glu-activation", "swiglu");
  // A norm after the word embeddings (BLOOM's word_embeddings_layernorm).
  if (m.embedding_norm) a->emplace_back("--embed-layernorm", "");
  if (m.dropout == 0) {
    a->emplace_back("--attention-dropout", "0");
    a->emplace_back("--hidden-dropout", "0");
  }
}

void Parallel(const workload::Scenario& s, Args* a) {
  const auto& p = s.parallelism;
  a->emplace_back("--tensor-model-parallel-size", std::to_string(p.tp));
  a->emplace_back("--pipeline-model-parallel-size", std::to_string(p.pp));
  if (p.pp > 1 && p.pipeline_embedding_loss)
    a->emplace_back("--pp-partition-method", "'type:transformer|embedding'");
  a->emplace_back("--zero-stage", std::to_string(p.zero));
}

void Training(const workload::Scenario& s, Args* a, std::vector<std::string>* notes) {
  const auto& t = s.training;
  a->emplace_back("--micro-batch-size", std::to_string(t.micro_batch));
  a->emplace_back("--global-batch-size", std::to_string(s.GlobalBatch()));
  if (t.activation_checkpointing == Checkpointing::kFull) {
    a->emplace_back("--checkpoint-activations", "");
    a->emplace_back("--deepspeed-activation-checkpointing", "");
  }
  if (t.precision == Precision::kBf16Mixed) a->emplace_back("--bf16", "");
  if (t.precision == Precision::kFp16Mixed) a->emplace_back("--fp16", "");
  switch (t.optimizer) {
    case workload::Optimizer::kSgd:
      a->emplace_back("--optimizer", "sgd");
      break;
    case workload::Optimizer::kAdamW8bit:
      a->emplace_back("--optimizer", "adam");
      a->emplace_back("--use-bnb-optimizer", "");  // bitsandbytes 8-bit Adam
      break;
    default:
      a->emplace_back("--optimizer", "adam");
      if (t.optimizer != workload::Optimizer::kAdamW)
        notes->push_back("optimizer " + std::string(EnumName(workload::kOptimizers, t.optimizer)) +
                         " is not in Megatron-DeepSpeed (adam, sgd, bnb 8-bit adam): "
                         "exported as adam");
  }
}

// The DeepSpeed config: batch sizes matching the Megatron arguments (DeepSpeed checks
// train_batch_size = micro x accumulation x data parallel), ZeRO stage, precision.
std::string DsConfig(const workload::Scenario& s) {
  ConfigNode root;
  root.Int("train_micro_batch_size_per_gpu", s.training.micro_batch);
  root.Int("train_batch_size", s.GlobalBatch());
  root.Real("gradient_clipping", 1.0);
  root.Object("zero_optimization").Int("stage", s.parallelism.zero);
  if (s.training.precision == Precision::kBf16Mixed) root.Object("bf16").Bool("enabled", true);
  if (s.training.precision == Precision::kFp16Mixed) DeepSpeedFp16(&root);
  root.Int("steps_per_print", 2000);
  root.Bool("wall_clock_breakdown", false);
  return Json(root);
}

}  // namespace

std::optional<std::string> MegatronDeepSpeedUnsupported(const workload::Scenario& s) {
  const auto& m = s.model;
  const auto& p = s.parallelism;
  if (m.kind != catalog::ModelKind::kDecoder || !m.has_shape() || m.IsMoe())
    return "Megatron-DeepSpeed exports dense GPT-style decoders with a known shape";
  if (m.norm != catalog::NormKind::kLayerNorm || !m.bias || !m.tied_embeddings ||
      m.KvHeads() < m.heads)
    return "Megatron-DeepSpeed (BigScience) builds LayerNorm, biased, tied-embedding "
           "multi-head models (GPT-3, BLOOM, OPT); use megatron";
  if (!workload::TrainsAllWeights(s.training.method))
    return "Megatron-DeepSpeed trains all weights (method: pretrain or full)";
  if (p.vpp > 1 || p.cp > 1 || p.ep > 1 || p.sequence_parallel || p.shard_group > 0)
    return "Megatron-DeepSpeed runs tp, pp and data parallel only (no vpp, cp, ep, sp, HSDP)";
  if (p.zero > 1 || p.offload != workload::Offload::kNone)
    return "Megatron-DeepSpeed with DeepSpeed pipelines takes ZeRO 0-1 without offload";
  if (s.training.activation_checkpointing == Checkpointing::kSelective)
    return "Megatron-DeepSpeed checkpoints whole layers (activation_checkpointing: full or none)";
  const auto precision = s.training.precision;
  if (precision == Precision::kFp8Mixed || precision == Precision::kBf16)
    return "Megatron-DeepSpeed trains in bf16-mixed, fp16-mixed or fp32";
  return std::nullopt;
}

LaunchConfig WriteMegatronDeepSpeed(const workload::Scenario& s) {
  LaunchConfig out;
  out.engine = Engine::kMegatronDeepSpeed;
  Args args;
  Parallel(s, &args);
  Training(s, &args, &out.notes);
  Model(s, &args);
  args.emplace_back("--deepspeed", "");
  args.emplace_back("--deepspeed_config", "ds_config.json");
  const Args launcher = TorchrunLauncher(s);
  out.files.push_back({"launch.sh", PlanSummary(s) + "\n" + LaunchLine(launcher) +
                                        " \\\n  pretrain_gpt.py \\\n" + Join(args, "  ", " \\")});
  out.files.push_back({"ds_config.json", DsConfig(s)});
  out.launch = "bash launch.sh";
  out.keys = Flags(launcher);
  const auto more = Flags(args);
  out.keys.insert(out.keys.end(), more.begin(), more.end());
  out.notes.push_back(
      "run from a bigscience-workshop/Megatron-DeepSpeed checkout; add your data and "
      "schedule: --data-path, --tokenizer-type / --tokenizer-name-or-path (vocabulary " +
      std::to_string(s.model.vocab) + "), --train-samples, --lr, --save");
  if (s.hardware.nodes > 1)
    out.notes.insert(out.notes.begin(),
                     "run on every node with JOB_ID and MASTER_ADDR set (the first node's "
                     "address)");
  return out;
}

}  // namespace gpuadv::launch
