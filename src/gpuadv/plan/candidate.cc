#include "gpuadv/plan/candidate.h"

namespace gpuadv::plan {

void Apply(const Candidate& c, workload::Scenario* s) {
  auto& p = s->parallelism;
  const Layout& l = c.layout;
  p.tp = l.tp;
  p.pp = l.pp;
  p.vpp = l.vpp;
  p.cp = l.cp;
  p.ep = l.ep;
  p.etp = l.etp;
  p.zero = l.zero;
  p.shard_group = l.shard_group;
  p.offload = l.offload;
  p.sequence_parallel = l.sequence_parallel;
  p.pipeline_embedding_loss = l.pipeline_embedding_loss;
  p.specified = true;
  s->training.micro_batch = c.micro_batch;
  s->training.activation_checkpointing = c.checkpointing;
  // Selective checkpointing the planner chooses for a Megatron MoE / MLA job whose modules the
  // scenario leaves unsaid recomputes Megatron's fine-grained modules, as the published
  // DeepSeek-V3 and Qwen3 runs do, not the default attention core, which frees nothing under
  // a fused attention kernel (Training::RecomputedModules takes them on the megatron stack
  // only). The plan's resolved knobs and export name them.
  s->training.planned_recompute_modules =
      c.checkpointing == workload::Checkpointing::kSelective &&
              s->training.attention == workload::Attention::kFlash
          ? s->FineRecomputeModules()
          : 0;
}

Candidate CandidateOf(const workload::Scenario& s) {
  const auto& p = s.parallelism;
  Candidate c;
  c.layout = {p.tp,
              p.pp,
              p.vpp,
              p.cp,
              p.ep,
              s.DataParallel(),
              p.zero,
              p.shard_group,
              p.sequence_parallel,
              p.pipeline_embedding_loss,
              p.offload,
              p.etp};
  c.micro_batch = s.training.micro_batch;
  c.gradient_accumulation = s.MicroBatchesPerStep();
  c.checkpointing = s.training.activation_checkpointing;
  return c;
}

std::string Label(const Candidate& c) {
  const Layout& l = c.layout;
  std::string out = "tp" + std::to_string(l.tp) + " pp" + std::to_string(l.pp);
  if (l.vpp > 1) out += " vpp" + std::to_string(l.vpp);
  if (l.pipeline_embedding_loss) out += "+el";
  if (l.cp > 1) out += " cp" + std::to_string(l.cp);
  if (l.ep > 1) out += " ep" + std::to_string(l.ep);
  if (l.etp > 0 && l.etp != l.tp) out += " etp" + std::to_string(l.etp);
  out += " dp" + std::to_string(l.dp) + " zero" + std::to_string(l.zero);
  if (l.shard_group > 0) out += "/hsdp" + std::to_string(l.shard_group);
  out += " mb" + std::to_string(c.micro_batch) + "x" + std::to_string(c.gradient_accumulation);
  out += " ckpt=" + std::string(EnumName(workload::kCheckpointings, c.checkpointing));
  if (l.sequence_parallel) out += " sp";
  if (l.offload != workload::Offload::kNone)
    out += " offload=" + std::string(EnumName(workload::kOffloads, l.offload));
  return out;
}

}  // namespace gpuadv::plan
