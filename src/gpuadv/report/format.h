#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "gpuadv/core/enum_table.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::report {

/// Output formats of every verb (DESIGN.md: --format table|json|csv|markdown).
enum class Format { kTable, kJson, kCsv, kMarkdown };
inline constexpr EnumEntry<Format> kFormats[] = {
    {"table", Format::kTable, "human-readable tables"},
    {"json", Format::kJson, "the JSON contract of DESIGN.md"},
    {"csv", Format::kCsv, "comma-separated rows"},
    {"markdown", Format::kMarkdown, "Markdown tables"},
};

/// "24.0 GiB": memory in binary units labelled as such (core MemorySize); a "24 GB" card
/// holds 24 GiB and shows 24.0 GiB.
std::string Bytes(double bytes);
/// "tp8 pp2 vpp5 dp64 zero1 sp" for a multi-GPU layout, "-" for one GPU: the short form
/// the rows of recommend show (issue 12: every row shows its layout).
std::string LayoutShort(const workload::Parallelism& p, int gpus);
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
