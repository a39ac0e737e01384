// Diffusion training memory beyond the denoiser's model states (MODELLING.md section 9):
// which pipeline components are resident, the token count of a transformer denoiser, a
// calibrated activation term for convolutional UNets, and the VAE encode transient.
#include <algorithm>
#include <cmath>
#include <string>

#include "gpuadv/estimate/memory_terms.h"
#include "gpuadv/workload/method_traits.h"

namespace gpuadv::estimate::mem {
namespace {

// Latent diffusion VAEs downsample by 8 per side (SD 1.x/2.x/XL/3, FLUX; Rombach et al.
// 2022).
constexpr double kVaeDownsample = 8;
// UNet saved activations per image, per latent pixel, per sqrt(parameter). Physical basis:
// a ResNet block with C channels saves ~8 tensors of C x h x w (GroupNorm, SiLU, conv inputs)
// and a transformer block ~40 x (h*w) x C bytes (section 3 with s = h*w); channel widths
// grow like sqrt(params) for a fixed layout. Summing SD 1.5's levels (320/640/1280/1280
// channels at 64^2/32^2/16^2/8^2, 2+3 blocks each way), with GroupNorm saved in fp32 under
// autocast and flash/xformers attention, gives ~1.2 GB per 512^2 image:
// 1.2e9 / (4096 px * sqrt(860e6)) ~= 10 B. Calibrated on SD 1.x only (an estimate, not a
// fit to rows): expect +-50% on other UNets.
constexpr double kUnetBytesPerLatentPixelSqrtParam = 10;
// Eager (non-flash) UNet attention: SD 1.5 has 5 self-attention blocks (2 down, 3 up) at the
// full latent resolution, 8 heads, each saving an fp32 softmax (4 B) and its 16-bit copy
// (2 B): 5 * 8 * 6 = 240 B per (latent pixel)^2 per image. SDXL has no attention at full
// latent resolution: this overestimates it (warned).
constexpr double kUnetEagerScoreBytesPerPixel2 = 240;
// VAE encoder working set at full image resolution: ~3 live tensors of 128 channels in
// 16-bit (conv input/output, GroupNorm output): 3 * 128 * 2 = 768 B per image pixel.
constexpr double kVaeEncodeBytesPerPixel = 768;
// UNet LoRA (diffusers attention targets to_q/to_k/to_v/to_out, no layer shape): adapter
// params per rank as a fraction of the UNet: SD 1.5 r4 = 0.8M (2.3e-4 per rank), SDXL r4 ~6M
// (5.8e-4 per rank); geometric mean.
constexpr double kUnetLoraParamsPerRank = 3.7e-4;

}  // namespace

void SetupDiffusion(const workload::Scenario& s, Setup& st, Explanation* explain) {
  const auto& m = s.model;
  if (m.kind != catalog::ModelKind::kDiffusion) return;
  const auto& dc = s.training.diffusion;
  Diffusion& d = st.diffusion;
  d.active = true;
  d.unet = !st.shape.known;
  const int res = dc.resolution > 0 ? dc.resolution
                                    : (!m.components.empty() || d.unet ? m.default_resolution : 0);
  if (res > 0) {
    const double side = res / kVaeDownsample;
    d.latent_pixels = side * side;
    d.image_pixels = static_cast<double>(res) * res;
    if (st.shape.known) {
      // DiT / MMDiT tokens: (H/8/p) x (W/8/p) image patches + joint text tokens.
      const double p = std::max(1, m.patch_size);
      st.s = ((side / p) * (side / p) + std::max(0, m.text_tokens)) / st.lay.cp;
    }
  }
  const bool full = workload::TrainsAllWeights(st.method.kind);
  const bool fp32 = st.regime == Regime::kFp32;
  d.frozen_bytes_per_param = dc.fp8_base ? 1 : (fp32 ? 4 : 2);
  d.block_swap = std::clamp(dc.block_swap, 0.0, 1.0);
  d.ema = dc.ema;
  for (const auto& c : m.components) {
    if (c.role == catalog::ComponentRole::kTextEncoder && !dc.cache_text_embeddings) {
      d.text_encoder_params += c.params;
      if (dc.train_text_encoders && full) d.trained_text_encoder_params += c.params;
    } else if (c.role == catalog::ComponentRole::kVae && !dc.cache_latents) {
      d.vae_params += c.params;
    }
  }
  if (d.unet && st.method.adapters) {
    st.method.adapter_per_layer =
        std::max(1, s.training.lora.rank) * kUnetLoraParamsPerRank * st.params.total;
  }
  if (!explain) return;
  std::string parts = "resolution " + std::to_string(res) + " px";
  if (st.shape.known)
    parts += ", " + std::to_string(static_cast<long long>(st.s * st.lay.cp)) + " tokens";
  parts += dc.cache_text_embeddings
               ? ", text embeddings cached"
               : ", text encoders resident (" +
                     std::to_string(d.text_encoder_params / 1e9).substr(0, 4) + "e9 params)";
  parts += dc.cache_latents ? ", latents cached" : ", VAE resident (encodes each step)";
  if (dc.fp8_base) parts += ", fp8 frozen weights";
  if (d.block_swap > 0) parts += ", block swap " + std::to_string(d.block_swap).substr(0, 4);
  if (d.ema) parts += ", EMA copy of the trained weights";
  explain->Basis("diffusion", parts);
  if (d.unet) {
    explain->Basis("diffusion",
                   "UNet activations: ~10 B per latent pixel per sqrt(param) per "
                   "image (derived for SD 1.5, uncalibrated elsewhere)");
    if (st.attention == workload::Attention::kEager)
      explain->Warn(
          "eager UNet attention: s^2 term assumes SD 1.x layout (attention at full "
          "latent resolution); use flash/xformers/sdpa");
  }
}

double UnetActivationBytes(const Setup& st) {
  const Diffusion& d = st.diffusion;
  if (!d.active) return 0;
  const double scale = st.e_act / 2;  // derived for 16-bit activations
  double per_image = kUnetBytesPerLatentPixelSqrtParam * d.latent_pixels *
                     std::sqrt(std::max(0.0, st.params.total)) * scale;
  if (st.attention == workload::Attention::kEager)
    per_image += kUnetEagerScoreBytesPerPixel2 * d.latent_pixels * d.latent_pixels;
  return per_image * st.lay.b;
}

double VaeEncodeTransientBytes(const Setup& st) {
  const Diffusion& d = st.diffusion;
  if (!d.active || d.vae_params <= 0) return 0;
  return kVaeEncodeBytesPerPixel * d.image_pixels * st.lay.b;
}

}  // namespace gpuadv::estimate::mem
