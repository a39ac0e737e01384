#include "gpuadv/report/json_report.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "gpuadv/report/format.h"
#include "gpuadv/report/text_table.h"

namespace gpuadv::report {
namespace {

// Megatron's recompute modules as the list it takes, or null off selective / megatron.
nlohmann::json RecomputeModulesJson(const std::optional<unsigned>& modules) {
  if (!modules) return nullptr;
  nlohmann::json out = nlohmann::json::array();
  for (std::string_view name : workload::RecomputeModuleList(*modules))
    out.push_back(std::string(name));
  return out;
}

nlohmann::json Num(double v) {
  if (!std::isfinite(v)) return nullptr;
  return v;
}
nlohmann::json Int(double v) {
  if (!std::isfinite(v) || std::fabs(v) > 9.0e18) return nullptr;
  return static_cast<long long>(std::llround(v));
}

nlohmann::json DefaultsJson(const std::vector<workload::DefaultedKnob>& defaults) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& d : defaults)
    out.push_back({{"knob", d.knob}, {"value", d.value}, {"why", d.why}});
  return out;
}

// The scalar leaves of `j` under `path`, in document order.
void ScalarLeaves(const nlohmann::json& j, const std::string& path,
                  std::vector<std::pair<std::string, const nlohmann::json*>>* out) {
  if (j.is_object()) {
    for (const auto& [k, v] : j.items()) ScalarLeaves(v, path.empty() ? k : path + "." + k, out);
  } else if (j.is_array()) {
    for (size_t i = 0; i < j.size(); ++i) ScalarLeaves(j[i], path + "." + std::to_string(i), out);
  } else if (!j.is_null() || !path.empty()) {  // a null row has no columns
    out->emplace_back(path, &j);
  }
}

std::string CsvValue(const nlohmann::json& v) {
  if (v.is_null()) return "";
  return CsvField(v.is_string() ? v.get<std::string>() : v.dump());
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  for (size_t nl; (nl = text.find('\n', start)) != std::string::npos; start = nl + 1)
    out.push_back(text.substr(start, nl - start));
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

}  // namespace

std::string AppendJsonColumns(const std::string& csv, const nlohmann::json& rows) {
  std::vector<std::string> lines = Lines(csv);
  if (lines.empty()) return csv;
  std::vector<std::string> columns;
  std::vector<std::map<std::string, std::string>> values(rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    std::vector<std::pair<std::string, const nlohmann::json*>> leaves;
    ScalarLeaves(rows[r], "", &leaves);
    for (const auto& [path, v] : leaves) {
      if (std::ranges::find(columns, path) == columns.end()) columns.push_back(path);
      values[r][path] = CsvValue(*v);
    }
  }
  std::string out;
  for (size_t i = 0; i < lines.size(); ++i) {
    out += lines[i];
    for (const auto& c : columns) {
      if (i == 0) {
        out += "," + CsvField(c);
      } else if (i <= rows.size()) {
        const auto it = values[i - 1].find(c);
        out += "," + (it == values[i - 1].end() ? std::string() : it->second);
      }
    }
    out += "\n";
  }
  return out;
}

nlohmann::json EstimateJson(const estimate::EstimateResult& r) {
  using nlohmann::json;
  const auto& m = r.memory;
  const auto& t = r.throughput;
  json j;
  j["schema_version"] = kJsonSchemaVersion;
  j["gpu"] = {{"id", r.gpu_id}, {"name", r.gpu_name}, {"memory_bytes", Int(r.gpu_memory_bytes)}};
  j["gpus"] = r.gpus;
  j["resolved"] = {
      {"framework", r.framework},
      {"framework_source", r.framework_defaulted ? "default" : "scenario"},
      {"framework_reason", r.framework_defaulted ? json(r.framework_reason) : json(nullptr)},
      {"stack_traits", r.stack_traits.empty() ? json(nullptr) : json::parse(r.stack_traits)},
      {"layout_source", r.layout_source},
      {"layout", LayoutShort(r.parallelism, r.gpus)},
      {"parallelism",
       {{"tp", r.parallelism.tp},
        {"pp", r.parallelism.pp},
        {"vpp", r.parallelism.vpp},
        {"cp", r.parallelism.cp},
        {"ep", r.parallelism.ep},
        {"etp", r.parallelism.ExpertTp()},
        {"dp", r.gpus / std::max(1, r.parallelism.tp * r.parallelism.pp * r.parallelism.cp)},
        {"zero", r.parallelism.zero},
        {"shard_group", r.parallelism.shard_group},
        {"sequence_parallel", r.parallelism.sequence_parallel},
        {"pipeline_embedding_loss", r.parallelism.pipeline_embedding_loss},
        {"cp_comm", std::string(EnumName(workload::kCpComms, r.parallelism.cp_comm))},
        {"offload", std::string(EnumName(workload::kOffloads, r.parallelism.offload))}}},
      {"method", std::string(EnumName(workload::kMethods, r.method))},
      {"precision", std::string(EnumName(workload::kPrecisions, r.precision))},
      {"fp8_master_weights", r.fp8_master_weights
                                 ? nlohmann::json(std::string(EnumName(workload::kFp8MasterWeights,
                                                                       *r.fp8_master_weights)))
                                 : nlohmann::json()},
      {"fp8_attention", r.fp8_attention ? nlohmann::json(*r.fp8_attention) : nlohmann::json()},
      {"fp8_activation_input",
       r.fp8_activation_input ? nlohmann::json(*r.fp8_activation_input) : nlohmann::json()},
      {"lora_base_dtype",
       r.lora_base_dtype ? nlohmann::json(*r.lora_base_dtype) : nlohmann::json()},
      {"optimizer", std::string(EnumName(workload::kOptimizers, r.optimizer))},
      {"optimizer_state_dtype",
       std::string(EnumName(workload::kStateDtypes, r.optimizer_state_dtype))},
      {"optimizer_state_offload", r.optimizer_state_offload},
      {"seq_len", r.seq_len},
      {"global_batch", r.global_batch},
      {"tokens", Num(r.training.tokens)},
      {"micro_batch", r.micro_batch},
      {"activation_checkpointing",
       std::string(EnumName(workload::kCheckpointings, r.checkpointing))},
      {"activation_checkpointing_layers",
       r.checkpoint_layers ? nlohmann::json(*r.checkpoint_layers) : nlohmann::json()},
      {"recompute_modules", RecomputeModulesJson(r.recompute_modules)},
      {"ema", r.ema ? nlohmann::json(*r.ema) : nlohmann::json(nullptr)},
      {"defaults", DefaultsJson(r.defaults)}};
  j["memory"] = {{"peak_allocated_bytes", Int(m.peak_allocated_bytes)},
                 {"peak_reserved_bytes", Int(m.peak_reserved_bytes)},
                 {"per_gpu_bytes", Int(m.per_gpu_bytes)},
                 {"capacity_bytes", Int(m.capacity_bytes)},
                 {"fits", m.fit != estimate::Fit::kDoesNotFit},
                 {"fit", std::string(EnumName(estimate::kFits, m.fit))},
                 {"range_bytes", {Int(m.low_bytes), Int(m.high_bytes)}},
                 {"host_ram_bytes", Int(m.host_ram_bytes)},
                 {"paged_state_bytes", Int(m.paged_state_bytes)},
                 {"total_params", Int(m.total_params)},
                 {"trainable_params", Int(m.trainable_params)},
                 {"ema_bytes", Int(m.ema_bytes)},
                 {"breakdown_bytes",
                  {{"weights", Int(m.breakdown.weights)},
                   {"gradients", Int(m.breakdown.gradients)},
                   {"optimizer", Int(m.breakdown.optimizer)},
                   {"activations", Int(m.breakdown.activations)},
                   {"logits", Int(m.breakdown.logits)},
                   {"runtime", Int(m.breakdown.runtime)},
                   {"fragmentation", Int(m.breakdown.fragmentation)}}}};
  j["throughput"] = {{"step_time_s", Num(t.step_time_s)},
                     {"tokens_per_s", Num(t.tokens_per_s)},
                     {"tokens_per_s_per_gpu", Num(t.tokens_per_s_per_gpu)},
                     {"samples_per_s", Num(t.samples_per_s)},
                     {"model_flops_per_token", Num(t.model_flops_per_token)},
                     {"hardware_flops_per_token", Num(t.hardware_flops_per_token)},
                     {"tflops_per_gpu", Num(t.tflops_per_gpu)},
                     {"mfu", Num(t.mfu)},
                     {"bottleneck", std::string(EnumName(estimate::kBottlenecks, t.bottleneck))},
                     {"range_tokens_per_s_per_gpu",
                      {Num(t.low_tokens_per_s_per_gpu), Num(t.high_tokens_per_s_per_gpu)}},
                     {"breakdown_s",
                      {{"compute", Num(t.breakdown_s.compute)},
                       {"memory", Num(t.breakdown_s.memory)},
                       {"communication", Num(t.breakdown_s.communication)},
                       {"bubble", Num(t.breakdown_s.bubble)},
                       {"offload", Num(t.breakdown_s.offload)}}}};
  j["training"] = {{"tokens", Num(r.training.tokens)},
                   {"time_s", Num(r.training.time_s)},
                   {"gpu_hours", Num(r.training.gpu_hours)},
                   {"energy_kwh", Num(r.training.energy_kwh)}};
  j["cost"] = {{"electricity_usd", Num(r.cost.electricity_usd)},
               {"rent_usd", r.cost.rent_price_known ? Num(r.cost.rent_usd) : json(nullptr)},
               {"rent_offer", r.cost.rent_price_known ? json(r.cost.rent_offer) : json(nullptr)},
               {"buy_usd", r.cost.buy_price_known ? Num(r.cost.buy_usd) : json(nullptr)}};
  j["warnings"] = r.warnings;
  if (!r.basis.empty()) j["basis"] = r.basis;
  return j;
}

}  // namespace gpuadv::report
