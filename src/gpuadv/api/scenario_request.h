#pragma once
// A scenario as a request carries it (DESIGN.md "Scenario"): a file (CLI), a request body
// (server) or the embedded default, plus dotted-key overrides (the CLI's flags).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gpuadv/api/environment.h"
#include "gpuadv/workload/scenario.h"

namespace gpuadv::api {

struct ScenarioRequest {
  enum class Source { kDefault, kFile, kText };
  Source source = Source::kDefault;
  std::string file;    // kFile: a YAML or JSON file
  std::string text;    // kText: a JSON object
  std::string origin;  // kText: names the document in errors ("request body")
  /// Applied in order before parsing ("training.seq_len" -> "4096", values in YAML syntax).
  std::vector<std::pair<std::string, std::string>> overrides;

  /// The embedded example job (no file, no body, no --model): `recommend` adds beginner
  /// guidance (C14) to it.
  bool IsDefault() const { return source == Source::kDefault && !NamesModel(); }

  /// Flags naming a model describe a job of the user's own: the scenario starts bare, as a
  /// file or a request body does, instead of from the example job, so the same job asked
  /// through flags, a file or the API resolves to the same answer (issue 12). Without
  /// one, the flags modify the example job.
  bool NamesModel() const;
};

/// `path` empty: the embedded default (the CLI's verbs without a scenario argument).
ScenarioRequest ScenarioFromFile(const std::string& path);

/// An HTTP body: blank is the embedded default, anything else must be a JSON object.
/// Throws InputError (field "body") for any other text.
ScenarioRequest ScenarioFromBody(std::string_view body);

/// Reads, overrides, parses and resolves the scenario in env.catalog. Throws InputError
/// naming the field. With env.allow_model_files false, a `model` that is not a catalog
/// id but reads as a path is rejected before anything touches the disk.
workload::Scenario BuildScenario(const ScenarioRequest& req, const Environment& env);
/// The same against a bare catalog.
workload::Scenario BuildScenario(const ScenarioRequest& req, const catalog::Catalog& cat,
                                 bool allow_model_files);

}  // namespace gpuadv::api
