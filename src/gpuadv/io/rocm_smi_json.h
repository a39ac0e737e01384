#pragma once
// `rocm-smi ... --json` -> detected GPUs (design C11). Here because only io/ parses JSON
// (STYLE.md principle 2); detect/ runs the tool and is handed this parser.
#include <string_view>

#include "gpuadv/detect/detected_gpu.h"

namespace gpuadv::io {

/// Parses what `rocm-smi` prints with detect::kRocmSmiJsonArgs: one object per card,
///   {"card0": {"Card Series": "AMD Instinct MI300X", "VRAM Total Memory (B)": "206141652992",
///              "VRAM Total Used Memory (B)": "290553856",
///              "Max Graphics Package Power (W)": "750.0", "PCI Bus": "0000:05:00.0", ...},
///    "system": {"Driver version": "6.8.5"}}
/// Values are strings as rocm-smi prints them (numbers are accepted too); "N/A..." is
/// unknown. Older versions spell "Card series"; "Device Name" stands in when neither is
/// there. Cards come out in card-number order. Text before the first '{' (warnings the
/// tool mixes in) is skipped. An object without cards is kOk with no GPU. Anything else --
/// not JSON, a card without a name, a figure that is not a number -- is kFailed with a
/// one-line reason, so the caller can fall back to the CSV output (detect::ParseRocmSmiCsv).
detect::QueryResult ParseRocmSmiJson(std::string_view text);

}  // namespace gpuadv::io
