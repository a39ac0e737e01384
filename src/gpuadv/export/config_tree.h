#pragma once
// A small ordered key/value tree written as JSON (DeepSpeed) or YAML (accelerate). The
// launch configs are written directly, not through nlohmann / yaml-cpp, which stay in io/
// (STYLE.md principle 2).
#include <string>
#include <vector>

namespace gpuadv::launch {

/// A scalar (already in its literal form: `true`, `3`, `"cpu"` for JSON strings) or an
/// ordered object of children.
struct ConfigNode {
  std::string key;
  std::string scalar;  // literal; empty for objects
  std::vector<ConfigNode> children;

  ConfigNode& Object(std::string k);
  void Int(std::string k, long long v);
  void Bool(std::string k, bool v);
  void Real(std::string k, double v);
  /// A string value; `Json` quotes it, `Yaml` writes it bare unless `quote_yaml`.
  void Str(std::string k, const std::string& v, bool quote_yaml = false);
  /// A list of strings (a JSON array, a YAML block sequence).
  void List(std::string k, const std::vector<std::string>& items);
  /// A list of objects: each Object() of the returned node is one element (key paths
  /// "k[].child").
  ConfigNode& Sequence(std::string k);
  bool is_list() const { return is_list_; }

 private:
  friend std::string Json(const ConfigNode&);
  friend std::string Yaml(const ConfigNode&);
  bool is_string_ = false;
  bool quote_yaml_ = false;
  bool is_list_ = false;
};

/// The tree's children as a JSON object (2-space indent, trailing newline).
std::string Json(const ConfigNode& root);
/// The tree's children as a YAML block mapping.
std::string Yaml(const ConfigNode& root);
/// Every key path of the tree, dotted ("zero_optimization.stage"), objects included; list
/// elements as "datasets[].path".
std::vector<std::string> KeyPaths(const ConfigNode& root);

}  // namespace gpuadv::launch
