#pragma once
// The HTTP routes of `serve`: each parses the request, calls the same src/gpuadv/api function
// as the CLI verb and sends its JSON; every error leaves as one envelope (STYLE.md 5).
#include <httplib.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "gpuadv/api/environment.h"
#include "tools/server/static_files.h"

namespace gpuadv::server {

/// {"error": {"message", "field" (null when none), "code" (the HTTP status), "type"}}.
nlohmann::json ErrorEnvelope(int status, const std::string& message,
                             const std::optional<std::string>& field = std::nullopt);

/// Installs /healthz, /api/... and the static files on `http`, then the error handler
/// that gives every empty 4xx/5xx response (404 unknown route, 413 body too large, ...)
/// the envelope. Contract: `env` and `files` outlive `http`.
void InstallRoutes(httplib::Server& http, const api::Environment& env, const StaticFiles& files,
                   bool check_host);

}  // namespace gpuadv::server
