// The dataset builder on any CSV that parses: the last column is the target, guessed as classes
// or values, then features and labels for a model trained on the same columns.
#include "fuzz_input.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  mlp_fuzz::expect_only_mlp_errors([&] {
    const mlp::CsvTable table = mlp::parse_csv(text, "fuzz.csv");
    const std::string target = table.header.back();
    const auto dataset = mlp::dataset_from_csv<float>(table, target);
    mlp::features_from_csv<double>(table, dataset.feature_names);
  });
  return 0;
}
