#pragma once
// Validation cases (DESIGN.md `validate`; ../shared/validation/README.md): one published
// measurement per JSON line, with the scenario it was taken under.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "gpuadv/core/enum_table.h"

namespace gpuadv::validate {

/// What a measured memory figure is (README "mem_metric"; these differ systematically).
enum class MemoryMetric { kAllocated, kReserved, kActive, kNvml, kCapacity };
inline constexpr EnumEntry<MemoryMetric> kMemoryMetrics[] = {
    {"allocated", MemoryMetric::kAllocated, "torch.cuda.max_memory_allocated"},
    {"reserved", MemoryMetric::kReserved, "torch.cuda.max_memory_reserved"},
    {"active", MemoryMetric::kActive, "allocator 'active' bytes (compared with allocated)"},
    {"nvml", MemoryMetric::kNvml, "nvidia-smi / NVML occupied, incl. CUDA context"},
    {"capacity", MemoryMetric::kCapacity, "a capacity threshold, not a peak reading"},
};

/// What the row reports: a reading, or a bound on the fit boundary.
enum class Outcome { kOk, kOom, kFitsUnder, kMaxSeqLen };
inline constexpr EnumEntry<Outcome> kOutcomes[] = {
    {"ok", Outcome::kOk, "a measured value"},
    {"oom", Outcome::kOom, "did not fit: peak > capacity"},
    {"fits_under", Outcome::kFitsUnder, "fits under the given bound"},
    {"max_seq_len", Outcome::kMaxSeqLen, "seq_len is the longest that fits the capacity"},
};

/// The `measured` object of a case. Absent / null figures are nullopt.
struct Measured {
  std::optional<double> memory_bytes;  // bytes per GPU (capacity rows: the capacity)
  std::optional<MemoryMetric> memory_metric;
  Outcome outcome = Outcome::kOk;
  std::optional<double> tokens_per_s_per_gpu;
  std::optional<double> mfu;          // fraction of peak
  std::string mfu_convention;         // how the source counted FLOPs ("" = not given)
  std::optional<double> step_time_s;  // one optimizer step
  // Optional extra readings of the same run, in bytes per GPU (measuring scripts record all
  // three): each is compared with its own estimate field besides memory_bytes.
  std::optional<double> allocated_bytes;  // torch.cuda.max_memory_allocated
  std::optional<double> reserved_bytes;   // torch.cuda.max_memory_reserved
  std::optional<double> nvml_bytes;       // NVML / nvidia-smi, incl. CUDA context
};

/// One line of a cases file. A line that could not be read has `parse_error` set and
/// only `line` (and `id` when it was readable) filled.
struct Case {
  int line = 0;               // 1-based line number in the file
  std::string id;             // "line N" when the line gave no readable id
  std::string source;         // citation
  std::string group;          // SourceGroup(source)
  std::string quality;        // good | medium | vague
  std::string core_subset;    // Y | N
  std::string scenario_json;  // the scenario object as JSON text ("" when absent)
  Measured measured;
  std::string assumptions;
  std::optional<std::string> skip;  // why the row cannot be expressed as a scenario
  std::string parse_error;          // non-empty: malformed line (message names the line)
};

/// Largest accepted line (bytes): a case is a few kB.
inline constexpr size_t kMaxCaseLineBytes = 1u << 20;

/// Splits JSON Lines text into cases. Blank lines are ignored. A malformed line (bad
/// JSON, missing or wrongly typed field, unknown key; in `measured`, extra provenance keys
/// are allowed but near-misspellings of known keys are not) becomes a Case with `parse_error`
/// "<origin>:<line>: <problem>"; reading goes on with the next line. Never throws.
std::vector<Case> ParseCases(std::string_view jsonl, std::string_view origin);

/// A short source group from a citation: the repository name of "owner/repo:path..."
/// ("llm-foundry"), the host of a URL, the "<Author> et al. <year>" of a paper, else the
/// text before the first ':', ';' or '(' (at most 40 characters).
std::string SourceGroup(std::string_view source);

}  // namespace gpuadv::validate
