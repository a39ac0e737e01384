#pragma once
// Parses the advisor's side data (data/cpus.yaml, data/hosts.yaml, data/accelerators.yaml)
// into advise::PlatformData. Like every io/ loader, names the field on bad input.
#include <string>
#include <vector>

#include "gpuadv/advise/platform.h"
#include "gpuadv/io/fields.h"

namespace gpuadv::io {

/// A document with `cpus:` (list of CPU entries).
std::vector<advise::CpuSpec> ParseCpuDocument(const Doc& doc, const std::string& origin);
/// A document with `hosts:` (list of host platforms).
std::vector<advise::HostPlatform> ParseHostDocument(const Doc& doc, const std::string& origin);
/// A document with `accelerators:` (list of non-GPU accelerators).
std::vector<advise::AcceleratorNote> ParseAcceleratorDocument(const Doc& doc,
                                                              const std::string& origin);

/// The embedded data/cpus.yaml, hosts.yaml and accelerators.yaml, parsed once per process.
/// A missing file gives an empty list.
const advise::PlatformData& BuiltinPlatforms();

}  // namespace gpuadv::io
