#pragma once
// The range of every numeric scenario field a person types (issue 14): one table that the
// scenario loader checks against and GET /api/schema sends to the web page, so the page's
// limits and the server's can never disagree. Bounds are wide enough for any real job and
// tight enough that byte and FLOP arithmetic in double stays finite and exact to well
// under 1%.
#include <span>
#include <string_view>

namespace gpuadv::workload {

struct FieldLimit {
  std::string_view key;    // dotted scenario key ("training.seq_len")
  std::string_view label;  // what a person calls it ("Sequence length")
  double min;
  double max;
  bool integer;
  std::string_view unit;  // "" when a plain count
};

inline constexpr double kMaxSeqLen = 10'000'000;
inline constexpr double kMaxBatch = 100'000'000;
inline constexpr double kMaxGpus = 1'000'000;

inline constexpr FieldLimit kSeqLen{
    "training.seq_len", "Sequence length", 1, kMaxSeqLen, true, "tokens"};
inline constexpr FieldLimit kMicroBatch{
    "training.micro_batch", "Batch per GPU", 1, kMaxBatch, true, "sequences"};
inline constexpr FieldLimit kGlobalBatch{
    "training.global_batch", "Global batch", 1, kMaxBatch, true, "sequences"};
inline constexpr FieldLimit kTokens{"training.tokens", "Training tokens", 1, 1e16, false, "tokens"};
inline constexpr FieldLimit kSamples{
    "training.dataset.samples", "Training samples", 1, 1e13, false, "samples"};
inline constexpr FieldLimit kEpochs{"training.dataset.epochs", "Epochs", 0.001, 1e6, false, ""};
inline constexpr FieldLimit kLoraRank{"training.lora.rank", "LoRA rank", 1, 65536, true, ""};
inline constexpr FieldLimit kResolution{
    "training.diffusion.resolution", "Image resolution", 64, 16384, true, "pixels per side"};
inline constexpr FieldLimit kGpuCount{"hardware.count", "GPUs per machine", 1, 1024, true, ""};
inline constexpr FieldLimit kNodes{"hardware.nodes", "Machines", 1, kMaxGpus, true, ""};
inline constexpr FieldLimit kDegree{"parallelism.tp", "Parallel degree", 1, kMaxGpus, true, ""};
inline constexpr FieldLimit kZero{"parallelism.zero", "ZeRO stage", 0, 3, true, ""};
inline constexpr FieldLimit kPsuWatts{"system.psu_watts", "PSU", 50, 1e6, false, "W"};
inline constexpr FieldLimit kGpuSlots{"system.gpu_slots", "Free GPU slots", 0, 64, true, ""};
inline constexpr FieldLimit kBudget{"constraints.budget_usd", "Budget", 0, 1e12, false, "USD"};
inline constexpr FieldLimit kDeadlineHours{
    "constraints.deadline_hours", "Deadline", 0.001, 1e7, false, "hours"};
inline constexpr FieldLimit kElectricity{
    "constraints.electricity_usd_per_kwh", "Electricity price", 0, 100, false, "USD/kWh"};

/// Every limit above, in form order (the schema's `limits`).
inline constexpr FieldLimit kFieldLimits[] = {
    kSeqLen,   kMicroBatch, kGlobalBatch, kTokens,        kSamples,    kEpochs,
    kLoraRank, kResolution, kGpuCount,    kNodes,         kDegree,     kZero,
    kPsuWatts, kGpuSlots,   kBudget,      kDeadlineHours, kElectricity};

/// The ownership assumptions of `recommend` (buy vs rent): request options, not scenario keys.
inline constexpr FieldLimit kMonths{"months", "Ownership horizon", 1, 240, false, "months"};
inline constexpr FieldLimit kHoursPerMonth{"hours-per-month", "Use when owned", 1, 744, false,
                                           "hours per month"};
inline constexpr FieldLimit kOptionLimits[] = {kMonths, kHoursPerMonth};

}  // namespace gpuadv::workload
