#pragma once
// Reporters for `detect` (local GPUs matched to the catalog) and for the probe's
// measured-vs-peak comparison (design C11).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/detect/calibration.h"
#include "gpuadv/detect/device_query.h"
#include "gpuadv/detect/match.h"

namespace gpuadv::report {

/// A detect report with each GPU's catalog match (same order as report.gpus).
struct DetectView {
  detect::DetectReport report;
  std::vector<detect::GpuMatch> matches;
};

/// Text or Markdown. No GPU: "No GPU detected." and what each source said.
std::string DetectText(const DetectView& v, bool markdown);
/// {"schema_version", "source", "gpus": [...], "tried": [...]}; sizes in bytes.
nlohmann::json DetectJson(const DetectView& v);
/// Header plus one row per GPU (none when no GPU).
std::string DetectCsv(const DetectView& v);

/// "measured vs catalog peak" table of a probe result.
std::string ProbeComparisonText(const std::string& gpu_id,
                                const std::vector<detect::MeasuredVsPeak>& rows, bool markdown);

}  // namespace gpuadv::report
