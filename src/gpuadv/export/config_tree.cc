#include "gpuadv/export/config_tree.h"

#include <cstdio>

namespace gpuadv::launch {
namespace {

std::string JsonQuote(const std::string& v) {
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

// Objects and lists: children in order, keys written only for objects.
void WriteJson(const ConfigNode& n, int depth, std::string* out) {
  const std::string pad(static_cast<size_t>(2 * (depth + 1)), ' ');
  const bool list = n.is_list();
  *out += list ? "[\n" : "{\n";
  for (size_t i = 0; i < n.children.size(); ++i) {
    const ConfigNode& c = n.children[i];
    *out += pad + (list ? "" : JsonQuote(c.key) + ": ");
    if (c.scalar.empty() && (c.is_list() || !c.children.empty() || c.key.empty()))
      WriteJson(c, depth + 1, out);
    else
      *out += c.scalar;
    *out += i + 1 < n.children.size() ? ",\n" : "\n";
  }
  *out += std::string(static_cast<size_t>(2 * depth), ' ') + (list ? "]" : "}");
}

void CollectKeys(const ConfigNode& n, const std::string& prefix, std::vector<std::string>* out) {
  for (const ConfigNode& c : n.children) {
    if (n.is_list()) {  // elements: their keys under "prefix[]"
      CollectKeys(c, prefix + "[]", out);
      continue;
    }
    const std::string path = prefix.empty() ? c.key : prefix + "." + c.key;
    out->push_back(path);
    CollectKeys(c, path, out);
  }
}

}  // namespace

ConfigNode& ConfigNode::Object(std::string k) {
  children.push_back(ConfigNode{});
  children.back().key = std::move(k);
  return children.back();
}

void ConfigNode::Int(std::string k, long long v) {
  ConfigNode& c = Object(std::move(k));
  c.scalar = std::to_string(v);
}

void ConfigNode::Bool(std::string k, bool v) {
  ConfigNode& c = Object(std::move(k));
  c.scalar = v ? "true" : "false";
}

void ConfigNode::Real(std::string k, double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  std::string s = buf;
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  ConfigNode& c = Object(std::move(k));
  c.scalar = s;
}

void ConfigNode::Str(std::string k, const std::string& v, bool quote_yaml) {
  ConfigNode& c = Object(std::move(k));
  c.scalar = v;
  c.is_string_ = true;
  c.quote_yaml_ = quote_yaml;
}

void ConfigNode::List(std::string k, const std::vector<std::string>& items) {
  ConfigNode& list = Sequence(std::move(k));
  for (const auto& v : items) list.Str("", v);
}

ConfigNode& ConfigNode::Sequence(std::string k) {
  ConfigNode& c = Object(std::move(k));
  c.is_list_ = true;
  return c;
}

std::string Json(const ConfigNode& root) {
  // Strings are stored bare; quote them for JSON on a copy.
  struct Quoter {
    static ConfigNode Q(const ConfigNode& n) {
      ConfigNode out = n;
      if (n.is_string_) out.scalar = JsonQuote(n.scalar);
      out.children.clear();
      for (const ConfigNode& c : n.children) out.children.push_back(Q(c));
      return out;
    }
  };
  std::string out;
  WriteJson(Quoter::Q(root), 0, &out);
  return out + "\n";
}

std::string Yaml(const ConfigNode& root) {
  std::string out;
  struct Writer {
    static std::string Scalar(const ConfigNode& c) {
      return c.quote_yaml_ ? "'" + c.scalar + "'" : c.scalar;
    }
    // `first` replaces the indent of the first line (a list element's "- ").
    static void W(const ConfigNode& n, int depth, std::string* out, const std::string& first) {
      const std::string pad(static_cast<size_t>(2 * depth), ' ');
      for (size_t i = 0; i < n.children.size(); ++i) {
        const ConfigNode& c = n.children[i];
        *out += (i == 0 && !first.empty() ? first : pad) + c.key + ":";
        if (c.is_list_) {
          *out += c.children.empty() ? " []\n" : "\n";
          for (const ConfigNode& e : c.children) {
            if (e.scalar.empty() && !e.is_string_)
              W(e, depth + 2, out, pad + "  - ");
            else
              *out += pad + "  - " + Scalar(e) + "\n";
          }
        } else if (c.scalar.empty() && !c.is_string_) {
          *out += "\n";
          W(c, depth + 1, out, "");
        } else {
          *out += " " + Scalar(c) + "\n";
        }
      }
    }
  };
  Writer::W(root, 0, &out, "");
  return out;
}

std::vector<std::string> KeyPaths(const ConfigNode& root) {
  std::vector<std::string> out;
  CollectKeys(root, "", &out);
  return out;
}

}  // namespace gpuadv::launch
