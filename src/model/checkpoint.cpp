#include "mlp/model/checkpoint.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <type_traits>
#include <utility>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/model/model_io.hpp"

namespace mlp {
namespace {

using json = nlohmann::json;

// Vectors are stored as the bytes of their elements, which safetensors (and so model_io) defines
// as little-endian.
static_assert(std::endian::native == std::endian::little,
              "checkpoints store raw little-endian values: big-endian hosts need byte swapping");

constexpr int kCheckpointVersion = 1;
constexpr char kBase64Alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

template <class Scalar>
constexpr const char* dtype_name() {
  return std::is_same_v<Scalar, double> ? "f64" : "f32";
}

// ---------------------------------------------------------------------------------------------
// Exact text for binary values

// RFC 4648 base64 of `bytes`, with padding.
std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string text;
  text.reserve((size + 2) / 3 * 4);
  for (std::size_t i = 0; i < size; i += 3) {
    const std::size_t n = std::min<std::size_t>(3, size - i);
    std::uint32_t group = static_cast<std::uint32_t>(bytes[i]) << 16;
    if (n > 1) group |= static_cast<std::uint32_t>(bytes[i + 1]) << 8;
    if (n > 2) group |= bytes[i + 2];
    for (std::size_t k = 0; k < 4; ++k)
      text += k <= n ? kBase64Alphabet[(group >> (18 - 6 * k)) & 63] : '=';
  }
  return text;
}

// The bytes of base64 `text` into `out` (`size` bytes), or false when the text is not the
// base64 of exactly `size` bytes. Checked before anything is written, so that a hostile length
// allocates nothing.
bool unbase64(std::string_view text, unsigned char* out, std::size_t size) {
  if (text.size() != (size + 2) / 3 * 4) return false;
  std::array<int, 256> value{};
  value.fill(-1);
  for (int i = 0; i < 64; ++i) value[static_cast<unsigned char>(kBase64Alphabet[i])] = i;
  std::size_t written = 0;
  for (std::size_t i = 0; i < text.size(); i += 4) {
    std::uint32_t group = 0;
    for (std::size_t k = 0; k < 4; ++k) {
      const int v = value[static_cast<unsigned char>(text[i + k])];
      const bool padding = text[i + k] == '=' && written + k > size;
      if (v < 0 && !padding) return false;
      group = (group << 6) | static_cast<std::uint32_t>(v < 0 ? 0 : v);
    }
    for (std::size_t k = 0; k < 3 && written < size; ++k)
      out[written++] = static_cast<unsigned char>(group >> (16 - 8 * k));
  }
  return true;
}

template <class T>
std::string vector_text(const T* values, std::size_t count) {
  return base64(reinterpret_cast<const unsigned char*>(values), count * sizeof(T));
}

// A double as the 16 hex digits of its bits (exact, and infinity too, which JSON has not).
std::string bits_text(double value) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx",
                static_cast<unsigned long long>(std::bit_cast<std::uint64_t>(value)));
  return text;
}

// ---------------------------------------------------------------------------------------------
// Writing

template <class Scalar>
json state_json(const TrainingState<Scalar>& s) {
  const Optimizer<Scalar>& o = s.optimizer;
  const OptimizerSpec& spec = o.spec();
  json optimizer;
  optimizer["kind"] = to_string(spec.kind);
  optimizer["learning_rate"] = bits_text(spec.learning_rate);
  optimizer["momentum"] = bits_text(spec.momentum);
  optimizer["beta1"] = bits_text(spec.beta1);
  optimizer["beta2"] = bits_text(spec.beta2);
  optimizer["epsilon"] = bits_text(spec.epsilon);
  optimizer["nesterov"] = spec.nesterov;
  optimizer["steps"] = o.steps();
  optimizer["first_moment"] = vector_text(o.first_moment().data(), o.first_moment().size());
  optimizer["second_moment"] = vector_text(o.second_moment().data(), o.second_moment().size());
  json j;
  j["optimizer"] = std::move(optimizer);
  j["epochs_done"] = s.epochs_done;
  j["schedule_epochs"] = s.schedule_epochs;
  j["samples_seen"] = s.samples_seen;
  j["learning_rate_scale"] = bits_text(s.learning_rate_scale);
  j["rng"] = s.rng.state();
  j["order"] = vector_text(s.order.data(), s.order.size());
  j["best_loss"] = bits_text(s.best_loss);
  j["no_improvement"] = s.no_improvement;
  j["best_monitored"] = bits_text(s.best_monitored);
  j["best_epoch"] = s.best_epoch;
  j["epochs_since_best"] = s.epochs_since_best;
  j["best_parameters"] = vector_text(s.best_parameters.data(), s.best_parameters.size());
  return j;
}

json history_json(const History& h) {
  json j;
  auto values = [](const std::vector<double>& v) { return vector_text(v.data(), v.size()); };
  j["loss"] = values(h.loss);
  j["accuracy"] = values(h.accuracy);
  j["val_loss"] = values(h.val_loss);
  j["val_accuracy"] = values(h.val_accuracy);
  j["learning_rate"] = values(h.learning_rate);
  j["best_epoch"] = h.best_epoch;
  j["stopped_early"] = h.stopped_early;
  j["rollbacks"] = h.rollbacks;
  return j;
}

std::string hash_text(std::uint64_t hash) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

// ---------------------------------------------------------------------------------------------
// Reading: every field checked, each failure one message naming the field

class FieldReader {
 public:
  explicit FieldReader(std::string path) : path_(std::move(path)) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw ModelFileError(path_ + ": checkpoint: " + what);
  }

  const json& field(const json& object, const std::string& where, const char* key) const {
    if (!object.is_object()) fail("'" + where + "' is not a JSON object");
    const auto found = object.find(key);
    if (found == object.end()) fail("missing '" + where + "." + key + "'");
    return *found;
  }

  template <class Int>
  Int integer(const json& object, const std::string& where, const char* key, Int low,
              Int high) const {
    const json& v = field(object, where, key);
    if (!v.is_number_integer() || v.get<std::int64_t>() < static_cast<std::int64_t>(low) ||
        v.get<std::int64_t>() > static_cast<std::int64_t>(high))
      fail("'" + where + "." + key + "' must be an integer in [" + std::to_string(low) + ", " +
           std::to_string(high) + "]");
    return static_cast<Int>(v.get<std::int64_t>());
  }

  bool boolean(const json& object, const std::string& where, const char* key) const {
    const json& v = field(object, where, key);
    if (!v.is_boolean()) fail("'" + where + "." + key + "' must be true or false");
    return v.get<bool>();
  }

  const std::string& text(const json& object, const std::string& where, const char* key) const {
    const json& v = field(object, where, key);
    if (!v.is_string()) fail("'" + where + "." + key + "' must be a string");
    return v.get_ref<const std::string&>();
  }

  // A double written by bits_text; NaN is refused.
  double number(const json& object, const std::string& where, const char* key) const {
    const std::string& t = text(object, where, key);
    std::uint64_t bits = 0;
    bool ok = t.size() == 16;
    for (char c : t) {
      const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
      ok = ok && digit >= 0;
      bits = (bits << 4) | static_cast<std::uint64_t>(digit < 0 ? 0 : digit);
    }
    if (!ok) fail("'" + where + "." + key + "' must be 16 hex digits (the bits of a double)");
    const double value = std::bit_cast<double>(bits);
    if (std::isnan(value)) fail("'" + where + "." + key + "' is NaN");
    return value;
  }

  // A vector of `count` T written by vector_text (count known before decoding).
  template <class T>
  std::vector<T> values(const json& object, const std::string& where, const char* key,
                        std::size_t count) const {
    const std::string& t = text(object, where, key);
    std::vector<T> out(t.size() == (count * sizeof(T) + 2) / 3 * 4 ? count : 0);
    if (out.size() != count ||
        !unbase64(t, reinterpret_cast<unsigned char*>(out.data()), count * sizeof(T)))
      fail("'" + where + "." + key + "' must be the base64 of " + std::to_string(count) +
           " values of " + std::to_string(sizeof(T)) + " bytes");
    return out;
  }

  // The element count of a vector written by vector_text, from its length.
  template <class T>
  std::size_t count(const json& object, const std::string& where, const char* key) const {
    return text(object, where, key).size() / 4 * 3 / sizeof(T);
  }

  template <class Scalar>
  Vector<Scalar> finite_vector(const json& object, const std::string& where, const char* key,
                               std::size_t count) const {
    const std::vector<Scalar> v = values<Scalar>(object, where, key, count);
    if (!std::all_of(v.begin(), v.end(), [](Scalar x) { return std::isfinite(x); }))
      fail("'" + where + "." + key + "' holds a non-finite value");
    return Eigen::Map<const Vector<Scalar>>(v.data(), static_cast<Index>(v.size()));
  }

 private:
  std::string path_;
};

OptimizerSpec read_optimizer_spec(const FieldReader& r, const json& o) {
  const std::string where = "state.optimizer";
  OptimizerSpec spec;
  try {
    spec.kind = optimizer_kind_from_string(r.text(o, where, "kind"));
    spec.learning_rate = r.number(o, where, "learning_rate");
    spec.momentum = r.number(o, where, "momentum");
    spec.beta1 = r.number(o, where, "beta1");
    spec.beta2 = r.number(o, where, "beta2");
    spec.epsilon = r.number(o, where, "epsilon");
    spec.nesterov = r.boolean(o, where, "nesterov");
    validate(spec);
  } catch (const InvalidArgument& e) {
    r.fail(where + ": " + e.what());
  }
  return spec;
}

template <class Scalar>
Optimizer<Scalar> read_optimizer(const FieldReader& r, const json& state, Index n_parameters) {
  const json& o = r.field(state, "state", "optimizer");
  Optimizer<Scalar> optimizer(read_optimizer_spec(r, o));
  const std::string where = "state.optimizer";
  const bool has_first = optimizer.spec().kind != OptimizerSpec::Kind::gradient_descent;
  const bool has_second = optimizer.spec().kind == OptimizerSpec::Kind::adam;
  const auto n = static_cast<std::size_t>(n_parameters);
  const Vector<Scalar> first = r.finite_vector<Scalar>(o, where, "first_moment", has_first ? n : 0);
  const Vector<Scalar> second =
      r.finite_vector<Scalar>(o, where, "second_moment", has_second ? n : 0);
  const auto steps = r.integer<std::int64_t>(o, where, "steps", 0, INT64_MAX);
  optimizer.restore(n_parameters, first, second, steps);
  return optimizer;
}

template <class Scalar>
TrainingState<Scalar> read_state(const FieldReader& r, const json& state, Index n_parameters) {
  const std::string where = "state";
  TrainingState<Scalar> s;
  s.optimizer = read_optimizer<Scalar>(r, state, n_parameters);
  s.started = true;
  s.epochs_done = r.integer<int>(state, where, "epochs_done", 0, INT32_MAX);
  s.schedule_epochs = r.integer<int>(state, where, "schedule_epochs", 0, INT32_MAX);
  s.samples_seen = r.integer<std::int64_t>(state, where, "samples_seen", 0, INT64_MAX);
  s.learning_rate_scale = r.number(state, where, "learning_rate_scale");
  if (!(s.learning_rate_scale > 0.0 && std::isfinite(s.learning_rate_scale)))
    r.fail("'state.learning_rate_scale' must be a finite number > 0");
  try {
    s.rng.set_state(r.text(state, where, "rng"));
  } catch (const InvalidArgument& e) {
    r.fail(std::string("'state.rng': ") + e.what());
  }
  // The order is a permutation of the training samples: one int64 each.
  const auto n = r.count<std::int64_t>(state, where, "order");
  const std::vector<std::int64_t> order = r.values<std::int64_t>(state, where, "order", n);
  std::vector<bool> seen(n, false);
  for (const std::int64_t i : order) {
    if (i < 0 || static_cast<std::uint64_t>(i) >= n || seen[static_cast<std::size_t>(i)])
      r.fail("'state.order' is not a permutation of the " + std::to_string(n) + " samples");
    seen[static_cast<std::size_t>(i)] = true;
  }
  s.order.assign(order.begin(), order.end());
  s.best_loss = r.number(state, where, "best_loss");
  s.no_improvement = r.integer<int>(state, where, "no_improvement", 0, INT32_MAX);
  s.best_monitored = r.number(state, where, "best_monitored");
  s.best_epoch = r.integer<int>(state, where, "best_epoch", 0, s.epochs_done);
  s.epochs_since_best = r.integer<int>(state, where, "epochs_since_best", 0, s.epochs_done);
  s.best_parameters = r.finite_vector<Scalar>(state, where, "best_parameters",
                                              static_cast<std::size_t>(n_parameters));
  return s;
}

// The history of `epochs` epochs: loss and learning rate for each, accuracy and validation
// values for each or none.
History read_history(const FieldReader& r, const json& h, int epochs) {
  const std::string where = "history";
  const auto n = static_cast<std::size_t>(epochs);
  History history;
  history.loss = r.values<double>(h, where, "loss", n);
  history.learning_rate = r.values<double>(h, where, "learning_rate", n);
  auto all_or_none = [&](const char* key) {
    return r.values<double>(h, where, key, r.count<double>(h, where, key) == 0 ? 0 : n);
  };
  history.accuracy = all_or_none("accuracy");
  history.val_loss = all_or_none("val_loss");
  history.val_accuracy = all_or_none("val_accuracy");
  history.best_epoch = r.integer<int>(h, where, "best_epoch", 0, epochs);
  history.stopped_early = r.boolean(h, where, "stopped_early");
  history.rollbacks = r.integer<int>(h, where, "rollbacks", 0, INT32_MAX);
  return history;
}

DataFingerprint read_fingerprint(const FieldReader& r, const json& d) {
  DataFingerprint f;
  f.samples = r.integer<Index>(d, "data", "samples", 0, INT64_MAX);
  f.features = r.integer<Index>(d, "data", "features", 0, INT64_MAX);
  const std::string& hash = r.text(d, "data", "hash");
  if (hash.size() != 16 || hash.find_first_not_of("0123456789abcdef") != std::string::npos)
    r.fail("'data.hash' must be 16 hex digits");
  f.hash = std::stoull(hash, nullptr, 16);
  return f;
}

// ---------------------------------------------------------------------------------------------
// The data's fingerprint

class Fnv1a {
 public:
  void add(const void* data, std::size_t size) {
    const auto* bytes = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) hash_ = (hash_ ^ bytes[i]) * 0x100000001b3ULL;
  }
  template <class T>
  void add_value(T value) {
    add(&value, sizeof value);
  }
  void add_names(const std::vector<std::string>& names) {
    add_value(names.size());
    for (const std::string& name : names) {
      add_value(name.size());
      add(name.data(), name.size());
    }
  }
  std::uint64_t value() const { return hash_; }

 private:
  std::uint64_t hash_ = 0xcbf29ce484222325ULL;
};

// Throws InvalidArgument, before training, when the checkpoints of this run would not fit the
// header of a model file (100 MB, model_io.hpp): the state's vectors (the best parameters, the
// optimizer's moments, the order of the samples) in base64, and the model's metadata.
template <class Scalar>
void check_fits_a_header(const Checkpoint<Scalar>& start) {
  constexpr double kMaxHeaderBytes = 100e6;
  constexpr double kHistoryAndHeaderRoom = 1e6;  // the history, the tensors' entries
  const OptimizerSpec::Kind kind = start.model.network.optimizer().kind;
  const int moments = kind == OptimizerSpec::Kind::gradient_descent ? 0
                      : kind == OptimizerSpec::Kind::momentum       ? 1
                                                                    : 2;
  const double vectors =
      static_cast<double>(start.model.network.parameter_count()) * sizeof(Scalar) * (1 + moments) +
      static_cast<double>(start.data.samples) * sizeof(std::int64_t);
  const double bytes = vectors * 4.0 / 3.0 +
                       static_cast<double>(start.model.metadata.to_json().size()) +
                       kHistoryAndHeaderRoom;
  if (bytes > kMaxHeaderBytes)
    throw InvalidArgument(
        "--checkpoint: the training state of this network (" +
        std::to_string(start.model.network.parameter_count()) + " parameters, " +
        std::to_string(start.data.samples) + " samples) needs about " +
        std::to_string(static_cast<long long>(bytes / 1e6)) +
        " MB of header, more than a model file may hold (100 MB): train without checkpoints, "
        "or with a smaller network");
}

double elapsed_seconds() {
  using clock = std::chrono::steady_clock;
  return std::chrono::duration<double>(clock::now().time_since_epoch()).count();
}

}  // namespace

template <class Scalar>
DataFingerprint data_fingerprint(const Dataset<Scalar>& data,
                                 std::span<const double> sample_weight) {
  Fnv1a h;
  h.add_value(static_cast<int>(data.task));
  h.add_value(data.features.rows());
  h.add_value(data.features.cols());
  h.add(data.features.data(), static_cast<std::size_t>(data.features.size()) * sizeof(Scalar));
  h.add_value(data.labels.size());
  h.add(data.labels.data(), data.labels.size() * sizeof(int));
  h.add_value(data.targets.size());
  h.add(data.targets.data(), static_cast<std::size_t>(data.targets.size()) * sizeof(Scalar));
  h.add_value(sample_weight.size());
  h.add(sample_weight.data(), sample_weight.size() * sizeof(double));
  h.add_names(data.feature_names);
  h.add_names(data.class_names);
  return {data.size(), data.features.cols(), h.value()};
}

template <class Scalar>
void save_checkpoint(const std::string& path, const Checkpoint<Scalar>& checkpoint) {
  json c;
  c["format_version"] = kCheckpointVersion;
  c["data"] = {{"samples", checkpoint.data.samples},
               {"features", checkpoint.data.features},
               {"hash", hash_text(checkpoint.data.hash)}};
  c["state"] = state_json(checkpoint.state);
  c["history"] = history_json(checkpoint.history);
  json extra = json::parse(checkpoint.model.metadata.to_json());
  extra["checkpoint"] = std::move(c);
  save_model(path, checkpoint.model.network, extra.dump());
}

template <class Scalar>
Checkpoint<Scalar> load_checkpoint(const std::string& path) {
  LoadedModel loaded = load_model(path);
  if (loaded.dtype != dtype_name<Scalar>())
    throw ModelFileError(path + ": the checkpoint holds an " + loaded.dtype +
                         " run; resume it with --dtype " + loaded.dtype);
  Checkpoint<Scalar> checkpoint;
  checkpoint.model = TrainedModel<Scalar>::from_parts(
      std::move(std::get<Sequential<Scalar>>(loaded.network)), loaded.extra_json, path);
  const json extra = json::parse(loaded.extra_json);  // load_model checked it
  const FieldReader r(path);
  const auto found = extra.find("checkpoint");
  if (found == extra.end())
    throw ModelFileError(path +
                         ": a model file without a training state, not a checkpoint (to train "
                         "on from its weights, use it as a warm start: mlp train --init)");
  const json& c = *found;
  if (r.integer<int>(c, "checkpoint", "format_version", 0, INT32_MAX) != kCheckpointVersion)
    r.fail("unsupported format_version (this build reads version " +
           std::to_string(kCheckpointVersion) + ")");
  const Index n_parameters = checkpoint.model.network.parameter_count();
  checkpoint.state = read_state<Scalar>(r, r.field(c, "checkpoint", "state"), n_parameters);
  if (checkpoint.state.optimizer.spec().kind != checkpoint.model.network.optimizer().kind)
    r.fail("the state's optimizer is not the model's");
  checkpoint.history =
      read_history(r, r.field(c, "checkpoint", "history"), checkpoint.state.epochs_done);
  checkpoint.data = read_fingerprint(r, r.field(c, "checkpoint", "data"));
  if (checkpoint.data.features != checkpoint.model.network.n_inputs())
    r.fail("'data.features' is not the network's number of inputs");
  if (static_cast<Index>(checkpoint.state.order.size()) > checkpoint.data.samples)
    r.fail("'state.order' has more samples than the data");
  return checkpoint;
}

template <class Scalar>
std::string training_state_json(const TrainingState<Scalar>& state) {
  return state_json(state).dump();
}

template <class Scalar>
TrainingState<Scalar> training_state_from_json(const std::string& text, Index n_parameters,
                                               const std::string& source) {
  const FieldReader r(source);
  json state;
  try {
    state = json::parse(text);
  } catch (const json::exception&) {
    r.fail("the training state is not JSON text");
  }
  return read_state<Scalar>(r, state, n_parameters);
}

template <class Scalar>
void check_resume(const Checkpoint<Scalar>& checkpoint, const std::string& settings_json,
                  const DataFingerprint& data, const std::string& path) {
  const json before = json::parse(checkpoint.model.metadata.training_json);
  const json now = json::parse(settings_json);
  for (const json* side : {&before, &now}) {
    for (const auto& [key, value] : side->items()) {
      const auto a = before.find(key);
      const auto b = now.find(key);
      const bool same = a != before.end() && b != now.end() && *a == *b;
      if (same) continue;
      throw InvalidArgument("--resume " + path + ": the setting '" + key +
                            "' differs: the checkpoint's run had " +
                            (a != before.end() ? a->dump() : std::string("none")) +
                            ", this run has " + (b != now.end() ? b->dump() : std::string("none")) +
                            "; resume with the flags of the run that wrote the checkpoint");
    }
  }
  const DataFingerprint& was = checkpoint.data;
  if (was.samples != data.samples || was.features != data.features)
    throw DataError("--resume " + path + ": the data has " + std::to_string(data.samples) +
                    " samples of " + std::to_string(data.features) +
                    " features, the checkpoint's run had " + std::to_string(was.samples) + " of " +
                    std::to_string(was.features) + "; resume with the same data");
  if (was.hash != data.hash)
    throw DataError("--resume " + path + ": the data's values differ from those of the " +
                    "checkpoint's run (same " + std::to_string(data.samples) + " samples and " +
                    std::to_string(data.features) +
                    " features, another content hash: " + hash_text(data.hash) + " vs " +
                    hash_text(was.hash) + "); resume with the same data");
}

History resumed_history(const History& before, const History& after) {
  History h = before;
  auto append = [](std::vector<double>& to, const std::vector<double>& from) {
    to.insert(to.end(), from.begin(), from.end());
  };
  append(h.loss, after.loss);
  append(h.accuracy, after.accuracy);
  append(h.val_loss, after.val_loss);
  append(h.val_accuracy, after.val_accuracy);
  append(h.learning_rate, after.learning_rate);
  if (after.best_epoch != 0) h.best_epoch = after.best_epoch;
  h.stopped_early = before.stopped_early || after.stopped_early;
  h.rollbacks += after.rollbacks;
  return h;
}

template <class Scalar>
CheckpointWriter<Scalar>::CheckpointWriter(const Checkpointing<Scalar>& plan,
                                           Checkpoint<Scalar> start)
    : plan_(plan), snapshot_(std::move(start)), before_(snapshot_.history) {
  plan_.resume = nullptr;
  taken_ = snapshot_.state.started;  // a resumed checkpoint
  check_fits_a_header(snapshot_);
  last_write_seconds_ = elapsed_seconds();
}

template <class Scalar>
void CheckpointWriter<Scalar>::after_epoch(const Sequential<Scalar>& net, const History& so_far,
                                           bool finished) {
  snapshot_.model.network.parameters() = net.parameters();  // same size: no allocation
  snapshot_.state = net.training_state();
  snapshot_.history = resumed_history(before_, so_far);
  snapshot_.history.stopped_early = finished;
  taken_ = true;
  written_ = false;
  ++epochs_since_write_;
  const bool by_epochs = plan_.every_epochs > 0 && epochs_since_write_ >= plan_.every_epochs;
  const bool by_time =
      plan_.every_seconds > 0 && elapsed_seconds() - last_write_seconds_ >= plan_.every_seconds;
  if (by_epochs || by_time || finished) write();
}

template <class Scalar>
std::optional<int> CheckpointWriter<Scalar>::finish() {
  if (!taken_) return std::nullopt;
  if (!written_) write();
  return snapshot_.state.epochs_done;
}

template <class Scalar>
void CheckpointWriter<Scalar>::write() {
  save_checkpoint(plan_.path, snapshot_);
  written_ = true;
  epochs_since_write_ = 0;
  last_write_seconds_ = elapsed_seconds();
}

#define MLP_INSTANTIATE(Scalar)                                                              \
  template DataFingerprint data_fingerprint<Scalar>(const Dataset<Scalar>&,                  \
                                                    std::span<const double>);                \
  template void save_checkpoint<Scalar>(const std::string&, const Checkpoint<Scalar>&);      \
  template Checkpoint<Scalar> load_checkpoint<Scalar>(const std::string&);                   \
  template void check_resume<Scalar>(const Checkpoint<Scalar>&, const std::string&,          \
                                     const DataFingerprint&, const std::string&);            \
  template std::string training_state_json<Scalar>(const TrainingState<Scalar>&);            \
  template TrainingState<Scalar> training_state_from_json<Scalar>(const std::string&, Index, \
                                                                  const std::string&);       \
  template class CheckpointWriter<Scalar>;
MLP_INSTANTIATE(float)
MLP_INSTANTIATE(double)
#undef MLP_INSTANTIATE

}  // namespace mlp
