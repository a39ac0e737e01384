#pragma once
// The parallel layout of a scenario as the estimators see it (MODELLING.md sections 3 and 6).
#include "gpuadv/catalog/module_names.h"
#include "gpuadv/catalog/param_count.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::estimate {

/// The parallel layout and batch shape of one GPU, derived once from the scenario: the one
/// derivation the memory (mem::Setup::lay) and throughput estimators share.
struct Layout {
  int tp = 1, pp = 1, vpp = 1, cp = 1, ep = 1;
  int dp = 1;  // data-parallel replicas (ep shares these ranks)
  // Expert tensor parallel (Parallelism::ExpertTp): an expert's weights split over etp ranks.
  // The experts' etp x ep x edp grid covers the tp x cp x dp ranks of a stage; tokens reach
  // the experts from each rank's sequence-parallel share (Megatron-Core requires sequence
  // parallelism for MoE with tp > 1), gathered over etp.
  int etp = 1;
  /// Expert rows a GPU computes per token it holds: its sequence-parallel share (1 / tp),
  /// gathered over the etp ranks that split an expert.
  double ExpertGather() const { return static_cast<double>(etp) / tp; }
  // Ranks that hold the same parameters: the data-parallel replicas and, within each, the
  // context-parallel ranks (they see other tokens of the same sequences). Gradients are
  // reduced over them and ZeRO / FSDP shards over them: Megatron-Core's data-parallel group
  // with context parallelism, torchtitan's dp_shard_cp mesh, DeepSpeed Ulysses'
  // sequence-data-parallel group.
  int dp_cp = 1;
  int shard = 1;  // ZeRO/FSDP shard group: dp_cp, or HSDP's shard_group x cp
  int zero = 0;
  int count = 1;  // GPUs per node
  int nodes = 1;
  int gpus = 1;
  long long micro_batches = 1;  // m: micro-batches per optimizer step per pipeline
  double b = 1;                 // sequences per micro-batch
  double s = 1;                 // sequence length (tokens)
  double tokens_mb = 1;         // b*s/cp: tokens one GPU holds per micro-batch
  double layers_stage = 1;      // layers of the heaviest stage (Parallelism::HeaviestStageLayers)
  // The last stage holds one layer fewer and the lm_head + loss (pipeline_embedding_loss).
  bool embedding_loss_stages = false;
  bool sequence_parallel = false;

  /// Megatron's row-parallel linears, split along their input over tensor (or expert
  /// tensor) parallelism: the attention output and the MLP's down projection
  /// (catalog::ModuleSlot); the others are column-parallel, their input replicated.
  static bool RowParallel(unsigned slots) {
    return (slots & (catalog::kSlotO | catalog::kSlotDown)) != 0;
  }
  /// A dense (not expert) column-parallel linear: its input replicated over the tensor-
  /// parallel ranks, or under sequence parallelism gathered from their sequence shards.
  static bool DenseColumnParallel(const catalog::LinearShape& l) {
    return l.copies <= 1 && !RowParallel(l.slots);
  }
};

/// The layout of `s`: degrees clamped to >= 1, ZeRO to 0-3, the shard group (HSDP's
/// shard_group when it divides the replicas, else all of them, each with its
/// context-parallel ranks).
Layout MakeLayout(const workload::Scenario& s);

}  // namespace gpuadv::estimate
