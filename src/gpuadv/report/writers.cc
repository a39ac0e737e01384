// The writers of report::Document, one per report::Format. A new output format is an
// entry in report::kFormats (format.h), a Writer here and its line in WriterFor.
#include <string>

#include "gpuadv/report/document.h"
#include "gpuadv/report/json_report.h"

namespace gpuadv::report {
namespace {

using Kind = Block::Kind;

// Aligned text for a terminal: headings and a title after other blocks on their own line
// after a blank one, bullets and tables indented by two.
class TableWriter final : public Writer {
 public:
  std::string Write(const Document& d) const override {
    std::string out;
    for (const Block& b : d.blocks) {
      switch (b.kind) {
        case Kind::kTitle:
          out += (out.empty() ? "" : "\n") + b.text + "\n";
          break;
        case Kind::kLine:
          out += b.text + "\n";
          break;
        case Kind::kStrong:
          out += b.marker + b.text + "\n";
          break;
        case Kind::kHeading:
          out += "\n" + b.text + "\n";
          break;
        case Kind::kBullet:
        case Kind::kParagraph:
          out += b.marker + b.text + "\n";
          break;
        case Kind::kTable:
          out += RenderAligned(b.rows, false, b.right);
          break;
        case Kind::kMarkdownTitle:
          break;
        case Kind::kLead:
          out += b.label + ": " + b.text + "\n";
          break;
      }
    }
    return out;
  }
};

// CommonMark: a blank line between blocks of different kinds, so that a table never runs
// into the paragraph or the table before it.
class MarkdownWriter final : public Writer {
 public:
  std::string Write(const Document& d) const override {
    std::string out;
    const Block* prev = nullptr;
    auto blank = [&out] {
      if (!out.empty() && !out.ends_with("\n\n")) out += "\n";
    };
    for (const Block& b : d.blocks) {
      switch (b.kind) {
        case Kind::kTitle:
        case Kind::kMarkdownTitle:
          blank();
          out += "# " + b.text + "\n\n";
          break;
        case Kind::kHeading:
          blank();
          out += "## " + b.text + "\n\n";
          break;
        case Kind::kLine:
          if (prev && prev->kind != Kind::kLine) blank();
          out += b.text + "\n";
          break;
        case Kind::kStrong:
          blank();
          out += "**" + b.text + "**\n\n";
          break;
        case Kind::kBullet:
          if (prev && prev->kind != Kind::kBullet) blank();
          out += "- " + b.text + "\n";
          break;
        case Kind::kTable:
          blank();
          out += RenderAligned(b.rows, true, b.right);
          break;
        case Kind::kParagraph:
          blank();
          out += b.text + "\n";
          break;
        case Kind::kLead:
          blank();
          out += "### " + b.label + "\n\n" + b.text + "\n";
          break;
      }
      prev = &b;
    }
    return out;
  }
};

// RFC 4180: the document's rows, then its JSON rows as columns.
class CsvWriter final : public Writer {
 public:
  std::string Write(const Document& d) const override {
    std::string out;
    for (const TableRow& row : d.csv) {
      for (size_t i = 0; i < row.size(); ++i) out += (i ? "," : "") + CsvField(row[i]);
      out += "\n";
    }
    return d.csv_json.is_array() ? AppendJsonColumns(out, d.csv_json) : out;
  }
};

// The JSON contract, indented by two.
class JsonWriter final : public Writer {
 public:
  std::string Write(const Document& d) const override { return JsonText(d.json) + "\n"; }
};

}  // namespace

const Writer& WriterFor(Format f) {
  static const TableWriter table;
  static const MarkdownWriter markdown;
  static const CsvWriter csv;
  static const JsonWriter json;
  switch (f) {
    case Format::kTable:
      return table;
    case Format::kMarkdown:
      return markdown;
    case Format::kCsv:
      return csv;
    case Format::kJson:
      return json;
  }
  return table;
}

std::string Render(const Document& d, Format f) { return WriterFor(f).Write(d); }

}  // namespace gpuadv::report
