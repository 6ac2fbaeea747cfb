// The processes a launcher (mpirun, mpiexec) started, as one Communicator for fit: what a program
// calls once at its start to train one model on all of them (docs/distributed.md).
#pragma once

#include <memory>

#include "mlp/nn/communicator.hpp"

namespace mlp::distributed {

// True when the library was built with MPI (the CMake option MLP_WITH_MPI).
bool built_with_mpi();

// How many processes the launcher started, from the environment it gives each of them (Open
// MPI's OMPI_COMM_WORLD_SIZE, MPICH's and Slurm's PMI_SIZE); 0 outside a launcher. Throws
// InvalidArgument when the variable is not a count.
int launched_processes();

// This process's rank among them (Open MPI's OMPI_COMM_WORLD_RANK, PMI_RANK); -1 outside a
// launcher or when the variable is not a rank. Never throws: for messages about this process.
int launched_rank();

// Under a launcher (launched_processes() >= 1): an MpiCommunicator over all its processes, which
// initialises MPI and finalises it when destroyed. Outside one: null, and MPI is not touched, so
// that a program run alone behaves as one built without MPI. Throws InvalidArgument when the
// launcher started more than one process but the library was built without MPI (each would
// train a model of its own).
std::unique_ptr<Communicator> world_communicator();

}  // namespace mlp::distributed
