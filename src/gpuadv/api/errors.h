#pragma once
#include <string>

#include "gpuadv/core/error.h"

namespace gpuadv::api {

/// A request for a catalog entry that does not exist (`gpus show NOPE`, GET /api/gpus/NOPE).
/// An InputError, so the CLI treats it as bad input (exit 2, same message); the server
/// answers 404 instead of 400.
class NotFoundError : public InputError {
 public:
  explicit NotFoundError(const InputError& e) : InputError(e) {}
};

}  // namespace gpuadv::api
