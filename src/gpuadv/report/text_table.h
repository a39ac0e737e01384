#pragma once
// Aligned text and Markdown tables, and CSV fields: the primitives of the writers.
#include <string>
#include <vector>

namespace gpuadv::report {

using TableRow = std::vector<std::string>;

/// Renders rows (the first is the header) as an aligned text table, or a Markdown table:
/// `right[i]` right-aligns column i (columns beyond `right` are left-aligned). Text rows
/// carry no trailing blanks. The writers of report::Document call it (writers.cc).
std::string RenderAligned(const std::vector<TableRow>& rows, bool markdown,
                          const std::vector<bool>& right);

/// CSV field (RFC 4180), quoted when it holds a comma, quote, CR or LF.
std::string CsvField(const std::string& s);

}  // namespace gpuadv::report
