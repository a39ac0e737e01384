#pragma once
// Result documents of `detect` (local GPUs matched to the catalog) and of the probe's
// measured-vs-peak comparison (design C11).
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/detect/calibration.h"
#include "gpuadv/detect/device_query.h"
#include "gpuadv/detect/match.h"
#include "gpuadv/report/document.h"

namespace gpuadv::report {

/// A detect report with each GPU's catalog match (same order as report.gpus).
struct DetectView {
  detect::DetectReport report;
  std::vector<detect::GpuMatch> matches;
};

/// `detect`: DetectJson; a table of the GPUs with their catalog match and the differences
/// from the catalog; no GPU: "No GPU detected." and what each source said. CSV: one row per
/// GPU (none when no GPU), the DetectJson fields but the differences.
Document DetectDocument(const DetectView& v);
/// {"schema_version", "source", "gpus": [...], "tried": [...]}; sizes in bytes.
nlohmann::json DetectJson(const DetectView& v);
/// A probe result (a run of gpu-advisor-probe, or a saved one) against the catalog.
struct ProbeView {
  detect::ProbeResult probe;
  detect::GpuMatch match;                    // id empty: no catalog entry for the device
  std::vector<detect::MeasuredVsPeak> rows;  // CompareToPeaks against the match
  std::string result_file;                   // the result's file, for --calibration
};

/// {"schema_version", "device", "driver", "gpu" (catalog id, null when none matched),
/// "exact_match", "measured": [{"what", "unit", "measured", "catalog_peak", "ratio"}],
/// "sm_clock_after_mhz", "sm_clock_max_mhz", "result_file"}; unknown = null.
nlohmann::json ProbeJson(const ProbeView& v);
/// `probe`: the "measured vs catalog peak" table, the SM clock after sustained GEMMs (and
/// whether it fell), how to use the result in estimates; CSV one row per measured rate.
Document ProbeDocument(const ProbeView& v);

}  // namespace gpuadv::report
