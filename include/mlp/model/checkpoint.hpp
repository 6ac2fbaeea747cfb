// Checkpoints of a training run: the model trained so far plus everything training needs to go on
// as if it had never stopped, written so that a crash at any moment leaves either the previous
// checkpoint or the new one, never a half-written file.
//
// A checkpoint is a model file (model_io.hpp): `mlp info` and `mlp predict` load it as the model
// of its last completed epoch. Its extra metadata holds, besides the model's metadata (whose
// "training" object is the run's settings), a "checkpoint" object:
//   "format_version": 1,
//   "data":    {"samples": n, "features": f, "hash": "16 hex digits"}   (data_fingerprint)
//   "state":   the TrainingState: the optimizer's settings, step count and moments, the epochs
//              done, the schedule's length, the samples seen, the learning-rate scale, the
//              shuffling's random engine and sample order, the convergence rule's and early
//              stopping's counts and best loss, the best epoch's parameters
//   "history": the History of every epoch so far
// Vectors (moments, parameters, the order, the history's values) are the base64 of their
// little-endian bytes and doubles outside vectors the 16 hex digits of their bits, so that every
// value comes back exactly. The header of a model file is at most 100 MB, so a checkpoint holds
// a network of at most about 6 million f32 (3 million f64) parameters with Adam; CheckpointWriter
// refuses a larger one before training, save_checkpoint before writing.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "mlp/data/dataset.hpp"
#include "mlp/model/trained_model.hpp"
#include "mlp/nn/fit.hpp"
#include "mlp/nn/training_state.hpp"

namespace mlp {

// What a resumed run must share with the run that wrote the checkpoint: the data's size and a
// hash of its content.
struct DataFingerprint {
  Index samples = 0;
  Index features = 0;
  std::uint64_t hash = 0;
  bool operator==(const DataFingerprint&) const = default;
};

// FNV-1a (64 bits) over the task, the features' values, the labels or targets, the sample
// weights, and the names of the features and classes, with their counts.
template <class Scalar>
DataFingerprint data_fingerprint(const Dataset<Scalar>& data,
                                 std::span<const double> sample_weight);

template <class Scalar>
struct Checkpoint {
  // The network after the last completed epoch and its metadata; metadata.training_json holds
  // the run's settings (TrainSettings::to_json).
  TrainedModel<Scalar> model;
  TrainingState<Scalar> state;  // what fit continues from (FitOptions::keep_training_state)
  History history;              // every epoch so far; stopped_early: the rules ended training
  DataFingerprint data;
};

// Writes `checkpoint` to `path` atomically (a temporary file, fsynced, renamed: see
// atomic_file.hpp). Throws InvalidArgument when the model file would be refused by the loader
// (too large, non-finite), Error when the file cannot be written.
template <class Scalar>
void save_checkpoint(const std::string& path, const Checkpoint<Scalar>& checkpoint);

// Reads a checkpoint written by save_checkpoint in the precision Scalar. Validates the whole
// file (as load_model does, then every field of the state and history) and throws
// ModelFileError "PATH: what is wrong" when it is damaged, when it is a model without a training
// state, or when it holds the other precision.
template <class Scalar>
Checkpoint<Scalar> load_checkpoint(const std::string& path);

// The training state alone, as the JSON text of a checkpoint's "state" object, and back: what
// the Python package pickles with an estimator, so that partial_fit after unpickling goes on
// with the optimizer's moments and step count, as scikit-learn's does. training_state_from_json
// validates every field as load_checkpoint does and throws ModelFileError "SOURCE: checkpoint:
// what is wrong" for damaged text or a state whose vectors do not fit `n_parameters`.
template <class Scalar>
std::string training_state_json(const TrainingState<Scalar>& state);
template <class Scalar>
TrainingState<Scalar> training_state_from_json(const std::string& text, Index n_parameters,
                                               const std::string& source);

// Throws InvalidArgument naming the first setting whose value differs between the run that
// wrote `checkpoint` and `settings_json` (TrainSettings::to_json of the run that resumes), and
// DataError when the data differ; `path` names the checkpoint in messages.
template <class Scalar>
void check_resume(const Checkpoint<Scalar>& checkpoint, const std::string& settings_json,
                  const DataFingerprint& data, const std::string& path);

// The history of a resumed run: `before` (the checkpoint's) followed by `after` (the resumed
// fit's, whose epochs go on from before's).
History resumed_history(const History& before, const History& after);

// When train_model writes checkpoints, and the checkpoint it resumes from.
template <class Scalar>
struct Checkpointing {
  std::string path;          // where to write them; empty: none
  int every_epochs = 0;      // after every this many epochs (0: not by epochs)
  double every_seconds = 0;  // after the first epoch that ends this long after the last write
  const Checkpoint<Scalar>* resume = nullptr;  // continue this run (check_resume first)
  std::string resume_path = "the checkpoint";  // names it in messages
};

// Keeps the state after each epoch and writes it when a Checkpointing plan says so; at the end
// of training (finished, interrupted or diverged), finish() writes the last completed epoch's
// state unless it was written already.
template <class Scalar>
class CheckpointWriter {
 public:
  // `start`: the model's metadata and the data's fingerprint, and for a resumed run the state
  // and history it resumes (what finish() writes when no epoch completes). Throws
  // InvalidArgument when the checkpoints of this network would not fit a model file's header.
  CheckpointWriter(const Checkpointing<Scalar>& plan, Checkpoint<Scalar> start);

  // To be called by FitOptions::on_epoch_state: takes the network's parameters and training
  // state and `so_far` (this fit's history), and writes them when due.
  void after_epoch(const Sequential<Scalar>& net, const History& so_far, bool finished);
  // Writes the last epoch's state unless written already; returns the epochs it holds, or
  // nothing when no epoch completed.
  std::optional<int> finish();

 private:
  void write();

  Checkpointing<Scalar> plan_;
  Checkpoint<Scalar> snapshot_;
  History before_;
  bool taken_ = false;    // snapshot_ holds a completed epoch
  bool written_ = false;  // ... and it is on disk
  int epochs_since_write_ = 0;
  double last_write_seconds_ = 0;
};

}  // namespace mlp
