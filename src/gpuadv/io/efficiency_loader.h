#pragma once
#include <string>

#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/io/fields.h"

namespace gpuadv::io {

/// The efficiency table (data/efficiency.yaml schema). Throws InputError naming the field.
estimate::EfficiencyTable ParseEfficiencyDocument(const Doc& doc, const std::string& origin);

/// Applies a calibration document (data/calibration.yaml, written by `gpu-advisor
/// calibrate`) on top of `table`: the fitted factors of each architecture listed (and of
/// its aliases) and the `uncertainty:` ranges. Throws InputError naming the field, also for
/// an architecture `table` does not have.
void ApplyCalibrationDocument(const Doc& doc, const std::string& origin,
                              estimate::EfficiencyTable* table);

/// The embedded data/efficiency.yaml alone: the hand-written priors `calibrate` starts from.
const estimate::EfficiencyTable& PriorEfficiency();

/// PriorEfficiency() with the embedded data/calibration.yaml applied: what the build
/// compiles into io::BuiltinEfficiency() (tools/efficiency_table), parsed now.
estimate::EfficiencyTable ParseBuiltinEfficiency();

}  // namespace gpuadv::io
