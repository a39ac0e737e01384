// Issue 15 item 3: every key, flag and component argument an export emits is one the engine
// accepts, checked against lists extracted from each engine's source at a pinned commit
// (tests/data/engine_keys/*.txt; each names its repository and commit, and
// tools/engine_keys/extract_keys.py regenerates it). And the fine-tuning exports (torchtune,
// axolotl) of the three jobs the issue names carry the plan's knobs.
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "gpuadv/api/export_request.h"
#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/workload/method_traits.h"
#include "tests/unit/plan/engine_keys.h"
#include "tests/unit/plan/plan_fixture.h"

namespace gpuadv::launch {
namespace {

using plan::testing::MakeScenario;
using Keys = std::set<std::string>;

using testing::EngineKeyList;

const testing::KeyList& List(const std::string& name) { return EngineKeyList(name); }

// The emitted keys the list does not hold.
std::vector<std::string> Unaccepted(const std::vector<std::string>& emitted, const Keys& ok) {
  std::vector<std::string> out;
  for (const auto& k : emitted)
    if (!ok.count(k)) out.push_back(k);
  return out;
}

std::string Show(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += s + " ";
  return out;
}

// Key paths of a JSON document ("zero_optimization.stage").
void JsonPaths(const nlohmann::json& j, const std::string& prefix, std::vector<std::string>* out) {
  for (const auto& [k, v] : j.items()) {
    const std::string path = prefix.empty() ? k : prefix + "." + k;
    out->push_back(path);
    if (v.is_object()) JsonPaths(v, path, out);
  }
}

// torchtune: each top-level key is one the recipe reads (R <recipe> <key>); each mapping
// with a _component_ names a known component and gives it only its arguments
// (C <component> <arg>).
std::vector<std::string> TorchtuneUnaccepted(const std::string& yaml, const std::string& recipe) {
  const Keys& ok = List("torchtune_keys.txt").keys;
  std::vector<std::string> bad;
  for (const auto& kv : YAML::Load(yaml)) {
    const std::string key = kv.first.as<std::string>();
    if (!ok.count("R " + recipe + " " + key)) bad.push_back(key);
    if (!kv.second.IsMap() || !kv.second["_component_"]) continue;
    const std::string comp = kv.second["_component_"].as<std::string>();
    if (!ok.count("C " + comp)) bad.push_back(key + "._component_=" + comp);
    for (const auto& arg : kv.second) {
      const std::string a = arg.first.as<std::string>();
      if (a != "_component_" && !ok.count("C " + comp + " " + a)) bad.push_back(key + "." + a);
    }
  }
  return bad;
}

// Key paths of a YAML mapping ("fsdp_config.fsdp_version").
void YamlPaths(const YAML::Node& y, const std::string& prefix, std::vector<std::string>* out) {
  for (const auto& kv : y) {
    const std::string path = (prefix.empty() ? "" : prefix + ".") + kv.first.as<std::string>();
    out->push_back(path);
    if (kv.second.IsMap()) YamlPaths(kv.second, path, out);
  }
}

// The file of a launch config named `name`, or nullptr.
const LaunchFile* FileOf(const LaunchConfig& c, const std::string& name) {
  for (const auto& f : c.files)
    if (f.name == name) return &f;
  return nullptr;
}

// The top-level keys of a JSON file (dataclass fields, keyword arguments; a dict-valued field
// such as gradient_checkpointing_kwargs is passed on as it is) the list does not hold, and the
// values of `valued` keys ("optim=adamw_torch_fused") it does not hold.
std::vector<std::string> JsonUnaccepted(const std::string& text, const Keys& ok,
                                        const std::vector<std::string>& valued) {
  const auto j = nlohmann::json::parse(text);
  std::vector<std::string> paths;
  for (const auto& [k, v] : j.items()) paths.push_back(k);
  std::vector<std::string> bad = Unaccepted(paths, ok);
  for (const auto& k : valued)  // string values; a list (target_modules) names model modules
    if (j.contains(k) && j[k].is_string() && !ok.count(k + "=" + j[k].get<std::string>()))
      bad.push_back(k + "=" + j[k].get<std::string>());
  return bad;
}

// Hugging Face Trainer: sft_config.json holds TrainingArguments (transformers) and SFTConfig
// (TRL) fields with an OptimizerNames optim; lora_config.json LoraConfig fields (PEFT);
// bnb_config.json BitsAndBytesConfig arguments and values; fsdp_config.yaml accelerate keys.
std::vector<std::string> HfTrainerUnaccepted(const LaunchConfig& c) {
  Keys args = List("transformers_keys.txt").keys;
  args.insert(List("trl_keys.txt").keys.begin(), List("trl_keys.txt").keys.end());
  std::vector<std::string> bad = JsonUnaccepted(c.Main().text, args, {"optim"});
  auto add = [&bad](const std::vector<std::string>& more) {
    bad.insert(bad.end(), more.begin(), more.end());
  };
  if (const LaunchFile* f = FileOf(c, "lora_config.json"))
    add(JsonUnaccepted(f->text, List("peft_keys.txt").keys,
                       {"bias", "task_type", "target_modules"}));
  if (const LaunchFile* f = FileOf(c, "bnb_config.json"))
    add(JsonUnaccepted(
        f->text, List("bitsandbytes_keys.txt").keys,
        {"bnb_4bit_quant_type", "bnb_4bit_quant_storage", "bnb_4bit_compute_dtype"}));
  if (const LaunchFile* f = FileOf(c, "fsdp_config.yaml")) {
    std::vector<std::string> paths;
    YamlPaths(YAML::Load(f->text), "", &paths);
    add(Unaccepted(paths, List("accelerate_keys.txt").keys));
  }
  return bad;
}

std::string RecipeOf(const LaunchConfig& c) {
  const size_t end = c.launch.find(" --config");
  return c.launch.substr(c.launch.rfind(' ', end - 1) + 1, end - c.launch.rfind(' ', end - 1) - 1);
}

void ExpectAccepted(const LaunchConfig& c) {
  const std::string name(EnumName(kEngines, c.engine));
  std::vector<std::string> bad;
  switch (c.engine) {
    case Engine::kDeepSpeed:
      bad = Unaccepted(c.keys, List("deepspeed_keys.txt").keys);
      break;
    case Engine::kAccelerateFsdp:
      bad = Unaccepted(c.keys, List("accelerate_keys.txt").keys);
      break;
    case Engine::kMegatron:
      bad = Unaccepted(c.keys, List("megatron_flags.txt").keys);
      break;
    case Engine::kTorchrun: {
      Keys ok = List("torchrun_flags.txt").keys;
      ok.insert(List("megatron_flags.txt").keys.begin(), List("megatron_flags.txt").keys.end());
      bad = Unaccepted(c.keys, ok);
      break;
    }
    case Engine::kTorchtune:
      bad = TorchtuneUnaccepted(c.Main().text, RecipeOf(c));
      break;
    case Engine::kAxolotl:
      bad = Unaccepted(c.keys, List("axolotl_keys.txt").keys);
      break;
    case Engine::kMegatronDeepSpeed:
      bad = Unaccepted(c.keys, List("megatron_deepspeed_flags.txt").keys);
      break;
    case Engine::kHfTrainer:
      bad = HfTrainerUnaccepted(c);
      break;
  }
  ASSERT_FALSE(c.keys.empty()) << name;
  EXPECT_TRUE(bad.empty()) << name << " emits keys its source does not accept: " << Show(bad);
  // A DeepSpeed JSON beside the main file (axolotl, megatron-deepspeed) is checked too.
  for (size_t i = 1; i < c.files.size(); ++i) {
    if (c.files[i].name != "ds_config.json") continue;
    std::vector<std::string> paths;
    JsonPaths(nlohmann::json::parse(c.files[i].text), "", &paths);
    const auto ds = Unaccepted(paths, List("deepspeed_keys.txt").keys);
    EXPECT_TRUE(ds.empty()) << name << " ds_config.json: " << Show(ds);
  }
}

TEST(ExportKeys, EveryListNamesItsCommit) {
  for (const char* f :
       {"deepspeed_keys.txt", "accelerate_keys.txt", "torchrun_flags.txt", "megatron_flags.txt",
        "megatron_deepspeed_flags.txt", "torchtune_keys.txt", "axolotl_keys.txt",
        "transformers_keys.txt", "trl_keys.txt", "peft_keys.txt", "bitsandbytes_keys.txt"}) {
    const auto& l = List(f);
    EXPECT_EQ(l.commit.size(), 40u) << f << ": " << l.commit;
    // BitsAndBytesConfig has ten arguments; the other sources tens to hundreds of keys.
    EXPECT_GT(l.keys.size(), std::string(f) == "bitsandbytes_keys.txt" ? 10u : 25u) << f;
  }
}

// The check fails on a key the engine does not know: a bogus key injected into each kind of
// config is reported.
TEST(ExportKeys, ABogusKeyIsCaught) {
  const auto s = MakeScenario({{"parallelism", "{zero: 3}"}});
  LaunchConfig ds = Export(Engine::kDeepSpeed, s);
  ds.keys.push_back("zero_optimization.stage4_bogus");
  EXPECT_EQ(Unaccepted(ds.keys, List("deepspeed_keys.txt").keys),
            std::vector<std::string>{"zero_optimization.stage4_bogus"});
  LaunchConfig mg = Export(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 2, zero: 1}"}}));
  mg.keys.push_back("--tensor-parallel-size");  // the real flag is --tensor-model-parallel-size
  EXPECT_EQ(Unaccepted(mg.keys, List("megatron_flags.txt").keys).size(), 1u);
  const std::string tune =
      "batch_size: 1\nbogus_knob: 2\n"
      "model:\n  _component_: torchtune.models.llama3_1.lora_llama3_1_8b\n  lora_rank: 8\n"
      "  lora_rnak: 8\noptimizer:\n  _component_: torch.optim.NotAnOptimizer\n";
  EXPECT_EQ(TorchtuneUnaccepted(tune, "lora_finetune_single_device"),
            (std::vector<std::string>{"bogus_knob", "model.lora_rnak",
                                      "optimizer._component_=torch.optim.NotAnOptimizer"}));
}

// Scenarios over the writers' branches, for the engines that run each.
std::vector<workload::Scenario> Variants() {
  std::vector<workload::Scenario> out;
  auto add = [&](std::initializer_list<std::pair<const char*, const char*>> o) {
    out.push_back(MakeScenario(o));
  };
  add({{"hardware.nodes", "2"}, {"parallelism", "{zero: 3}"}});
  add({{"parallelism", "{zero: 3, offload: optimizer+params}"},
       {"training.activation_checkpointing", "full"}});
  add({{"parallelism", "{zero: 1, offload: optimizer}"}, {"training.precision", "fp16-mixed"}});
  add({{"parallelism", "{zero: 2}"}, {"training.precision", "bf16"}});
  add({{"parallelism", "{zero: 0}"}, {"training.precision", "fp32"}});
  add({{"parallelism", "{zero: 3}"}, {"training.precision", "fp8-mixed"}});
  add({{"hardware.nodes", "4"},
       {"parallelism", "{tp: 4, pp: 2, vpp: 2, zero: 1, sequence_parallel: true}"},
       {"training.activation_checkpointing", "selective"}});
  add({{"hardware.nodes", "2"},
       {"parallelism", "{tp: 2, cp: 2, zero: 3}"},
       {"training.seq_len", "16384"},
       {"training.activation_checkpointing", "full"}});
  return out;
}

TEST(ExportKeys, PretrainingEnginesEmitOnlyAcceptedKeys) {
  int checked = 0;
  for (Engine e :
       {Engine::kDeepSpeed, Engine::kAccelerateFsdp, Engine::kTorchrun, Engine::kMegatron}) {
    for (const auto& s : Variants()) {
      if (Unsupported(e, s)) continue;
      ExpectAccepted(Export(e, s));
      ++checked;
    }
  }
  EXPECT_GE(checked, 16);
}

// Real catalog jobs through api::Export (the CLI's and POST /api/export's path).
api::ExportOutput ExportJob(const std::string& engine, const std::string& json,
                            bool force = false) {
  static const api::Environment env = api::MakeEnvironment({});
  api::ScenarioRequest req;
  req.source = api::ScenarioRequest::Source::kText;
  req.text = json;
  req.origin = "test";
  api::ExportOptions opt;
  opt.engine = engine;
  opt.force = force;  // key checks of layouts the estimate may not fit
  return api::Export(req, env, opt, "--");
}

constexpr const char* kQlora8bOn4090 =
    R"({"model": "llama-3.1-8b", "training": {"method": "qlora", "seq_len": 2048},
        "hardware": {"gpu": "rtx-4090", "count": 1}})";
constexpr const char* kLora70bOn8A100 =
    R"({"model": "llama-3.1-70b", "training": {"method": "lora", "seq_len": 4096,
        "global_batch": 32}, "hardware": {"gpu": "a100-80gb", "count": 8}})";
constexpr const char* kFull8bOn8H100 =
    R"({"model": "llama-3.1-8b", "training": {"method": "full", "seq_len": 4096,
        "global_batch": 64}, "hardware": {"gpu": "h100", "count": 8},
        "parallelism": {"zero": 3}})";

TEST(ExportKeys, HfTrainerBogusKeysAreCaught) {
  // Hugging Face Trainer: a misspelt TrainingArguments field, an optim value OptimizerNames
  // lacks, a LoraConfig field PEFT lacks and a quant type bitsandbytes lacks.
  LaunchConfig hf = ExportJob("hf-trainer", kQlora8bOn4090).config;
  ASSERT_TRUE(HfTrainerUnaccepted(hf).empty()) << Show(HfTrainerUnaccepted(hf));
  auto edit = [&hf](const std::string& file, const std::string& key, const char* value) {
    for (auto& f : hf.files)
      if (f.name == file) {
        auto j = nlohmann::json::parse(f.text);
        j[key] = value;
        f.text = j.dump();
      }
  };
  edit("sft_config.json", "per_device_batch_size", "4");
  edit("sft_config.json", "optim", "adamw_torch_fusd");
  edit("lora_config.json", "lora_rank", "16");
  edit("lora_config.json", "task_type", "CAUSAL");
  edit("lora_config.json", "target_modules", "all_linear");
  edit("bnb_config.json", "bnb_4bit_quant_type", "nf8");
  edit("bnb_config.json", "bnb_4bit_compute_dtype", "bf16");
  EXPECT_EQ(HfTrainerUnaccepted(hf),
            (std::vector<std::string>{"per_device_batch_size", "optim=adamw_torch_fusd",
                                      "lora_rank", "task_type=CAUSAL", "target_modules=all_linear",
                                      "bnb_4bit_quant_type=nf8", "bnb_4bit_compute_dtype=bf16"}));
}

TEST(ExportKeys, FineTuningEnginesEmitOnlyAcceptedKeys) {
  for (const char* engine : {"torchtune", "axolotl", "hf-trainer"})
    for (const char* job : {kQlora8bOn4090, kLora70bOn8A100, kFull8bOn8H100}) {
      SCOPED_TRACE(std::string(engine) + " " + job);
      ExpectAccepted(ExportJob(engine, job).config);
    }
  // Other branches: DeepSpeed through axolotl, offload, HSDP across nodes, fp16/fp8/fp32,
  // all-linear targets, the chunked loss.
  const char* more[] = {
      R"({"model": "llama-3.1-8b", "training": {"method": "full"},
          "hardware": {"gpu": "h100", "count": 8}, "parallelism": {"zero": 1}})",
      R"({"model": "llama-3.1-8b", "training": {"method": "lora", "precision": "fp16-mixed"},
          "hardware": {"gpu": "a100-80gb", "count": 8},
          "parallelism": {"zero": 3, "offload": "optimizer"}})",
      R"({"model": "llama-3.1-70b", "training": {"method": "lora", "loss": "chunked",
          "lora": {"targets": "all-linear"}}, "hardware": {"gpu": "h100", "count": 8, "nodes": 2},
          "parallelism": {"zero": 3, "shard_group": 8}})",
      R"({"model": "llama-3.1-70b", "training": {"method": "qlora",
          "activation_checkpointing": "full"}, "hardware": {"gpu": "a100-80gb", "count": 8},
          "parallelism": {"zero": 3, "offload": "optimizer+params"}})",
      R"({"model": "llama-3.2-1b", "training": {"method": "lora", "precision": "fp32"},
          "hardware": {"gpu": "rtx-4090", "count": 1}})",
      R"({"model": "llama-3.1-8b", "training": {"method": "full", "precision": "fp8-mixed"},
          "hardware": {"gpu": "h100", "count": 8}, "parallelism": {"zero": 2}})",
  };
  int checked = 0;
  for (const char* engine : {"torchtune", "axolotl", "hf-trainer"})
    for (const char* job : more) {
      SCOPED_TRACE(std::string(engine) + " " + job);
      try {
        ExpectAccepted(ExportJob(engine, job, true).config);
        ++checked;
      } catch (const InputError& e) {
        // Refusals are fine here (torchtune: no fp8, no optimizer-only offload; hf-trainer:
        // no fp8); they name the engine.
        EXPECT_NE(std::string(e.what()).find(std::string(engine) + ": "), std::string::npos)
            << e.what();
      }
    }
  EXPECT_GE(checked, 12);
}

// The targets an export writes are modules the model has: Phi-3 fuses q, k and v into
// qkv_proj, Falcon into query_key_value, so the default q_proj... targets (and a user's
// q_proj, v_proj) become those (PEFT stops at "Target modules ... not found in the base
// model" otherwise), and the resolved scenario says so. Llama keeps its names.
TEST(ExportKeys, LoraTargetsAreModulesTheModelHas) {
  using V = std::vector<std::string>;
  auto targets_of = [](const api::ExportOutput& out) {
    const LaunchFile* f = FileOf(out.config, "lora_config.json");
    return f ? nlohmann::json::parse(f->text)["target_modules"].get<V>() : V{};
  };
  auto job = [](const char* model, const char* lora) {
    return std::string(R"({"model": ")") + model +
           R"(", "training": {"method": "lora", "seq_len": 1024)" + lora +
           R"(}, "hardware": {"gpu": "a100-80gb", "count": 1}})";
  };
  const auto phi = ExportJob("hf-trainer", job("phi-3-mini", ""));
  EXPECT_EQ(targets_of(phi), (V{"qkv_proj", "o_proj"}));
  ASSERT_FALSE(phi.scenario.training.defaults.empty());
  EXPECT_EQ(phi.scenario.training.defaults.back().knob, "lora.targets");
  EXPECT_EQ(phi.scenario.training.defaults.back().value, "qkv_proj,o_proj");
  const auto falcon =
      ExportJob("hf-trainer", job("falcon-7b", R"(, "lora": {"targets": ["q_proj", "v_proj"]})"));
  EXPECT_EQ(targets_of(falcon), V{"query_key_value"});
  const YAML::Node axolotl =
      YAML::Load(ExportJob("axolotl", job("phi-3-mini", "")).config.Main().text);
  EXPECT_EQ(axolotl["lora_target_modules"].as<V>(), (V{"qkv_proj", "o_proj"}));
  const auto llama = ExportJob("hf-trainer", job("llama-3.2-1b", ""));
  EXPECT_EQ(targets_of(llama), (V{"q_proj", "k_proj", "v_proj", "o_proj"}));
  for (const auto& d : llama.scenario.training.defaults) EXPECT_NE(d.knob, "lora.targets");
}

TEST(ExportKeys, TorchtuneQloraOnOne4090) {
  const auto out = ExportJob("torchtune", kQlora8bOn4090);
  const auto& c = out.config;
  EXPECT_EQ(c.launch, "tune run lora_finetune_single_device --config torchtune.yaml");
  const YAML::Node y = YAML::Load(c.Main().text);
  EXPECT_EQ(y["model"]["_component_"].as<std::string>(),
            "torchtune.models.llama3_1.qlora_llama3_1_8b");
  EXPECT_EQ(y["model"]["lora_rank"].as<int>(), out.scenario.training.lora.rank);
  EXPECT_EQ(y["model"]["lora_alpha"].as<double>(), out.scenario.training.lora.alpha);
  EXPECT_EQ(y["model"]["lora_attn_modules"].size(), 4u);  // q, k, v, o (the default targets)
  EXPECT_EQ(y["model"]["lora_attn_modules"][3].as<std::string>(), "output_proj");
  EXPECT_EQ(y["tokenizer"]["max_seq_len"].as<int>(), 2048);
  EXPECT_TRUE(y["dataset"]["packed"].as<bool>());
  EXPECT_EQ(y["batch_size"].as<long long>(), out.scenario.training.micro_batch);
  EXPECT_EQ(y["gradient_accumulation_steps"].as<long long>(), out.scenario.MicroBatchesPerStep());
  EXPECT_EQ(y["enable_activation_checkpointing"].as<bool>(),
            out.scenario.training.activation_checkpointing == workload::Checkpointing::kFull);
  EXPECT_EQ(y["dtype"].as<std::string>(), "bf16");
  EXPECT_EQ(y["checkpointer"]["checkpoint_files"]["max_filename"].as<std::string>(), "00004");
  EXPECT_FALSE(y["fsdp_reshard_after_forward"]);  // single device
}

TEST(ExportKeys, TorchtuneLora70bOnEightA100s) {
  const auto out = ExportJob("torchtune", kLora70bOn8A100);
  const auto& c = out.config;
  EXPECT_EQ(c.launch,
            "tune run --standalone --nproc-per-node=8 lora_finetune_distributed --config "
            "torchtune.yaml");
  const YAML::Node y = YAML::Load(c.Main().text);
  EXPECT_EQ(y["model"]["_component_"].as<std::string>(),
            "torchtune.models.llama3_1.lora_llama3_1_70b");
  EXPECT_EQ(y["fsdp_reshard_after_forward"].as<bool>(), out.scenario.parallelism.zero >= 3);
  EXPECT_GE(out.scenario.parallelism.zero, 2);
  EXPECT_EQ(y["batch_size"].as<long long>() * y["gradient_accumulation_steps"].as<long long>() * 8,
            32);
  EXPECT_EQ(y["tokenizer"]["max_seq_len"].as<int>(), 4096);
  EXPECT_EQ(y["checkpointer"]["checkpoint_files"]["max_filename"].as<std::string>(), "00030");
}

TEST(ExportKeys, TorchtuneFull8bOnEightH100s) {
  const auto out = ExportJob("torchtune", kFull8bOn8H100);
  const YAML::Node y = YAML::Load(out.config.Main().text);
  EXPECT_NE(out.config.launch.find(" full_finetune_distributed --config"), std::string::npos);
  EXPECT_EQ(y["model"]["_component_"].as<std::string>(), "torchtune.models.llama3_1.llama3_1_8b");
  EXPECT_FALSE(y["model"]["lora_rank"]);
  EXPECT_TRUE(y["fsdp_reshard_after_forward"].as<bool>());  // zero: 3 as given
  EXPECT_EQ(y["batch_size"].as<long long>() * y["gradient_accumulation_steps"].as<long long>() * 8,
            64);
  // The optimizer of torchtune's multi-GPU full fine-tune recipe (data/stacks.yaml
  // method_defaults multi_gpu_optimizer: 8B_full.yaml uses torch AdamW; the single-device
  // configs PagedAdamW8bit), as `estimate` with training.framework torchtune assumes it.
  EXPECT_EQ(out.scenario.training.stack.id, workload::Framework::kTorchtune);
  EXPECT_EQ(out.scenario.training.optimizer, workload::Optimizer::kAdamW);
  EXPECT_EQ(y["optimizer"]["_component_"].as<std::string>(), "torch.optim.AdamW");
}

TEST(ExportKeys, AxolotlQloraOnOne4090) {
  const auto out = ExportJob("axolotl", kQlora8bOn4090);
  const YAML::Node y = YAML::Load(out.config.Main().text);
  EXPECT_EQ(out.config.launch, "axolotl train axolotl.yaml");
  EXPECT_EQ(y["base_model"].as<std::string>(), "meta-llama/Llama-3.1-8B");
  EXPECT_EQ(y["adapter"].as<std::string>(), "qlora");
  EXPECT_TRUE(y["load_in_4bit"].as<bool>());
  EXPECT_EQ(y["lora_r"].as<int>(), out.scenario.training.lora.rank);
  EXPECT_EQ(y["lora_target_modules"].size(), out.scenario.training.lora.targets.size());
  EXPECT_EQ(y["sequence_len"].as<int>(), 2048);
  EXPECT_TRUE(y["sample_packing"].as<bool>());
  EXPECT_EQ(y["micro_batch_size"].as<long long>(), out.scenario.training.micro_batch);
  EXPECT_EQ(y["datasets"][0]["type"].as<std::string>(), "alpaca");
  EXPECT_FALSE(y["fsdp_config"]);
  EXPECT_FALSE(y["deepspeed"]);
}

TEST(ExportKeys, AxolotlLora70bOnEightA100sShardsWithFsdp2) {
  const auto out = ExportJob("axolotl", kLora70bOn8A100);
  const YAML::Node y = YAML::Load(out.config.Main().text);
  ASSERT_GE(out.scenario.parallelism.zero, 2);
  EXPECT_EQ(y["adapter"].as<std::string>(), "lora");
  EXPECT_EQ(y["fsdp_version"].as<int>(), 2);
  EXPECT_EQ(y["fsdp_config"]["transformer_layer_cls_to_wrap"].as<std::string>(),
            "LlamaDecoderLayer");
  EXPECT_EQ(y["fsdp_config"]["reshard_after_forward"].as<bool>(),
            out.scenario.parallelism.zero >= 3);
  EXPECT_EQ(
      y["micro_batch_size"].as<long long>() * y["gradient_accumulation_steps"].as<long long>() * 8,
      32);
}

TEST(ExportKeys, AxolotlFull8bOnEightH100s) {
  const auto out = ExportJob("axolotl", kFull8bOn8H100);
  const YAML::Node y = YAML::Load(out.config.Main().text);
  EXPECT_FALSE(y["adapter"]);
  EXPECT_EQ(y["fsdp_version"].as<int>(), 2);
  EXPECT_TRUE(y["fsdp_config"]["reshard_after_forward"].as<bool>());
  EXPECT_EQ(y["optimizer"].as<std::string>(), "adamw_torch_fused");
  EXPECT_TRUE(y["bf16"].as<bool>());
}

// torch.compile follows what the estimate assumed: a compiled loss. torchtune's recipes default
// to compile: False and the estimate keeps every chunk's fp32 log-softmax, so its export does
// not compile unless the scenario says the loss is compiled (then both hold 16-bit logits);
// the Hugging Face Trainer does not compile.
TEST(ExportKeys, CompileFollowsTheEstimatedStack) {
  const char* tune_stack = R"({"model": "llama-3.1-8b", "training": {"method": "lora",
      "framework": "torchtune"}, "hardware": {"gpu": "h100", "count": 1}})";
  const char* tune_compiled = R"({"model": "llama-3.1-8b", "training": {"method": "lora",
      "framework": "torchtune", "stack_traits": {"compiled_loss": true}},
      "hardware": {"gpu": "h100", "count": 1}})";
  const char* hf_stack = R"({"model": "llama-3.1-8b", "training": {"method": "lora",
      "framework": "hf-trainer"}, "hardware": {"gpu": "h100", "count": 1}})";
  EXPECT_FALSE(
      YAML::Load(ExportJob("torchtune", tune_stack).config.Main().text)["compile"].as<bool>());
  EXPECT_FALSE(
      YAML::Load(ExportJob("torchtune", kQlora8bOn4090).config.Main().text)["compile"].as<bool>());
  EXPECT_TRUE(
      YAML::Load(ExportJob("torchtune", tune_compiled).config.Main().text)["compile"].as<bool>());
  EXPECT_FALSE(
      YAML::Load(ExportJob("torchtune", hf_stack).config.Main().text)["compile"].as<bool>());
  EXPECT_TRUE(YAML::Load(ExportJob("axolotl", tune_compiled).config.Main().text)["torch_compile"]
                  .as<bool>());
}

// The torchtune loss is the one the estimate assumed: chunked (torchtune's default) is
// LinearCrossEntropyLoss; standard is the whole logits upcast at once, CEWithChunkedOutputLoss
// with one chunk.
TEST(ExportKeys, TorchtuneLossIsTheEstimatedLoss) {
  const char* standard = R"({"model": "llama-3.1-8b", "training": {"method": "lora",
      "loss": "standard"}, "hardware": {"gpu": "h100", "count": 1}})";
  const YAML::Node chunked = YAML::Load(ExportJob("torchtune", kQlora8bOn4090).config.Main().text);
  EXPECT_EQ(chunked["loss"]["_component_"].as<std::string>(),
            "torchtune.modules.loss.LinearCrossEntropyLoss");
  const auto out = ExportJob("torchtune", standard);
  ExpectAccepted(out.config);
  const YAML::Node y = YAML::Load(out.config.Main().text);
  EXPECT_EQ(y["loss"]["_component_"].as<std::string>(),
            "torchtune.modules.loss.CEWithChunkedOutputLoss");
  EXPECT_EQ(y["loss"]["num_output_chunks"].as<int>(), 1);
}

// "export plans with the method's default stack, not the engine's" (issue 15 review): a
// scenario that leaves training.framework to auto is planned and estimated with the stack the
// engine runs, exactly as `estimate` with that framework; the export states the stack. A
// framework the scenario names stays, and a note says it is not the engine's.
TEST(ExportKeys, ExportPlansWithTheEnginesStack) {
  static const api::Environment env = api::MakeEnvironment({});
  const std::string pinned = R"({"model": "llama-3.1-8b", "training": {"method": "lora",
      "seq_len": 4096, "global_batch": 16}, "hardware": {"gpu": "a100-80gb", "count": 1}})";
  for (const auto& [engine, stack] : {std::pair{"torchtune", workload::Framework::kTorchtune},
                                      std::pair{"axolotl", workload::Framework::kHfTrainer},
                                      std::pair{"hf-trainer", workload::Framework::kHfTrainer}}) {
    SCOPED_TRACE(engine);
    const api::ExportOutput out = ExportJob(engine, pinned, true);
    EXPECT_EQ(out.scenario.training.stack.id, stack);
    EXPECT_EQ(api::ExportJson(out)["layout"]["stack"],
              std::string(EnumName(workload::kFrameworks, stack)));
    std::string text;  // the plan summary heads the YAML / the script
    for (const auto& f : out.config.files) text += f.text;
    EXPECT_NE(text.find("; stack " + std::string(EnumName(workload::kFrameworks, stack))),
              std::string::npos);
    // `estimate` on the same scenario with that framework: same knobs, same memory.
    api::ScenarioRequest req;
    req.source = api::ScenarioRequest::Source::kText;
    req.text = pinned;
    req.origin = "test";
    req.overrides = {{"training.framework", std::string(EnumName(workload::kFrameworks, stack))},
                     {"parallelism", "{zero: 0}"},
                     {"training.micro_batch", std::to_string(out.scenario.training.micro_batch)},
                     {"training.activation_checkpointing",
                      std::string(EnumName(workload::kCheckpointings,
                                           out.scenario.training.activation_checkpointing))}};
    const workload::Scenario est = api::BuildScenario(req, env);
    EXPECT_EQ(est.training.optimizer, out.scenario.training.optimizer);
    EXPECT_EQ(est.training.loss, out.scenario.training.loss);
    EXPECT_EQ(estimate::EstimateMemory(est, {}).per_gpu_bytes,
              estimate::EstimateMemory(out.scenario, {}).per_gpu_bytes);
  }
  const std::string named = R"({"model": "llama-3.1-8b", "training": {"method": "lora",
      "framework": "hf-trainer"}, "hardware": {"gpu": "h100", "count": 1}})";
  const api::ExportOutput kept = ExportJob("torchtune", named);
  EXPECT_EQ(kept.scenario.training.stack.id, workload::Framework::kHfTrainer);
  std::string notes;
  for (const auto& n : kept.config.notes) notes += n + "\n";
  EXPECT_NE(notes.find("stack: planned and estimated for training.framework hf-trainer"),
            std::string::npos)
      << notes;
}

// The generic Hugging Face launch (issue 15 "What to build" item 2): TRL SFTConfig
// (TrainingArguments), PEFT LoraConfig and BitsAndBytesConfig files carrying the knobs the
// estimate assumed, for QLoRA on one GPU, LoRA 70B under FSDP and a full fine-tune.
nlohmann::json FileJson(const LaunchConfig& c, const std::string& name) {
  const LaunchFile* f = FileOf(c, name);
  return f ? nlohmann::json::parse(f->text) : nlohmann::json();
}

// TrainingArguments.optim for the optimizers these jobs resolve to (transformers OptimizerNames:
// ADAMW_TORCH_FUSED, PAGED_ADAMW, PAGED_ADAMW_8BIT).
std::string WantOptim(workload::Optimizer o) {
  switch (o) {
    case workload::Optimizer::kAdamW:
      return "adamw_torch_fused";
    case workload::Optimizer::kPagedAdamW:
      return "paged_adamw_32bit";
    case workload::Optimizer::kPagedAdamW8bit:
      return "paged_adamw_8bit";
    default:
      return "(not in these jobs)";
  }
}

void ExpectCarriesTheKnobs(const api::ExportOutput& out) {
  const auto& t = out.scenario.training;
  const auto a = FileJson(out.config, "sft_config.json");
  EXPECT_EQ(a["per_device_train_batch_size"], t.micro_batch);
  EXPECT_EQ(a["gradient_accumulation_steps"], out.scenario.MicroBatchesPerStep());
  EXPECT_EQ(a["per_device_train_batch_size"].get<long long>() *
                a["gradient_accumulation_steps"].get<long long>() * out.scenario.DataParallel(),
            out.scenario.GlobalBatch());
  EXPECT_EQ(a["max_length"], t.seq_len);
  EXPECT_EQ(a["packing"], true);
  EXPECT_EQ(a["optim"], WantOptim(t.optimizer));
  EXPECT_EQ(a["gradient_checkpointing"],
            t.activation_checkpointing == workload::Checkpointing::kFull);
  EXPECT_EQ(a["bf16"], t.precision != workload::Precision::kFp32 &&
                           t.precision != workload::Precision::kFp16Mixed);
  EXPECT_EQ(a["use_liger_kernel"],
            t.loss == workload::Loss::kChunked || t.stack.FusesAll(workload::kLigerFusedModules));
  if (workload::TrainsAdapters(t.method)) {
    const auto l = FileJson(out.config, "lora_config.json");
    EXPECT_EQ(l["r"], t.lora.rank);
    EXPECT_EQ(l["lora_alpha"].get<double>(), t.lora.alpha);
    EXPECT_EQ(l["target_modules"], nlohmann::json(t.lora.targets));
    EXPECT_EQ(l.value("use_dora", false), workload::Adapter(t.method).weight_decomposed);
  } else {
    EXPECT_FALSE(FileOf(out.config, "lora_config.json"));
  }
}

TEST(ExportKeys, HfTrainerQloraOnOne4090) {
  const auto out = ExportJob("hf-trainer", kQlora8bOn4090);
  ExpectAccepted(out.config);
  ExpectCarriesTheKnobs(out);
  EXPECT_EQ(out.config.launch, "python train.py");
  const auto b = FileJson(out.config, "bnb_config.json");
  EXPECT_EQ(b["load_in_4bit"], true);
  EXPECT_EQ(b["bnb_4bit_quant_type"], "nf4");
  EXPECT_EQ(b["bnb_4bit_use_double_quant"], out.scenario.training.quantization.double_quant);
  EXPECT_FALSE(b.contains("bnb_4bit_quant_storage"));  // no FSDP
  const std::string py = FileOf(out.config, "train.py")->text;
  EXPECT_NE(py.find("\"meta-llama/Llama-3.1-8B\""), std::string::npos) << py;
  EXPECT_NE(py.find("BitsAndBytesConfig(**json.load(open(\"bnb_config.json\")))"),
            std::string::npos);
  EXPECT_NE(py.find("LoraConfig(**json.load(open(\"lora_config.json\")))"), std::string::npos);
}

// Liger's kernels (fused_modules rmsnorm, rope, swiglu) ask for use_liger_kernel as its loss
// does, and the note says what the flag does beyond what the estimate assumed.
TEST(ExportKeys, HfTrainerAsksForLigerWhenTheEstimateCountedIt) {
  const auto out = ExportJob("hf-trainer", R"({"model": "llama-3.1-8b", "training": {"method":
      "lora", "loss": "standard", "framework": "hf-trainer", "stack_traits": {"fused_modules":
      ["rmsnorm", "rope", "swiglu"]}}, "hardware": {"gpu": "h100", "count": 1}})");
  ExpectAccepted(out.config);
  ExpectCarriesTheKnobs(out);
  EXPECT_EQ(FileJson(out.config, "sft_config.json")["use_liger_kernel"], true);
  bool noted = false;
  for (const auto& n : out.config.notes) noted |= n.starts_with("kernels: use_liger_kernel");
  EXPECT_TRUE(noted);
  const auto plain = ExportJob("hf-trainer", R"({"model": "llama-3.1-8b", "training": {"method":
      "lora", "loss": "standard", "framework": "hf-trainer", "stack_traits": {"fused_modules":
      ["rmsnorm", "rope"]}}, "hardware": {"gpu": "h100", "count": 1}})");
  EXPECT_EQ(FileJson(plain.config, "sft_config.json")["use_liger_kernel"], false);
}

TEST(ExportKeys, HfTrainerLora70bOnEightA100sShardsWithFsdp) {
  const auto out = ExportJob("hf-trainer", kLora70bOn8A100);
  ASSERT_GE(out.scenario.parallelism.zero, 2);
  ExpectAccepted(out.config);
  ExpectCarriesTheKnobs(out);
  EXPECT_EQ(out.config.launch, "accelerate launch --config_file fsdp_config.yaml train.py");
  const YAML::Node f = YAML::Load(FileOf(out.config, "fsdp_config.yaml")->text);
  EXPECT_EQ(f["num_processes"].as<int>(), 8);
  EXPECT_EQ(f["fsdp_config"]["fsdp_reshard_after_forward"].as<bool>(),
            out.scenario.parallelism.zero >= 3);
}

TEST(ExportKeys, HfTrainerFull8bOnEightH100s) {
  const auto out = ExportJob("hf-trainer", kFull8bOn8H100);
  ExpectAccepted(out.config);
  ExpectCarriesTheKnobs(out);
  EXPECT_FALSE(FileOf(out.config, "bnb_config.json"));
  EXPECT_NE(out.config.launch.find("accelerate launch"), std::string::npos);
  // Multi-GPU DDP (zero 0): torchrun on the node's GPUs.
  const auto ddp = ExportJob("trl", R"({"model": "llama-3.2-1b", "training": {"method": "lora",
      "global_batch": 16}, "hardware": {"gpu": "h100", "count": 8}, "parallelism": {"zero": 0}})");
  ExpectAccepted(ddp.config);
  EXPECT_EQ(ddp.config.launch, "torchrun --standalone --nproc-per-node=8 train.py");
  EXPECT_EQ(FileJson(ddp.config, "sft_config.json")["ddp_find_unused_parameters"], false);
}

// Issue 15 item 4 for the HF Trainer: DeepSpeed with CPU offload carries DeepSpeed's optimizer
// with "auto" values, and the config's batch values equal the TrainingArguments ones.
TEST(ExportKeys, HfTrainerDeepSpeedOffloadMatchesTrainingArguments) {
  const auto out = ExportJob("hf-trainer", R"({"model": "llama-3.1-8b", "training": {"method":
      "full", "global_batch": 64}, "hardware": {"gpu": "a100-80gb", "count": 8},
      "parallelism": {"zero": 3, "offload": "optimizer"}})",
                             true);
  ExpectAccepted(out.config);
  const auto a = FileJson(out.config, "sft_config.json");
  const auto ds = FileJson(out.config, "ds_config.json");
  EXPECT_EQ(a["deepspeed"], "ds_config.json");
  EXPECT_EQ(ds["train_micro_batch_size_per_gpu"], a["per_device_train_batch_size"]);
  EXPECT_EQ(ds["gradient_accumulation_steps"], a["gradient_accumulation_steps"]);
  EXPECT_EQ(ds["train_batch_size"], 64);
  EXPECT_EQ(ds["gradient_clipping"], a["max_grad_norm"]);
  EXPECT_EQ(ds["bf16"]["enabled"], a["bf16"]);
  for (const char* k : {"lr", "betas", "eps", "weight_decay"})
    EXPECT_EQ(ds["optimizer"]["params"][k], "auto") << k;
  EXPECT_EQ(out.config.launch, "torchrun --standalone --nproc-per-node=8 train.py");
}

// A LoRA base kept in fp32 (lora.base_dtype fp32) is loaded in fp32 and autocast by the
// Trainer's --bf16; a bf16-mixed LoRA otherwise loads its base in bf16.
TEST(ExportKeys, HfTrainerLoadsAnFp32BaseInFp32) {
  constexpr const char* job =
      R"({"model": "llama-3.1-8b", "training": {"method": "lora", "precision": "bf16-mixed",
          "lora": {"base_dtype": "%s"}}, "hardware": {"gpu": "h100", "count": 1}})";
  auto train_py = [job](const char* dtype) {
    char text[512];
    std::snprintf(text, sizeof text, job, dtype);
    const auto out = ExportJob("hf-trainer", text);
    ExpectAccepted(out.config);
    return FileOf(out.config, "train.py")->text;
  };
  EXPECT_NE(train_py("fp32").find("dtype=torch.float32,"), std::string::npos);
  EXPECT_NE(train_py("auto").find("dtype=torch.bfloat16 if args.bf16"), std::string::npos);
}

// What the tools cannot express is an error naming the engine and the knob.
TEST(ExportKeys, FineTuningEnginesRefuseWhatTheyCannotExpress) {
  auto refusal = [](const char* engine, const char* json) {
    try {
      ExportJob(engine, json);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("(exported)");
  };
  const std::string sgd =
      refusal("torchtune", R"({"model": "llama-3.1-8b", "training": {"method": "lora",
                      "optimizer": "sgd"}, "hardware": {"gpu": "rtx-4090", "count": 1}})");
  EXPECT_NE(sgd.find("torchtune: optimizer sgd"), std::string::npos) << sgd;
  const std::string pretrain =
      refusal("axolotl", R"({"model": "llama-3.1-8b", "training": {"method": "pretrain"},
                            "hardware": {"gpu": "h100", "count": 8}})");
  EXPECT_NE(pretrain.find("axolotl: method pretrain"), std::string::npos) << pretrain;
  const std::string tp = refusal("torchtune", R"({"model": "llama-3.1-70b",
      "training": {"method": "lora"}, "hardware": {"gpu": "h100", "count": 8},
      "parallelism": {"tp": 8}})");
  EXPECT_NE(tp.find("data parallel only"), std::string::npos) << tp;
  const std::string model = refusal("torchtune", R"({"model": "qwen2.5-7b",
      "training": {"method": "lora"}, "hardware": {"gpu": "h100", "count": 1}})");
  EXPECT_NE(model.find("has no builder"), std::string::npos) << model;
  const std::string fp32 = refusal("axolotl", R"({"model": "llama-3.1-8b",
      "training": {"method": "lora", "lora": {"base_dtype": "fp32"}},
      "hardware": {"gpu": "h100", "count": 1}})");
  EXPECT_NE(fp32.find("axolotl: training.lora.base_dtype fp32"), std::string::npos) << fp32;
}

}  // namespace
}  // namespace gpuadv::launch
