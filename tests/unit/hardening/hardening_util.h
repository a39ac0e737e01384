#pragma once
// Shared by the hardening tests (issue 6): run a scenario text through the same path as
// `gpu-advisor estimate` and classify the outcome as computed (with the invariants of
// estimate::CheckInvariants checked) or rejected with an InputError.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "gpuadv/estimate/estimate.h"
#include "gpuadv/estimate/invariants.h"
#include "gpuadv/io/catalog_loader.h"
#include "gpuadv/io/scenario_loader.h"

namespace gpuadv::hardening {

struct Outcome {
  bool computed = false;
  std::string error;  // InputError::what() when rejected
  std::string field;  // InputError::field() when rejected
  estimate::EstimateResult result;
  std::vector<std::string> broken;  // CheckInvariants(result)
};

/// Parses `text` (YAML or JSON) as a scenario, applies `overrides` (dotted key, YAML value;
/// as the CLI flags do) and estimates it. InputError is caught into the outcome; any other
/// exception propagates (and fails the test).
inline Outcome RunScenario(const std::string& text,
                           const std::vector<std::pair<std::string, std::string>>& overrides = {}) {
  Outcome o;
  try {
    const catalog::Catalog& cat = io::BuiltinCatalog();
    io::Doc doc = io::ParseDocument(text, "test.yaml");
    for (const auto& [key, value] : overrides) io::ApplyOverride(doc, key, value);
    const auto s = io::ParseScenario(doc, cat, "test.yaml", "/nonexistent");
    Explanation explain;  // warnings, as every front end asks for them
    o.result = estimate::Estimate(s, estimate::Context{&io::BuiltinEfficiency(), &cat}, &explain);
    o.broken = estimate::CheckInvariants(o.result);
    o.computed = true;
  } catch (const InputError& e) {
    o.error = e.what();
    o.field = e.field();
  }
  return o;
}

inline std::string Join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += "\n  " + s;
  return out;
}

}  // namespace gpuadv::hardening

/// The scenario was computed and its result keeps every invariant.
#define EXPECT_COMPUTED(outcome, input)                                                          \
  do {                                                                                           \
    const auto& o_ = (outcome);                                                                  \
    EXPECT_TRUE(o_.computed) << "rejected: " << o_.error << "\ninput: " << (input);              \
    EXPECT_TRUE(o_.broken.empty())                                                               \
        << "invariants broken:" << gpuadv::hardening::Join(o_.broken) << "\ninput: " << (input); \
  } while (0)

/// The scenario was rejected with an InputError naming `field_name`.
#define EXPECT_REJECTED(outcome, field_name, input)                        \
  do {                                                                     \
    const auto& o_ = (outcome);                                            \
    EXPECT_FALSE(o_.computed) << "accepted: " << (input);                  \
    EXPECT_EQ(o_.field, field_name) << o_.error << "\ninput: " << (input); \
  } while (0)
