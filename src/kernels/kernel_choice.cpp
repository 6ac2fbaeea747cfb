// The kernel set in force: the best the CPU has, or the one MLP_KERNELS names (kernel_choice.hpp).
#include "kernels/kernel_choice.hpp"

#include <cstdlib>

#include "kernels/cpu_features.hpp"

namespace mlp::detail {

namespace {

KernelIsa best_kernel_isa() {
  if (cpu_has_avx512()) return KernelIsa::avx512;
  if (cpu_has_avx2_fma()) return KernelIsa::avx2;
  return KernelIsa::portable;
}

struct KernelChoice {
  KernelIsa isa = best_kernel_isa();
  std::string error;
};

// MLP_KERNELS's set when it names one this CPU has; otherwise the best one and why not.
KernelChoice read_kernel_choice() {
  KernelChoice choice;
  const char* value = std::getenv("MLP_KERNELS");
  if (value == nullptr || *value == '\0') return choice;
  const std::string name = value;
  const std::string usage =
      "; set it to portable, avx2 or avx512 (a set this CPU has), or unset it";
  bool available = true;
  if (name == "portable") {
    choice.isa = KernelIsa::portable;
  } else if (name == "avx2") {
    available = cpu_has_avx2_fma();
    if (available) choice.isa = KernelIsa::avx2;
  } else if (name == "avx512") {
    available = cpu_has_avx512();
    if (available) choice.isa = KernelIsa::avx512;
  } else {
    choice.error = "environment variable MLP_KERNELS=" + name + ": no such kernel set" + usage;
    return choice;
  }
  if (!available)
    choice.error = "environment variable MLP_KERNELS=" + name + ": this CPU has no " +
                   (name == "avx2" ? "AVX2 and FMA" : "AVX-512 (F, VL, BW and DQ)") + usage +
                   " (the best it has: " + std::string(kernel_isa_name(choice.isa)) + ")";
  return choice;
}

const KernelChoice& kernel_choice() {
  static const KernelChoice choice = read_kernel_choice();
  return choice;
}

}  // namespace

KernelIsa kernel_isa() {
  return kernel_choice().isa;
}

const std::string& kernel_choice_error() {
  return kernel_choice().error;
}

std::string_view kernel_isa_name(KernelIsa isa) {
  switch (isa) {
    case KernelIsa::avx512:
      return "avx512";
    case KernelIsa::avx2:
      return "avx2";
    case KernelIsa::portable:
      break;
  }
  return "portable";
}

}  // namespace mlp::detail
