#include "commands/export.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "mlp/export/c_export.hpp"
#include "mlp/export/onnx_export.hpp"
#include "shared/model_input.hpp"
#include "shared/output_path.hpp"
#include "shared/usage_error.hpp"

namespace mlp::cli {

namespace {

struct ExportArguments {
  std::string model;
  std::string format;
  std::string output;
  std::string name;
  std::string scratch = "static";
  bool scratch_given = false;
  std::string quantize;
};

template <class Scalar>
int export_model(const TrainedModel<Scalar>& model, const ExportArguments& a) {
  if (a.format == "onnx") {
    if (!a.name.empty() || a.scratch_given || !a.quantize.empty())
      throw UsageError("--name, --scratch and --quantize are for --format c, not onnx");
    check_writable(a.output, "-o");
    export_onnx(model, a.output);
    std::fprintf(stderr, "wrote %s (ONNX, opset 17, IR version 8)\n", a.output.c_str());
    return 0;
  }
  CExportOptions options;
  options.name = a.name.empty() ? "model" : a.name;
  options.scratch = a.scratch == "caller" ? CScratch::caller : CScratch::static_buffer;
  options.source = std::filesystem::path(a.model).filename().string();
  if (a.quantize == "int8") options.weights = CWeights::int8;
  const CSource c = export_c(model, options, a.output);
  std::fprintf(
      stderr, "wrote %s/%s.h and %s.c (C99): flash %zu bytes of constants, RAM %zu bytes\n",
      a.output.c_str(), options.name.c_str(), options.name.c_str(), c.flash_bytes, c.ram_bytes);
  return 0;
}

}  // namespace

void add_export_command(CLI::App& app) {
  auto a = std::make_shared<ExportArguments>();
  auto* cmd =
      app.add_subcommand("export",
                         "A trained model as ONNX or as standalone C, with its preprocessing "
                         "(docs/export.md)");
  cmd->add_option("MODEL", a->model, "Model file written by mlp train")->required();
  cmd->add_option("--format", a->format,
                  "onnx: one .onnx file (raw columns in, label and probabilities out); c: NAME.h "
                  "and NAME.c, C99 with only <math.h>")
      ->required()
      ->check(CLI::IsMember({"onnx", "c"}));
  cmd->add_option("-o,--output", a->output, "onnx: the file to write; c: the folder to write into")
      ->required();
  cmd->add_option("--name", a->name,
                  "c: the files' name and the prefix of every C symbol (a C identifier; default "
                  "model)");
  auto* scratch =
      cmd->add_option("--scratch", a->scratch,
                      "c: where the activations live: static (a buffer in NAME.c) or caller (an "
                      "argument of NAME_SCRATCH_FLOATS floats)")
          ->check(CLI::IsMember({"static", "caller"}))
          ->capture_default_str();
  cmd->add_option("--quantize", a->quantize,
                  "c: int8 stores the weights as int8 with one float scale per layer (a quarter "
                  "of the flash; docs/export.md gives the accuracy it costs)")
      ->check(CLI::IsMember({"int8"}));
  cmd->callback([a, scratch] {
    a->scratch_given = scratch->count() > 0;
    with_trained_model(a->model, [&](const auto& model) { return export_model(model, *a); });
  });
}

}  // namespace mlp::cli
