#pragma once
// Short number formatting for the advisor's `why`/`advice` sentences. report/ owns the
// printed tables; these only phrase explanations (STYLE.md principle 11).
#include <string>

namespace gpuadv::advise::text {

/// "27.4 GB" (GiB-sized, as GPU memory is labelled).
std::string Gb(double bytes);
/// "24 GB" from a catalog memory_gb label.
std::string GbLabel(double memory_gb);
/// "$1,234" or "$0.42".
std::string Usd(double usd);
/// "45 min", "12.3 h", "4.1 days".
std::string Time(double seconds);
/// "38%".
std::string Pct(double fraction);
/// "1,234" (no decimals) or with `digits`.
std::string Num(double v, int digits = 0);
/// "320M", "1.2B", "15T" (tokens, parameters).
std::string Si(double v);

}  // namespace gpuadv::advise::text
