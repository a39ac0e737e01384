#pragma once
// Shared by the libFuzzer targets: what counts as a finding (issue 6). Bad input must end
// in InputError (exit code 2); any other exception, a crash, a sanitizer report or a
// broken output invariant aborts so libFuzzer saves the input.
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include "gpuadv/core/error.h"
#include "gpuadv/estimate/invariants.h"

namespace gpuadv::fuzz {

[[noreturn]] inline void Fail(const std::string& what) {
  std::fprintf(stderr, "FUZZ FINDING: %s\n", what.c_str());
  std::abort();
}

/// Aborts when `r` breaks an invariant of estimate::CheckInvariants.
inline void RequireInvariants(const estimate::EstimateResult& r) {
  const auto broken = estimate::CheckInvariants(r);
  if (broken.empty()) return;
  std::string all;
  for (const auto& b : broken) all += "\n  invariant: " + b;
  Fail("estimate broke " + std::to_string(broken.size()) + " invariant(s) on " + r.gpu_id + all);
}

/// Runs `body`; InputError is the accepted outcome of bad input, anything else a finding.
template <typename F>
void ExpectOnlyInputError(F&& body) {
  try {
    body();
  } catch (const InputError&) {
    // Rejected with a field-naming error: fine.
  } catch (const std::exception& e) {
    Fail(std::string("exception other than InputError: ") + e.what());
  } catch (...) {
    Fail("non-std exception");
  }
}

}  // namespace gpuadv::fuzz
