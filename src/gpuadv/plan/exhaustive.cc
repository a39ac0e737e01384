// Exhaustive search: every candidate of the space, in order.
#include "gpuadv/plan/strategy.h"

namespace gpuadv::plan {
namespace {

class Exhaustive final : public SearchStrategy {
 public:
  explicit Exhaustive(const SearchSpace& space) : space_(space) {}

  size_t Ask(size_t max, std::vector<Candidate>* out) override {
    const uint32_t n_ck = static_cast<uint32_t>(space_.checkpointing.size());
    size_t added = 0;
    while (added < max && group_ < space_.groups.size()) {
      out->push_back(space_.At(group_, mb_, ck_));
      ++added;
      if (++ck_ < n_ck) continue;
      ck_ = 0;
      if (++mb_ < space_.groups[group_].micro_batches.size()) continue;
      mb_ = 0;
      ++group_;
    }
    return added;
  }

  void Tell(const Candidate&, const Evaluation&) override {}

 private:
  const SearchSpace& space_;
  uint32_t group_ = 0, mb_ = 0, ck_ = 0;
};

}  // namespace

std::unique_ptr<SearchStrategy> MakeExhaustive(const SearchSpace& space) {
  return std::make_unique<Exhaustive>(space);
}

std::unique_ptr<SearchStrategy> MakeStrategy(StrategyKind kind, const SearchSpace& space) {
  switch (kind) {
    case StrategyKind::kExhaustive:
      return MakeExhaustive(space);
    case StrategyKind::kPruned:
      return MakePruned(space);
  }
  return MakePruned(space);
}

}  // namespace gpuadv::plan
