// Checkpoints: a run stopped at any epoch (or within one) and resumed from its checkpoint ends
// with the bytes of the run that never stopped; a checkpoint round-trips every field of the
// training state; a resume with other data or settings is refused; a damaged checkpoint gets one
// clear ModelFileError.
#include "mlp/model/checkpoint.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/data/read_dataset.hpp"
#include "mlp/model/model_io.hpp"
#include "mlp/model/training_recipe.hpp"
#include "support/datasets.hpp"
#include "support/files.hpp"

namespace {

using mlp::test::read_file;
using mlp::test::write_file;

using json = nlohmann::json;

using mlp::test::datasets;

class TempFolder {
 public:
  TempFolder() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "mlp-checkpoint-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~TempFolder() { std::filesystem::remove_all(path_); }
  std::string operator/(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

template <class Scalar>
mlp::Dataset<Scalar> dataset(const std::string& file, const std::string& target) {
  mlp::ReadOptions options;
  options.target = target;
  return mlp::read_dataset<Scalar>(datasets + "/" + file, options);
}

// Settings that exercise every part of the state: minibatches with shuffling, a validation
// split with early stopping, and the optimizer and schedule of each case.
struct CheckpointCase {
  const char* name;
  mlp::OptimizerSpec::Kind optimizer;
  mlp::LearningRateSchedule schedule;
  bool nesterov = false;
  int n_iter_no_change = 0;
  int epochs = 14;
  int patience = 20;
};

mlp::TrainSettings settings_of(const CheckpointCase& c) {
  mlp::TrainSettings s;
  s.hidden_layers = {6};
  s.optimizer = c.optimizer;
  s.nesterov = c.nesterov;
  s.schedule = c.schedule;
  s.epochs = c.epochs;
  s.batch_size = 16;
  s.validation_fraction = 0.2;
  s.early_stopping_patience = c.patience;
  s.n_iter_no_change = c.n_iter_no_change;
  s.tol = c.n_iter_no_change > 0 ? 1e-3 : 0.0;
  s.seed = 11;
  return s;
}

const CheckpointCase kCases[] = {
    {"adam_cosine", mlp::OptimizerSpec::Kind::adam, mlp::LearningRateSchedule::cosine},
    {"momentum_nesterov_invscaling", mlp::OptimizerSpec::Kind::momentum,
     mlp::LearningRateSchedule::invscaling, true},
    {"sgd_adaptive", mlp::OptimizerSpec::Kind::gradient_descent,
     mlp::LearningRateSchedule::adaptive, false, 2},
    // Early stopping ends this one before its epochs: a checkpoint of the stopping epoch resumes
    // to the same end.
    {"adam_early_stopping", mlp::OptimizerSpec::Kind::adam, mlp::LearningRateSchedule::constant,
     false, 0, 400, 2},
};

template <class Scalar>
class CheckpointResume : public ::testing::Test {
 protected:
  // The model file of a run of `settings` on iris, stopped (like Ctrl-C) after `stop_epochs`
  // epochs and `stop_batches` batches of the next when stop_epochs >= 0, writing checkpoints to
  // `checkpoint` (every `every` epochs) when given, resuming `resume` when given.
  std::string run(const mlp::TrainSettings& settings, int stop_epochs = -1, int stop_batches = 0,
                  const std::string& checkpoint = "", int every = 1,
                  const mlp::Checkpoint<Scalar>* resume = nullptr) {
    mlp::FitOptions callbacks;
    int epochs = 0, batches = 0;
    if (stop_epochs >= 0) {
      callbacks.on_epoch_end = [&](const mlp::EpochLog&) {
        batches = 0;
        return ++epochs < stop_epochs || stop_batches > 0;
      };
      callbacks.on_batch_end = [&](mlp::Index, mlp::Index) {
        return !(epochs == stop_epochs && ++batches >= stop_batches);
      };
    }
    mlp::Checkpointing<Scalar> plan;
    plan.path = checkpoint;
    plan.every_epochs = every;
    plan.resume = resume;
    auto result = mlp::train_model<Scalar>(dataset<Scalar>("iris.csv", "species"), settings,
                                           nullptr, callbacks, plan);
    if (!checkpoint.empty())
      last_checkpoint_epochs = result.checkpoint_epochs ? *result.checkpoint_epochs : -1;
    history = result.history;
    result.model.save(folder / "model.safetensors");
    return read_file(folder / "model.safetensors");
  }

  TempFolder folder;
  int last_checkpoint_epochs = -1;
  mlp::History history;
};

using Scalars = ::testing::Types<float, double>;
TYPED_TEST_SUITE(CheckpointResume, Scalars);

TYPED_TEST(CheckpointResume, StoppedAnywhereAndResumedGivesTheUninterruptedBytes) {
  using Scalar = TypeParam;
  for (const CheckpointCase& c : kCases) {
    SCOPED_TRACE(c.name);
    const mlp::TrainSettings settings = settings_of(c);
    const std::string uninterrupted = this->run(settings);
    const mlp::History full = this->history;
    if (c.patience == 2) {
      EXPECT_TRUE(full.stopped_early);
    }
    const int epochs = static_cast<int>(full.loss.size());
    ASSERT_GE(epochs, 4);
    // After the first epoch, in the middle (also within an epoch), and at the very end.
    for (const auto& [stop_epochs, stop_batches] :
         {std::pair{1, 0}, std::pair{epochs / 2, 3}, std::pair{epochs - 1, 0},
          std::pair{epochs, 0}}) {
      SCOPED_TRACE("stopped after " + std::to_string(stop_epochs) + " epochs and " +
                   std::to_string(stop_batches) + " batches");
      const std::string path = this->folder / "run.checkpoint";
      std::filesystem::remove(path);
      this->run(settings, stop_epochs, stop_batches, path, 3);
      ASSERT_EQ(this->last_checkpoint_epochs, stop_epochs);
      const mlp::Checkpoint<Scalar> checkpoint = mlp::load_checkpoint<Scalar>(path);
      EXPECT_EQ(checkpoint.state.epochs_done, stop_epochs);
      EXPECT_EQ(this->run(settings, -1, 0, "", 1, &checkpoint), uninterrupted);
      EXPECT_EQ(this->history.loss, full.loss);
      EXPECT_EQ(this->history.val_loss, full.val_loss);
      EXPECT_EQ(this->history.learning_rate, full.learning_rate);
      EXPECT_EQ(this->history.best_epoch, full.best_epoch);
      EXPECT_EQ(this->history.stopped_early, full.stopped_early);
    }
  }
}

TYPED_TEST(CheckpointResume, ACheckpointRoundTripsTheWholeState) {
  using Scalar = TypeParam;
  const std::string path = this->folder / "run.checkpoint";
  this->run(settings_of(kCases[0]), 5, 0, path, 1);
  const mlp::Checkpoint<Scalar> a = mlp::load_checkpoint<Scalar>(path);
  const std::string again = this->folder / "again.checkpoint";
  mlp::save_checkpoint(again, a);
  EXPECT_EQ(read_file(again), read_file(path));
  const mlp::Checkpoint<Scalar> b = mlp::load_checkpoint<Scalar>(again);
  EXPECT_EQ(a.state.optimizer.first_moment(), b.state.optimizer.first_moment());
  EXPECT_EQ(a.state.optimizer.second_moment(), b.state.optimizer.second_moment());
  EXPECT_EQ(a.state.optimizer.steps(), b.state.optimizer.steps());
  EXPECT_GT(a.state.optimizer.steps(), 0);
  EXPECT_EQ(a.state.rng.state(), b.state.rng.state());
  EXPECT_EQ(a.state.order, b.state.order);
  EXPECT_EQ(a.state.order.size(), 120u);  // iris' 150 samples less the validation fifth
  EXPECT_EQ(a.state.best_parameters, b.state.best_parameters);
  EXPECT_EQ(a.state.samples_seen, 5 * 120);
  EXPECT_EQ(a.history.loss.size(), 5u);
  EXPECT_EQ(a.history.val_accuracy.size(), 5u);
  EXPECT_EQ(a.model.network.parameters(), b.model.network.parameters());
  // And it is a model file: the model of its last epoch, with the data's metadata.
  const auto model = mlp::TrainedModel<Scalar>::load(path);
  EXPECT_EQ(model.metadata.class_names.size(), 3u);
  EXPECT_EQ(model.network.parameters(), a.model.network.parameters());
}

TYPED_TEST(CheckpointResume, OtherSettingsOrDataAreRefusedNamingWhatDiffers) {
  using Scalar = TypeParam;
  const std::string path = this->folder / "run.checkpoint";
  const mlp::TrainSettings settings = settings_of(kCases[0]);
  this->run(settings, 3, 0, path, 1);
  const mlp::Checkpoint<Scalar> checkpoint = mlp::load_checkpoint<Scalar>(path);
  mlp::Checkpointing<Scalar> plan;
  plan.resume = &checkpoint;
  plan.resume_path = path;

  mlp::TrainSettings other = settings;
  other.learning_rate = 0.5;
  try {
    mlp::train_model<Scalar>(dataset<Scalar>("iris.csv", "species"), other, nullptr, {}, plan);
    FAIL() << "a resume with another learning rate trained";
  } catch (const mlp::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("'learning_rate' differs"), std::string::npos) << e.what();
  }
  auto data = dataset<Scalar>("iris.csv", "species");
  data.features(17, 2) += Scalar(0.5);
  try {
    mlp::train_model<Scalar>(std::move(data), settings, nullptr, {}, plan);
    FAIL() << "a resume on other data trained";
  } catch (const mlp::DataError& e) {
    EXPECT_NE(std::string(e.what()).find("values differ"), std::string::npos) << e.what();
  }
  auto fewer = dataset<Scalar>("iris.csv", "species");
  fewer.features.conservativeResize(149, fewer.features.cols());
  fewer.labels.pop_back();
  EXPECT_THROW(mlp::train_model<Scalar>(std::move(fewer), settings, nullptr, {}, plan),
               mlp::DataError);
  // The other precision is refused when the checkpoint is read.
  using Other = std::conditional_t<std::is_same_v<Scalar, float>, double, float>;
  try {
    mlp::load_checkpoint<Other>(path);
    FAIL() << "a checkpoint of the other precision loaded";
  } catch (const mlp::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("--dtype"), std::string::npos) << e.what();
  }
}

TEST(CheckpointPlan, WritesByEpochsOrSecondsAndAlwaysTheLastEpochAtTheEnd) {
  TempFolder folder;
  const std::string path = folder / "run.checkpoint";
  mlp::TrainSettings settings = settings_of(kCases[0]);
  settings.epochs = 6;
  // What the file holds when each epoch ends (on_epoch_end comes before that epoch's write).
  auto epochs_on_disk = [&](int every_epochs, double every_seconds) {
    std::filesystem::remove(path);
    std::vector<int> held;
    mlp::FitOptions callbacks;
    callbacks.on_epoch_end = [&](const mlp::EpochLog&) {
      held.push_back(
          std::filesystem::exists(path) ? mlp::load_checkpoint<float>(path).state.epochs_done : -1);
      return true;
    };
    mlp::Checkpointing<float> plan;
    plan.path = path;
    plan.every_epochs = every_epochs;
    plan.every_seconds = every_seconds;
    const auto result = mlp::train_model<float>(dataset<float>("iris.csv", "species"), settings,
                                                nullptr, callbacks, plan);
    EXPECT_EQ(result.checkpoint_epochs, 6);
    EXPECT_EQ(mlp::load_checkpoint<float>(path).state.epochs_done, 6);
    return held;
  };
  EXPECT_EQ(epochs_on_disk(1, 0), (std::vector<int>{-1, 1, 2, 3, 4, 5}));
  EXPECT_EQ(epochs_on_disk(4, 0), (std::vector<int>{-1, -1, -1, -1, 4, 4}));
  EXPECT_EQ(epochs_on_disk(0, 1e-9), (std::vector<int>{-1, 1, 2, 3, 4, 5}));
  EXPECT_EQ(epochs_on_disk(0, 1e9), (std::vector<int>{-1, -1, -1, -1, -1, -1}));
}

TEST(CheckpointPlan, ANetworkTooLargeForAModelFileHeaderIsRefusedBeforeTraining) {
  TempFolder folder;
  mlp::Checkpoint<float> start;
  start.model.network = mlp::Sequential<float>(2000);
  start.model.network.add(4000, mlp::Activation::relu).add(1, mlp::Activation::identity);
  start.model.network.compile(mlp::Loss::mse, mlp::OptimizerSpec::adam());
  start.model.metadata.task = mlp::Task::regression;
  start.data.samples = 10;
  mlp::Checkpointing<float> plan;
  plan.path = folder / "run.checkpoint";
  try {
    mlp::CheckpointWriter<float> writer(plan, std::move(start));
    FAIL() << "a checkpoint of 8 million parameters with Adam was accepted";
  } catch (const mlp::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("more than a model file may hold"), std::string::npos)
        << e.what();
  }
  EXPECT_FALSE(std::filesystem::exists(plan.path));
}

// The checkpoint file at `path` with its "checkpoint" object edited, the data section kept.
std::string edited_checkpoint(const std::string& bytes, const std::function<void(json&)>& edit) {
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  json header = json::parse(bytes.substr(8, length));
  json extra = json::parse(header["__metadata__"]["extra"].get<std::string>());
  edit(extra["checkpoint"]);
  header["__metadata__"]["extra"] = extra.dump();
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');
  const std::uint64_t new_length = text.size();
  std::string out(8, '\0');
  std::memcpy(out.data(), &new_length, 8);
  return out + text + bytes.substr(8 + length);
}

TEST(CheckpointDamage, EveryDamagedCheckpointGetsOneClearMessage) {
  TempFolder folder;
  const std::string path = folder / "run.checkpoint";
  mlp::TrainSettings settings = settings_of(kCases[1]);
  settings.epochs = 3;
  mlp::Checkpointing<float> plan;
  plan.path = path;
  plan.every_epochs = 1;
  mlp::train_model<float>(dataset<float>("iris.csv", "species"), settings, nullptr, {}, plan);
  const std::string good = read_file(path);
  ASSERT_NO_THROW(mlp::load_checkpoint<float>(path));

  auto expect_refused = [&](const std::string& bytes, const std::string& words) {
    const std::string damaged = folder / "damaged.checkpoint";
    write_file(damaged, bytes);
    try {
      mlp::load_checkpoint<float>(damaged);
      ADD_FAILURE() << "loaded a damaged checkpoint (" << words << ")";
    } catch (const mlp::ModelFileError& e) {
      const std::string message = e.what();
      EXPECT_EQ(message.rfind(damaged + ": ", 0), 0u) << message;
      EXPECT_NE(message.find(words), std::string::npos) << message;
    }
  };
  // Truncated anywhere: the header, the tensors.
  for (std::size_t keep :
       {std::size_t(0), std::size_t(5), std::size_t(100), good.size() / 2, good.size() - 1})
    expect_refused(good.substr(0, keep), "");
  // A model, not a checkpoint.
  const auto model = mlp::TrainedModel<float>::load(path);
  model.save(folder / "model.safetensors");
  expect_refused(read_file(folder / "model.safetensors"), "not a checkpoint");
  // Fields.
  auto edit = [&](const std::function<void(json&)>& change, const std::string& words) {
    expect_refused(edited_checkpoint(good, change), words);
  };
  edit([](json& c) { c["format_version"] = 2; }, "unsupported format_version");
  edit([](json& c) { c.erase("state"); }, "missing 'checkpoint.state'");
  edit([](json& c) { c["state"]["rng"] = "1 2 3"; }, "'state.rng'");
  edit([](json& c) { c["state"]["optimizer"]["kind"] = "rmsprop"; }, "state.optimizer");
  edit([](json& c) { c["state"]["optimizer"]["kind"] = "adam"; }, "'state.optimizer.");
  edit([](json& c) { c["state"]["epochs_done"] = -1; }, "'state.epochs_done'");
  edit([](json& c) { c["state"]["epochs_done"] = 4; }, "'history.loss'");
  edit([](json& c) { c["state"]["learning_rate_scale"] = "7ff8000000000000"; }, "NaN");
  edit([](json& c) { c["state"]["learning_rate_scale"] = "0.5"; }, "16 hex digits");
  edit([](json& c) { c["state"]["best_parameters"] = "AAAA"; }, "'state.best_parameters'");
  edit(
      [](json& c) {
        std::string& text = c["state"]["optimizer"]["first_moment"].get_ref<std::string&>();
        text[0] = '*';
      },
      "'state.optimizer.first_moment'");
  edit(
      [](json& c) {
        // Samples 0 and 1 both first: not a permutation.
        std::string& text = c["state"]["order"].get_ref<std::string&>();
        text.replace(0, 24, "AAAAAAAAAAAAAAAAAAAAAAAA");
      },
      "not a permutation");
  edit([](json& c) { c["data"]["hash"] = "xyz"; }, "'data.hash'");
  edit([](json& c) { c["data"]["features"] = 5; }, "'data.features'");
  edit([](json& c) { c["history"]["stopped_early"] = "no"; }, "'history.stopped_early'");
  edit([](json& c) { c["history"]["val_loss"] = "AAAA"; }, "'history.val_loss'");
}

}  // namespace
