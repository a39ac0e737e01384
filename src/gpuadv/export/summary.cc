#include "gpuadv/core/error.h"
#include "gpuadv/export/writers.h"

namespace gpuadv::launch {

std::optional<std::pair<int, int>> UnevenSplit(int layers, const workload::Parallelism& p) {
  if (p.pp <= 2 || p.vpp > 1 || p.pipeline_embedding_loss || layers % p.pp == 0)
    return std::nullopt;
  const int mid = (layers + p.pp - 1) / p.pp, rest = layers - mid * (p.pp - 2);
  if (rest < 2 || rest > 2 * mid) return std::nullopt;
  return std::make_pair((rest + 1) / 2, rest / 2);
}

std::string PipelineLayout(const workload::Scenario& s) {
  const auto& p = s.parallelism;
  const int layers = s.model.layers, el = p.pipeline_embedding_loss ? 2 : 0;
  const long long stages = static_cast<long long>(p.pp) * p.vpp;
  // Even splits, and uneven ones without interleaving or embedding and loss as layers, have
  // Megatron's own flags (UnevenSplit); the rest is written out.
  if (p.pp <= 1 || layers <= 0 || (layers + el) % stages == 0 || (p.vpp <= 1 && !el)) return "";
  // The pipeline units in model order, spread evenly: the first stages one more.
  std::string units = (el ? "E" : "") + std::string(layers, 't') + (el ? "L" : "");
  const long long n = static_cast<long long>(units.size());
  const long long per = (n + stages - 1) / stages, heavy = n - (per - 1) * stages;
  std::string out;
  size_t at = 0;
  for (long long i = 0; i < stages; ++i) {
    const size_t take = static_cast<size_t>(i < heavy ? per : per - 1);
    std::string stage = units.substr(at, take);
    at += take;
    if (!el && i == 0) stage.insert(0, "E");
    if (i == stages - 1) {
      stage.insert(stage.size() - (el ? 1 : 0), std::string(std::max(0, s.model.mtp_layers), 'm'));
      if (!el) stage += "L";
    }
    out += (i ? "|" : "") + stage;
  }
  return out;
}

void CheckPipelineSplit(const workload::Scenario& s) {
  const auto& p = s.parallelism;
  const int layers = s.model.layers, total = layers + (p.pipeline_embedding_loss ? 2 : 0);
  if (p.pp <= 1 || total % p.pp == 0 || UnevenSplit(layers, p) || !PipelineLayout(s).empty())
    return;
  throw InputError("parallelism.pp", std::to_string(p.pp),
                   "a pipeline size that divides the " + std::to_string(layers) +
                       " layers, or pipeline_embedding_loss: true when it divides layers + 2 (" +
                       std::to_string(layers + 2) +
                       "), or pp > 2 without vpp (uneven first/last stages)",
                   "Megatron-LM cannot split " + std::to_string(layers) + " layers over");
}

std::string HfRepo(const workload::Scenario& s) {
  for (const auto& a : s.model.aliases)
    if (a.find('/') != std::string::npos) return a;
  return "";
}

bool AssumesCompile(const workload::Scenario& s) {
  // What the estimate assumed: a compiled loss (StackTraits::compiled_loss) on a stack whose
  // compile flag compiles it: torchtitan's default; torchtune's only when the scenario says
  // so, as its recipes default to compile: False and the estimate then keeps every chunk's
  // fp32 log-softmax (chunked_loss_kind: upcast-chunks), which a compiled loss does not.
  const workload::Framework f = s.training.stack.id;  // the stack the estimate resolved
  return (f == workload::Framework::kTorchtune || f == workload::Framework::kTorchtitan) &&
         s.training.stack.compiled_loss;
}

std::string PlanSummary(const workload::Scenario& s) {
  const auto& p = s.parallelism;
  const auto& t = s.training;
  const std::string model = s.model.id.empty() ? s.model_ref : s.model.id;
  std::string out = "# gpu-advisor plan: " + model + " on " +
                    std::to_string(s.hardware.TotalGpus()) + " x " + s.hardware.gpu.id + " (" +
                    std::to_string(s.hardware.nodes) + " node" + (s.hardware.nodes > 1 ? "s" : "") +
                    "): tp " + std::to_string(p.tp) + ", pp " + std::to_string(p.pp);
  if (p.vpp > 1) out += " (vpp " + std::to_string(p.vpp) + ")";
  if (p.cp > 1) out += ", cp " + std::to_string(p.cp);
  if (p.ep > 1) out += ", ep " + std::to_string(p.ep);
  out += ", dp " + std::to_string(s.DataParallel()) + ", zero " + std::to_string(p.zero);
  if (p.shard_group > 0) out += " (shard group " + std::to_string(p.shard_group) + ")";
  out += "; micro-batch " + std::to_string(t.micro_batch) + " x " +
         std::to_string(s.MicroBatchesPerStep()) + " accumulation, global batch " +
         std::to_string(s.GlobalBatch()) + " x " + std::to_string(t.seq_len) +
         " tokens; checkpointing " +
         std::string(EnumName(workload::kCheckpointings, t.activation_checkpointing)) + "; stack " +
         std::string(EnumName(workload::kFrameworks, t.stack.id));
  return out;
}

}  // namespace gpuadv::launch
