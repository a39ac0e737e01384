#include "gpuadv/workload/describe.h"

#include <cstdio>
#include <string>

#include "gpuadv/workload/method_traits.h"

namespace gpuadv::workload {
namespace {

std::string G(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.4g", v);
  return buf;
}
std::string I(long long v) { return std::to_string(v); }

}  // namespace

void DescribeScenario(const Scenario& s, Explanation& e) {
  const auto& m = s.model;
  std::string model = (m.id.empty() ? s.model_ref : m.id) + " (" +
                      std::string(EnumName(catalog::kModelKinds, m.kind)) + ", " + G(m.params) +
                      " params";
  if (m.has_shape()) {
    model += ", L" + I(m.layers) + " h" + I(m.hidden) + " heads " + I(m.heads) + "/" +
             I(m.KvHeads()) + " kv, ffn " + I(m.ffn) + ", vocab " + I(m.vocab) + ", " +
             std::string(EnumName(catalog::kMlpKinds, m.mlp)) + ", " +
             std::string(EnumName(catalog::kNormKinds, m.norm));
    if (m.IsMoe()) model += ", " + I(m.experts) + " experts, " + I(m.experts_active) + " active";
  }
  e.Basis("input model", model + ")");
  const auto& t = s.training;
  std::string tr =
      std::string(EnumName(kMethods, t.method)) + ", " +
      std::string(EnumName(kPrecisions, t.precision)) + ", " +
      std::string(EnumName(kOptimizers, t.optimizer)) +
      (t.optimizer_state_dtype == StateDtype::kBf16 ? " (bf16 moments)" : "") +
      (t.optimizer_state_offload ? " (states in host memory between steps)" : "") + ", seq_len " +
      I(t.seq_len) + ", micro_batch " + I(t.micro_batch) + ", global_batch " + I(s.GlobalBatch()) +
      " (" + I(s.MicroBatchesPerStep()) + " micro-steps), checkpointing " +
      std::string(EnumName(kCheckpointings, t.activation_checkpointing)) +
      (t.RecomputedModules() != 0 && t.stack.id == Framework::kMegatron
           ? " (recompute " + RecomputeModuleNames(t.RecomputedModules(), ", ") + ")"
           : "") +
      ", attention " + std::string(EnumName(kAttentions, t.attention)) + ", loss " +
      std::string(EnumName(kLosses, t.loss)) + ", stack " +
      std::string(EnumName(kFrameworks, t.stack.id)) + (t.stack.defaulted ? " (default)" : "");
  if (TrainsAdapters(t.method)) {
    tr += ", LoRA r" + I(t.lora.rank) + " on ";
    if (t.lora.all_linear) {
      tr += "all linear layers";
    } else {
      tr += t.lora.TargetList();
    }
    if (s.Fp32FrozenBase()) tr += ", base fp32 (autocast)";
  }
  if (QuantizedBase(t.method))
    tr += ", base " + t.quantization.type + (t.quantization.double_quant ? " + double quant" : "");
  e.Basis("input training", tr);
  const auto& h = s.hardware;
  e.Basis("input hardware",
          I(h.count) + " x " + h.gpu.id + " per node x " + I(h.nodes) + " nodes, interconnect " +
              std::string(EnumName(kInterconnects, h.interconnect)) +
              (h.network_gbps ? ", network " + G(*h.network_gbps) + " Gb/s" : ""));
  const auto& p = s.parallelism;
  e.Basis("input parallelism", "tp " + I(p.tp) + ", pp " + I(p.pp) + " (vpp " + I(p.vpp) +
                                   "), cp " + I(p.cp) + ", ep " + I(p.ep) +
                                   (p.ExpertTp() != p.tp ? ", etp " + I(p.ExpertTp()) : "") +
                                   ", dp " + I(s.DataParallel()) + ", zero " + I(p.zero) +
                                   (p.shard_group ? ", shard group " + I(p.shard_group) : "") +
                                   ", offload " + std::string(EnumName(kOffloads, p.offload)) +
                                   (p.sequence_parallel ? ", sequence parallel" : ""));
}

}  // namespace gpuadv::workload
