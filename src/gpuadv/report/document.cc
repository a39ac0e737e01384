#include "gpuadv/report/document.h"

#include <utility>

namespace gpuadv::report {
Document& Document::Add(Block::Kind kind, std::string text, std::string marker, std::string label) {
  Block b;
  b.kind = kind;
  b.text = std::move(text);
  b.marker = std::move(marker);
  b.label = std::move(label);
  blocks.push_back(std::move(b));
  return *this;
}

Document& Document::Title(std::string text) { return Add(Block::Kind::kTitle, std::move(text)); }

Document& Document::MarkdownTitle(std::string text) {
  return Add(Block::Kind::kMarkdownTitle, std::move(text));
}

Document& Document::Heading(std::string text) {
  return Add(Block::Kind::kHeading, std::move(text));
}

Document& Document::Line(std::string text) { return Add(Block::Kind::kLine, std::move(text)); }

Document& Document::Strong(std::string text, std::string indent) {
  return Add(Block::Kind::kStrong, std::move(text), std::move(indent));
}

Document& Document::Bullet(std::string text, std::string marker) {
  return Add(Block::Kind::kBullet, std::move(text), std::move(marker));
}

Document& Document::Paragraph(std::string text, std::string indent) {
  return Add(Block::Kind::kParagraph, std::move(text), std::move(indent));
}

Document& Document::Lead(std::string label, std::string text) {
  return Add(Block::Kind::kLead, std::move(text), "", std::move(label));
}

Document& Document::Table(std::vector<TableRow> rows, const std::vector<size_t>& left_columns) {
  size_t cols = 0;
  for (const auto& r : rows) cols = std::max(cols, r.size());
  std::vector<bool> right(cols, true);
  if (cols > 0) right[0] = false;
  for (size_t i : left_columns)
    if (i < cols) right[i] = false;
  return Aligned(std::move(rows), std::move(right));
}

Document& Document::Aligned(std::vector<TableRow> rows, std::vector<bool> right) {
  Block b;
  b.kind = Block::Kind::kTable;
  b.rows = std::move(rows);
  b.right = std::move(right);
  blocks.push_back(std::move(b));
  return *this;
}

Document& Document::Append(const Document& other) {
  blocks.insert(blocks.end(), other.blocks.begin(), other.blocks.end());
  return *this;
}

}  // namespace gpuadv::report
