#pragma once
#include <string>

#include "gpuadv/estimate/efficiency.h"
#include "gpuadv/io/fields.h"

namespace gpuadv::io {

/// The efficiency table (data/efficiency.yaml schema). Throws InputError naming the field.
estimate::EfficiencyTable ParseEfficiencyDocument(const YAML::Node& doc, const std::string& origin);

}  // namespace gpuadv::io
