// Ctrl-C during training: the first SIGINT asks training to stop cleanly (the best model so far
// is then saved); a second one ends the program at once.
#pragma once

namespace mlp::cli {

void install_interrupt_handler();
bool interrupt_requested();

}  // namespace mlp::cli
