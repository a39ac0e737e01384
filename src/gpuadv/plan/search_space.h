#pragma once
// The planner's search space (C9; STYLE.md principle 12): every valid factorisation of N
// GPUs into tensor x pipeline x context x data parallel, with expert parallel, ZeRO stage,
// HSDP shard group, sequence parallel, interleaving, micro-batch and checkpointing.
//
// The space is a list of groups (one per Layout) times, per group, the micro-batches that
// make the global batch integral (ascending) times the checkpointing levels (descending
// memory: none, selective, full). Strategies rely on that order for monotone pruning.
#include <cstdint>
#include <string>
#include <vector>

#include "gpuadv/plan/candidate.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::plan {

/// What the space may contain. The defaults describe Megatron-LM / PyTorch FSDP style
/// training; launch engines narrow it (launch::SpaceFor).
struct SpaceOptions {
  int max_tp = 0;  // 0 = the GPUs of one node (tensor parallel stays in the NVLink domain)
  bool allow_pp = true;
  bool allow_vpp = true;
  // Where pp does not divide the layers: count the embedding and loss as pipeline layers
  // when pp divides layers + 2 (Megatron-Core; other engines split unevenly on their own).
  bool allow_embedding_loss_split = true;
  // Pipeline sizes that divide neither (powers of two, at least two layers a stage): the
  // heaviest stage holds one layer more (Megatron-Core's first / last stage sizes or its
  // pipeline layout, which interleaves any split: DeepSeek-V3's 61 layers on pp 8 x vpp 4).
  bool allow_uneven_pp = true;
  bool allow_cp = true;          // only for sequences of at least kLongSequence tokens
  bool allow_ep = true;          // only for MoE models
  bool allow_sp = true;          // sequence parallel (with tp > 1)
  bool allow_hsdp = true;        // ZeRO-2/3 sharded within a node, replicated across (HSDP)
  unsigned zero_stages = 0xF;    // bit z set: ZeRO stage z allowed
  bool sharded_with_pp = false;  // ZeRO-2/3 together with pipeline parallel (DeepSpeed and
                                 // Megatron's distributed optimizer do not combine them)
  /// Levels in descending memory order (the pruned strategy relies on it).
  std::vector<workload::Checkpointing> checkpointing = {workload::Checkpointing::kNone,
                                                        workload::Checkpointing::kSelective,
                                                        workload::Checkpointing::kFull};
  std::vector<workload::Offload> offloads = {workload::Offload::kNone};
  /// ZeRO stages an offload may combine with (bit z: stage z); parameters offload always
  /// needs stage 3 and any offload a stage >= 1.
  unsigned offload_zero_stages = 0xE;
  /// Offloads tried when nothing fits without one (Planner), e.g. {kOptimizer}.
  std::vector<workload::Offload> fallback_offloads = {workload::Offload::kOptimizer,
                                                      workload::Offload::kOptimizerParams};
  long long max_micro_batch = 64;
  int max_vpp = 8;
  // Re-chooses a defaulted training stack for the planned GPU count (io::RestackDefault;
  // optional: without it the plans keep the stack the scenario resolved to).
  void (*restack)(workload::Scenario&) = nullptr;
};

/// Sequences of at least this many tokens also try context parallel.
inline constexpr long long kLongSequence = 8192;
/// Context parallel keeps at least this many tokens per GPU.
inline constexpr long long kMinTokensPerCpRank = 1024;
/// Largest GPU count the planner accepts.
inline constexpr int kMaxGpus = 1 << 20;

/// One layout and its micro-batches (ascending).
struct Group {
  Layout layout;
  std::vector<long long> micro_batches;
};

struct SearchSpace {
  /// The scenario with the planned hardware (count x nodes = gpus) and the global batch
  /// fixed; Apply(candidate, copy of base) gives a candidate's scenario.
  workload::Scenario base;
  int gpus = 1;
  long long global_batch = 1;
  bool global_batch_assumed = false;  // the scenario gave none: micro_batch x gpus
  std::vector<workload::Checkpointing> checkpointing;
  std::vector<Group> groups;
  std::vector<uint64_t> offsets;  // flat index of each group's first candidate
  uint64_t layouts_rejected = 0;  // factorisations whose data-parallel size splits no batch
  std::vector<std::string> notes;

  /// Number of candidates.
  uint64_t Size() const;
  /// The candidate at (group, micro-batch index, checkpointing index).
  Candidate At(uint32_t group, uint32_t mb_index, uint32_t ck_index) const;
};

/// The scenario's hardware set to `gpus` GPUs: the per-node count of the scenario
/// (hardware.count) times whole nodes, or one partial node. Throws InputError ("--gpus")
/// for gpus < 1, above kMaxGpus, or not a multiple of the per-node count.
workload::Scenario WithGpus(const workload::Scenario& s, int gpus);

/// Builds the space for `gpus` GPUs. Throws InputError ("--gpus") as WithGpus, or when no
/// layout splits the global batch. Never evaluates anything.
SearchSpace MakeSearchSpace(const workload::Scenario& s, int gpus, const SpaceOptions& opt = {});

}  // namespace gpuadv::plan
