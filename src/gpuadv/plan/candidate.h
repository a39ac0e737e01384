#pragma once
// One point of the planner's search space (C9): a parallel layout plus the training knobs
// the planner chooses (micro-batch, activation checkpointing). Plain data.
#include <cstdint>
#include <string>

#include "gpuadv/workload/enums.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::plan {

/// Everything of a plan except the micro-batch and the checkpointing: the parallel degrees,
/// the ZeRO/FSDP sharding and the offload. dp = gpus / (tp * pp * cp); ep shares dp ranks.
struct Layout {
  int tp = 1;
  int pp = 1;
  int vpp = 1;  // interleaved stages per pipeline rank
  int cp = 1;
  int ep = 1;
  int dp = 1;
  int zero = 0;         // 0..3 (FSDP FULL_SHARD = 3, SHARD_GRAD_OP = 2)
  int shard_group = 0;  // 0 = whole data-parallel group; else HSDP group size
  bool sequence_parallel = false;
  bool pipeline_embedding_loss = false;  // embedding and loss counted as pipeline layers
  workload::Offload offload = workload::Offload::kNone;
  int etp = 0;  // expert tensor parallel: 0 = tp (Megatron's default), 1 = MoE parallel folding
};

/// A layout with its micro-batch and checkpointing, and where it sits in the space.
struct Candidate {
  Layout layout;
  long long micro_batch = 1;            // sequences per GPU per micro-step
  long long gradient_accumulation = 1;  // micro-batches per optimizer step per replica
  workload::Checkpointing checkpointing = workload::Checkpointing::kNone;
  // Position in the space (SearchSpace::At): group, micro-batch index, checkpointing index,
  // and the flat enumeration index that breaks ties deterministically.
  uint32_t group = 0;
  uint32_t micro_batch_index = 0;
  uint32_t checkpointing_index = 0;
  uint64_t index = 0;
};

/// Writes the candidate's knobs into `s` (parallelism, micro_batch, checkpointing); leaves
/// every other field alone. Contract: `s` already has the planned hardware and global batch
/// (SearchSpace::base); cheap (no allocation), so the evaluator can reuse one scenario.
void Apply(const Candidate& c, workload::Scenario* s);

/// The candidate `s` runs (its layout, micro-batch, accumulation and checkpointing): the
/// inverse of Apply, for labelling a layout a scenario pins.
Candidate CandidateOf(const workload::Scenario& s);

/// "tp8 pp4 vpp2 dp32 zero1 mb1x16 ckpt=selective sp": a short label for tables and logs.
std::string Label(const Candidate& c);

}  // namespace gpuadv::plan
