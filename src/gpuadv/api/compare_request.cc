// `compare` as one request function: the CLI verb and POST /api/compare both call it.
#include <cstdlib>

#include "gpuadv/api/requests.h"
#include "gpuadv/core/error.h"
#include "gpuadv/io/scenario_loader.h"
#include "gpuadv/io/stack_loader.h"
#include "gpuadv/report/fit_report.h"

namespace gpuadv::api {
namespace {

constexpr long long kMaxCount = 64;  // GPUs of one kind in one machine, as compare takes them

// "ID", "Nx ID" / "NxID" (issue 12: compare 2x rtx-3090 1x rtx-4090) -> items.
std::vector<advise::CompareItem> ParseItems(const catalog::Catalog& cat,
                                            const std::vector<std::string>& gpus,
                                            const std::string& field) {
  std::vector<advise::CompareItem> items;
  int pending = 0;
  for (const auto& arg : gpus) {
    const size_t x = arg.find_first_of("xX");
    const bool counted =
        x != std::string::npos && x > 0 && arg.find_first_not_of("0123456789") == x;
    if (counted) {
      const long long n = std::atoll(arg.substr(0, x).c_str());
      if (n < 1 || n > kMaxCount)
        throw InputError(field, arg, "a count from 1x to 64x before a GPU id", "out of range");
      if (arg.find_first_not_of(' ', x + 1) == std::string::npos) {
        if (pending) throw InputError(field, arg, "a GPU id after each count", "two counts");
        pending = static_cast<int>(n);
        continue;
      }
      const size_t id = arg.find_first_not_of(' ', x + 1);  // "2x rtx-3090" or "2xrtx-3090"
      items.push_back({&cat.Gpu(arg.substr(id), field), static_cast<int>(n)});
      continue;
    }
    items.push_back({&cat.Gpu(arg, field), pending});
    pending = 0;
  }
  if (pending)
    throw InputError(field, std::to_string(pending) + "x", "a GPU id after it", "missing GPU id");
  return items;
}

}  // namespace

advise::CompareResult Compare(const ScenarioRequest& req, const Environment& env,
                              const std::vector<std::string>& gpus, const std::string& field) {
  const workload::Scenario s = BuildScenario(req, env);
  const std::vector<advise::CompareItem> items = ParseItems(env.catalog, gpus, field);
  if (items.size() < 2)
    throw InputError(field, std::to_string(items.size()) + " GPU id(s)",
                     "two or more catalog GPU ids, each optionally with a count (2x rtx-3090)",
                     "too few");
  for (const auto& item : items) io::CheckComputePeak(*item.gpu, field);
  const estimate::Context ctx{env.efficiency, &env.catalog};
  return advise::Compare(s, items, ctx, io::RestackDefault);
}

nlohmann::json CompareJson(const ScenarioRequest& req, const Environment& env,
                           const std::vector<std::string>& gpus, const std::string& field) {
  return report::CompareJson(Compare(req, env, gpus, field));
}

}  // namespace gpuadv::api
