#pragma once
// Shared by the model loaders (inline / catalog YAML and HF config.json); io/ internal.
#include <string>

#include "gpuadv/catalog/model_arch.h"

namespace gpuadv::io {

/// Checks the relations between shape fields and sets `params` / `declared_params`.
/// `field_prefix` + "." + key names the offending field ("model.kv_heads"; a prefix ending
/// in ':' gives "config.json: kv_heads");
/// `declared` is the published count given with the model (0 = none).
/// Contract: for a shaped model `params` becomes the computed count (a diffusion model keeps
/// its declared count); a declared count more than 10% off the computed one is kept in
/// declared_params and noted in `notes`, not rejected. Throws InputError naming the field.
void CheckAndCountModel(catalog::ModelArch& m, const std::string& field_prefix, double declared);

}  // namespace gpuadv::io
