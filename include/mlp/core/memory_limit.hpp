// How much memory this process may allocate, so that a reader can refuse a file whose header
// claims more than could ever fit, before it allocates or reads anything.
//
//   if (const auto problem = mlp::memory_problem(rows * cols * sizeof(float)))
//     throw mlp::DataError(path + ": the header declares ... " + *problem);
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace mlp {

// The smallest of: the machine's physical memory, the address-space and data-segment limits
// (`ulimit -v`, `ulimit -d`, `prlimit --as`) and the control group's memory.max. Read afresh on
// every call (a few system calls).
std::uint64_t memory_limit_bytes();

// Nothing when `bytes` fits within memory_limit_bytes(); otherwise the text "needs X of memory,
// more than the Y this process may use" (sizes in human units), for the caller to put after the
// name of what needs it.
std::optional<std::string> memory_problem(std::uint64_t bytes);

// A byte count in human units: "512 bytes", "3.2 MB", "4.3 GB" (powers of 1000).
std::string human_bytes(std::uint64_t bytes);

}  // namespace mlp
