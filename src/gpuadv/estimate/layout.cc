#include "gpuadv/estimate/layout.h"

#include <algorithm>

namespace gpuadv::estimate {

Layout MakeLayout(const workload::Scenario& s) {
  Layout l;
  const auto& p = s.parallelism;
  l.tp = std::max(1, p.tp);
  l.pp = std::max(1, p.pp);
  l.vpp = std::max(1, p.vpp);
  l.cp = std::max(1, p.cp);
  l.ep = std::max(1, p.ep);
  l.etp = std::max(1, p.ExpertTp());
  l.dp = std::max(1, s.DataParallel());
  l.zero = std::clamp(p.zero, 0, 3);
  l.dp_cp = l.dp * l.cp;
  l.shard = ((p.shard_group > 0 && p.shard_group < l.dp) ? p.shard_group : l.dp) * l.cp;
  l.count = std::max(1, s.hardware.count);
  l.nodes = std::max(1, s.hardware.nodes);
  l.gpus = l.count * l.nodes;
  l.micro_batches = std::max<long long>(1, s.MicroBatchesPerStep());
  l.b = static_cast<double>(std::max<long long>(1, s.training.micro_batch));
  l.s = static_cast<double>(std::max<long long>(1, s.training.seq_len));
  l.tokens_mb = l.b * l.s / l.cp;
  l.layers_stage = std::max(1.0, p.HeaviestStageLayers(s.model.layers));
  l.embedding_loss_stages = p.pipeline_embedding_loss && l.pp > 1;
  l.sequence_parallel = p.sequence_parallel && l.tp > 1;
  return l;
}

}  // namespace gpuadv::estimate
