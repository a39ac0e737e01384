#pragma once
// Hugging Face model ids ("Qwen/Qwen3-8B") resolved offline from the local hub cache that
// huggingface_hub writes (DESIGN.md C2): <cache>/models--Org--Name/snapshots/<rev>/config.json,
// the revision named by refs/main.
#include <optional>
#include <string>
#include <vector>

namespace gpuadv::io {

/// Whether `ref` has the shape of a hub id: "org/name" (one '/', no ".json", no leading
/// '.', '/' or '~').
bool LooksLikeHubId(const std::string& ref);

/// The cache folder of a model repo: "models--Org--Name".
std::string HubRepoFolder(const std::string& repo_id);

/// The hub cache folders to search, in order: $HF_HUB_CACHE, else $HF_HOME/hub, else
/// $HOME/.cache/huggingface/hub (huggingface_hub's constants.py order).
std::vector<std::string> HubCacheDirs();

/// The cached config.json of `repo_id` in `dirs`: the refs/main snapshot, else the first
/// snapshot (by name) holding one; nullopt when none.
std::optional<std::string> FindCachedConfig(const std::string& repo_id,
                                            const std::vector<std::string>& dirs);

}  // namespace gpuadv::io
