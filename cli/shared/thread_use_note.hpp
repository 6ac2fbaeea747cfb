// What `mlp train` tells when the threads it was given did not pay: the library's pool ran most
// of the training's parallel jobs on one thread (mlp/nn/threads.hpp, thread_use).
#pragma once

#include <string>

#include "mlp/nn/threads.hpp"

namespace mlp::cli {

// A line for `threads` threads whose pool's jobs during the training ran as `during` says, when
// at least kAloneShare of them (and at least kJobs in all) ran on one thread; empty otherwise.
std::string thread_use_note(int threads, const ThreadUse& during);

}  // namespace mlp::cli
