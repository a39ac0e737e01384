#pragma once
// GET /api/schema (issue 14): the workload vocabulary the web page builds its form from
// (choices, limits, defaults), taken from the tables the scenario loader checks against,
// so page and server cannot disagree.
#include <nlohmann/json.hpp>

namespace gpuadv::api {

/// {"enums": {"training.method": [{"name","help","adapters"}], "training.precision":
///  [{"name","help"}], ...},
///  "limits": [{"key","label","min","max","integer","unit","default"}],
///  "options": [... the recommend options' limits, same shape],
///  "switches": [{"key","help","default"}] (on/off knobs),
///  "not_modelled": [{"key","why"}] (knobs the estimate does not model; none today)}.
nlohmann::json SchemaJson();

}  // namespace gpuadv::api
