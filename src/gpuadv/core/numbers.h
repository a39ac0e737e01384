#pragma once
// Numbers written for people: thousands grouped ("1,234,567.8"), dollar amounts. One
// definition used by advise (reasons), report (tables) and every other writer.
#include <string>

namespace gpuadv {

/// `v` with `digits` decimals and the integer part grouped by thousands; "unknown" when not
/// finite.
std::string Grouped(double v, int digits = 0);

/// Commas into the integer part of a plain decimal literal ("-1234.5" -> "-1,234.5");
/// literals with an exponent or non-finite text ("1e+20", "inf") are returned as they are.
std::string GroupThousands(const std::string& literal);

/// "$1,234" (cents below $10: "$3.50"); "unknown" when not finite.
std::string UsdAmount(double usd);

}  // namespace gpuadv
