#include "gpuadv/io/yaml_doc.h"

namespace gpuadv::io {

nlohmann::json YamlToDoc(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      nlohmann::json j = nlohmann::json::object();
      for (const auto& kv : n) {
        // A non-scalar key can never be read: kept under its printable form, so that
        // Finish() names it as an unknown key.
        const std::string key = kv.first.IsScalar() ? kv.first.Scalar()
                                : kv.first.IsMap()  ? "{...}"
                                                    : "[...]";
        j.emplace(key, YamlToDoc(kv.second));
      }
      return j;
    }
    case YAML::NodeType::Sequence: {
      nlohmann::json j = nlohmann::json::array();
      for (const auto& v : n) j.push_back(YamlToDoc(v));
      return j;
    }
    case YAML::NodeType::Scalar:
      return n.Scalar();
    default:
      return nullptr;
  }
}

}  // namespace gpuadv::io
