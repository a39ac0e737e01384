#pragma once
// data/stacks.yaml -> the traits of each training stack (issue 11).
#include <array>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gpuadv/io/fields.h"
#include "gpuadv/workload/scenario.h"
#include "gpuadv/workload/stack.h"

namespace gpuadv::io {

/// What people run for one training method on a stack, when the scenario does not say.
struct MethodDefaults {
  std::optional<workload::Optimizer> optimizer;
  /// The optimizer of the stack's multi-GPU recipes where it differs from the single-GPU one.
  std::optional<workload::Optimizer> multi_gpu_optimizer;
  std::optional<workload::Checkpointing> activation_checkpointing;
  /// The training dtype of the stack's recipes (torchtune: pure bf16, no fp32 masters);
  /// applied only on GPUs that run it.
  std::optional<workload::Precision> precision;
};

/// One stack entry as written in the data file (traits plus provenance).
struct StackEntry {
  workload::StackTraits traits;
  std::array<MethodDefaults, std::size(workload::kMethods)> method_defaults;  // by Method
  std::string name;
  std::vector<std::string> sources;
  std::string notes;
};

/// The embedded data/stacks.yaml, parsed once per process: one entry per value of
/// workload::kFrameworks except `auto`, in table order. Throws InputError naming the field
/// for a malformed document (a test parses the embedded one).
const std::vector<StackEntry>& BuiltinStacks();

/// Parses a stacks document; every entry must name a known stack, each at most once.
std::vector<StackEntry> ParseStackDocument(const Doc& doc, const std::string& origin);

/// The entry of a stack (never `auto`).
const StackEntry& StackFor(workload::Framework id);

/// Which of the knobs a stack has defaults for the scenario wrote itself.
struct GivenKnobs {
  bool loss = false;
  bool optimizer_in_backward = false;
  bool activation_offload = false;
  bool optimizer = false;
  bool activation_checkpointing = false;
  bool precision = false;
};

/// Resolves the scenario's stack: `training.framework` as written, or DefaultFramework
/// for `auto`; copies its traits into `s.training.stack` and applies the stack's defaults
/// (its method defaults, then its recipe knobs) to the knobs the scenario left unset,
/// recording each in `s.training.defaults` (issue 12: every output says what it assumed).
void ResolveStack(workload::Scenario& s, const GivenKnobs& given);

/// After a front end changed the scenario's GPU count or layout: a stack the scenario left
/// to the default is chosen again for the new scale (DefaultFramework); a stack the
/// scenario named stays. The defaults' recipe knobs are neutral, so only traits change.
void RestackDefault(workload::Scenario& s);

}  // namespace gpuadv::io
