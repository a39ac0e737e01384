#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "gpuadv/core/enum_table.h"

namespace gpuadv::report {

/// Output formats of every verb (DESIGN.md: --format table|json|csv|markdown).
enum class Format { kTable, kJson, kCsv, kMarkdown };
inline constexpr EnumEntry<Format> kFormats[] = {
    {"table", Format::kTable, "human-readable tables"},
    {"json", Format::kJson, "the JSON contract of DESIGN.md"},
    {"csv", Format::kCsv, "comma-separated rows"},
    {"markdown", Format::kMarkdown, "Markdown tables"},
};

/// "24.0 GB": GPU memory printed in GiB-sized "GB", as vendors label GPU memory
/// (MODELLING section 0), so a 24 GB card shows 24.0 GB.
std::string Bytes(double bytes);
/// "1.23 s", "45.6 ms", "3.2 h", "4.1 days".
std::string Duration(double seconds);
/// "12,345" style with thousands separators, `digits` decimals.
std::string Number(double v, int digits = 0);
/// "$1,234" / "$0.42".
std::string Usd(double v);
/// "87%".
std::string Percent(double fraction, int digits = 0);
/// value with unit, or "unknown".
std::string Optional(const std::optional<double>& v, std::string_view unit, int digits = 0);

}  // namespace gpuadv::report
