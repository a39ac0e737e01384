#pragma once
#include <string>
#include <vector>

#include "gpuadv/catalog/model_arch.h"
#include "gpuadv/io/fields.h"

namespace gpuadv::io {

/// A model architecture from a map: the DESIGN.md inline keys (params, layers, hidden,
/// heads, kv_heads, ffn, vocab, mlp, norm, bias, tied_embeddings, position, experts,
/// experts_active, head_dim, max_seq_len, kind) plus, for catalog entries, id, name,
/// family, aliases, sources, notes, moe_ffn, shared_expert_ffn, components, ...
/// Computes `params` from the shape when shaped (declared `params` kept in
/// declared_params). Throws InputError naming the field.
catalog::ModelArch ParseModel(Fields& f);

/// One model entry of a catalog document, at `field` (CatalogEntryField): ParseModel,
/// checked for unknown keys and a valid id; the name defaults to the id.
catalog::ModelArch ParseModelEntry(const Doc& entry, const std::string& field);

/// All entries of a model document: a map with key `models:` holding a list.
std::vector<catalog::ModelArch> ParseModelDocument(const Doc& doc, const std::string& origin);

/// A Hugging Face config.json (llama, mistral, mixtral, qwen2, gemma, gemma2, phi3, gpt2,
/// gpt_neox, falcon, opt, bloom). `origin` is the path, for errors.
catalog::ModelArch ModelFromHfConfig(std::string_view json_text, const std::string& origin);

}  // namespace gpuadv::io
