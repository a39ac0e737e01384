#pragma once
// The user's own hardware in a request (design C11): the GPUs found on the machine this
// library runs on (`detect`, --local) and a probe result's measured rates (--calibration).
// The CLI calls these; they print nothing: what they did comes back as log lines.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/advise/recommend.h"
#include "gpuadv/api/environment.h"
#include "gpuadv/api/owned.h"
#include "gpuadv/api/requests.h"
#include "gpuadv/api/scenario_request.h"
#include "gpuadv/detect/calibration.h"
#include "gpuadv/detect/match.h"
#include "gpuadv/report/detect_report.h"
#include "gpuadv/report/document.h"

namespace gpuadv::api {

/// The GPUs of this machine matched to the catalog (NVML, nvidia-smi, rocm-smi in turn;
/// GPUADV_NVML_LIBRARY names another NVML library, or "none" to skip NVML).
report::DetectView DetectLocal(const catalog::Catalog& cat);

/// The catalog entry of the GPU a probe result was measured on (probes run on NVIDIA only).
detect::GpuMatch MatchProbe(const detect::ProbeResult& p, const catalog::Catalog& cat);

/// The user's hardware options of a request.
struct LocalOptions {
  bool local = false;              // --local: the detected GPUs, their free memory as capacity and
                                   // their power limit as board power
  std::string calibration_file;    // --calibration FILE: a probe result
  bool force_calibration = false;  // --force-calibration: also a probe of another GPU model
};

/// What the options made of a request.
struct LocalHardware {
  ScenarioRequest request;            // with the detected GPUs' hardware.gpu / count / nodes
  std::vector<std::string> warnings;  // JSON "warnings" where the result has them
  std::vector<std::string> log;       // what was applied, in order ("warning: ..." included)
};

/// `opt.local`: the detected GPUs go first into the request's overrides (later flags still
/// override), their free memory into env's catalog entry as capacity and their lowest power
/// limit, where it differs from the TDP by over 5%, as its board power; no GPU, or one the
/// catalog does not know, throws InputError("--local"). `opt.calibration_file`: the probe's
/// factors replace the efficiency entry of the scenario GPU's architecture in a copy kept in
/// `storage`, which must outlive `env`; a probe of another GPU model is not applied, with a
/// warning, unless `opt.force_calibration`.
LocalHardware ApplyLocalHardware(const ScenarioRequest& req, const LocalOptions& opt,
                                 Environment* env, estimate::EfficiencyTable* storage);

/// `recommend --local`: the detected GPUs evaluated as owned hardware (no purchase,
/// electricity only, their free memory as capacity) beside the catalog ranking.
struct LocalRecommendation {
  std::optional<OwnedResult> owned;   // nullopt: nothing detected the catalog knows
  std::string detected;               // "NVIDIA GeForce RTX 4090 via nvidia-smi"
  std::string message;                // why `owned` is empty
  std::vector<std::string> warnings;  // --calibration
  std::vector<std::string> log;       // as LocalHardware::log
};
/// No GPU detected is a message, not an error. `opt.calibration_file` applies to the owned
/// GPUs only; the ranking is `ranking`, computed in `env`.
LocalRecommendation RecommendLocal(const ScenarioRequest& req, const LocalOptions& opt,
                                   const Environment& env, const RecommendOptions& ro,
                                   const advise::RecommendResult& ranking);
/// The `"local"` member of the recommend JSON: OwnedJson plus "detected", "message" and
/// "warnings"; {"gpu": null, "count": 0, "message": ...} when nothing was detected.
nlohmann::json LocalRecommendationJson(const LocalRecommendation& r);
/// The `"local"` member (LocalRecommendationJson) and the block printed above the ranking;
/// the recommend Document puts its blocks first.
report::Document LocalRecommendationDocument(const LocalRecommendation& r);

}  // namespace gpuadv::api
