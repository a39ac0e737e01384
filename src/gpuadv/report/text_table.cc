#include "gpuadv/report/text_table.h"

#include <algorithm>

namespace gpuadv::report {

std::string RenderAligned(const std::vector<TableRow>& rows, bool markdown,
                          const std::vector<bool>& right) {
  if (rows.empty()) return "";
  size_t cols = 0;
  for (const auto& r : rows) cols = std::max(cols, r.size());
  std::vector<size_t> width(cols, 0);
  for (const auto& r : rows)
    for (size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  auto left = [&](size_t i) { return i >= right.size() || !right[i]; };
  std::string out;
  for (size_t ri = 0; ri < rows.size(); ++ri) {
    const auto& r = rows[ri];
    out += markdown ? "|" : "  ";
    for (size_t i = 0; i < cols; ++i) {
      std::string cell;
      for (char c : i < r.size() ? r[i] : std::string()) {
        if (markdown && c == '|') cell.push_back('\\');
        cell.push_back(c);
      }
      const std::string pad(width[i] - std::min(width[i], cell.size()), ' ');
      if (markdown) out += ' ';
      if (!markdown && i) out += "  ";
      if (left(i)) {
        out += cell;
        if (markdown || i + 1 < cols) out += pad;
      } else {
        out += pad;
        out += cell;
      }
      if (markdown) out += " |";
    }
    if (!markdown) out.erase(out.find_last_not_of(' ') + 1);  // no trailing blanks
    out += "\n";
    if (ri == 0) {
      if (markdown) {
        out += "|";
        for (size_t i = 0; i < cols; ++i)
          out += left(i) ? std::string(width[i] + 2, '-') + "|"
                         : std::string(width[i] + 1, '-') + ":|";
        out += "\n";
      } else {
        size_t total = 0;
        for (auto w : width) total += w + 2;
        out += "  " + std::string(total - 2, '-') + "\n";
      }
    }
  }
  return out;
}

std::string CsvField(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

}  // namespace gpuadv::report
