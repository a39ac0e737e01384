// gpu-advisor: the command-line front end. Parses flags, calls the library, prints.
// Exit codes: 0 ok; 1 runtime failure; 2 bad input (DESIGN.md "Verbs").
#include <CLI/CLI.hpp>
#include <cstdio>
#include <iostream>
#include <string_view>

#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/plan/strategy.h"
#include "gpuadv/workload/enums.h"
#include "tools/cli/verbs.h"

namespace {

using gpuadv::cli::GlobalOptions;
using gpuadv::cli::ScenarioInput;

// Scenario flags (DESIGN.md): flag name -> dotted scenario key. One table serves
// parsing and --help (STYLE.md principle 4).
struct ScenarioFlag {
  const char* flag;
  const char* key;
  const char* help;
  std::string (*accepted)() = nullptr;  // an enum's names, from its one table
};
template <const auto& kTable>
std::string Names() {
  return gpuadv::AcceptedNames(kTable);
}
namespace w = gpuadv::workload;
constexpr ScenarioFlag kScenarioFlags[] = {
    {"--model", "model",
     "catalog model id or alias, a HF config.json (or its folder), or a HF id in the local cache"},
    {"--method", "training.method", "", Names<w::kMethods>},
    {"--gpu", "hardware.gpu", "catalog GPU id or alias"},
    {"--count", "hardware.count", "GPUs per node"},
    {"--nodes", "hardware.nodes", "nodes"},
    {"--seq-len", "training.seq_len", "sequence length (tokens)"},
    {"--micro-batch", "training.micro_batch", "sequences per GPU per micro-step"},
    {"--global-batch", "training.global_batch", "sequences per optimizer step"},
    {"--precision", "training.precision", "", Names<w::kPrecisions>},
    {"--optimizer", "training.optimizer", "", Names<w::kOptimizers>},
    {"--checkpointing", "training.activation_checkpointing", "", Names<w::kCheckpointings>},
    {"--attention", "training.attention", "", Names<w::kAttentions>},
    {"--loss", "training.loss", "", Names<w::kLosses>},
    {"--lora-rank", "training.lora.rank", "LoRA rank"},
    {"--tokens", "training.tokens", "total training tokens"},
    {"--ema", "training.diffusion.ema",
     "diffusion: keep an fp32 EMA copy of the trained weights (true | false; default false)"},
    {"--tp", "parallelism.tp", "tensor-parallel degree"},
    {"--pp", "parallelism.pp", "pipeline-parallel degree"},
    {"--vpp", "parallelism.vpp", "interleaved pipeline stages per GPU"},
    {"--cp", "parallelism.cp", "context-parallel degree"},
    {"--ep", "parallelism.ep", "expert-parallel degree (MoE)"},
    {"--etp", "parallelism.etp",
     "expert tensor-parallel degree (MoE; default tp, 1 = each expert whole on its GPU)"},
    {"--zero", "parallelism.zero", "ZeRO stage 0-3 (FSDP = 3)"},
    {"--offload", "parallelism.offload", "", Names<w::kOffloads>},
    {"--interconnect", "hardware.interconnect", "", Names<w::kInterconnects>},
    {"--budget", "constraints.budget_usd", "budget in USD"},
    {"--deadline-hours", "constraints.deadline_hours", "deadline in hours"},
    {"--deadline", "constraints.deadline", "deadline with its unit: 720h, 30d, 2w"},
    {"--acquire", "constraints.acquire", "", Names<w::kAcquires>},
    {"--vendor", "constraints.vendors", "nvidia | amd | intel, or several: nvidia,amd"},
    {"--objective", "objective", "", Names<w::kObjectives>},
    {"--psu-watts", "system.psu_watts", "power supply rating (W)"},
    {"--electricity", "constraints.electricity_usd_per_kwh", "electricity price (USD/kWh)"},
};

// Adds the scenario flags to a verb; values land in `in->overrides` in flag order.
void AddScenarioFlags(CLI::App* cmd, ScenarioInput* in) {
  for (const auto& f : kScenarioFlags) {
    const std::string key = f.key;
    // A list key (constraints.vendors) takes "a,b" as the list [a, b].
    const bool list = key == "constraints.vendors";
    cmd->add_option_function<std::string>(
           f.flag,
           [in, key, list](const std::string& v) {
             in->overrides.emplace_back(key, list && !v.starts_with('[') ? "[" + v + "]" : v);
           },
           f.accepted ? f.accepted() : f.help)
        ->type_name("VALUE");
  }
  cmd->add_option_function<std::vector<std::string>>(
         "--set",
         [in](const std::vector<std::string>& kvs) {
           for (const auto& kv : kvs) {
             auto eq = kv.find('=');
             if (eq == std::string::npos || eq == 0)
               throw gpuadv::InputError("--set", kv, "KEY=VALUE with a dotted scenario key",
                                        "malformed");
             in->overrides.emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
           }
         },
         "override any scenario key, e.g. --set training.lora.rank=64")
      ->type_name("KEY=VALUE");
}

// --local / --calibration (design C11) on estimate and fit (the detected GPUs are the
// scenario's) and recommend (the detected GPUs as owned hardware beside the picks).
void AddLocalFlags(CLI::App* cmd, ScenarioInput* in, const char* local_help) {
  cmd->add_flag("--local", in->local, local_help);
  cmd->add_option("--calibration", in->calibration_file,
                  "a gpu-advisor probe result (measured GEMM rate and bandwidth); applied "
                  "when it was measured on the scenario's GPU model")
      ->type_name("FILE");
  cmd->add_flag("--force-calibration", in->force_calibration,
                "apply --calibration even when it was measured on another GPU model");
}
constexpr const char* kLocalHelp = "use the detected GPUs (model, count, free memory as capacity)";

// The options of every verb; a verb's add function binds its fields to its flags.
struct VerbArgs {
  ScenarioInput in;
  gpuadv::cli::RecommendOptions rec;
  gpuadv::cli::FitOptions fit;
  std::vector<std::string> ids;                                  // compare
  std::string action = "list", id, vendor, segment, min_memory;  // gpus, models
  gpuadv::cli::ValidateCliOptions val;
  std::string cases, out;  // calibrate
  gpuadv::cli::PlanCliOptions plan;
  gpuadv::cli::ExportCliOptions exp;
  gpuadv::cli::ProbeCliOptions probe;
#ifdef GPUADV_HAVE_SERVER
  gpuadv::cli::ServeCliOptions serve;
#endif
};

// One verb: its name and help, the function adding its options and the one running it.
// Adding a verb is one entry of kVerbs (STYLE.md principle 4).
struct Verb {
  const char* name;
  const char* help;
  void (*add)(CLI::App* cmd, VerbArgs* a);
  int (*run)(const GlobalOptions& g, const VerbArgs& a);
};

void AddScenarioArg(CLI::App* cmd, VerbArgs* a) {
  cmd->add_option("scenario", a->in.file,
                  "scenario file (YAML or JSON); default: the embedded one");
  AddScenarioFlags(cmd, &a->in);
}

void AddPlanScenarioArg(CLI::App* cmd, VerbArgs* a) {
  cmd->add_option(
      "scenario", a->in.file,
      "scenario file (YAML or JSON); omitted: the flags (with --model) or the example job");
  AddScenarioFlags(cmd, &a->in);
}

void AddEstimate(CLI::App* cmd, VerbArgs* a) {
  AddScenarioArg(cmd, a);
  AddLocalFlags(cmd, &a->in, kLocalHelp);
}

void AddRecommend(CLI::App* cmd, VerbArgs* a) {
  auto& o = a->rec;
  cmd->add_option("scenario", a->in.file, "scenario file (YAML or JSON)");
  AddScenarioFlags(cmd, &a->in);
  AddLocalFlags(cmd, &a->in,
                "also evaluate the detected GPUs as owned hardware (electricity only, free "
                "memory as capacity) and place them among the picks");
  cmd->add_option("--top", o.top, "how many picks to show")->capture_default_str();
  cmd->add_option("--plot", o.plot_file, "write the time-vs-cost scatter (Pareto front)")
      ->type_name("FILE.svg");
  cmd->add_option_function<std::string>(
         "--min-vram,--min-memory",
         [&o](const std::string& v) {
           o.min_vram_gb = gpuadv::api::ParseMemoryGb(v, "--min-vram");
         },
         "minimum GPU memory in GiB (24, 24GiB, or 24GB as cards are labelled)")
      ->type_name("GiB");
  cmd->add_option("--months", o.months, "ownership horizon for buy vs rent")->capture_default_str();
  cmd->add_option("--hours-per-month", o.hours_per_month,
                  "training hours per month when owning (break-even)")
      ->capture_default_str();
}

void AddFit(CLI::App* cmd, VerbArgs* a) {
  AddEstimate(cmd, a);
  cmd->add_flag("--allow-shorter-seq", a->fit.allow_shorter_seq,
                "also consider a shorter sequence length (changes the job)");
}

void AddCompare(CLI::App* cmd, VerbArgs* a) {
  cmd->add_option("ids", a->ids, "two or more catalog GPU ids")->required();
  cmd->add_option("--scenario", a->in.file,
                  "scenario file (YAML or JSON); default: the embedded one");
  AddScenarioFlags(cmd, &a->in);
}

void AddListShow(CLI::App* cmd, VerbArgs* a, const char* id_help) {
  cmd->add_option("action", a->action, "list | show")->check(CLI::IsMember({"list", "show"}));
  cmd->add_option("id", a->id, id_help);
}

void AddGpus(CLI::App* cmd, VerbArgs* a) {
  AddListShow(cmd, a, "GPU id (for show)");
  cmd->add_option("--vendor", a->vendor, "nvidia | amd | intel");
  cmd->add_option("--segment", a->segment, "consumer | workstation | datacenter");
  cmd->add_option("--min-memory", a->min_memory, "minimum memory in GiB (24, 24GiB, 24GB)");
}

int RunGpus(const GlobalOptions& g, const VerbArgs& a) {
  std::map<std::string, std::string> filters;
  if (!a.vendor.empty()) filters["vendor"] = a.vendor;
  if (!a.segment.empty()) filters["segment"] = a.segment;
  if (!a.min_memory.empty()) filters["min_memory_gb"] = a.min_memory;
  return gpuadv::cli::RunGpus(g, a.action, a.id, filters);
}

void AddValidate(CLI::App* cmd, VerbArgs* a) {
  cmd->add_option("--cases", a->val.cases_file,
                  "cases file (JSON Lines); default: the embedded copy");
  cmd->add_flag("--core", a->val.core_only, "only the balanced core subset");
  cmd->add_option("--cv", a->val.cv,
                  "cross-validate: 'source' refits the factors without each source group "
                  "and predicts it")
      ->type_name("source");
}

void AddCalibrate(CLI::App* cmd, VerbArgs* a) {
  cmd->add_option("--cases", a->cases, "cases file (JSON Lines); default: the embedded copy");
  cmd->add_option("--out", a->out, "write data/calibration.yaml's text to FILE (default: stdout)")
      ->type_name("FILE");
}

void AddPlan(CLI::App* cmd, VerbArgs* a) {
  auto& o = a->plan;
  AddPlanScenarioArg(cmd, a);
  cmd->add_option("--gpus", o.gpus, "total GPUs (whole nodes of hardware.count)")->required();
  cmd->add_option("--top", o.top, "how many plans to show")->capture_default_str();
  cmd->add_option("--strategy", o.strategy, gpuadv::AcceptedNames(gpuadv::plan::kStrategies))
      ->capture_default_str();
  cmd->add_option("--threads", o.threads, "worker threads (0 = all cores)")->capture_default_str();
  cmd->add_flag("--safe", o.safe, "exclude plans with out-of-memory risk (tight)");
  cmd->add_flag("--prefer-tight", o.prefer_tight,
                "rank tight plans by speed with the others (default: after clear fits)");
}

void AddExport(CLI::App* cmd, VerbArgs* a) {
  auto& o = a->exp;
  AddPlanScenarioArg(cmd, a);
  cmd->add_option("--engine", o.engine, gpuadv::AcceptedNames(gpuadv::launch::kEngines))
      ->required();
  cmd->add_option_function<int>(
         "--gpus", [&o](const int& n) { o.gpus = n; },
         "plan for N GPUs (default: the scenario's layout, or its GPUs)")
      ->type_name("N");
  cmd->add_option("--out", o.out_file, "write the configuration to FILE (other files beside it)");
  cmd->add_flag("--force", o.force,
                "export a layout the scenario pins even when the estimate says it does not fit");
}

void AddProbe(CLI::App* cmd, VerbArgs* a) {
  auto& o = a->probe;
  cmd->add_option("--out", o.out_file, "where the probe writes its JSON")->type_name("FILE");
  cmd->add_option("--from", o.from_file, "compare a saved probe result, run nothing")
      ->type_name("FILE");
  cmd->add_flag("--quick", o.quick, "fewer shapes and repetitions");
  cmd->add_option_function<int>(
         "--device", [&o](const int& d) { o.device = d; }, "CUDA device index")
      ->type_name("N");
}

#ifdef GPUADV_HAVE_SERVER
void AddServe(CLI::App* cmd, VerbArgs* a) {
  auto& o = a->serve;
  cmd->add_option("--host", o.host, "address to bind")->capture_default_str();
  cmd->add_option("--port", o.port, "port (0: any free port)")->capture_default_str();
  cmd->add_option("--web-root", o.web_root, "serve the page from DIR (development)")
      ->type_name("DIR");
  cmd->add_option("--threads", o.threads, "worker threads (0: sized to the machine)")
      ->capture_default_str();
  cmd->add_flag("--log", o.log, "log every request on stderr");
}
#endif

namespace cli = gpuadv::cli;
// The verbs in --help order.
constexpr Verb kVerbs[] = {
    {"estimate", "memory, speed, time and cost of one scenario", AddEstimate,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunEstimate(g, a.in); }},
    {"recommend", "rank GPUs for a scenario (default: embedded scenario)", AddRecommend,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunRecommend(g, a.in, a.rec); }},
    {"fit", "changes that make a scenario fit a GPU, by speed cost", AddFit,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunFit(g, a.in, a.fit); }},
    {"compare", "GPUs side by side, with the scenario's estimate on each", AddCompare,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunCompare(g, a.ids, a.in); }},
    {"gpus", "list or show catalog GPUs", AddGpus, RunGpus},
    {"models", "list or show catalog models",
     [](CLI::App* cmd, VerbArgs* a) { AddListShow(cmd, a, "model id (for show)"); },
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunModels(g, a.action, a.id); }},
    {"validate", "replay published measurements: predicted vs measured", AddValidate,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunValidate(g, a.val); }},
    {"calibrate", "fit the efficiency factors and ranges to the validation cases", AddCalibrate,
     [](const GlobalOptions& g, const VerbArgs& a) {
       return cli::RunCalibrate(g, a.cases, a.out);
     }},
    {"plan", "fastest parallel plans that fit on N GPUs (C9)", AddPlan,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunPlan(g, a.in, a.plan); }},
    {"export", "launch configuration of the plan (C10)", AddExport,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunExport(g, a.in, a.exp); }},
    {"detect", "local GPUs, matched to the catalog (C11)", [](CLI::App*, VerbArgs*) {},
     [](const GlobalOptions& g, const VerbArgs&) { return cli::RunDetect(g); }},
    {"probe", "measure the local GPU with gpu-advisor-probe (C11)", AddProbe,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunProbe(g, a.probe); }},
#ifdef GPUADV_HAVE_SERVER
    {"serve", "HTTP JSON API and web page (loopback by default)", AddServe,
     [](const GlobalOptions& g, const VerbArgs& a) { return cli::RunServe(g, a.serve); }},
#endif
};

// Whether `verb` is one of the command-line tokens.
bool Mentioned(std::string_view verb, int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i)
    if (argv[i] == verb) return true;
  return false;
}

}  // namespace

// The whole front end; main() below only forwards, so the CLI fuzzer (fuzz/cli_fuzzer.cc,
// which compiles this file with GPUADV_CLI_NO_MAIN) runs exactly what the binary runs.
int gpuadv::cli::Main(int argc, const char* const* argv) {
  CLI::App app{
      "gpu-advisor: will this training job fit, how fast, what will it cost, and "
      "which GPU to get"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "gpu-advisor 0.1.0");
  GlobalOptions g;
  std::string format = "table";
  app.add_option("--format", format, gpuadv::AcceptedNames(gpuadv::report::kFormats))
      ->capture_default_str();
  app.add_option("--catalog", g.catalog_files,
                 "YAML/JSON file adding or overriding GPUs, models, offers, or a gpuhunt "
                 "offers CSV (dstack's GPU price catalog)");
  app.add_option("--prices-date", g.prices_date,
                 "YYYY-MM-DD: the date of the --catalog files' prices (default: each file's "
                 "modification date)");
  app.add_flag("--explain", g.explain, "print the basis of each estimate");
  app.fallthrough();
  // Only the verbs named on the command line get their options: CLI11 selects a subcommand
  // by a token equal to its name, and building every verb's ~30 options costs more than
  // parsing (and dominates the CLI fuzzer). `gpu-advisor --help` lists verbs, not options.
  VerbArgs args;
  std::vector<std::pair<const Verb*, CLI::App*>> verbs;
  for (const Verb& v : kVerbs) {
    CLI::App* cmd = app.add_subcommand(v.name, v.help);
    if (Mentioned(v.name, argc, argv)) v.add(cmd, &args);
    verbs.emplace_back(&v, cmd);
  }

  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int rc = app.exit(e);
      return rc == 0 ? 0 : 2;
    }
    g.format = gpuadv::ParseEnumOrThrow(gpuadv::report::kFormats, "--format", format);
    for (const auto& [verb, cmd] : verbs)
      if (cmd->parsed()) return verb->run(g, args);
  } catch (const gpuadv::InputError& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "error: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

#ifndef GPUADV_CLI_NO_MAIN
int main(int argc, char** argv) { return gpuadv::cli::Main(argc, argv); }
#endif
