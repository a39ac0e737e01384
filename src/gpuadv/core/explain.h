#pragma once
#include <string>
#include <vector>

namespace gpuadv {

/// Sink for the basis of an estimate (inputs, assumptions, formulas used) and its warnings.
/// Estimators take an `Explanation*` that may be null: the hot path (planner, recommender)
/// passes null and pays nothing; `estimate --explain` passes one and prints it.
struct Explanation {
  /// One line of the basis: "<topic>: <text>", e.g. "activations: flash attention, no s^2 term".
  std::vector<std::string> basis;
  /// User-facing warnings; become the JSON "warnings" array.
  std::vector<std::string> warnings;

  void Basis(std::string topic, std::string text) {
    basis.push_back(std::move(topic) + ": " + std::move(text));
  }
  void Warn(std::string text) { warnings.push_back(std::move(text)); }
};

}  // namespace gpuadv
