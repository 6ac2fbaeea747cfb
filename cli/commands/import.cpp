#include "commands/import.hpp"

#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "mlp/export/onnx_import.hpp"
#include "shared/output_path.hpp"

namespace mlp::cli {

namespace {

struct ImportArguments {
  std::string input;
  std::string output;
  OnnxImportOptions options;
};

int import_model(const ImportArguments& a) {
  check_writable(a.output, "-o");
  const TrainedModel<float> model = import_onnx(a.input, a.options);
  model.save(a.output);
  std::fprintf(stderr, "wrote %s: %lld inputs", a.output.c_str(),
               static_cast<long long>(model.network.n_inputs()));
  for (const auto& layer : model.network.layers())
    std::fprintf(stderr, " -> %lld %s", static_cast<long long>(layer.n_out),
                 std::string(to_string(layer.activation)).c_str());
  std::fprintf(stderr, " (%s)\n",
               model.metadata.task == Task::classification ? "classifier" : "regression");
  return 0;
}

}  // namespace

void add_import_command(CLI::App& app) {
  auto a = std::make_shared<ImportArguments>();
  auto* cmd = app.add_subcommand(
      "import", "An MLP in an ONNX file (torch.onnx.export, skl2onnx) as an mlp model file");
  cmd->add_option("ONNX", a->input, "The .onnx file")->required();
  cmd->add_option("-o,--output", a->output, "Model file to write (safetensors)")->required();
  cmd->add_option("--feature-names", a->options.feature_names,
                  "The CSV columns the model reads, in the network's input order (default: x0, "
                  "x1, ...)")
      ->delimiter(',');
  cmd->add_option("--target", a->options.target,
                  "The CSV column evaluate compares the predictions with")
      ->capture_default_str();
  cmd->callback([a] { import_model(*a); });
}

}  // namespace mlp::cli
