#include "gpuadv/plan/search_space.h"

#include <algorithm>
#include <map>
#include <utility>

#include "gpuadv/core/error.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::plan {
namespace {

using workload::Offload;

std::vector<long long> Divisors(long long n) {
  std::vector<long long> small, large;
  for (long long d = 1; d * d <= n; ++d) {
    if (n % d != 0) continue;
    small.push_back(d);
    if (d != n / d) large.push_back(n / d);
  }
  small.insert(small.end(), large.rbegin(), large.rend());
  return small;
}

// QLoRA runs on stacks that shard the 4-bit base by data parallelism only (PEFT +
// bitsandbytes under DDP / FSDP, FSDP-QLoRA, Unsloth, torchtune, Axolotl); none splits a
// bitsandbytes 4-bit layer across tensor or pipeline ranks (Megatron-Core / NeMo run LoRA,
// not NF4 QLoRA). The planner keeps it to the layouts that exist.
bool DataParallelOnly(const workload::Scenario& s) {
  return workload::QuantizedBase(s.training.method);
}

// Tensor parallel: divides the GPUs of a node (the NVLink / NVSwitch domain), the attention
// heads and the KV heads (Megatron-LM requires num_query_groups % tp == 0).
std::vector<int> TensorOptions(const workload::Scenario& s, const SpaceOptions& opt) {
  const auto& m = s.model;
  const int node = std::max(1, s.hardware.count);
  const int cap = DataParallelOnly(s) ? 1 : opt.max_tp > 0 ? std::min(opt.max_tp, node) : node;
  std::vector<int> out;
  for (long long t : Divisors(node)) {
    if (t > cap) break;
    if (t > 1 && (!m.has_shape() || m.heads % t != 0 || m.KvHeads() % t != 0)) continue;
    out.push_back(static_cast<int>(t));
  }
  return out;
}

// Pipeline parallel: divisors of the layers (even stages, as Megatron-LM requires without
// a custom layout).
std::vector<int> PipelineOptions(const workload::Scenario& s, const SpaceOptions& opt) {
  if (!opt.allow_pp || !s.model.has_shape() || DataParallelOnly(s)) return {1};
  std::vector<int> out;
  for (long long p : Divisors(s.model.layers)) out.push_back(static_cast<int>(p));
  // With the embedding and loss as pipeline layers, divisors of layers + 2 too (stages of
  // at least two pipeline layers).
  if (opt.allow_embedding_loss_split)
    for (long long p : Divisors(s.model.layers + 2LL))
      if ((s.model.layers + 2LL) / p >= 2) out.push_back(static_cast<int>(p));
  if (opt.allow_uneven_pp)
    for (long long p = 2; 2 * p <= s.model.layers; p *= 2) out.push_back(static_cast<int>(p));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

// Context parallel for long sequences: powers of two with seq % (2 cp) == 0 (Megatron-LM's
// load-balanced causal split) and at least kMinTokensPerCpRank tokens per rank.
std::vector<int> ContextOptions(const workload::Scenario& s, const SpaceOptions& opt) {
  const long long seq = s.training.seq_len;
  std::vector<int> out = {1};
  if (!opt.allow_cp || !s.model.has_shape() || seq < kLongSequence || DataParallelOnly(s))
    return out;
  for (int c = 2; seq % (2LL * c) == 0 && seq / c >= kMinTokensPerCpRank; c *= 2) out.push_back(c);
  return out;
}

// Expert layouts (ep, etp) at a split: ep dividing the data-parallel ranks with etp = tp
// (Megatron's default), and with tp > 1 also each expert whole on its GPU (etp 1, MoE
// parallel folding), where ep may reach over the tp x dp ranks of a stage.
struct ExpertLayout {
  int ep = 1, etp = 0;
};
std::vector<ExpertLayout> ExpertOptions(const workload::Scenario& s, const SpaceOptions& opt,
                                        int tp, int dp) {
  if (!opt.allow_ep || !s.model.IsMoe()) return {{1, 0}};
  std::vector<ExpertLayout> out;
  for (long long e : Divisors(s.model.experts)) {
    if (dp % e == 0) out.push_back({static_cast<int>(e), 0});
    if (tp > 1 && (static_cast<long long>(tp) * dp) % e == 0)
      out.push_back({static_cast<int>(e), 1});
  }
  return out;
}

// Interleaved stages per pipeline rank, up to max_vpp: divisors of the layers per stage;
// where pp does not divide the layers, those of (layers + 2) / pp with the embedding and
// loss counted as pipeline layers (Megatron --account-for-embedding/loss-in-pipeline-split).
struct Interleave {
  int vpp = 1;
  bool embedding_loss = false;
};
std::vector<Interleave> InterleaveOptions(const workload::Scenario& s, const SpaceOptions& opt,
                                          int pp) {
  if (pp <= 1) return {{1, false}};
  const int layers = s.model.layers;
  const bool even = layers % pp == 0;
  const bool with_el =
      !even && opt.allow_embedding_loss_split && (layers + 2) % pp == 0 && (layers + 2) / pp >= 2;
  std::vector<Interleave> out;
  if (!even && !with_el) {
    // Neither splits evenly (PipelineOptions' allow_uneven_pp): the embedding and loss as
    // pipeline layers where the engine counts them, interleaved while the virtual stages keep
    // 1.5 pipeline layers on average, stages of one or two (Megatron-Core's layout,
    // launch::PipelineLayout; DeepSeek-V3's 63 on pp 8 x vpp 4).
    const bool el = opt.allow_embedding_loss_split;
    const int units = layers + (el ? 2 : 0);
    out.push_back({1, el});
    for (int v = 2; opt.allow_vpp && v <= opt.max_vpp && 3 * pp * v <= 2 * units; ++v)
      out.push_back({v, el});
    return out;
  }
  if (!opt.allow_vpp) return {{1, with_el}};
  for (long long v : Divisors((layers + (with_el ? 2 : 0)) / pp))
    if (v <= opt.max_vpp) out.push_back({static_cast<int>(v), with_el});
  return out;
}

// Micro-batches b with global_batch % (b x dp) == 0, ascending; interleaving also needs the
// micro-batch count to be a multiple of pp (Megatron-LM's interleaved schedule).
std::vector<long long> MicroBatches(long long global, int dp, const Layout& l,
                                    const SpaceOptions& opt) {
  std::vector<long long> out;
  if (global % dp != 0) return out;
  for (long long b : Divisors(global / dp)) {
    if (b > opt.max_micro_batch) break;
    const long long m = global / dp / b;
    if (l.vpp > 1 && m % l.pp != 0) continue;
    out.push_back(b);
  }
  return out;
}

void AddShardingGroups(const workload::Scenario& s, const SpaceOptions& opt, Layout l,
                       std::vector<Layout>* out) {
  // ZeRO stages; no sharding where one rank holds each parameter (ZeRO shards over the
  // data-parallel and context-parallel ranks, estimate::Layout::dp_cp).
  for (int z = 0; z <= 3; ++z) {
    if (z > 0 && l.dp * l.cp == 1) continue;
    // Without data-parallel ranks there is nothing to shard: ZeRO 0 whatever the stages.
    if (!(opt.zero_stages & (1u << z)) && l.dp * l.cp > 1) continue;
    if (z >= 2 && l.pp > 1 && !opt.sharded_with_pp) continue;
    l.zero = z;
    l.shard_group = 0;
    out->push_back(l);
    // HSDP: shard inside a node (the data-parallel ranks one node holds), replicate across.
    const int local = std::max(1, s.hardware.count) / (l.tp * l.cp);
    if (opt.allow_hsdp && z >= 2 && local > 1 && local < l.dp && l.dp % local == 0) {
      l.shard_group = local;
      out->push_back(l);
      l.shard_group = 0;
    }
  }
}

}  // namespace

uint64_t SearchSpace::Size() const {
  uint64_t n = 0;
  for (const Group& g : groups) n += g.micro_batches.size();
  return n * checkpointing.size();
}

Candidate SearchSpace::At(uint32_t group, uint32_t mb_index, uint32_t ck_index) const {
  const Group& g = groups[group];
  Candidate c;
  c.layout = g.layout;
  c.micro_batch = g.micro_batches[mb_index];
  c.gradient_accumulation = global_batch / (c.micro_batch * g.layout.dp);
  c.checkpointing = checkpointing[ck_index];
  c.group = group;
  c.micro_batch_index = mb_index;
  c.checkpointing_index = ck_index;
  c.index = offsets[group] + static_cast<uint64_t>(mb_index) * checkpointing.size() + ck_index;
  return c;
}

workload::Scenario WithGpus(const workload::Scenario& s, int gpus) {
  const int per_node = std::max(1, s.hardware.count);
  if (gpus < 1 || gpus > kMaxGpus)
    throw InputError("--gpus", std::to_string(gpus),
                     "a GPU count from 1 to " + std::to_string(kMaxGpus), "out of range");
  workload::Scenario out = s;
  if (gpus <= per_node) {
    out.hardware.count = gpus;
    out.hardware.nodes = 1;
  } else if (gpus % per_node != 0) {
    throw InputError("--gpus", std::to_string(gpus),
                     "a multiple of the " + std::to_string(per_node) +
                         " GPUs per node (hardware.count), or at most " + std::to_string(per_node),
                     "does not fill whole nodes");
  } else {
    out.hardware.nodes = gpus / per_node;
  }
  return out;
}

namespace {

// The global batch every layout must split: the scenario's, else micro_batch x GPUs (said).
void ResolveGlobalBatch(SearchSpace& space) {
  auto& t = space.base.training;
  if (t.global_batch > 0) {
    space.global_batch = t.global_batch;
  } else {
    space.global_batch = std::max<long long>(1, t.micro_batch) * space.gpus;
    space.global_batch_assumed = true;
    space.notes.push_back("no training.global_batch: assumed micro_batch x GPUs = " +
                          std::to_string(space.global_batch) + " sequences per step");
  }
  t.global_batch = space.global_batch;
}

// The sharding variants of `l` that can run its offload: offload needs a ZeRO optimizer
// (stage >= 1, one of opt.offload_zero_stages); parameter offload needs stage 3.
void AddShardedVariants(const workload::Scenario& base, const SpaceOptions& opt, const Layout& l,
                        std::vector<Layout>* out) {
  std::vector<Layout> sharded;
  AddShardingGroups(base, opt, l, &sharded);
  for (const Layout& z : sharded) {
    if (l.offload != Offload::kNone && (z.zero == 0 || !(opt.offload_zero_stages & (1u << z.zero))))
      continue;
    if (l.offload == Offload::kOptimizerParams && z.zero < 3) continue;
    out->push_back(z);
  }
}

// Every layout at a model-parallel split (tp, pp, cp) with data-parallel size dp: expert,
// interleave, sequence-parallel and offload options, then sharding.
void AddSplitLayouts(const SearchSpace& space, const SpaceOptions& opt, int tp, int pp, int cp,
                     int dp, std::vector<Layout>* out) {
  for (const ExpertLayout ex : ExpertOptions(space.base, opt, tp, dp)) {
    for (const Interleave iv : InterleaveOptions(space.base, opt, pp)) {
      for (int sp = 0; sp <= (tp > 1 && opt.allow_sp ? 1 : 0); ++sp) {
        for (Offload off : opt.offloads) {
          Layout l;
          l.tp = tp;
          l.pp = pp;
          l.vpp = iv.vpp;
          l.pipeline_embedding_loss = iv.embedding_loss;
          l.cp = cp;
          l.ep = ex.ep;
          l.etp = ex.etp;
          l.dp = dp;
          l.sequence_parallel = sp == 1;
          l.offload = off;
          AddShardedVariants(space.base, opt, l, out);
        }
      }
    }
  }
}

std::vector<Layout> EnumerateLayouts(SearchSpace& space, const SpaceOptions& opt) {
  std::vector<Layout> layouts;
  for (int tp : TensorOptions(space.base, opt)) {
    for (int pp : PipelineOptions(space.base, opt)) {
      for (int cp : ContextOptions(space.base, opt)) {
        const long long mp = static_cast<long long>(tp) * pp * cp;
        if (space.gpus % mp != 0) continue;
        // Context parallel by all-to-all hands each rank whole heads (ValidateScenario).
        const auto& base = space.base;
        if (cp > 1 && base.parallelism.cp_comm == workload::CpComm::kA2a &&
            base.model.heads % (static_cast<long long>(tp) * cp) != 0) {
          ++space.layouts_rejected;
          continue;
        }
        const int dp = static_cast<int>(space.gpus / mp);
        if (space.global_batch % dp != 0) {
          ++space.layouts_rejected;
          continue;
        }
        AddSplitLayouts(space, opt, tp, pp, cp, dp, &layouts);
      }
    }
  }
  return layouts;
}

// One group per layout with its micro-batches; layouts of one data-parallel size (and
// pipeline size, when interleaved) share their list, built once.
void AddGroups(const std::vector<Layout>& layouts, const SpaceOptions& opt, SearchSpace& space) {
  std::map<std::pair<int, int>, std::vector<long long>> micro_batches;
  for (const Layout& l : layouts) {
    const std::pair<int, int> key{l.dp, l.vpp > 1 ? l.pp : 0};
    auto it = micro_batches.find(key);
    if (it == micro_batches.end())
      it = micro_batches.emplace(key, MicroBatches(space.global_batch, l.dp, l, opt)).first;
    if (it->second.empty()) continue;
    space.groups.push_back({l, it->second});
  }
  uint64_t offset = 0;
  for (const Group& g : space.groups) {
    space.offsets.push_back(offset);
    offset += g.micro_batches.size() * space.checkpointing.size();
  }
}

// A stack the scenario names runs only its own parallelism (StackTraits::parallelism) and
// checkpointing policies; a defaulted stack, chosen for the GPU count, leaves the space whole.
SpaceOptions ForStack(const workload::StackTraits& st, SpaceOptions o) {
  using workload::ParallelMode;
  if (st.defaulted) return o;
  const ParallelMode stages[] = {ParallelMode::kDdp, ParallelMode::kZero1, ParallelMode::kZero2,
                                 ParallelMode::kZero3};
  unsigned zero = 0;
  for (unsigned z = 0; z < 4; ++z)
    if (st.Offers(stages[z])) zero |= 1u << z;
  o.zero_stages &= zero;
  o.allow_hsdp = o.allow_hsdp && st.Offers(ParallelMode::kHsdp);
  if (!st.Offers(ParallelMode::kTp)) o.max_tp = 1;
  o.allow_sp = o.allow_sp && st.Offers(ParallelMode::kSp);
  o.allow_pp = o.allow_pp && st.Offers(ParallelMode::kPp);
  o.allow_vpp = o.allow_vpp && st.Offers(ParallelMode::kVpp);
  o.allow_cp = o.allow_cp && st.Offers(ParallelMode::kCp);
  o.allow_ep = o.allow_ep && st.Offers(ParallelMode::kEp);
  // FSDP under a pipeline schedule (torchtitan keeps each stage gathered for the step).
  if (o.allow_pp && st.fsdp_pipeline_unsharded) o.sharded_with_pp = true;
  if (!st.offers_selective) std::erase(o.checkpointing, workload::Checkpointing::kSelective);
  return o;
}

}  // namespace

SearchSpace MakeSearchSpace(const workload::Scenario& s, int gpus, const SpaceOptions& options) {
  SearchSpace space;
  space.base = WithGpus(s, gpus);
  if (options.restack) options.restack(space.base);
  const auto& stack = space.base.training.stack;
  const SpaceOptions opt = ForStack(stack, options);
  if (!stack.defaulted && stack.parallelism != workload::kAllParallelModes) {
    std::string modes;
    for (const auto& e : workload::kParallelModes)
      if (stack.Offers(e.value)) modes += (modes.empty() ? "" : ", ") + std::string(e.name);
    space.notes.push_back(
        "searched what " + std::string(EnumName(workload::kFrameworks, stack.id)) +
        " runs: " + modes + (stack.offers_selective ? "" : "; no selective checkpointing"));
  }
  space.gpus = gpus;
  space.checkpointing = opt.checkpointing;
  ResolveGlobalBatch(space);
  AddGroups(EnumerateLayouts(space, opt), opt, space);
  if (space.groups.empty() || space.checkpointing.empty())
    throw InputError("--gpus", std::to_string(gpus),
                     "a GPU count whose data-parallel split divides the global batch of " +
                         std::to_string(space.global_batch) + " sequences",
                     "no parallel layout fits");
  return space;
}

}  // namespace gpuadv::plan
