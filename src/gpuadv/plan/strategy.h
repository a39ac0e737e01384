#pragma once
// Search strategies (STYLE.md principle 12; timeloop's search Next / Report): a strategy
// proposes candidates of a SearchSpace (Ask) and learns their evaluation (Tell). It never
// evaluates anything itself, so strategies swap without touching the estimators.
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/plan/evaluator.h"
#include "gpuadv/plan/search_space.h"

namespace gpuadv::plan {

/// Contract:
///  * Ask appends up to `max` (>= 1) candidates not proposed before to `out` and returns
///    how many. The driver tells the result of every asked candidate, in ask order, before
///    asking again; an Ask that appends nothing ends the search.
///  * The set of candidates a strategy proposes depends only on the results told, never on
///    `max`: a multi-threaded search (large batches) evaluates exactly the candidates a
///    single-threaded one does, so the result is deterministic.
///  * The space outlives the strategy.
class SearchStrategy {
 public:
  virtual ~SearchStrategy() = default;
  virtual size_t Ask(size_t max, std::vector<Candidate>* out) = 0;
  virtual void Tell(const Candidate& c, const Evaluation& e) = 0;
  /// Branch and bound (optional; the planner's top-k searches on one thread): `bounds[g]`
  /// bounds the tokens/s of every candidate of group g; a strategy that uses them may drop
  /// a group whose bound is below the threshold, the ranked tokens/s the k-th best clear
  /// fit must beat. Candidates then depend on when Tell raised the threshold, so on the
  /// batch size: the planner bounds only searches with one, fixed, batch size.
  virtual void SetGroupBounds(std::vector<double> bounds) { (void)bounds; }
  virtual void SetThreshold(double ranked_tokens_per_s) { (void)ranked_tokens_per_s; }
};

enum class StrategyKind { kExhaustive, kPruned };
inline constexpr EnumEntry<StrategyKind> kStrategies[] = {
    {"exhaustive", StrategyKind::kExhaustive, "evaluate every candidate"},
    {"pruned", StrategyKind::kPruned,
     "skip candidates that cannot fit or cannot be faster (memory monotone in the "
     "micro-batch and the checkpointing level)"},
};

/// Every candidate in space order.
std::unique_ptr<SearchStrategy> MakeExhaustive(const SearchSpace& space);

/// Per layout group: micro-batches ascending, checkpointing by descending memory. Prunes
///  * the whole group when its model states do not fit (they do not depend on the
///    micro-batch or the checkpointing);
///  * a checkpointing level for every larger micro-batch once it does not fit at b
///    (activations grow with b: if b does not fit neither does 2b);
///  * the heavier recomputation at b once a lighter level fits at b (same memory ordering,
///    more recomputation is never faster);
///  * with group bounds, the rest of a group whose bound is below the threshold (groups are
///    then started best bound first, so the threshold rises early).
/// Groups advance independently, one candidate in flight each.
std::unique_ptr<SearchStrategy> MakePruned(const SearchSpace& space);

std::unique_ptr<SearchStrategy> MakeStrategy(StrategyKind kind, const SearchSpace& space);

}  // namespace gpuadv::plan
