// The CSV parser on arbitrary text: the first byte picks the delimiter.
#include "fuzz_input.hpp"
#include "mlp/data/csv.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  mlp::CsvOptions options;
  options.delimiter = ",;\t|"[data[0] % 4];
  const std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  mlp_fuzz::expect_only_mlp_errors([&] { mlp::parse_csv(text, "fuzz.csv", options); });
  return 0;
}
