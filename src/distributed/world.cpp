#include "mlp/distributed/world.hpp"

#include <charconv>
#include <cstdlib>
#include <string>
#include <string_view>

#include "mlp/core/error.hpp"
#if MLP_WITH_MPI
#include "mlp/distributed/mpi_communicator.hpp"
#endif

namespace mlp::distributed {

bool built_with_mpi() {
  return MLP_WITH_MPI != 0;
}

int launched_processes() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE"}) {
    const char* value = std::getenv(name);
    if (value == nullptr) continue;
    const std::string_view text(value);
    int count = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
    if (ec != std::errc() || end != text.data() + text.size() || count < 1)
      throw InvalidArgument(std::string("the environment variable ") + name + " is '" + value +
                            "', not a process count: run under mpirun, or unset it");
    return count;
  }
  return 0;
}

int launched_rank() {
  for (const char* name : {"OMPI_COMM_WORLD_RANK", "PMI_RANK"}) {
    const char* value = std::getenv(name);
    if (value == nullptr) continue;
    const std::string_view text(value);
    int rank = -1;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), rank);
    return ec == std::errc() && end == text.data() + text.size() && rank >= 0 ? rank : -1;
  }
  return -1;
}

std::unique_ptr<Communicator> world_communicator() {
  const int processes = launched_processes();
  if (processes == 0) return nullptr;
#if MLP_WITH_MPI
  return std::make_unique<MpiCommunicator>();
#else
  if (processes > 1)
    throw InvalidArgument("started as one of " + std::to_string(processes) +
                          " processes (mpirun), but this mlp was built without MPI: each "
                          "would train a model of its own. Rebuild with -DMLP_WITH_MPI=ON "
                          "(Debian: libopenmpi-dev), or run one process without mpirun");
  return nullptr;
#endif
}

}  // namespace mlp::distributed
