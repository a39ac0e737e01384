// Launch configuration export (C10): every emitted key is one the engine accepts, checked
// against the key lists extracted from each engine's source at a pinned commit
// (tests/data/engine_keys/*.txt, tools/engine_keys/extract_keys.py; export_keys_test.cc
// checks the fine-tuning engines against the same lists).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "gpuadv/core/error.h"
#include "gpuadv/export/launch.h"
#include "gpuadv/export/writers.h"
#include "gpuadv/plan/planner.h"
#include "tests/unit/plan/engine_keys.h"
#include "tests/unit/plan/plan_fixture.h"

namespace gpuadv::launch {
namespace {

using plan::testing::Ctx;
using plan::testing::MakeScenario;
using Keys = std::set<std::string>;

// The accepted keys: the lists extracted from each engine's source at a pinned commit
// (tests/data/engine_keys; the one source of accepted keys for every export test).
const Keys& kDeepSpeedKeys = testing::EngineKeys("deepspeed_keys.txt");
const Keys& kAccelerateKeys = testing::EngineKeys("accelerate_keys.txt");
const Keys& kMegatronFlags = testing::EngineKeys("megatron_flags.txt");
const Keys& kTorchrunFlags = testing::EngineKeys("torchrun_flags.txt");

void ExpectAllAccepted(const LaunchConfig& c, const Keys& accepted) {
  ASSERT_FALSE(c.keys.empty());
  for (const auto& k : c.keys) EXPECT_TRUE(accepted.count(k)) << "undocumented key: " << k;
}

workload::Scenario Planned(Engine e, const workload::Scenario& s, int gpus) {
  plan::PlanOptions o;
  o.gpus = gpus;
  o.threads = 1;
  o.top_k = 1;
  o.space = SpaceFor(e, s);
  const plan::PlanReport r = plan::Search(s, Ctx(), o);
  EXPECT_FALSE(r.plans.empty());
  return plan::PlannedScenario(s, gpus, r.plans.front(), r.global_batch);
}

// Scenarios that exercise most branches of a writer: plain, ZeRO-3 + offload, fp16, pure
// bf16, multi-node.
std::vector<workload::Scenario> Variants() {
  std::vector<workload::Scenario> out;
  auto add = [&](std::initializer_list<std::pair<const char*, const char*>> o) {
    out.push_back(MakeScenario(o));
  };
  add({{"hardware.nodes", "2"}, {"parallelism", "{tp: 1, pp: 1, zero: 3}"}});
  add({{"parallelism", "{tp: 1, pp: 1, zero: 3, offload: optimizer+params}"},
       {"training.activation_checkpointing", "full"}});
  add({{"parallelism", "{tp: 1, pp: 1, zero: 1}"}, {"training.precision", "fp16-mixed"}});
  add({{"parallelism", "{tp: 1, pp: 1, zero: 2}"}, {"training.precision", "bf16"}});
  add({{"parallelism", "{tp: 1, pp: 1, zero: 0}"}, {"training.precision", "fp32"}});
  return out;
}

TEST(Export, DeepSpeedKeysAreDocumented) {
  for (const auto& s : Variants()) {
    if (Unsupported(Engine::kDeepSpeed, s)) continue;
    const LaunchConfig c = Export(Engine::kDeepSpeed, s);
    ExpectAllAccepted(c, kDeepSpeedKeys);
  }
}

TEST(Export, DeepSpeedJsonParsesAndItsBatchArithmeticHolds) {
  const auto s = Planned(Engine::kDeepSpeed, MakeScenario(), 16);
  const LaunchConfig c = Export(Engine::kDeepSpeed, s);
  const auto j = nlohmann::json::parse(c.Main().text);
  // DeepSpeed: train_batch_size = micro-batch x accumulation x GPUs (data parallel only).
  EXPECT_EQ(j["train_batch_size"].get<long long>(),
            j["train_micro_batch_size_per_gpu"].get<long long>() *
                j["gradient_accumulation_steps"].get<long long>() * 16);
  EXPECT_EQ(j["train_batch_size"].get<long long>(), 256);
  EXPECT_EQ(j["zero_optimization"]["stage"].get<int>(), s.parallelism.zero);
  EXPECT_TRUE(j["bf16"]["enabled"].get<bool>());
}

TEST(Export, DeepSpeedOffloadAndStage3) {
  const auto s =
      MakeScenario({{"parallelism", "{tp: 1, pp: 1, zero: 3, offload: optimizer+params}"}});
  const auto j = nlohmann::json::parse(Export(Engine::kDeepSpeed, s).Main().text);
  EXPECT_EQ(j["zero_optimization"]["offload_optimizer"]["device"], "cpu");
  EXPECT_EQ(j["zero_optimization"]["offload_param"]["device"], "cpu");
  EXPECT_TRUE(j["zero_optimization"]["stage3_gather_16bit_weights_on_model_save"].get<bool>());
}

// LoRA through the general engines: the script applies the adapters, and the note says so
// with the scenario's rank (PeftAdapterNote).
TEST(Export, AdapterNoteNamesTheRank) {
  const auto s = MakeScenario({{"training.method", "lora"},
                               {"training.lora.rank", "32"},
                               {"parallelism", "{tp: 1, pp: 1, zero: 2}"}});
  for (const Engine e : {Engine::kDeepSpeed, Engine::kAccelerateFsdp}) {
    ASSERT_FALSE(Unsupported(e, s)) << *Unsupported(e, s);
    const LaunchConfig c = Export(e, s);
    int found = 0;
    for (const auto& n : c.notes)
      if (n.rfind("adapters: apply the PEFT LoRA config (rank 32) ", 0) == 0) ++found;
    EXPECT_EQ(found, 1);
  }
}

TEST(Export, AccelerateKeysAreDocumented) {
  for (const auto& s : Variants()) {
    if (Unsupported(Engine::kAccelerateFsdp, s)) continue;
    const LaunchConfig c = Export(Engine::kAccelerateFsdp, s);
    ExpectAllAccepted(c, kAccelerateKeys);
    const YAML::Node y = YAML::Load(c.Main().text);
    EXPECT_EQ(y["distributed_type"].as<std::string>(), "FSDP");
    const YAML::Node f = y["fsdp_config"];
    if (f["fsdp_version"].as<int>() == 2)
      EXPECT_TRUE(f["fsdp_reshard_after_forward"].IsDefined());
    else
      EXPECT_TRUE(kAccelerateKeys.count("fsdp_config.fsdp_sharding_strategy=" +
                                        f["fsdp_sharding_strategy"].as<std::string>()));
    EXPECT_EQ(y["num_processes"].as<int>(), s.hardware.TotalGpus());
    EXPECT_EQ(y["num_machines"].as<int>(), s.hardware.nodes);
  }
}

// Issue 15: FSDP2 keys as current `accelerate config` writes them (fsdp_version,
// fsdp_reshard_after_forward); FSDP1 strategies only where FSDP2 has no equivalent key.
TEST(Export, AccelerateMapsZeroStagesToFsdpStrategies) {
  auto fsdp = [](const char* par) {
    const auto s = MakeScenario({{"hardware.nodes", "2"}, {"parallelism", par}});
    return YAML::Load(Export(Engine::kAccelerateFsdp, s).Main().text)["fsdp_config"];
  };
  EXPECT_EQ(fsdp("{zero: 3}")["fsdp_version"].as<int>(), 2);
  EXPECT_TRUE(fsdp("{zero: 3}")["fsdp_reshard_after_forward"].as<bool>());
  EXPECT_FALSE(fsdp("{zero: 2}")["fsdp_reshard_after_forward"].as<bool>());
  EXPECT_FALSE(fsdp("{zero: 3}")["fsdp_sharding_strategy"].IsDefined());
  EXPECT_EQ(fsdp("{zero: 0}")["fsdp_sharding_strategy"].as<std::string>(), "NO_SHARD");
  EXPECT_EQ(fsdp("{zero: 3, shard_group: 8}")["fsdp_sharding_strategy"].as<std::string>(),
            "HYBRID_SHARD");
  EXPECT_EQ(fsdp("{zero: 2, shard_group: 8}")["fsdp_sharding_strategy"].as<std::string>(),
            "HYBRID_SHARD_ZERO2");
  EXPECT_FALSE(fsdp("{zero: 3}")["fsdp_cpu_ram_efficient_loading"].IsDefined());
}

// Issue 15 item 5: fp8 carries its recipe (fp8_config) and no forced RAM-efficient loading.
TEST(Export, AccelerateFp8HasARecipe) {
  const auto s = MakeScenario({{"parallelism", "{zero: 3}"}, {"training.precision", "fp8-mixed"}});
  const YAML::Node y = YAML::Load(Export(Engine::kAccelerateFsdp, s).Main().text);
  EXPECT_EQ(y["mixed_precision"].as<std::string>(), "fp8");
  EXPECT_EQ(y["fp8_config"]["backend"].as<std::string>(), "TE");
  EXPECT_EQ(y["fp8_config"]["fp8_format"].as<std::string>(), "HYBRID");
  EXPECT_FALSE(y["fsdp_config"]["fsdp_cpu_ram_efficient_loading"].IsDefined());
}

// The fp8 recipe the estimate ran, in accelerate's terms: torchao Float8 (the AO backend)
// for current scaling, Transformer Engine for delayed and MXFP8 (an environment variable),
// and a note where the config file cannot say it (blockwise, 16-bit wgrad, fp8 attention).
TEST(Export, AccelerateCarriesTheFp8Recipe) {
  auto run = [](const char* fp8) {
    return Export(Engine::kAccelerateFsdp, MakeScenario({{"parallelism", "{zero: 3}"},
                                                         {"training.precision", "fp8-mixed"},
                                                         {"training.fp8", fp8}}));
  };
  auto noted = [](const LaunchConfig& c, const std::string& prefix) {
    for (const auto& n : c.notes)
      if (n.starts_with(prefix)) return true;
    return false;
  };
  const auto current = run("{recipe: current, wgrad: false}");
  const YAML::Node a = YAML::Load(current.Main().text)["fp8_config"];
  EXPECT_EQ(a["backend"].as<std::string>(), "AO");
  EXPECT_TRUE(a["enable_fsdp_float8_all_gather"].as<bool>());
  EXPECT_FALSE(a["fp8_format"].IsDefined());
  EXPECT_TRUE(noted(current, "fp8 wgrad in 16-bit: the config file cannot say it"));
  ExpectAllAccepted(current, kAccelerateKeys);
  const auto mx = run("{recipe: mxfp8, attention: true}");
  EXPECT_EQ(YAML::Load(mx.Main().text)["fp8_config"]["backend"].as<std::string>(), "TE");
  EXPECT_TRUE(noted(mx, "fp8 MXFP8 block scaling: set ACCELERATE_FP8_USE_MXFP8_BLOCK_SCALING"));
  EXPECT_TRUE(noted(mx, "training.fp8.attention:"));
  ExpectAllAccepted(mx, kAccelerateKeys);
  const auto block = run("{recipe: blockwise}");
  EXPECT_TRUE(noted(block, "fp8 blockwise scaling: accelerate has no blockwise recipe"));
  const auto delayed = run("{recipe: delayed}");
  EXPECT_FALSE(noted(delayed, "fp8 "));
  EXPECT_EQ(YAML::Load(delayed.Main().text)["fp8_config"]["fp8_format"].as<std::string>(),
            "HYBRID");
}

// Issue 15 item 3: launcher flags before the script (after it they go to train.py).
TEST(Export, DeepSpeedLauncherFlagsPrecedeTheScript) {
  const auto s = MakeScenario({{"hardware.nodes", "2"}, {"parallelism", "{zero: 2}"}});
  const std::string l = Export(Engine::kDeepSpeed, s).launch;
  ASSERT_NE(l.find("--hostfile hostfile"), std::string::npos) << l;
  EXPECT_LT(l.find("--hostfile"), l.find("train.py")) << l;
  EXPECT_LT(l.find("--num_gpus"), l.find("train.py")) << l;
}

// Issue 15 item 4: CPU offload names DeepSpeed's optimizer with "auto" values for the Hugging
// Face integration, and the notes name the TrainingArguments to pass.
TEST(Export, DeepSpeedOffloadCarriesAnOptimizerBlock) {
  const auto s = MakeScenario({{"parallelism", "{zero: 3, offload: optimizer}"}});
  const LaunchConfig c = Export(Engine::kDeepSpeed, s);
  const auto j = nlohmann::json::parse(c.Main().text);
  ASSERT_TRUE(j.contains("optimizer"));
  EXPECT_EQ(j["optimizer"]["type"], "AdamW");
  for (const char* k : {"lr", "betas", "eps", "weight_decay"})
    EXPECT_EQ(j["optimizer"]["params"][k], "auto") << k;
  std::string notes;
  for (const auto& n : c.notes) notes += n + "\n";
  EXPECT_NE(notes.find("per_device_train_batch_size="), std::string::npos) << notes;
  EXPECT_NE(notes.find("learning_rate"), std::string::npos) << notes;
  const auto none = nlohmann::json::parse(
      Export(Engine::kDeepSpeed, MakeScenario({{"parallelism", "{zero: 3}"}})).Main().text);
  EXPECT_FALSE(none.contains("optimizer"));
}

// Issue 15 "also": activation checkpointing is in the config, not only in a note.
TEST(Export, DeepSpeedCheckpointingIsInTheConfig) {
  const auto s =
      MakeScenario({{"parallelism", "{zero: 3}"}, {"training.activation_checkpointing", "full"}});
  const auto j = nlohmann::json::parse(Export(Engine::kDeepSpeed, s).Main().text);
  ASSERT_TRUE(j.contains("activation_checkpointing"));
  EXPECT_FALSE(j["activation_checkpointing"]["cpu_checkpointing"].get<bool>());
}

// Issue 15 item 1: Megatron FSDP refuses CUDA_DEVICE_MAX_CONNECTIONS=1; =1 only without it.
TEST(Export, MegatronFsdpLeavesDeviceConnectionsUnset) {
  const auto fsdp = MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 3}"}});
  const LaunchConfig c = Export(Engine::kTorchrun, fsdp);
  EXPECT_EQ(c.Main().text.find("CUDA_DEVICE_MAX_CONNECTIONS=1"), std::string::npos);
  EXPECT_NE(c.Main().text.find("unset CUDA_DEVICE_MAX_CONNECTIONS\n"), std::string::npos);
  for (const auto& n : Export(Engine::kMegatron, fsdp).notes)
    EXPECT_EQ(n.find("CUDA_DEVICE_MAX_CONNECTIONS=1"), std::string::npos) << n;
  const auto dist = MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"}});
  EXPECT_NE(Export(Engine::kTorchrun, dist).Main().text.find("CUDA_DEVICE_MAX_CONNECTIONS=1"),
            std::string::npos);
}

// Issue 15 item 2: a pipeline size that does not divide the layers is refused, naming
// parallelism.pp, unless an uneven split expresses it.
TEST(Export, MegatronRefusesAPipelineThatDoesNotSplitTheLayers) {
  const auto odd =
      MakeScenario({{"model.layers", "15"}, {"parallelism", "{tp: 4, pp: 2, zero: 1}"}});
  for (Engine e : {Engine::kMegatron, Engine::kTorchrun}) {
    try {
      Export(e, odd);
      FAIL() << "15 layers exported on pp 2";
    } catch (const InputError& err) {
      EXPECT_EQ(err.field(), "parallelism.pp");
      EXPECT_EQ(err.value(), "2");
    }
  }
  const auto llama405 = MakeScenario({{"model.layers", "126"},
                                      {"hardware.nodes", "4"},
                                      {"parallelism", "{tp: 8, pp: 4, zero: 1}"}});
  const std::string t = Export(Engine::kMegatron, llama405).Main().text;
  EXPECT_NE(t.find("--decoder-first-pipeline-num-layers 31\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--decoder-last-pipeline-num-layers 31\n"), std::string::npos) << t;
}

// Issue 15 "also": pure bf16 under Megatron FSDP uses its own main dtypes, without the note
// that main parameters stay fp32.
TEST(Export, MegatronPureBf16UnderFsdp) {
  const auto s =
      MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 3}"}, {"training.precision", "bf16"}});
  const LaunchConfig c = Export(Engine::kMegatron, s);
  EXPECT_NE(c.Main().text.find("--megatron-fsdp-main-params-dtype bf16\n"), std::string::npos);
  EXPECT_NE(c.Main().text.find("--megatron-fsdp-main-grads-dtype bf16\n"), std::string::npos);
  EXPECT_EQ(c.Main().text.find("--main-grads-dtype"), std::string::npos);
  for (const auto& n : c.notes) EXPECT_EQ(n.find("fp32 main parameters"), std::string::npos) << n;
}

// bf16 Adam moments beside fp32 main parameters: the precision-aware optimizer's moment
// dtypes, written once with its switch; other stacks refuse the knob, naming it.
TEST(Export, MegatronBf16MomentsUseThePrecisionAwareOptimizer) {
  const auto s = MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"},
                               {"training.framework", "megatron"},
                               {"training.optimizer_state_dtype", "bf16"}});
  const LaunchConfig c = Export(Engine::kMegatron, s);
  const std::string& t = c.Main().text;
  EXPECT_NE(t.find("--exp-avg-dtype bf16\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--exp-avg-sq-dtype bf16\n"), std::string::npos) << t;
  const size_t first = t.find("--use-precision-aware-optimizer");
  ASSERT_NE(first, std::string::npos) << t;
  EXPECT_EQ(t.find("--use-precision-aware-optimizer", first + 1), std::string::npos) << t;
  ExpectAllAccepted(c, kMegatronFlags);
  try {
    MakeScenario(
        {{"training.framework", "hf-trainer"}, {"training.optimizer_state_dtype", "bf16"}});
    FAIL() << "the Hugging Face Trainer's AdamW keeps no bf16 moments beside fp32 weights";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "training.optimizer_state_dtype");
  }
  EXPECT_NO_THROW(MakeScenario({{"training.framework", "hf-trainer"},
                                {"training.precision", "bf16"},
                                {"training.optimizer_state_dtype", "bf16"}}));
}

// training.recompute_modules: Megatron-Core's --recompute-modules, written as it takes them
// (space-separated, in its documented order); refused where Megatron would refuse or where
// the model has nothing to recompute, naming the field.
TEST(Export, MegatronRecomputeModules) {
  // A small DeepSeek-style model: MLA latents, 16 routed experts top-2, a shared expert.
  const auto s =
      MakeScenario({{"model",
                     "{layers: 8, hidden: 2048, heads: 16, ffn: 5632, vocab: 32000, "
                     "max_seq_len: 32768, q_lora_rank: 512, kv_lora_rank: 256, "
                     "qk_rope_head_dim: 64, v_head_dim: 128, experts: 16, "
                     "experts_active: 2, moe_ffn: 512, shared_expert_ffn: 512}"},
                    {"parallelism", "{tp: 2, pp: 1, ep: 4, zero: 1}"},
                    {"training.framework", "megatron"},
                    {"training.activation_checkpointing", "selective"},
                    {"training.recompute_modules", "[layernorm, mla_up_proj, moe_act]"}});
  const LaunchConfig c = Export(Engine::kMegatron, s);
  const std::string& t = c.Main().text;
  EXPECT_NE(t.find("--recompute-granularity selective\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--recompute-modules moe_act layernorm mla_up_proj\n"), std::string::npos) << t;
  ExpectAllAccepted(c, kMegatronFlags);
  using Overrides = std::initializer_list<std::pair<const char*, const char*>>;
  auto refused = [](Overrides o) {
    try {
      MakeScenario(o);
      ADD_FAILURE() << "accepted: " << (o.end() - 1)->second;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "training.recompute_modules") << e.what();
    }
  };
  const std::pair<const char*, const char*> selective{"training.activation_checkpointing",
                                                      "selective"};
  const std::pair<const char*, const char*> megatron{"training.framework", "megatron"};
  refused({megatron, {"training.recompute_modules", "[mlp]"}});  // not selective
  refused(
      {{"training.framework", "hf-trainer"}, selective, {"training.recompute_modules", "[mlp]"}});
  refused({megatron, selective, {"training.recompute_modules", "[mla_up_proj]"}});  // no MLA
  refused({megatron, selective, {"training.recompute_modules", "[moe]"}});          // dense
  refused({megatron, selective, {"training.recompute_modules", "[]"}});
  refused({megatron, selective, {"training.recompute_modules", "[attention]"}});
  refused({megatron,
           selective,
           {"training.precision", "fp8-mixed"},
           {"training.fp8", "{recipe: delayed}"},
           {"training.recompute_modules", "[layernorm]"}});
  EXPECT_NO_THROW(MakeScenario({megatron, selective, {"training.recompute_modules", "[mlp]"}}));
}

// training.optimizer_state_offload: no flag in the pinned Megatron-LM, so export says so;
// other stacks and a ZeRO-Offload beside it are refused, naming the field.
TEST(Export, MegatronOptimizerStateOffloadIsANote) {
  const auto s = MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"},
                               {"training.framework", "megatron"},
                               {"training.optimizer_state_offload", "true"}});
  const LaunchConfig c = Export(Engine::kMegatron, s);
  bool noted = false;
  for (const auto& n : c.notes) noted |= n.find("--offload-optimizer-states") != std::string::npos;
  EXPECT_TRUE(noted);
  ExpectAllAccepted(c, kMegatronFlags);
  for (const auto& other :
       {std::pair<const char*, const char*>{"training.framework", "hf-trainer"},
        std::pair<const char*, const char*>{"parallelism.offload", "optimizer"}}) {
    try {
      MakeScenario({{"training.framework", "megatron"},
                    other,
                    {"training.optimizer_state_offload", "true"}});
      ADD_FAILURE() << other.first;
    } catch (const InputError& e) {
      EXPECT_EQ(e.field(), "training.optimizer_state_offload") << e.what();
    }
  }
}

// Issue 15 "also": RoPE base and Llama 3.1 scaling from the model data.
TEST(Export, MegatronCarriesTheRopeBaseAndScaling) {
  const auto s = MakeScenario({{"model.rope_theta", "500000"},
                               {"model.rope_scaling_factor", "8"},
                               {"parallelism", "{tp: 2, pp: 1, zero: 1}"}});
  const std::string t = Export(Engine::kMegatron, s).Main().text;
  EXPECT_NE(t.find("--rotary-base 500000\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--use-rope-scaling\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--rope-scaling-factor 8\n"), std::string::npos) << t;
  const std::string plain =
      Export(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"}}))
          .Main()
          .text;
  EXPECT_EQ(plain.find("--rotary-base"), std::string::npos);
}

// The fp8 recipe the estimate ran goes into the launch: Megatron's own (delayed) by default,
// the scenario's training.fp8 otherwise (current scaling is Megatron-LM's "tensorwise"); fp8
// attention has no flag in the targeted version and says so.
TEST(Export, MegatronCarriesTheFp8Recipe) {
  const char* layout = "{tp: 2, pp: 1, zero: 1}";
  const auto plain =
      Export(Engine::kMegatron,
             MakeScenario({{"parallelism", layout}, {"training.precision", "fp8-mixed"}}));
  EXPECT_NE(plain.Main().text.find("--fp8-format hybrid\n"), std::string::npos);
  EXPECT_NE(plain.Main().text.find("--fp8-recipe delayed\n"), std::string::npos);
  EXPECT_EQ(plain.Main().text.find("--disable-fp8-wgrad"), std::string::npos);
  // Megatron's fp8 recipes store the weights in fp8 (stacks.yaml fp8_param_gather), as the
  // estimate assumed; MXFP8 does not.
  EXPECT_NE(plain.Main().text.find("--fp8-param-gather\n"), std::string::npos);
  const auto mx = Export(Engine::kMegatron, MakeScenario({{"parallelism", layout},
                                                          {"training.precision", "fp8-mixed"},
                                                          {"training.fp8", "{recipe: mxfp8}"}}));
  EXPECT_EQ(mx.Main().text.find("--fp8-param-gather"), std::string::npos);
  const auto current =
      Export(Engine::kMegatron,
             MakeScenario({{"parallelism", layout},
                           {"training.precision", "fp8-mixed"},
                           {"training.fp8", "{recipe: current, wgrad: false, attention: true}"}}));
  const std::string t = current.Main().text;
  EXPECT_NE(t.find("--fp8-recipe tensorwise\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--disable-fp8-wgrad\n"), std::string::npos) << t;
  bool noted = false;
  for (const auto& n : current.notes) noted = noted || n.starts_with("training.fp8.attention:");
  EXPECT_TRUE(noted);
  ExpectAllAccepted(current, kMegatronFlags);
}

TEST(Export, MegatronFlagsAreDocumented) {
  const std::vector<workload::Scenario> scenarios = {
      Planned(Engine::kMegatron, MakeScenario(), 64),
      MakeScenario({{"hardware.nodes", "4"},
                    {"parallelism", "{tp: 4, pp: 2, vpp: 2, zero: 1, sequence_parallel: true}"},
                    {"training.activation_checkpointing", "selective"}}),
      MakeScenario({{"hardware.nodes", "2"},
                    {"parallelism", "{tp: 2, pp: 1, cp: 2, zero: 3}"},
                    {"training.seq_len", "16384"},
                    {"training.activation_checkpointing", "full"},
                    {"training.precision", "fp8-mixed"}}),
      MakeScenario({{"model",
                     "{layers: 16, hidden: 2048, heads: 16, kv_heads: 8, ffn: 5632, vocab: 32000,"
                     " experts: 8, experts_active: 2, max_seq_len: 8192}"},
                    {"hardware.nodes", "2"},
                    {"parallelism", "{tp: 2, pp: 1, ep: 4, zero: 1, offload: optimizer}"},
                    {"training.precision", "bf16"}}),
      MakeScenario({{"model",
                     "{layers: 8, hidden: 1024, heads: 16, kv_heads: 16, head_dim: 64, ffn: 4096,"
                     " vocab: 32000, experts: 8, experts_active: 2, moe_ffn: 512,"
                     " shared_expert_ffn: 512, first_dense_layers: 2, q_lora_rank: 256,"
                     " kv_lora_rank: 128, qk_rope_head_dim: 32, v_head_dim: 64, qk_norm: true,"
                     " mtp_layers: 1, max_seq_len: 8192}"},
                    {"hardware.nodes", "2"},
                    {"parallelism", "{tp: 2, pp: 1, ep: 4, zero: 1}"}}),
      MakeScenario({{"parallelism", "{tp: 8, pp: 1, zero: 0}"},
                    {"training.precision", "fp16-mixed"},
                    {"model.tied_embeddings", "true"},
                    {"model.position", "learned"},
                    {"model.norm", "layernorm"},
                    {"model.mlp", "gelu"},
                    {"model.bias", "true"}}),
  };
  for (const auto& s : scenarios) {
    ASSERT_FALSE(Unsupported(Engine::kMegatron, s)) << *Unsupported(Engine::kMegatron, s);
    const LaunchConfig c = Export(Engine::kMegatron, s);
    ExpectAllAccepted(c, kMegatronFlags);
    EXPECT_NE(c.Main().text.find("MEGATRON_ARGS=("), std::string::npos);
  }
}

// DeepSeek-style models reach Megatron with MLA, the dense-then-MoE layer pattern (a
// quoted Python list expression, as Megatron's DeepSeek-V3 recipes give it) and MTP.
TEST(Export, MegatronArgumentsCarryMlaAndTheLayerPattern) {
  const auto s = MakeScenario(
      {{"model",
        "{layers: 8, hidden: 1024, heads: 16, kv_heads: 16, head_dim: 128, ffn: 4096,"
        " vocab: 32000, experts: 8, experts_active: 2, moe_ffn: 512, shared_expert_ffn: 512,"
        " first_dense_layers: 3, q_lora_rank: 256, kv_lora_rank: 512, qk_rope_head_dim: 64,"
        " v_head_dim: 128, mtp_layers: 1, max_seq_len: 8192}"},
       {"hardware.nodes", "2"},
       {"parallelism", "{tp: 1, pp: 1, ep: 8, zero: 1}"}});
  const std::string t = Export(Engine::kMegatron, s).Main().text;
  EXPECT_NE(t.find("--multi-latent-attention\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--kv-lora-rank 512\n"), std::string::npos);
  EXPECT_NE(t.find("--qk-head-dim 128\n"), std::string::npos);
  EXPECT_NE(t.find("--qk-pos-emb-head-dim 64\n"), std::string::npos);
  EXPECT_NE(t.find("--moe-layer-freq '([0]*3+[1]*5)'\n"), std::string::npos);
  EXPECT_NE(t.find("--mtp-num-layers 1\n"), std::string::npos);
}

// The expert layout reaches Megatron as it was timed: expert tensor parallel (Megatron's
// default, tp, written out) and the dispatcher (NCCL all-to-all, or DeepEP's flex
// dispatcher where the stack deduplicates per node).
TEST(Export, MegatronArgumentsCarryTheExpertLayout) {
  const char* moe =
      "{layers: 8, hidden: 1024, heads: 16, kv_heads: 8, ffn: 4096, vocab: 32000, experts: 8,"
      " experts_active: 2, moe_ffn: 512, max_seq_len: 8192}";
  const auto plain = MakeScenario({{"model", moe},
                                   {"hardware.nodes", "2"},
                                   {"parallelism",
                                    "{tp: 2, pp: 1, ep: 4, zero: 1, "
                                    "sequence_parallel: true}"}});
  const LaunchConfig a = Export(Engine::kMegatron, plain);
  ExpectAllAccepted(a, kMegatronFlags);
  EXPECT_NE(a.Main().text.find("--expert-tensor-parallel-size 2\n"), std::string::npos);
  EXPECT_NE(a.Main().text.find("--moe-token-dispatcher-type alltoall\n"), std::string::npos);
  const auto folded =
      MakeScenario({{"model", moe},
                    {"hardware.nodes", "2"},
                    {"training.stack_traits", "{moe_node_dedup: true, moe_a2a_overlap: true}"},
                    {"parallelism",
                     "{tp: 2, pp: 1, ep: 8, etp: 1, zero: 1, "
                     "sequence_parallel: true}"}});
  const LaunchConfig b = Export(Engine::kMegatron, folded);
  ExpectAllAccepted(b, kMegatronFlags);
  const std::string t = b.Main().text;
  EXPECT_NE(t.find("--expert-model-parallel-size 8\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--expert-tensor-parallel-size 1\n"), std::string::npos);
  EXPECT_NE(t.find("--moe-token-dispatcher-type flex\n"), std::string::npos);
  EXPECT_NE(t.find("--moe-flex-dispatcher-backend deepep\n"), std::string::npos);
  EXPECT_NE(t.find("--overlap-moe-expert-parallel-comm\n"), std::string::npos);
  EXPECT_EQ(a.Main().text.find("--overlap-moe-expert-parallel-comm"), std::string::npos);
}

TEST(Export, MegatronArgumentsCarryThePlan) {
  const auto s =
      MakeScenario({{"hardware.nodes", "4"},
                    {"parallelism", "{tp: 4, pp: 2, vpp: 2, zero: 1, sequence_parallel: true}"}});
  const std::string t = Export(Engine::kMegatron, s).Main().text;
  EXPECT_NE(t.find("--tensor-model-parallel-size 4\n"), std::string::npos);
  EXPECT_NE(t.find("--pipeline-model-parallel-size 2\n"), std::string::npos);
  EXPECT_NE(t.find("--num-layers-per-virtual-pipeline-stage 4\n"), std::string::npos);  // 16/(2*2)
  EXPECT_NE(t.find("--sequence-parallel\n"), std::string::npos);
  EXPECT_NE(t.find("--use-distributed-optimizer\n"), std::string::npos);
  EXPECT_NE(t.find("--global-batch-size 256\n"), std::string::npos);
  EXPECT_NE(t.find("--seq-length 2048\n"), std::string::npos);
  EXPECT_NE(t.find("--num-query-groups 8\n"), std::string::npos);
}

// Context parallelism by all-to-all reaches Megatron as --cp-comm-type a2a; the ring is its
// default and writes nothing.
TEST(Export, MegatronCarriesTheContextParallelCommunication) {
  const auto a2a = Export(Engine::kMegatron, MakeScenario({{"parallelism",
                                                            "{tp: 1, pp: 1, cp: 4, zero: 1, "
                                                            "cp_comm: a2a}"},
                                                           {"training.seq_len", "8192"}}));
  EXPECT_NE(a2a.Main().text.find("--context-parallel-size 4\n"), std::string::npos);
  EXPECT_NE(a2a.Main().text.find("--cp-comm-type a2a\n"), std::string::npos);
  ExpectAllAccepted(a2a, kMegatronFlags);
  const auto ring =
      Export(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 1, pp: 1, cp: 4, zero: 1}"},
                                              {"training.seq_len", "8192"}}));
  EXPECT_EQ(ring.Main().text.find("--cp-comm-type"), std::string::npos);
}

// bf16 gradients (stack trait grad_reduce_fp32 false) reach Megatron as the precision-aware
// optimizer's --main-grads-dtype bf16 (its fp32 default, forced by --bf16, writes nothing);
// under Megatron FSDP as its own gradient dtype.
TEST(Export, MegatronCarriesTheGradientDtype) {
  const auto bf16 = Export(Engine::kMegatron,
                           MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"},
                                         {"training.stack_traits", "{grad_reduce_fp32: false}"}}));
  const std::string t = bf16.Main().text;
  EXPECT_NE(t.find("--main-grads-dtype bf16\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--use-precision-aware-optimizer\n"), std::string::npos) << t;
  ExpectAllAccepted(bf16, kMegatronFlags);
  const auto fsdp = Export(Engine::kMegatron,
                           MakeScenario({{"parallelism", "{tp: 1, pp: 1, zero: 3}"},
                                         {"training.stack_traits", "{grad_reduce_fp32: false}"}}));
  EXPECT_NE(fsdp.Main().text.find("--megatron-fsdp-main-grads-dtype bf16\n"), std::string::npos);
  ExpectAllAccepted(fsdp, kMegatronFlags);
  const auto fp32 =
      Export(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"}}));
  EXPECT_EQ(fp32.Main().text.find("--main-grads-dtype"), std::string::npos);
}

// The gradient buckets the estimate timed reach the engine: a run's own size as Megatron's
// --ddp-bucket-size (Megatron-Core's default rule, trait 0, writes nothing) and as DeepSpeed's
// stage 1-2 reduce and all-gather bucket sizes (its 5e8 default written out).
TEST(Export, EnginesCarryTheGradientBucket) {
  const auto set =
      Export(Engine::kMegatron,
             MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"},
                           {"training.framework", "megatron"},
                           {"training.stack_traits", "{dp_bucket_params: 768000000}"}}));
  EXPECT_NE(set.Main().text.find("--ddp-bucket-size 768000000\n"), std::string::npos)
      << set.Main().text;
  ExpectAllAccepted(set, kMegatronFlags);
  const auto dflt =
      Export(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"},
                                              {"training.framework", "megatron"}}));
  EXPECT_EQ(dflt.Main().text.find("--ddp-bucket-size"), std::string::npos);
  const auto ds = nlohmann::json::parse(
      Export(Engine::kDeepSpeed, MakeScenario({{"parallelism", "{tp: 1, pp: 1, zero: 2}"},
                                               {"training.framework", "deepspeed"}}))
          .Main()
          .text);
  EXPECT_EQ(ds["zero_optimization"]["reduce_bucket_size"].get<long long>(), 500000000);
  EXPECT_EQ(ds["zero_optimization"]["allgather_bucket_size"].get<long long>(), 500000000);
}

// Full checkpointing of some layers reaches Megatron as the block method with their count;
// of every layer as the uniform method, one layer per group.
TEST(Export, MegatronCarriesTheRecomputedLayers) {
  const auto some =
      Export(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"},
                                              {"training.activation_checkpointing", "full"},
                                              {"training.activation_checkpointing_layers", "4"}}));
  const std::string t = some.Main().text;
  EXPECT_NE(t.find("--recompute-method block\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--recompute-num-layers 4\n"), std::string::npos) << t;
  ExpectAllAccepted(some, kMegatronFlags);
  const auto all =
      Export(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"},
                                              {"training.activation_checkpointing", "full"}}));
  EXPECT_NE(all.Main().text.find("--recompute-method uniform\n"), std::string::npos);
}

// Issue 18 item 3: uneven pipelines reach Megatron as its own flags. 16 layers on pp 6:
// middle stages of ceil(16 / 6) = 3, first and last 2 each (the estimate times the 3-layer
// stages); 14 layers + embedding + loss = 16 pipeline layers on pp 4 x vpp 2: 2 per chunk.
TEST(Export, MegatronUnevenPipelines) {
  const auto uneven = MakeScenario({{"hardware.nodes", "6"},
                                    {"parallelism", "{tp: 8, pp: 6, zero: 1}"},
                                    {"model.layers", "16"}});
  const std::string t = Export(Engine::kMegatron, uneven).Main().text;
  EXPECT_NE(t.find("--decoder-first-pipeline-num-layers 2\n"), std::string::npos) << t;
  EXPECT_NE(t.find("--decoder-last-pipeline-num-layers 2\n"), std::string::npos) << t;
  ExpectAllAccepted(Export(Engine::kMegatron, uneven), kMegatronFlags);
  const auto el = MakeScenario(
      {{"hardware.nodes", "4"},
       {"model.layers", "14"},
       {"parallelism", "{tp: 8, pp: 4, vpp: 2, zero: 1, pipeline_embedding_loss: true}"}});
  const std::string e = Export(Engine::kMegatron, el).Main().text;
  EXPECT_NE(e.find("--account-for-embedding-in-pipeline-split\n"), std::string::npos) << e;
  EXPECT_NE(e.find("--account-for-loss-in-pipeline-split\n"), std::string::npos) << e;
  EXPECT_NE(e.find("--num-layers-per-virtual-pipeline-stage 2\n"), std::string::npos) << e;
  ExpectAllAccepted(Export(Engine::kMegatron, el), kMegatronFlags);
}

// An interleaved pipeline whose virtual stages do not divide the layers (DeepSeek-V3: 61
// layers + embedding + loss on pp 8 x vpp 4) reaches Megatron-Core as its layout, stage by
// stage, the first stages one layer more, the MTP layer beside the loss: DeepSeek's own
// "Et|(tt|)*30mL". Megatron-Core refuses the account-for and per-virtual-stage flags with it.
TEST(Export, MegatronUnevenInterleavingWritesThePipelineLayout) {
  const auto s = MakeScenario(
      {{"hardware.nodes", "4"},
       {"model.layers", "61"},
       {"model.mtp_layers", "1"},
       {"parallelism", "{tp: 4, pp: 8, vpp: 4, zero: 1, pipeline_embedding_loss: true}"}});
  std::string layout = "Et";
  for (int i = 0; i < 30; ++i) layout += "|tt";
  layout += "|mL";
  EXPECT_EQ(launch::PipelineLayout(s), layout);
  const std::string t = Export(Engine::kMegatron, s).Main().text;
  EXPECT_NE(t.find("--pipeline-model-parallel-layout \"" + layout + "\"\n"), std::string::npos)
      << t;
  EXPECT_EQ(t.find("--account-for-"), std::string::npos) << t;
  EXPECT_EQ(t.find("--num-layers-per-virtual-pipeline-stage"), std::string::npos) << t;
  ExpectAllAccepted(Export(Engine::kMegatron, s), kMegatronFlags);
  // Without the embedding and loss as layers: 61 over 32 stages, 29 of 2 and 3 of 1, the
  // embedding on the first stage and the loss on the last.
  const auto bare = MakeScenario({{"hardware.nodes", "4"},
                                  {"model.layers", "61"},
                                  {"parallelism", "{tp: 4, pp: 8, vpp: 4, zero: 1}"}});
  const std::string b = launch::PipelineLayout(bare);
  EXPECT_EQ(b.substr(0, 4), "Ett|");
  EXPECT_EQ(b.substr(b.size() - 3), "|tL");
  EXPECT_EQ(std::count(b.begin(), b.end(), 't'), 61);
  EXPECT_EQ(std::count(b.begin(), b.end(), '|'), 31);
  // An even split keeps Megatron's per-virtual-stage flag.
  EXPECT_EQ(launch::PipelineLayout(MakeScenario(
                {{"hardware.nodes", "4"}, {"parallelism", "{tp: 8, pp: 4, vpp: 2, zero: 1}"}})),
            "");
}

// Issue 18 item 2: when the engine cannot launch the job, the error says why and what works,
// each suggestion checked: 16-way data parallelism does not split 24 sequences, Megatron's
// tensor parallelism does, and DeepSpeed does at 16 or 32.
TEST(Export, PlanForNamesWhatWorksWhenTheEngineCannot) {
  const auto s = MakeScenario({{"hardware.nodes", "2"}, {"training.global_batch", "24"}});
  try {
    PlanFor(Engine::kDeepSpeed, s, 16, Ctx());
    FAIL() << "16-way data parallelism was planned for 24 sequences";
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "--engine");
    EXPECT_NE(e.problem().find("data parallel only"), std::string::npos) << e.what();
    EXPECT_NE(e.accepted().find("--engine megatron ("), std::string::npos) << e.what();
    EXPECT_NE(e.accepted().find("global batch of 16 or 32"), std::string::npos) << e.what();
  }
  const plan::PlanReport r = PlanFor(Engine::kMegatron, s, 16, Ctx());
  ASSERT_FALSE(r.plans.empty());
  EXPECT_GT(r.plans.front().candidate.layout.tp * r.plans.front().candidate.layout.pp, 1);
}

TEST(Export, TorchrunFlagsAreDocumented) {
  for (int nodes : {1, 4}) {
    const auto s = MakeScenario(
        {{"hardware.nodes", nodes == 1 ? "1" : "4"}, {"parallelism", "{tp: 2, pp: 2, zero: 1}"}});
    const LaunchConfig c = Export(Engine::kTorchrun, s);
    Keys accepted = kTorchrunFlags;
    accepted.insert(kMegatronFlags.begin(), kMegatronFlags.end());
    ExpectAllAccepted(c, accepted);
    EXPECT_NE(c.Main().text.find("export CUDA_DEVICE_MAX_CONNECTIONS=1\ntorchrun "),
              std::string::npos);
    EXPECT_NE(c.Main().text.find(nodes == 1 ? "--standalone" : "--nnodes=4"), std::string::npos);
    EXPECT_NE(c.Main().text.find("pretrain_gpt.py"), std::string::npos);
  }
}

TEST(Export, EngineSpaceOnlyHoldsLaunchablePlans) {
  const auto s = MakeScenario({{"model",
                                "{layers: 40, hidden: 5120, heads: 40, ffn: 13824, vocab: 32000, "
                                "max_seq_len: 8192}"}});
  for (Engine e : {Engine::kDeepSpeed, Engine::kAccelerateFsdp, Engine::kMegatron}) {
    const plan::SearchSpace space = plan::MakeSearchSpace(s, 32, SpaceFor(e, s));
    for (uint32_t g = 0; g < space.groups.size(); ++g)
      for (uint32_t k = 0; k < space.checkpointing.size(); ++k) {
        workload::Scenario p = space.base;
        plan::Apply(space.At(g, 0, k), &p);
        EXPECT_FALSE(Unsupported(e, p))
            << EnumName(kEngines, e) << ": " << plan::Label(space.At(g, 0, k));
      }
  }
}

TEST(Export, UnsupportedLayoutIsAnInputErrorNamingTheEngine) {
  const auto s = MakeScenario({{"parallelism", "{tp: 2, pp: 1, zero: 1}"}});
  try {
    Export(Engine::kDeepSpeed, s);
    FAIL();
  } catch (const InputError& e) {
    EXPECT_EQ(e.field(), "--engine");
    EXPECT_EQ(e.value(), "deepspeed");
  }
  EXPECT_TRUE(Unsupported(Engine::kAccelerateFsdp,
                          MakeScenario({{"parallelism", "{tp: 1, pp: 1, zero: 1}"}})));
  EXPECT_TRUE(
      Unsupported(Engine::kMegatron, MakeScenario({{"parallelism", "{tp: 1, pp: 2, zero: 3}"}})));
  EXPECT_TRUE(Unsupported(Engine::kMegatron, MakeScenario({{"training.method", "lora"}})));
}

}  // namespace
}  // namespace gpuadv::launch

namespace gpuadv::launch {
namespace {

// Flags of bigscience-workshop/Megatron-DeepSpeed at a pinned commit (the file says which and
// how it was extracted).
const Keys& MegatronDeepSpeedFlags() { return testing::EngineKeys("megatron_deepspeed_flags.txt"); }

workload::Scenario Bloom(const char* parallelism) {
  // BLOOM 176B's shape (bigscience/bloom config.json), on 48 nodes of 8 test GPUs.
  return MakeScenario(
      {{"model",
        "{family: bloom, layers: 70, hidden: 14336, heads: 112, ffn: 57344,"
        " vocab: 250880, max_seq_len: 2048, mlp: gelu, norm: layernorm,"
        " position: alibi, bias: true, tied_embeddings: true, embedding_norm: true}"},
       {"hardware.nodes", "48"},
       {"training.global_batch", "2048"},
       {"parallelism", parallelism}});
}

// Issue 18: BLOOM 176B as it was trained (ALiBi, 70 layers on pp 12: DeepSpeed pipeline
// partitions split any layer count) exports for Megatron-DeepSpeed; Megatron-LM cannot.
TEST(Export, MegatronDeepSpeedLaunchesBloom) {
  const Keys& accepted = MegatronDeepSpeedFlags();
  ASSERT_GT(accepted.size(), 150u);
  const auto s = Bloom("{tp: 4, pp: 12, zero: 1}");
  ASSERT_TRUE(Unsupported(Engine::kMegatron, s));
  ASSERT_FALSE(Unsupported(Engine::kMegatronDeepSpeed, s))
      << *Unsupported(Engine::kMegatronDeepSpeed, s);
  const LaunchConfig c = Export(Engine::kMegatronDeepSpeed, s);
  ExpectAllAccepted(c, accepted);
  for (const char* want :
       {"--position-embedding-type alibi \\\n", "--embed-layernorm \\\n",
        "--tensor-model-parallel-size 4 \\\n", "--pipeline-model-parallel-size 12 \\\n",
        "--zero-stage 1 \\\n", "--global-batch-size 2048 \\\n",
        "--deepspeed_config ds_config.json\n", "torchrun --nnodes=48 --nproc-per-node=8"})
    EXPECT_NE(c.Main().text.find(want), std::string::npos) << want << "\n" << c.Main().text;
  // The DeepSpeed config beside the script agrees with the Megatron batch arguments.
  ASSERT_EQ(c.files.size(), 2u);
  EXPECT_EQ(c.files[1].name, "ds_config.json");
  const auto ds = nlohmann::json::parse(c.files[1].text);
  EXPECT_EQ(ds["train_batch_size"], 2048);
  EXPECT_EQ(ds["train_micro_batch_size_per_gpu"], s.training.micro_batch);
  EXPECT_EQ(ds["zero_optimization"]["stage"], 1);
  EXPECT_EQ(ds["bf16"]["enabled"], true);
}

// Planned for the engine: the embedding stages join the partition where pp divides 72.
TEST(Export, MegatronDeepSpeedPlansWithinItsReach) {
  const auto s = Planned(Engine::kMegatronDeepSpeed, Bloom("{}"), 384);
  const auto& p = s.parallelism;
  EXPECT_EQ(p.vpp, 1);
  EXPECT_EQ(p.cp, 1);
  EXPECT_FALSE(p.sequence_parallel);
  EXPECT_LE(p.zero, 1);
  ASSERT_FALSE(Unsupported(Engine::kMegatronDeepSpeed, s));
  const LaunchConfig c = Export(Engine::kMegatronDeepSpeed, s);
  ExpectAllAccepted(c, MegatronDeepSpeedFlags());
  if (p.pp > 1 && p.pipeline_embedding_loss) {
    EXPECT_NE(c.Main().text.find("--pp-partition-method 'type:transformer|embedding'"),
              std::string::npos);
  }
}

TEST(Export, MegatronDeepSpeedRefusesWhatItCannotBuild) {
  const auto llama = MakeScenario({{"parallelism", "{tp: 8, pp: 1, zero: 1}"}});
  const auto why = Unsupported(Engine::kMegatronDeepSpeed, llama);
  ASSERT_TRUE(why);
  EXPECT_NE(why->find("use megatron"), std::string::npos) << *why;
  EXPECT_THROW(Export(Engine::kMegatronDeepSpeed, llama), InputError);
  EXPECT_TRUE(Unsupported(Engine::kMegatronDeepSpeed, Bloom("{tp: 4, pp: 2, vpp: 5, zero: 1}")));
  EXPECT_TRUE(Unsupported(Engine::kMegatronDeepSpeed, Bloom("{tp: 4, pp: 1, zero: 3}")));
}

}  // namespace
}  // namespace gpuadv::launch
