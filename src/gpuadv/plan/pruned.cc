// Pruned search (strategy.h MakePruned): memory monotonicity per layout group.
//
// Soundness rests on two properties of the estimators, each true of the mechanism:
//  * per-GPU memory grows with the micro-batch (activations and logits scale with b) and
//    falls with heavier recomputation (none >= selective >= full);
//  * at a fixed layout and micro-batch, heavier recomputation only adds work (recomputed
//    forward passes, and with full recomputation their tensor-parallel collectives).
// The ranking (planner.cc Better) is monotone in predicted tokens/s within a fit class for
// plans inside measured territory, so a clear fit ends its micro-batch; a tight one prunes
// nothing (heavier recomputation may fit with margin and rank first, a larger micro-batch
// may be a faster tight plan); nor does a plan above the measured MFU ceiling (ranked by
// its pessimistic end).
// With group bounds (branch and bound) a group whose every candidate is slower than the
// k-th best clear fit so far is dropped: the ranking puts clear fits first and ranks each
// plan at most at its predicted tokens/s, which the bound exceeds.
// tests/unit/plan checks that the pruned search finds the exhaustive search's best plan.
#include <algorithm>
#include <deque>
#include <limits>
#include <utility>

#include "gpuadv/plan/strategy.h"

namespace gpuadv::plan {
namespace {

class Pruned final : public SearchStrategy {
 public:
  explicit Pruned(const SearchSpace& space)
      : space_(space),
        n_ck_(static_cast<uint32_t>(space.checkpointing.size())),
        states_(space.groups.size()) {}

  size_t Ask(size_t max, std::vector<Candidate>* out) override {
    size_t added = 0;
    while (added < max) {
      uint32_t g;
      if (!ready_.empty()) {
        g = ready_.front();
        ready_.pop_front();
      } else if (next_new_ < space_.groups.size()) {
        g = order_.empty() ? next_new_ : order_[next_new_];
        ++next_new_;
      } else {
        break;
      }
      State& st = states_[g];
      if (!bounds_.empty() && bounds_[g] < threshold_) continue;  // cannot beat the k-th best
      if (!Advance(g, st)) continue;                              // group finished
      out->push_back(space_.At(g, st.mb, st.ck));
      ++added;
    }
    return added;
  }

  void SetGroupBounds(std::vector<double> bounds) override {
    bounds_ = std::move(bounds);
    order_.resize(bounds_.size());
    for (uint32_t g = 0; g < order_.size(); ++g) order_[g] = g;
    std::stable_sort(order_.begin(), order_.end(),
                     [this](uint32_t a, uint32_t b) { return bounds_[a] > bounds_[b]; });
  }

  void SetThreshold(double ranked_tokens_per_s) override { threshold_ = ranked_tokens_per_s; }

  void Tell(const Candidate& c, const Evaluation& e) override {
    State& st = states_[c.group];
    switch (e.status) {
      case Status::kStatesTooLarge:
        return;  // no micro-batch or checkpointing level changes the model states
      case Status::kDoesNotFit:
      case Status::kTight:
        st.dead |= 1u << st.ck;  // nor at any larger micro-batch
        ++st.ck;
        break;
      case Status::kFits:
        if (e.above_measured_mfu) {
          // Ranked by its pessimistic end: heavier recomputation here, or a larger micro-batch
          // later, may rank higher. Nothing is pruned.
          ++st.ck;
          break;
        }
        if (e.memory.fit == estimate::Fit::kTight) {
          // Tight plans rank after clear fits, by speed: heavier recomputation at this
          // micro-batch may fit with margin, and a larger micro-batch at this level, tight
          // too, may be faster: the best plan where nothing fits with margin. Nothing is
          // pruned; a micro-batch that no longer fits at all ends the level.
          ++st.ck;
          break;
        }
        ++st.mb;  // heavier recomputation at this micro-batch cannot be faster
        st.ck = 0;
        break;
      case Status::kNoThroughput:
        ++st.ck;
        break;
    }
    ready_.push_back(c.group);
  }

 private:
  struct State {
    uint32_t mb = 0;
    uint32_t ck = 0;
    uint32_t dead = 0;  // bit k: checkpointing level k no longer fits
  };

  // Moves `st` to its next live candidate; false when the group is exhausted.
  bool Advance(uint32_t g, State& st) const {
    const uint32_t n_mb = static_cast<uint32_t>(space_.groups[g].micro_batches.size());
    const uint32_t all = n_ck_ >= 32 ? ~0u : (1u << n_ck_) - 1;
    while (st.mb < n_mb && (st.dead & all) != all) {
      if (st.ck >= n_ck_) {
        ++st.mb;
        st.ck = 0;
      } else if (st.dead & (1u << st.ck)) {
        ++st.ck;
      } else {
        return true;
      }
    }
    return false;
  }

  const SearchSpace& space_;
  uint32_t n_ck_;
  std::vector<State> states_;
  std::deque<uint32_t> ready_;  // groups told and waiting to be asked again
  uint32_t next_new_ = 0;
  std::vector<double> bounds_;   // tokens/s bound per group (empty: no branch and bound)
  std::vector<uint32_t> order_;  // groups by descending bound
  double threshold_ = -std::numeric_limits<double>::infinity();
};

}  // namespace

std::unique_ptr<SearchStrategy> MakePruned(const SearchSpace& space) {
  return std::make_unique<Pruned>(space);
}

}  // namespace gpuadv::plan
