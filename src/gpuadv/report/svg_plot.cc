// The time-vs-cost scatter of `recommend --plot FILE.svg`: hand-written SVG, no library.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "gpuadv/report/format.h"
#include "gpuadv/report/recommend_report.h"

namespace gpuadv::report {
namespace {

constexpr double kWidth = 860, kHeight = 540;
constexpr double kLeft = 90, kRight = 230, kTop = 50, kBottom = 70;  // margins (legend right)

std::string Escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

// Log-scale axis over [lo, hi] (positive), padded to whole decades or halves.
struct LogAxis {
  double lo = 1, hi = 10;
  double from = 0, to = 1;  // pixels
  double Map(double v) const {
    const double t =
        (std::log10(std::max(v, lo)) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    return from + t * (to - from);
  }
};

LogAxis MakeAxis(double mn, double mx, double from, double to) {
  LogAxis a;
  mn = std::max(mn, 1e-9);
  mx = std::max(mx, mn * 1.0001);
  a.lo = std::pow(10.0, std::floor(std::log10(mn)));
  a.hi = std::pow(10.0, std::ceil(std::log10(mx)));
  if (a.hi <= a.lo) a.hi = a.lo * 10;
  a.from = from;
  a.to = to;
  return a;
}

std::string Ticks(const LogAxis& a, bool x, double y0, double x0, double len) {
  std::string out;
  for (double v = a.lo; v <= a.hi * 1.0001; v *= 10) {
    const double p = a.Map(v);
    const std::string label = x ? Duration(v * 3600) : Usd(v);
    if (x) {
      out +=
          fmt::format("<line x1='{0:.1f}' y1='{1:.1f}' x2='{0:.1f}' y2='{2:.1f}' class='grid'/>\n",
                      p, y0, y0 - len);
      out += fmt::format("<text x='{:.1f}' y='{:.1f}' text-anchor='middle'>{}</text>\n", p, y0 + 18,
                         Escape(label));
    } else {
      out +=
          fmt::format("<line x1='{0:.1f}' y1='{1:.1f}' x2='{2:.1f}' y2='{1:.1f}' class='grid'/>\n",
                      x0, p, x0 + len);
      out += fmt::format("<text x='{:.1f}' y='{:.1f}' text-anchor='end'>{}</text>\n", x0 - 8, p + 4,
                         Escape(label));
    }
  }
  return out;
}

}  // namespace

std::string ParetoSvg(const advise::RecommendResult& r, const std::string& title) {
  const double x0 = kLeft, x1 = kWidth - kRight, y0 = kHeight - kBottom, y1 = kTop;
  std::string out = fmt::format(
      "<svg xmlns='http://www.w3.org/2000/svg' width='{0}' height='{1}' viewBox='0 0 {0} {1}' "
      "font-family='sans-serif' font-size='12'>\n"
      "<style>.grid{{stroke:#ddd}} .axis{{stroke:#333}} .buy{{fill:#1f77b4;opacity:0.55}} "
      ".rent{{fill:#ff7f0e;opacity:0.55}} .front{{fill:none;stroke:#d62728;stroke-width:2}} "
      ".fp{{fill:#d62728}}</style>\n"
      "<rect width='100%' height='100%' fill='white'/>\n"
      "<text x='{2}' y='28' font-size='16' font-weight='bold'>{3}</text>\n",
      kWidth, kHeight, x0, Escape(title));
  std::vector<const advise::TradeoffPoint*> pts;
  for (const auto& p : r.points)
    if (p.time_s > 0 && p.cost_usd > 0) pts.push_back(&p);
  if (pts.empty()) {
    out += fmt::format("<text x='{}' y='{}'>no feasible configuration to plot</text>\n</svg>\n", x0,
                       (y0 + y1) / 2);
    return out;
  }
  double tmin = 1e300, tmax = 0, cmin = 1e300, cmax = 0;
  for (const auto* p : pts) {
    const double h = p->time_s / 3600;
    tmin = std::min(tmin, h), tmax = std::max(tmax, h);
    cmin = std::min(cmin, p->cost_usd), cmax = std::max(cmax, p->cost_usd);
  }
  const LogAxis ax = MakeAxis(tmin, tmax, x0, x1);
  const LogAxis ay = MakeAxis(cmin, cmax, y0, y1);
  out += Ticks(ax, true, y0, x0, y0 - y1) + Ticks(ay, false, y0, x0, x1 - x0);
  out += fmt::format("<line x1='{0}' y1='{1}' x2='{2}' y2='{1}' class='axis'/>\n", x0, y0, x1);
  out += fmt::format("<line x1='{0}' y1='{1}' x2='{0}' y2='{2}' class='axis'/>\n", x0, y0, y1);
  out += fmt::format("<text x='{}' y='{}' text-anchor='middle'>training time (log)</text>\n",
                     (x0 + x1) / 2, kHeight - 22);
  out += fmt::format(
      "<text transform='translate(22 {}) rotate(-90)' text-anchor='middle'>total cost of the job, "
      "USD (log)</text>\n",
      (y0 + y1) / 2);
  for (const auto* p : pts)
    out +=
        fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='4' class='{}'><title>{}</title></circle>\n",
                    ax.Map(p->time_s / 3600), ay.Map(p->cost_usd),
                    p->kind == advise::AcquireKind::kBuy ? "buy" : "rent",
                    Escape(fmt::format("{}x {} {} {}: {}, {}", p->count * p->nodes, p->gpu,
                                       p->kind == advise::AcquireKind::kBuy ? "buy" : "rent",
                                       p->offer, Duration(p->time_s), Usd(p->cost_usd))));
  std::string path;
  int labels = 0;
  for (const auto* p : pts) {
    if (!p->on_front) continue;
    const double x = ax.Map(p->time_s / 3600), y = ay.Map(p->cost_usd);
    path += fmt::format("{}{:.1f},{:.1f}", path.empty() ? "M" : " L", x, y);
    out += fmt::format("<circle cx='{:.1f}' cy='{:.1f}' r='5' class='fp'/>\n", x, y);
    if (labels++ < 12)
      out +=
          fmt::format("<text x='{:.1f}' y='{:.1f}' font-size='11'>{}</text>\n", x + 7, y - 6,
                      Escape(fmt::format("{}x {} ({})", p->count * p->nodes, p->gpu,
                                         p->kind == advise::AcquireKind::kBuy ? "buy" : p->offer)));
  }
  out += fmt::format("<path d='{}' class='front'/>\n", path);
  const double lx = x1 + 20;
  out += fmt::format(
      "<circle cx='{0}' cy='{1}' r='5' class='buy'/><text x='{2}' y='{3}'>buy</text>\n"
      "<circle cx='{0}' cy='{4}' r='5' class='rent'/><text x='{2}' y='{5}'>rent</text>\n"
      "<line x1='{6}' y1='{7}' x2='{8}' y2='{7}' class='front'/><text x='{2}' y='{9}'>Pareto "
      "front</text>\n",
      lx, y1 + 10, lx + 12, y1 + 14, y1 + 30, y1 + 34, lx - 6, y1 + 50, lx + 6, y1 + 54);
  out += fmt::format("<text x='{}' y='{}' fill='#555'>{} feasible configurations</text>\n", lx - 6,
                     y1 + 80, pts.size());
  out += "</svg>\n";
  return out;
}

}  // namespace gpuadv::report
