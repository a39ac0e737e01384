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
      ->check(CLI::IsMember({"table", "json", "csv", "markdown"}))
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
  const auto mentioned = [&](std::string_view verb) {
    for (int i = 1; i < argc; ++i)
      if (argv[i] == verb) return true;
    return false;
  };

  ScenarioInput est_in;
  auto* est = app.add_subcommand("estimate", "memory, speed, time and cost of one scenario");
  if (mentioned("estimate")) {
    est->add_option("scenario", est_in.file,
                    "scenario file (YAML or JSON); default: the embedded one");
    AddScenarioFlags(est, &est_in);
    AddLocalFlags(est, &est_in, kLocalHelp);
  }

  ScenarioInput rec_in;
  gpuadv::cli::RecommendOptions rec_opt;
  auto* rec =
      app.add_subcommand("recommend", "rank GPUs for a scenario (default: embedded scenario)");
  if (mentioned("recommend")) {
    rec->add_option("scenario", rec_in.file, "scenario file (YAML or JSON)");
    AddScenarioFlags(rec, &rec_in);
    AddLocalFlags(rec, &rec_in,
                  "also evaluate the detected GPUs as owned hardware (electricity only, free "
                  "memory as capacity) and place them among the picks");
    rec->add_option("--top", rec_opt.top, "how many picks to show")->capture_default_str();
    rec->add_option("--plot", rec_opt.plot_file, "write the time-vs-cost scatter (Pareto front)")
        ->type_name("FILE.svg");
    rec->add_option_function<std::string>(
           "--min-vram,--min-memory",
           [&rec_opt](const std::string& v) {
             rec_opt.min_vram_gb = gpuadv::api::ParseMemoryGb(v, "--min-vram");
           },
           "minimum GPU memory in GiB (24, 24GiB, or 24GB as cards are labelled)")
        ->type_name("GiB");
    rec->add_option("--months", rec_opt.months, "ownership horizon for buy vs rent")
        ->capture_default_str();
    rec->add_option("--hours-per-month", rec_opt.hours_per_month,
                    "training hours per month when owning (break-even)")
        ->capture_default_str();
  }

  ScenarioInput fit_in;
  gpuadv::cli::FitOptions fit_opt;
  auto* fit = app.add_subcommand("fit", "changes that make a scenario fit a GPU, by speed cost");
  if (mentioned("fit")) {
    fit->add_option("scenario", fit_in.file,
                    "scenario file (YAML or JSON); default: the embedded one");
    AddScenarioFlags(fit, &fit_in);
    AddLocalFlags(fit, &fit_in, kLocalHelp);
    fit->add_flag("--allow-shorter-seq", fit_opt.allow_shorter_seq,
                  "also consider a shorter sequence length (changes the job)");
  }

  ScenarioInput cmp_in;
  std::vector<std::string> cmp_ids;
  auto* cmp =
      app.add_subcommand("compare", "GPUs side by side, with the scenario's estimate on each");
  if (mentioned("compare")) {
    cmp->add_option("ids", cmp_ids, "two or more catalog GPU ids")->required();
    cmp->add_option("--scenario", cmp_in.file,
                    "scenario file (YAML or JSON); default: the embedded one");
    AddScenarioFlags(cmp, &cmp_in);
  }

  std::string gpus_action = "list", gpus_id;
  std::map<std::string, std::string> gpu_filters;
  std::string f_vendor, f_segment, f_min_mem;
  auto* gpus = app.add_subcommand("gpus", "list or show catalog GPUs");
  if (mentioned("gpus")) {
    gpus->add_option("action", gpus_action, "list | show")->check(CLI::IsMember({"list", "show"}));
    gpus->add_option("id", gpus_id, "GPU id (for show)");
    gpus->add_option("--vendor", f_vendor, "nvidia | amd | intel");
    gpus->add_option("--segment", f_segment, "consumer | workstation | datacenter");
    gpus->add_option("--min-memory", f_min_mem, "minimum memory in GiB (24, 24GiB, 24GB)");
  }

  std::string models_action = "list", models_id;
  auto* models = app.add_subcommand("models", "list or show catalog models");
  if (mentioned("models")) {
    models->add_option("action", models_action, "list | show")
        ->check(CLI::IsMember({"list", "show"}));
    models->add_option("id", models_id, "model id (for show)");
  }

  gpuadv::cli::ValidateCliOptions val_opt;
  auto* val =
      app.add_subcommand("validate", "replay published measurements: predicted vs measured");
  if (mentioned("validate")) {
    val->add_option("--cases", val_opt.cases_file,
                    "cases file (JSON Lines); default: the embedded copy");
    val->add_flag("--core", val_opt.core_only, "only the balanced core subset");
    val->add_option("--cv", val_opt.cv,
                    "cross-validate: 'source' refits the factors without each source group "
                    "and predicts it")
        ->type_name("source");
  }

  std::string cal_cases, cal_out;
  auto* cal = app.add_subcommand("calibrate",
                                 "fit the efficiency factors and ranges to the validation cases");
  if (mentioned("calibrate")) {
    cal->add_option("--cases", cal_cases, "cases file (JSON Lines); default: the embedded copy");
    cal->add_option("--out", cal_out,
                    "write data/calibration.yaml's text to FILE (default: stdout)")
        ->type_name("FILE");
  }

  ScenarioInput plan_in;
  gpuadv::cli::PlanCliOptions plan_opt;
  auto* plan = app.add_subcommand("plan", "fastest parallel plans that fit on N GPUs (C9)");
  if (mentioned("plan")) {
    plan->add_option(
        "scenario", plan_in.file,
        "scenario file (YAML or JSON); omitted: the flags (with --model) or the example job");
    AddScenarioFlags(plan, &plan_in);
    plan->add_option("--gpus", plan_opt.gpus, "total GPUs (whole nodes of hardware.count)")
        ->required();
    plan->add_option("--top", plan_opt.top, "how many plans to show")->capture_default_str();
    plan->add_option("--strategy", plan_opt.strategy,
                     gpuadv::AcceptedNames(gpuadv::plan::kStrategies))
        ->capture_default_str();
    plan->add_option("--threads", plan_opt.threads, "worker threads (0 = all cores)")
        ->capture_default_str();
    plan->add_flag("--safe", plan_opt.safe, "exclude plans with out-of-memory risk (tight)");
    plan->add_flag("--prefer-tight", plan_opt.prefer_tight,
                   "rank tight plans by speed with the others (default: after clear fits)");
  }

  ScenarioInput exp_in;
  gpuadv::cli::ExportCliOptions exp_opt;
  auto* exp = app.add_subcommand("export", "launch configuration of the plan (C10)");
  if (mentioned("export")) {
    exp->add_option(
        "scenario", exp_in.file,
        "scenario file (YAML or JSON); omitted: the flags (with --model) or the example job");
    AddScenarioFlags(exp, &exp_in);
    exp->add_option("--engine", exp_opt.engine, gpuadv::AcceptedNames(gpuadv::launch::kEngines))
        ->required();
    exp->add_option_function<int>(
           "--gpus", [&exp_opt](const int& n) { exp_opt.gpus = n; },
           "plan for N GPUs (default: the scenario's layout, or its GPUs)")
        ->type_name("N");
    exp->add_option("--out", exp_opt.out_file,
                    "write the configuration to FILE (other files beside it)");
    exp->add_flag("--force", exp_opt.force,
                  "export a layout the scenario pins even when the estimate says it does not fit");
  }

  auto* detect = app.add_subcommand("detect", "local GPUs, matched to the catalog (C11)");
  gpuadv::cli::ProbeCliOptions probe_opt;
  auto* probe = app.add_subcommand("probe", "measure the local GPU with gpu-advisor-probe (C11)");
  if (mentioned("probe")) {
    probe->add_option("--out", probe_opt.out_file, "where the probe writes its JSON")
        ->type_name("FILE");
    probe->add_option("--from", probe_opt.from_file, "compare a saved probe result, run nothing")
        ->type_name("FILE");
    probe->add_flag("--quick", probe_opt.quick, "fewer shapes and repetitions");
    probe
        ->add_option_function<int>(
            "--device", [&probe_opt](const int& d) { probe_opt.device = d; }, "CUDA device index")
        ->type_name("N");
  }

#ifdef GPUADV_HAVE_SERVER
  gpuadv::cli::ServeCliOptions serve_opt;
  auto* serve = app.add_subcommand("serve", "HTTP JSON API and web page (loopback by default)");
  if (mentioned("serve")) {
    serve->add_option("--host", serve_opt.host, "address to bind")->capture_default_str();
    serve->add_option("--port", serve_opt.port, "port (0: any free port)")->capture_default_str();
    serve->add_option("--web-root", serve_opt.web_root, "serve the page from DIR (development)")
        ->type_name("DIR");
    serve->add_option("--threads", serve_opt.threads, "worker threads (0: sized to the machine)")
        ->capture_default_str();
    serve->add_flag("--log", serve_opt.log, "log every request on stderr");
  }
#endif

  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
      const int rc = app.exit(e);
      return rc == 0 ? 0 : 2;
    }
    g.format = *gpuadv::ParseEnum(gpuadv::report::kFormats, format);
    if (est->parsed()) return gpuadv::cli::RunEstimate(g, est_in);
    if (rec->parsed()) return gpuadv::cli::RunRecommend(g, rec_in, rec_opt);
    if (fit->parsed()) return gpuadv::cli::RunFit(g, fit_in, fit_opt);
    if (cmp->parsed()) return gpuadv::cli::RunCompare(g, cmp_ids, cmp_in);
    if (gpus->parsed()) {
      if (!f_vendor.empty()) gpu_filters["vendor"] = f_vendor;
      if (!f_segment.empty()) gpu_filters["segment"] = f_segment;
      if (!f_min_mem.empty()) gpu_filters["min_memory_gb"] = f_min_mem;
      return gpuadv::cli::RunGpus(g, gpus_action, gpus_id, gpu_filters);
    }
    if (models->parsed()) return gpuadv::cli::RunModels(g, models_action, models_id);
    if (val->parsed()) return gpuadv::cli::RunValidate(g, val_opt);
    if (cal->parsed()) return gpuadv::cli::RunCalibrate(g, cal_cases, cal_out);
    if (plan->parsed()) return gpuadv::cli::RunPlan(g, plan_in, plan_opt);
#ifdef GPUADV_HAVE_SERVER
    if (serve->parsed()) return gpuadv::cli::RunServe(g, serve_opt);
#endif
    if (exp->parsed()) return gpuadv::cli::RunExport(g, exp_in, exp_opt);
    if (detect->parsed()) return gpuadv::cli::RunDetect(g);
    if (probe->parsed()) return gpuadv::cli::RunProbe(g, probe_opt);
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
