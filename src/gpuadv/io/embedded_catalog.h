#pragma once
// The built-in catalog read by entry (issue 16 item 6: start-up must not grow with the
// catalog). cmake/embed.cmake stores each data/{gpus,models,offers}/*.yaml as MessagePack
// with an index, NAME.yaml.idx (tools/yaml2json --index): one line per id, alias and offer
// GPU, "list<TAB>role<TAB>entry<TAB>begin<TAB>end<TAB>key", role id | alias | gpu, entry
// the position in the file's list, [begin, end) the byte range of that entry's MessagePack.
// A lookup scans the index and decodes the one entry it names; a verb that lists or ranks
// the catalog reads every entry (EntrySource::All).
#include <memory>
#include <optional>
#include <string_view>

#include "gpuadv/catalog/catalog.h"

namespace gpuadv::io {

/// The entry source over the embedded catalog files; built once per process.
std::shared_ptr<const catalog::EntrySource> EmbeddedCatalogSource();

/// One entry of an indexed embedded file: its MessagePack and its position in the list.
struct EmbeddedEntry {
  std::string_view bytes;
  size_t index = 0;
};

/// The entry whose id is `id` (case-insensitively) in an embedded file with an entry index
/// (a catalog file or "stacks.yaml"); nullopt when there is none.
std::optional<EmbeddedEntry> FindEmbeddedEntry(std::string_view path, std::string_view id);

}  // namespace gpuadv::io
