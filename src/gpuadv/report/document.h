#pragma once
// One result document per verb, rendered by one writer per format (the reporter pattern of
// google/benchmark: the run produces values, a ConsoleReporter / JSONReporter / CSVReporter
// prints them). A verb builds a Document from its typed result once; report::Render prints
// it as table, Markdown, CSV or JSON. A new format is one writer (writers.cc); a field
// added to a Document appears in every format, or by design only in JSON (the contract of
// DESIGN.md) and in CSV through the JSON columns.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gpuadv/report/format.h"
#include "gpuadv/report/text_table.h"

namespace gpuadv::report {

/// One block of the human view (table and Markdown).
struct Block {
  enum class Kind {
    kTitle,    // "Title" / "# Title"; after other blocks, a blank line first in both
    kHeading,  // "\nHeading" / "## Heading"
    kLine,     // a line printed as given in both
    kStrong,   // "<marker>text" / "**text**" as its own paragraph
    kBullet,   // "<marker>text" / "- text"
    kTable,    // aligned columns / a Markdown table
    kLead,     // "label: text" / "### label", then text as a paragraph
    // A title only Markdown carries: nothing / "# Title" (the table view starts with its
    // content, e.g. `gpus list`).
    kMarkdownTitle,
    // "<marker>text" / "text" as its own paragraph (the marker indents it in the table
    // format: "  " for notes under a heading, "" for a line of its own).
    kParagraph,
  };
  Kind kind = Kind::kLine;
  std::string text;             // every kind but kTable
  std::string marker = "  - ";  // the table format's prefix: kBullet ("  ! " for a warning),
                                // kStrong and kParagraph ("" unless given)
  std::string label;            // kLead
  std::vector<TableRow> rows;   // kTable: the header first
  std::vector<bool> right;      // kTable: right-aligned columns (beyond: left)
};

/// A verb's result in every format.
struct Document {
  nlohmann::json json;        // the JSON contract (DESIGN.md), printed as is
  std::vector<Block> blocks;  // the human view
  /// CSV: the header first, then one row per item, raw values (no units, no grouping);
  /// `csv_json` (an array, one JSON document per row) is appended as columns by dotted path
  /// (AppendJsonColumns), so the CSV carries every figure of the JSON.
  std::vector<TableRow> csv;
  nlohmann::json csv_json;

  Document& Title(std::string text);
  Document& Heading(std::string text);
  Document& Line(std::string text);
  /// `indent` prefixes the text in the table format (where it is not emphasised).
  Document& Strong(std::string text, std::string indent = "");
  Document& Bullet(std::string text, std::string marker = "  - ");
  Document& MarkdownTitle(std::string text);
  Document& Paragraph(std::string text, std::string indent = "");
  /// A labelled lead paragraph: the label runs into the text in the table format and is a
  /// third-level heading above it in Markdown.
  Document& Lead(std::string label, std::string text);
  /// A table (the header first): columns after the first right-aligned unless
  /// `left_columns` names them.
  Document& Table(std::vector<TableRow> rows, const std::vector<size_t>& left_columns = {});
  /// A table with the alignment given per column (`right`, as RenderAligned takes it).
  Document& Aligned(std::vector<TableRow> rows, std::vector<bool> right);
  /// Appends a text block (every kind but kTable).
  Document& Add(Block::Kind kind, std::string text, std::string marker = "",
                std::string label = "");
  /// Appends another document's blocks (its JSON and CSV are not merged).
  Document& Append(const Document& other);
};

/// A writer renders a Document in one format.
class Writer {
 public:
  virtual ~Writer() = default;
  virtual std::string Write(const Document& d) const = 0;
};

/// The writer of `f` (writers.cc holds one per report::Format).
const Writer& WriterFor(Format f);

/// WriterFor(f).Write(d).
std::string Render(const Document& d, Format f);

}  // namespace gpuadv::report
