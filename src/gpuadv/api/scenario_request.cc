#include "gpuadv/api/scenario_request.h"

#include <algorithm>

#include "gpuadv/io/fields.h"
#include "gpuadv/io/scenario_loader.h"

namespace gpuadv::api {
namespace {

// The scenario loader reads `model` as a config.json path when it holds a '/' or ends in
// .json (io/scenario_loader.cc); the server refuses those before the loader sees them.
void RejectModelFile(const io::Doc& doc, const catalog::Catalog& cat) {
  if (!doc.is_object() || !doc.contains("model")) return;
  const io::Doc& m = doc["model"];
  if (!m.is_primitive() || m.is_null()) return;
  const std::string ref = io::ScalarText(m);
  if (cat.FindModel(ref)) return;
  if (ref.find('/') != std::string::npos || ref.find('\\') != std::string::npos ||
      ref.ends_with(".json"))
    throw InputError("model", io::Printable(m),
                     "a catalog model id or an inline model map (the server reads no files)",
                     "file paths are not accepted");
}

}  // namespace

bool ScenarioRequest::NamesModel() const {
  return std::any_of(overrides.begin(), overrides.end(),
                     [](const auto& kv) { return kv.first == "model"; });
}

ScenarioRequest ScenarioFromFile(const std::string& path) {
  ScenarioRequest r;
  if (!path.empty()) {
    r.source = ScenarioRequest::Source::kFile;
    r.file = path;
  }
  return r;
}

ScenarioRequest ScenarioFromBody(std::string_view body) {
  ScenarioRequest r;
  const size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return r;  // blank: the embedded default
  if (body[first] != '{') {
    std::string head(body.substr(first, 40));
    for (char& c : head)
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) c = '?';
    throw InputError("body", head,
                     "a JSON object in the scenario schema of DESIGN.md, or an empty body for "
                     "the embedded default scenario",
                     "expected a JSON object, got");
  }
  r.source = ScenarioRequest::Source::kText;
  r.text = std::string(body);
  r.origin = "request body";
  return r;
}

workload::Scenario BuildScenario(const ScenarioRequest& req, const Environment& env) {
  return BuildScenario(req, env.catalog, env.allow_model_files);
}

workload::Scenario BuildScenario(const ScenarioRequest& req, const catalog::Catalog& cat,
                                 bool allow_model_files) {
  io::Doc doc;
  std::string origin = "data/scenarios/default.yaml";
  std::string dir = ".";
  switch (req.source) {
    case ScenarioRequest::Source::kDefault:
      if (req.NamesModel()) {
        origin = "the command-line flags";
        doc = io::Doc::object();
      } else {
        doc = io::DefaultScenarioDocument();
      }
      break;
    case ScenarioRequest::Source::kFile: {
      origin = req.file;
      doc = io::ParseDocument(io::ReadFileBounded(req.file, "scenario"), req.file);
      const auto slash = req.file.find_last_of('/');
      if (slash != std::string::npos) dir = req.file.substr(0, slash);
      break;
    }
    case ScenarioRequest::Source::kText:
      origin = req.origin;
      doc = io::ParseDocument(req.text, req.origin);
      break;
  }
  for (const auto& [k, v] : req.overrides) io::ApplyOverride(doc, k, v);
  if (!allow_model_files) RejectModelFile(doc, cat);
  return io::ParseScenario(doc, cat, origin, dir);
}

}  // namespace gpuadv::api
