#include "gpuadv/report/document.h"

#include <utility>

namespace gpuadv::report {
namespace {

Block TextBlock(Block::Kind kind, std::string text) {
  Block b;
  b.kind = kind;
  b.text = std::move(text);
  return b;
}

}  // namespace

Document& Document::Title(std::string text) {
  blocks.push_back(TextBlock(Block::Kind::kTitle, std::move(text)));
  return *this;
}

Document& Document::Heading(std::string text) {
  blocks.push_back(TextBlock(Block::Kind::kHeading, std::move(text)));
  return *this;
}

Document& Document::Line(std::string text) {
  blocks.push_back(TextBlock(Block::Kind::kLine, std::move(text)));
  return *this;
}

Document& Document::Strong(std::string text, std::string indent) {
  Block b = TextBlock(Block::Kind::kStrong, std::move(text));
  b.marker = std::move(indent);
  blocks.push_back(std::move(b));
  return *this;
}

Document& Document::Bullet(std::string text, std::string marker) {
  Block b = TextBlock(Block::Kind::kBullet, std::move(text));
  b.marker = std::move(marker);
  blocks.push_back(std::move(b));
  return *this;
}

Document& Document::MarkdownTitle(std::string text) {
  blocks.push_back(TextBlock(Block::Kind::kMarkdownTitle, std::move(text)));
  return *this;
}

Document& Document::Paragraph(std::string text, std::string indent) {
  Block b = TextBlock(Block::Kind::kParagraph, std::move(text));
  b.marker = std::move(indent);
  blocks.push_back(std::move(b));
  return *this;
}

Document& Document::Lead(std::string label, std::string text) {
  Block b = TextBlock(Block::Kind::kLead, std::move(text));
  b.label = std::move(label);
  blocks.push_back(std::move(b));
  return *this;
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
