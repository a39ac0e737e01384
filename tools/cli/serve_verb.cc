// `serve` (C13): the HTTP API and web page over the same request functions as the verbs.
#include <iostream>

#include "gpuadv/api/environment.h"
#include "tools/cli/verbs.h"
#include "tools/server/server.h"

namespace gpuadv::cli {

int RunServe(const GlobalOptions& g, const ServeCliOptions& opt) {
  server::ServerOptions so;
  so.host = opt.host;
  so.port = opt.port;
  so.web_root = opt.web_root;
  so.threads = opt.threads;
  so.log_requests = opt.log;
  // A request may name catalog entries, never files: `model` paths are refused.
  api::Environment env =
      api::MakeEnvironment(g.catalog_files, /*allow_model_files=*/false, g.prices_date);
  for (const auto& n : env.notes) std::cerr << "note: " << n << "\n";
  return server::Serve(so, std::move(env), std::cout);
}

}  // namespace gpuadv::cli
