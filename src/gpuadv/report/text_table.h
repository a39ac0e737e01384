#pragma once
// Aligned text tables and Markdown tables for the advisor reports (recommend, fit, compare).
#include <string>
#include <vector>

namespace gpuadv::report {

using TableRow = std::vector<std::string>;

/// Renders rows (the first is the header) as an aligned text table, or a Markdown table.
/// Columns after the first are right-aligned unless `left_columns` names them.
std::string RenderTable(const std::vector<TableRow>& rows, bool markdown,
                        const std::vector<size_t>& left_columns = {});
/// The same with each column's alignment given: `right[i]` right-aligns column i (columns
/// beyond `right` are left-aligned). Text rows carry no trailing blanks.
std::string RenderAligned(const std::vector<TableRow>& rows, bool markdown,
                          const std::vector<bool>& right);

/// "\nTitle\n" or "\n## Title\n\n".
std::string SectionHeading(const std::string& title, bool markdown);

/// A bullet line: "  - text" (text) or "- text" (Markdown).
std::string Bullet(const std::string& text, bool markdown, int indent = 2);

/// CSV field (RFC 4180), quoted when it holds a comma, quote, CR or LF.
std::string CsvField(const std::string& s);

}  // namespace gpuadv::report
