#include "gpuadv/advise/compatibility.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include "gpuadv/core/strings.h"
#include "gpuadv/core/units.h"

namespace gpuadv::advise {
namespace {

// Board, drives, fans, RAM: the usual allowance beside CPU and GPUs in PSU calculators.
constexpr double kRestOfSystemW = 75;
// CPU package power assumed when system.cpu_watts is not given.
constexpr double kDefaultCpuW = 150;
// Keep sustained load at or under 80% of the PSU rating: efficiency peaks around 50-80%
// load, and it is the margin NVIDIA's PSU guidance implies (850 W for a 450 W RTX 4090
// with a ~150 W CPU).
constexpr double kPsuSustainedFraction = 0.8;
// Wall power = DC load / efficiency (80 PLUS Gold is ~90% at mid load).
constexpr double kPsuEfficiency = 0.9;
// North American residential branch circuit: 120 V x 15 A, and the NEC rule that a
// continuous load (3 h or more) stays within 80% of the breaker rating: 1440 W.
constexpr double kCircuitVolts = 120;
constexpr double kCircuitAmps = 15;
constexpr double kContinuousFraction = 0.8;
// Power-limit trade-off: Puget Systems ran 4x RTX 3090 at 280 of 350 W (80%) and kept
// over 95% of TensorFlow training throughput ("Quad RTX3090 GPU Wattage Limited MaxQ
// TensorFlow Performance", 2020); a ViT fp16 training sweep on a 3090 shows the same shape.
constexpr double kPowerLimitFraction = 0.8;
constexpr double kSpeedAtPowerLimit = 0.95;
// One 8-pin PCIe auxiliary connector carries 150 W (PCI Express CEM specification; the
// 12V-2x6 adapter cables of 450-600 W cards take one 8-pin per 150 W).
constexpr double kWattsPer8Pin = 150;
// Cooling by heat density (an estimate, not a measurement): a mid-tower with ordinary
// airflow removes roughly 500 W of GPU heat before open-air cards throttle; a high-airflow
// case or open frame about 1200 W; beyond that, liquid loops or a server chassis.
constexpr double kAirCoolingW = 500;
constexpr double kHighAirflowW = 1200;
// Expansion slots of a standard ATX case (7; some full towers have 8).
constexpr double kAtxExpansionSlots = 7;
// Standard PSU ratings (W).
constexpr double kPsuSizes[] = {450, 550, 650, 750, 850, 1000, 1200, 1300, 1500, 1600, 2000};
// Common host RAM configurations (GiB).
constexpr double kRamSizes[] = {16, 32, 64, 96, 128, 192, 256, 384, 512, 768, 1024, 1536, 2048};

bool Has(const std::string& s, std::string_view n) { return s.find(n) != std::string::npos; }
std::string W(double w) { return std::to_string(static_cast<long long>(std::lround(w))) + " W"; }
std::string Gb(double bytes) { return GiBLabel(std::ceil(bytes / kGiB)); }

// Counts "<n>x <kind>" in the first alternative of a connector description
// ("1x 16-pin (FE) / 1x 8-pin (partner)" -> the Founders Edition one).
void ParseConnectors(const std::string& text, int& c16, int& c8, int& c6) {
  std::string s = Lower(text);
  if (auto slash = s.find(" / "); slash != std::string::npos) s = s.substr(0, slash);
  for (size_t i = 0; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i])) ||
        (i > 0 && std::isdigit(static_cast<unsigned char>(s[i - 1]))))
      continue;
    size_t j = i;
    int n = 0;
    while (j < s.size() && std::isdigit(static_cast<unsigned char>(s[j])))
      n = n * 10 + (s[j++] - '0');
    if (j >= s.size() || s[j] != 'x') continue;
    const std::string rest = s.substr(j + 1, 12);
    if (Has(rest, "16-pin") || Has(rest, "12-pin"))
      c16 += n;
    else if (Has(rest, "8-pin"))
      c8 += n;
    else if (Has(rest, "6-pin"))
      c6 += n;
  }
}

int CoolingLevel(workload::Cooling c) {
  switch (c) {
    case workload::Cooling::kAir:
      return 0;
    case workload::Cooling::kHighAirflow:
      return 1;
    case workload::Cooling::kLiquid:
      return 2;
  }
  return 0;
}

void Add(Compatibility& c, std::string kind, Severity sev, std::string msg, std::string fix) {
  if (sev != Severity::kNote) c.ok = false;
  c.issues.push_back({std::move(kind), sev, std::move(msg), std::move(fix)});
}

// The connectors the GPUs need from the PSU ("2x 12V-2x6 (16-pin) (or 8x 8-pin through the
// adapter) + ..."); empty when the catalog lists none.
std::string ConnectorText(const Compatibility& c, double tdp_w, int count) {
  std::string connectors;
  if (c.connectors_16pin > 0) {
    const int adapter8 = static_cast<int>(std::ceil(tdp_w / kWattsPer8Pin)) * count;
    connectors = std::to_string(c.connectors_16pin) + "x 12V-2x6 (16-pin) (or " +
                 std::to_string(adapter8) + "x 8-pin through the adapter)";
  }
  if (c.connectors_8pin > 0)
    connectors += (connectors.empty() ? "" : " + ") + std::to_string(c.connectors_8pin) + "x 8-pin";
  if (c.connectors_6pin > 0)
    connectors += (connectors.empty() ? "" : " + ") + std::to_string(c.connectors_6pin) + "x 6-pin";
  return connectors;
}

// The build with every GPU power-limited to kPowerLimitFraction of its TDP.
struct PowerLimited {
  double gpu_w = 0;        // the GPUs' draw
  double sustained_w = 0;  // GPUs + CPU + rest
  double psu_w = 0;        // the PSU size it needs
};

PowerLimited Limited(const Compatibility& c) {
  PowerLimited l;
  l.gpu_w = c.gpu_w * kPowerLimitFraction;
  l.sustained_w = l.gpu_w + c.cpu_w + c.rest_w;
  l.psu_w = StandardPsuSize(std::max(l.sustained_w / kPsuSustainedFraction,
                                     l.sustained_w + (c.transient.factor - 1) * l.gpu_w));
  return l;
}

// Sustained and transient draw, the PSU size they need and the connectors (Compatibility's
// power fields).
void PowerBudget(const workload::Scenario& s, Compatibility& c) {
  const auto& gpu = s.hardware.gpu;
  const int count = s.hardware.count;
  c.gpu_w = gpu.tdp_w.value_or(0) * count;
  c.cpu_w = s.system.cpu_watts.value_or(kDefaultCpuW);
  if (!s.system.cpu_watts)
    c.notes.push_back("CPU power not given (system.cpu_watts): assumed " + W(kDefaultCpuW));
  c.rest_w = kRestOfSystemW;
  c.sustained_w = c.gpu_w + c.cpu_w + c.rest_w;
  c.transient = TransientFor(gpu);
  c.transient_w = c.sustained_w + (c.transient.factor - 1) * c.gpu_w;
  c.recommended_psu_w =
      StandardPsuSize(std::max(c.sustained_w / kPsuSustainedFraction, c.transient_w));
  c.psu_w = s.system.psu_watts;
  ParseConnectors(gpu.power_connectors, c.connectors_16pin, c.connectors_8pin, c.connectors_6pin);
  c.connectors_16pin *= count;
  c.connectors_8pin *= count;
  c.connectors_6pin *= count;
}

// The PSU against the sustained draw (blocker) and the recommended size (warning).
void CheckPsu(Compatibility& c, const std::string& fix) {
  if (!c.psu_w) {
    c.notes.push_back("PSU not given (system.psu_watts): this build needs " +
                      W(c.recommended_psu_w));
    return;
  }
  if (*c.psu_w < c.sustained_w) {
    Add(c, "psu", Severity::kBlocker,
        "PSU " + W(*c.psu_w) + " is below the sustained draw of " + W(c.sustained_w) + " (GPUs " +
            W(c.gpu_w) + " + CPU " + W(c.cpu_w) + " + rest " + W(c.rest_w) + "): needs " +
            W(c.recommended_psu_w),
        fix);
  } else if (*c.psu_w < c.recommended_psu_w) {
    Add(c, "psu", Severity::kWarning,
        "PSU " + W(*c.psu_w) + " too small: needs " + W(c.recommended_psu_w) + " (sustained " +
            W(c.sustained_w) + " kept under 80% load; spikes to " + W(c.transient_w) + " at " +
            std::to_string(c.transient.factor).substr(0, 4) + "x GPU power, " + c.transient.family +
            ")",
        fix);
  }
}

// The wall draw against a 120 V / 15 A household circuit.
void CheckCircuit(Compatibility& c, const PowerLimited& limited) {
  c.circuit_limit_w = kCircuitVolts * kCircuitAmps * kContinuousFraction;
  c.wall_w = c.sustained_w / kPsuEfficiency;
  if (c.wall_w <= c.circuit_limit_w) return;
  const double limited_wall = limited.sustained_w / kPsuEfficiency;
  Add(c, "circuit", Severity::kWarning,
      "draws about " + W(c.wall_w) + " at the wall, over the " + W(c.circuit_limit_w) +
          " continuous limit of a 120 V / 15 A circuit (80% rule)",
      "a 20 A (1920 W) or 240 V circuit" +
          std::string(limited_wall <= c.circuit_limit_w
                          ? "; or power-limit the GPUs to 80% (about " + W(limited_wall) +
                                " at the wall, ~95% of the speed)"
                          : ""));
}

void CheckPower(const workload::Scenario& s, Compatibility& c) {
  PowerBudget(s, c);
  const auto& gpu = s.hardware.gpu;
  if (!gpu.tdp_w) {
    c.notes.push_back("TDP of " + gpu.id + " unknown: power checks skipped");
    return;
  }
  const std::string connectors = ConnectorText(c, *gpu.tdp_w, s.hardware.count);
  const PowerLimited limited = Limited(c);
  const std::string psu_fix = "fit a " + W(c.recommended_psu_w) + " ATX 3.1 PSU" +
                              (connectors.empty() ? "" : " with " + connectors);
  const std::string limit_fix = "or power-limit each GPU to " +
                                W(*gpu.tdp_w * kPowerLimitFraction) +
                                " (nvidia-smi -pl / rocm-smi): about " +
                                std::to_string(static_cast<int>(kSpeedAtPowerLimit * 100)) +
                                "% of the speed, needs " + W(limited.psu_w);
  CheckPsu(c, psu_fix + "; " + limit_fix);
  if (!connectors.empty()) c.notes.push_back("power connectors: " + connectors + " from the PSU");
  CheckCircuit(c, limited);
  if (!c.ok)
    c.notes.push_back(
        "power-limit trade-off: at 80% power most GPUs keep about 95% of their "
        "training speed (Puget Systems, 4x RTX 3090 at 280 W), cutting " +
        W(c.gpu_w - limited.gpu_w) + " of draw and heat");
}

void CheckPhysical(const workload::Scenario& s, Compatibility& c) {
  const auto& gpu = s.hardware.gpu;
  const int count = s.hardware.count;
  const std::string form = Lower(gpu.form_factor);
  if (Has(form, "sxm") || Has(form, "oam") || Has(form, "superchip") || Has(form, "module")) {
    Add(c, "form_factor", Severity::kBlocker,
        gpu.id + " is a " + gpu.form_factor + ": it mounts on a server baseboard, not a PC slot",
        "buy it as part of an HGX/OAM server, or rent it");
    return;
  }
  if (s.system.gpu_slots && count > *s.system.gpu_slots) {
    Add(c, "slots", Severity::kBlocker,
        std::to_string(count) + " GPUs need " + std::to_string(count) +
            " x16 slots; the system has " + std::to_string(*s.system.gpu_slots),
        "a workstation board with " + std::to_string(count) +
            " x16 slots (or PCIe risers), or rent a multi-GPU instance");
  }
  if (gpu.slot_width && count >= 2) {
    const double width = *gpu.slot_width * count;
    if (width > kAtxExpansionSlots) {
      char buf[160];
      std::snprintf(
          buf, sizeof buf,
          "%d cards of %.1f slots need %.1f expansion slots; a standard ATX case has %.0f", count,
          *gpu.slot_width, width, kAtxExpansionSlots);
      Add(c, "slots", Severity::kWarning, buf,
          "2-slot blower models, riser cables and an open frame, or a server chassis");
    }
  }
  // Cooling by heat density.
  const double heat = c.gpu_w;
  const bool passive = gpu.PassivelyCooled();
  c.cooling_needed = passive                 ? "server"
                     : heat <= kAirCoolingW  ? "air"
                     : heat <= kHighAirflowW ? "high-airflow"
                                             : "liquid";
  const int have = CoolingLevel(s.system.cooling);
  if (passive) {
    // A passive heatsink has no fan: in a desktop case (whatever cools the CPU) nothing
    // pushes air through its fins, and the card throttles, then shuts down, within minutes
    // of sustained load. A high-airflow case helps only with the card's own duct.
    const bool ducted = s.system.cooling == workload::Cooling::kHighAirflow;
    Add(c, "cooling", ducted ? Severity::kWarning : Severity::kBlocker,
        gpu.id + " is passively cooled: it needs server front-to-back airflow through its " +
            "heatsink, which a " + std::string(EnumName(workload::kCoolings, s.system.cooling)) +
            "-cooled desktop does not give" + (ducted ? " unless ducted" : ""),
        "a server chassis with high static-pressure fans, or a blower fan shroud on the card's "
        "intake (about $30, 3D-printed)");
  } else {
    const int need = c.cooling_needed == "air" ? 0 : c.cooling_needed == "high-airflow" ? 1 : 2;
    if (need > have)
      Add(c, "cooling", Severity::kWarning,
          W(heat) + " of GPU heat in one case is more than " +
              std::string(EnumName(workload::kCoolings, s.system.cooling)) +
              " cooling removes (about " + W(have == 0 ? kAirCoolingW : kHighAirflowW) + ")",
          std::string(need == 1 ? "high airflow: more intake/exhaust fans or an open-air frame"
                                : "liquid-cooled cards or a server chassis") +
              "; or power-limit to 80%");
  }
}

void CheckPcie(const workload::Scenario& s, const estimate::EstimateResult& est,
               const estimate::Context* ctx, Compatibility& c) {
  const auto& gpu = s.hardware.gpu;
  if (!s.system.pcie_gen || !gpu.pcie_gen || *s.system.pcie_gen >= *gpu.pcie_gen) return;
  const int sys = *s.system.pcie_gen;
  const int native = *gpu.pcie_gen;
  const double ratio = std::pow(2.0, native - sys);
  const auto& b = est.throughput.breakdown_s;
  const double step = est.throughput.step_time_s;
  // Preferred: re-estimate at the native generation, if the estimator models the link.
  double slowdown = 0;
  if (ctx && step > 0) {
    workload::Scenario native_s = s;
    native_s.system.pcie_gen = native;
    const auto t = estimate::EstimateThroughput(native_s, *ctx);
    if (t.step_time_s > 0 && t.step_time_s < step) slowdown = step / t.step_time_s - 1;
  }
  // Otherwise: host-link traffic (offload; collectives without NVLink) scales with 1/bandwidth.
  const bool pcie_collectives =
      s.hardware.TotalGpus() > 1 &&
      (s.hardware.interconnect == workload::Interconnect::kPcie || gpu.gpu_interconnect.empty() ||
       Has(Lower(gpu.gpu_interconnect), "none"));
  if (slowdown == 0 && step > 0) {
    const double link = b.offload + (pcie_collectives ? b.communication : 0);
    slowdown = link * (ratio - 1) / step;
  }
  c.pcie_slowdown = slowdown;
  const std::string lanes = gpu.pcie_lanes ? " x" + std::to_string(*gpu.pcie_lanes) : "";
  char pct[32];
  std::snprintf(pct, sizeof pct, "%.0f%%", slowdown * 100);
  const bool matters = slowdown >= 0.02;
  Add(c, "pcie", matters ? Severity::kWarning : Severity::kNote,
      "PCIe gen " + std::to_string(sys) + " slot for a gen " + std::to_string(native) + lanes +
          " card: " + (ratio >= 4 ? "a quarter" : "half") + " the host bandwidth; " +
          (matters ? "about " + std::string(pct) + " slower for this job (offload/collectives)"
                   : "negligible for this job (only loading is slower)"),
      matters ? "a PCIe gen " + std::to_string(native) + " board, or avoid offload" : "");
  if (s.hardware.count >= 2)
    c.notes.push_back(
        "desktop CPUs split their lanes x8/x8 between two cards: collectives "
        "over PCIe run at half the x16 rate");
}

void CheckHostRam(const workload::Scenario& s, const estimate::EstimateResult& est,
                  Compatibility& c) {
  double need = est.memory.host_ram_bytes;
  if (need <= 0) {
    // Fallback when the estimator gives none: one 16-bit copy of the weights while
    // loading, plus 8 GiB for the OS, dataloader workers and CUDA host allocations.
    need = 2 * est.memory.total_params + 8 * kGiB;
  }
  c.host_ram_needed_bytes = need;
  if (!s.system.host_ram_gb) return;
  c.host_ram_bytes = *s.system.host_ram_gb * kGiB;
  if (need <= *c.host_ram_bytes) return;
  double target = kRamSizes[std::size(kRamSizes) - 1];
  for (double r : kRamSizes)
    if (r * kGiB >= need) {
      target = r;
      break;
    }
  const bool offload = s.parallelism.offload != workload::Offload::kNone;
  Add(c, "host_ram", offload ? Severity::kBlocker : Severity::kWarning,
      "needs about " + Gb(need) + " of host RAM (" + (offload ? "offload + loading" : "loading") +
          "), the system has " + Gb(*c.host_ram_bytes),
      "install " + GiBLabel(target) + " of RAM" +
          (offload ? "" : ", or load the checkpoint shard by shard (low_cpu_mem_usage)"));
}

// GPUs in a newly bought host (workstation or server): its PSUs come sized for them, so
// only the power it needs from the building matters.
void CheckHostedPower(const workload::Scenario& s, const HostPlatform& host, Compatibility& c) {
  const int nodes = s.hardware.nodes;
  c.gpu_w = s.hardware.gpu.tdp_w.value_or(0) * s.hardware.count;
  c.cpu_w = host.power_w;
  c.transient = TransientFor(s.hardware.gpu);
  c.sustained_w = c.gpu_w + c.cpu_w;
  c.transient_w = c.sustained_w + (c.transient.factor - 1) * c.gpu_w;
  c.wall_w = c.sustained_w / kPsuEfficiency;
  c.circuit_limit_w = kCircuitVolts * kCircuitAmps * kContinuousFraction;
  const std::string per = nodes > 1 ? " per node (" + std::to_string(nodes) + " nodes)" : "";
  c.notes.push_back("the GPUs go into a new " + host.name +
                    ": its power supplies come sized for them");
  if (host.form == "workstation") {
    if (c.wall_w > c.circuit_limit_w)
      Add(c, "circuit", Severity::kWarning,
          "the workstation draws about " + W(c.wall_w) + " at the wall, over the " +
              W(c.circuit_limit_w) + " continuous limit of a 120 V / 15 A circuit (80% rule)",
          "a 20 A or 240 V circuit, or power-limit the GPUs to 80% (~95% of the speed)");
    c.cooling_needed = c.gpu_w <= kHighAirflowW ? "high-airflow" : "liquid";
    return;
  }
  c.cooling_needed = "server";
  c.notes.push_back("data-center power: about " + W(c.wall_w) + per +
                    " from 208-240 V rack circuits, and data-center cooling for it");
}

}  // namespace

bool HasBlocker(const Compatibility& c) {
  if (!c.applies) return false;
  for (const auto& i : c.issues)
    if (i.severity == Severity::kBlocker) return true;
  return false;
}

TransientFactor TransientFor(const catalog::GpuSpec& gpu) {
  const std::string arch = Lower(gpu.architecture);
  const std::string vendor = Lower(gpu.vendor);
  const bool consumer = gpu.segment == "consumer";
  if (!consumer)
    return {1.2, "power-capped workstation/data-center board",
            "estimate: these boards run at a firmware power cap with server-grade PSUs; "
            "PCI-SIG CEM 5.0 still allows excursions up to 3x for 100 us"};
  if (vendor == "nvidia" && Has(arch, "ampere"))
    return {1.6, "GeForce Ampere",
            "Gamers Nexus measured ~533 W 100-us spikes on a 320 W RTX 3080 (1.67x); Igor's "
            "Lab traces of the RTX 3090 show the spikes that tripped 750-850 W units"};
  if (vendor == "nvidia" && Has(arch, "ada"))
    return {1.3, "GeForce Ada",
            "Ada reworked power delivery (FurMark traces of the RTX 4090 FE without abrupt "
            "spikes); NVIDIA's 850 W guidance for the 450 W RTX 4090 implies about 1.3x"};
  if (vendor == "nvidia" && Has(arch, "blackwell"))
    return {1.43, "GeForce Blackwell",
            "Igor's Lab, RTX 5090 FE: 823.6 W in 1-5 ms windows at 575 W TDP (1.43x), "
            "901 W under 1 ms"};
  if (vendor == "nvidia")
    return {1.4, "GeForce (older)", "estimate between the Ampere and Ada measurements"};
  if (vendor == "amd")
    return {1.5, "Radeon",
            "estimate: TechPowerUp saw reboots from RX 6950 XT power excursions; no ms-window "
            "measurement in the sources"};
  return {1.5, "other consumer GPU",
          "estimate: PCI-SIG CEM 5.0 allows 3x for 100 us; ~1.5x over ms windows is typical "
          "of measured cards"};
}

double StandardPsuSize(double watts) {
  for (double s : kPsuSizes)
    if (s >= watts - 1e-9) return s;
  return std::ceil(watts / 100) * 100;
}

Compatibility CheckCompatibility(const workload::Scenario& s, const estimate::EstimateResult& est,
                                 const estimate::Context* ctx, const HostPlatform* host) {
  Compatibility c;
  if (host) {
    CheckHostedPower(s, *host, c);
  } else {
    CheckPower(s, c);
    CheckPhysical(s, c);
    CheckPcie(s, est, ctx, c);
    CheckHostRam(s, est, c);
  }
  // Blockers first, then warnings, then notes.
  std::stable_sort(
      c.issues.begin(), c.issues.end(),
      [](const CompatIssue& a, const CompatIssue& b) { return a.severity < b.severity; });
  return c;
}

}  // namespace gpuadv::advise
