// The whole public API of mlp in one include. Each folder is one concern (docs/architecture.md):
//   core    matrices, errors, random numbers, atomic file writes
//   nn      the network: activations, losses, initializers, the Dense layer, Sequential, fit
//   data    CSV and IDX readers, datasets, preprocessing, metrics
//   model   model files, the trained-model facade and the training recipe behind `mlp train`
//   svg     a small SVG chart library; charts: the training and model charts and the report
//   learn   the chapter's XOR setup, explain and sweep
#pragma once

#include "mlp/charts/model_charts.hpp"
#include "mlp/charts/report.hpp"
#include "mlp/charts/training_charts.hpp"
#include "mlp/core/atomic_file.hpp"
#include "mlp/core/error.hpp"
#include "mlp/core/matrix.hpp"
#include "mlp/core/random.hpp"
#include "mlp/data/csv.hpp"
#include "mlp/data/dataset.hpp"
#include "mlp/data/idx.hpp"
#include "mlp/data/metrics.hpp"
#include "mlp/data/preprocessing.hpp"
#include "mlp/learn/explain.hpp"
#include "mlp/learn/sweep.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/model/model_metadata.hpp"
#include "mlp/model/trained_model.hpp"
#include "mlp/model/training_recipe.hpp"
#include "mlp/nn/activation.hpp"
#include "mlp/nn/dense.hpp"
#include "mlp/nn/fit.hpp"
#include "mlp/nn/gradcheck.hpp"
#include "mlp/nn/init.hpp"
#include "mlp/nn/layer.hpp"
#include "mlp/nn/loss.hpp"
#include "mlp/nn/network.hpp"
#include "mlp/nn/optimizer.hpp"
#include "mlp/nn/output.hpp"
#include "mlp/nn/threads.hpp"
#include "mlp/nn/workspace.hpp"
#include "mlp/svg/axis.hpp"
#include "mlp/svg/document.hpp"
#include "mlp/svg/downsample.hpp"
#include "mlp/svg/heatmap.hpp"
#include "mlp/svg/legend.hpp"
#include "mlp/svg/line_chart.hpp"
#include "mlp/svg/marker.hpp"
#include "mlp/svg/palette.hpp"
#include "mlp/svg/regions.hpp"
#include "mlp/svg/scatter.hpp"
