#pragma once
#include <cstdio>
#include <cstdlib>

// Broken invariants (never user input): abort with file and line, like benchmark's BM_CHECK.
#define GPUADV_CHECK(cond)                                                                 \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "%s:%d: GPUADV_CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)
