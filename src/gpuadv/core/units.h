#pragma once
// Units: SI inside (bytes, seconds, FLOP, FLOP/s, bytes/s, watts, USD).
// Every variable carries its unit as a name suffix (_bytes, _s, _flops, _w, _usd).
// Decimal vs binary prefixes are explicit here and converted once at the edge
// (MODELLING.md section 0; STYLE.md principle 7).

#include <string>

namespace gpuadv {

inline constexpr double kKilo = 1e3;
inline constexpr double kMega = 1e6;
inline constexpr double kGiga = 1e9;  // "GB" in bandwidths and SI figures
inline constexpr double kTera = 1e12;
inline constexpr double kPeta = 1e15;

inline constexpr double kKiB = 1024.0;
inline constexpr double kMiB = 1024.0 * 1024.0;
inline constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;  // vendor "GB" of GPU memory

inline constexpr double kSecondsPerHour = 3600.0;
inline constexpr double kJoulesPerKwh = 3.6e6;

/// The one way memory amounts are written for people (issue 12: one unit system): binary
/// units labelled as such, "512 MiB", "23.4 GiB", "1.25 TiB". GPU capacities are GiB-sized
/// (an "80 GB" H100 holds 80 GiB), so GiB is also the unit people compare against. Rates
/// stay decimal (GB/s). JSON carries bytes.
std::string MemorySize(double bytes);
/// A capacity already in GiB (catalog `memory_gb`, host RAM), as "24 GiB" / "0.5 GiB".
std::string GiBLabel(double gib);

/// Bytes in an element of the given bit width.
constexpr double BytesOfBits(double bits) { return bits / 8.0; }

}  // namespace gpuadv
