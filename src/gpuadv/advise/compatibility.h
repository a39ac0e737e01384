#pragma once
// System compatibility (C7): will the purchased GPUs work in the user's machine
// (scenario `system:`)? Each problem is flagged with its fix; nothing here excludes a GPU.
#include <optional>
#include <string>
#include <vector>

#include "gpuadv/advise/platform.h"
#include "gpuadv/core/enum_table.h"
#include "gpuadv/estimate/estimate.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::advise {

enum class Severity { kBlocker, kWarning, kNote };
inline constexpr EnumEntry<Severity> kSeverities[] = {
    {"blocker", Severity::kBlocker, "will not work until fixed"},
    {"warning", Severity::kWarning, "works badly or risks instability"},
    {"note", Severity::kNote, "worth knowing"},
};

/// One finding: what is wrong, by how much, and the fix.
struct CompatIssue {
  std::string kind;  // psu | connectors | circuit | pcie | slots | cooling | host_ram | form_factor
  Severity severity = Severity::kWarning;
  std::string message;
  std::string fix;
};

/// Transient power spikes of a GPU family: peak board power in ~1-5 ms windows / TDP,
/// the windows that trip the over-current protection of older (ATX 2.x) supplies.
struct TransientFactor {
  double factor = 1.5;
  std::string family;
  std::string source;
};

/// Power, connectors, slots, cooling and host RAM for `count` GPUs of the scenario's
/// GPU in the scenario's system.
struct Compatibility {
  bool applies = true;     // false for rentals (the provider's machine)
  bool ok = true;          // no blocker or warning
  double gpu_w = 0;        // TDP x count
  double cpu_w = 0;        // system.cpu_watts (or the assumed 150 W)
  double rest_w = 0;       // board, drives, fans
  double sustained_w = 0;  // gpu + cpu + rest, DC side
  double transient_w = 0;  // sustained + spike excess of the GPUs
  TransientFactor transient;
  double recommended_psu_w = 0;
  std::optional<double> psu_w;
  int connectors_16pin = 0;  // 12V-2x6 / 12VHPWR, for all cards
  int connectors_8pin = 0;
  int connectors_6pin = 0;
  double wall_w = 0;  // sustained at the wall (PSU efficiency)
  double circuit_limit_w = 0;
  double pcie_slowdown = 0;  // fraction of step time added by the system's PCIe link
  double host_ram_needed_bytes = 0;
  std::optional<double> host_ram_bytes;
  std::string cooling_needed;  // air | high-airflow | liquid | server
  std::vector<CompatIssue> issues;
  std::vector<std::string> notes;  // power-limit trade-off and assumptions
};

/// True when a finding is a blocker: the purchase does not work in the system until fixed.
bool HasBlocker(const Compatibility& c);

/// The transient factor for a GPU (by vendor, segment and architecture), with its source.
TransientFactor TransientFor(const catalog::GpuSpec& gpu);

/// Standard PSU size (W) at or above `watts`.
double StandardPsuSize(double watts);

/// Checks the scenario's GPU x hardware.count in the scenario's system. `est` is the
/// estimate of that scenario (memory for host RAM; time breakdown for PCIe impact).
/// `ctx`, when non-null, lets it re-estimate at the GPU's native PCIe generation to
/// state the slowdown of an older slot. With `host` non-null the GPUs go into that newly
/// bought platform instead of the user's PC: only its power and circuit are checked.
Compatibility CheckCompatibility(const workload::Scenario& s, const estimate::EstimateResult& est,
                                 const estimate::Context* ctx = nullptr,
                                 const HostPlatform* host = nullptr);

}  // namespace gpuadv::advise
