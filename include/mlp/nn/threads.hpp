// How the library's kernels run: how many threads the large matrix products may use, and on which
// of the CPU's instruction sets. Results are the same bit for bit whatever the thread count; tiny
// networks stay on one thread whatever is set here.
#pragma once

#include <string_view>

namespace mlp {

// Sets the thread count for the library's parallel kernels; 0 means one per core.
void set_threads(int count);
// The thread count in force.
int threads();

// The kernel set the products, the sparse first layer and the optimizer run on: "avx512", "avx2"
// or "portable", the best this CPU has unless the environment variable MLP_KERNELS names one
// (docs/performance.md). Throws InvalidArgument when MLP_KERNELS names an unknown set or one this
// CPU lacks (the kernels then run on the best set).
std::string_view kernel_set();

}  // namespace mlp
