#include "shared/history_csv.hpp"

#include <iomanip>
#include <sstream>

#include "mlp/core/atomic_file.hpp"

namespace mlp::cli {

namespace {

void cell(std::ostringstream& out, const std::vector<double>& values, std::size_t i) {
  out << ',';
  if (i < values.size()) out << values[i];
}

}  // namespace

void write_history_csv(const std::string& path, const History& history) {
  std::ostringstream out;
  out << std::setprecision(17) << "epoch,loss,val_loss,accuracy,val_accuracy\n";
  for (std::size_t i = 0; i < history.loss.size(); ++i) {
    out << i + 1 << ',' << history.loss[i];
    cell(out, history.val_loss, i);
    cell(out, history.accuracy, i);
    cell(out, history.val_accuracy, i);
    out << '\n';
  }
  write_file_atomically(path, out.str());
}

}  // namespace mlp::cli
