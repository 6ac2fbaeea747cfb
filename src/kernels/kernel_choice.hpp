// Internal to the library: which kernel set the matrix products, their epilogues, the sparse
// first-layer kernels and the optimizer update run on. The best the CPU has (AVX-512 > AVX2 + FMA >
// portable), unless the environment variable MLP_KERNELS names one:
//
//   MLP_KERNELS=portable   the portable kernels (any x86-64, any CPU)
//   MLP_KERNELS=avx2       the AVX2 + FMA kernels
//   MLP_KERNELS=avx512     the AVX-512 kernels (F, VL, BW, DQ)
//
// A set the CPU lacks, or a name not in this list, is refused: kernel_choice_error() says why,
// mlp::kernel_set() (include/mlp/nn/threads.hpp) throws it, and the kernels meanwhile run on the
// best set (they are called on the pool's threads, where nothing may throw).
#pragma once

#include <string>
#include <string_view>

namespace mlp::detail {

enum class KernelIsa { portable, avx2, avx512 };

// The set in force (read from MLP_KERNELS once per process).
KernelIsa kernel_isa();
// Why MLP_KERNELS cannot be used, with what to do; empty when it is unset or usable.
const std::string& kernel_choice_error();
// "portable", "avx2", "avx512": MLP_KERNELS's names.
std::string_view kernel_isa_name(KernelIsa isa);

}  // namespace mlp::detail
