// How many threads the large matrix products may use. Results are the same bit for bit whatever
// the thread count; tiny networks stay on one thread whatever is set here.
#pragma once

namespace mlp {

// Sets the thread count for the library's parallel kernels; 0 means one per core.
void set_threads(int count);
// The thread count in force.
int threads();

}  // namespace mlp
