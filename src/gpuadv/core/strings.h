#pragma once
// ASCII case folding for ids, names and free text (catalog ids, vendor names, nvidia-smi
// output): one definition for every layer.
#include <string>
#include <string_view>

namespace gpuadv {

/// `s` with ASCII letters lower-cased (other bytes unchanged).
std::string Lower(std::string_view s);

/// True when `a` and `b` are equal ignoring ASCII case.
bool IEquals(std::string_view a, std::string_view b);

}  // namespace gpuadv
