// Tests of save_model / load_model: bit-exact round trips, the safetensors layout as a plain
// safetensors reader sees it, atomic saving, and one test per kind of damaged or foreign file.
#include "mlp/model/model_io.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "mlp/core/error.hpp"
#include "mlp/model/model_metadata.hpp"
#include "support/files.hpp"

namespace {

using mlp::test::read_file;
using mlp::test::write_file;

namespace fs = std::filesystem;
using nlohmann::json;

// A 3-layer network (4 -> 5 relu -> 3 tanh -> 3 softmax) with random parameters, including a
// negative zero and a subnormal so that bit-exactness is really tested.
template <class Scalar>
mlp::Sequential<Scalar> make_network(std::uint64_t seed = 7) {
  mlp::Sequential<Scalar> net(4);
  net.add(5, mlp::Activation::relu).add(3, mlp::Activation::tanh).add(3, mlp::Activation::softmax);
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  auto& p = net.parameters();
  for (mlp::Index i = 0; i < p.size(); ++i) p[i] = static_cast<Scalar>(uniform(rng));
  p[0] = -Scalar(0);
  p[1] = std::numeric_limits<Scalar>::denorm_min();
  net.compile(mlp::Loss::categorical_crossentropy,
              mlp::OptimizerSpec::adam(0.003, 0.85, 0.995, 1e-7));
  return net;
}

// The smallest useful network, for sweeps over its file.
mlp::Sequential<float> make_small_network() {
  mlp::Sequential<float> net(2);
  net.add(2, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  for (mlp::Index i = 0; i < net.parameters().size(); ++i)
    net.parameters()[i] = 0.25f * static_cast<float>(i) - 1.0f;
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.5));
  return net;
}

const char* kExtra =
    R"({"classes": ["a", "b", "c"], "scaler": {"mean": [0.5, 1.5]}, "accuracy": 0.75})";

// A safetensors file as a reader that knows only the format sees it.
struct Safetensors {
  std::uint64_t header_length = 0;
  json header;
  std::string data;
};

Safetensors parse_safetensors(const std::string& bytes) {
  Safetensors file;
  EXPECT_GE(bytes.size(), 8u);
  for (int i = 7; i >= 0; --i)
    file.header_length = (file.header_length << 8) | static_cast<unsigned char>(bytes[i]);
  file.header = json::parse(bytes.substr(8, file.header_length));
  file.data = bytes.substr(8 + file.header_length);
  return file;
}

std::string to_safetensors(const json& header, const std::string& data) {
  const std::string text = header.dump();
  std::string bytes(8, '\0');
  std::uint64_t length = text.size();
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  return bytes + text + data;
}

std::string nested_arrays(std::size_t depth) {
  return std::string(depth, '[') + std::string(depth, ']');
}

// A header length and header text, nothing else.
std::string header_only(const std::string& text) {
  std::string bytes(8, '\0');
  const std::uint64_t length = text.size();
  std::memcpy(bytes.data(), &length, 8);
  return bytes + text;
}

template <class Scalar>
void expect_same_network(const mlp::Sequential<Scalar>& a, const mlp::Sequential<Scalar>& b) {
  EXPECT_EQ(a.n_inputs(), b.n_inputs());
  ASSERT_EQ(a.layers().size(), b.layers().size());
  for (std::size_t l = 0; l < a.layers().size(); ++l) {
    EXPECT_EQ(a.layers()[l].n_in, b.layers()[l].n_in) << "layer " << l;
    EXPECT_EQ(a.layers()[l].n_out, b.layers()[l].n_out) << "layer " << l;
    EXPECT_EQ(a.layers()[l].activation, b.layers()[l].activation) << "layer " << l;
  }
  EXPECT_EQ(a.loss(), b.loss());
  EXPECT_EQ(a.optimizer().kind, b.optimizer().kind);
  EXPECT_EQ(a.optimizer().learning_rate, b.optimizer().learning_rate);
  EXPECT_EQ(a.optimizer().momentum, b.optimizer().momentum);
  EXPECT_EQ(a.optimizer().beta1, b.optimizer().beta1);
  EXPECT_EQ(a.optimizer().beta2, b.optimizer().beta2);
  EXPECT_EQ(a.optimizer().epsilon, b.optimizer().epsilon);
  ASSERT_EQ(a.parameters().size(), b.parameters().size());
  EXPECT_EQ(std::memcmp(a.parameters().data(), b.parameters().data(),
                        sizeof(Scalar) * static_cast<std::size_t>(a.parameters().size())),
            0);
}

// Loading `path` must throw ModelFileError whose message starts with the path and contains
// `phrase`.
void expect_model_error(const std::string& path, const std::string& phrase) {
  try {
    mlp::load_model(path);
    ADD_FAILURE() << "loading " << path << " succeeded; expected an error containing '" << phrase
                  << "'";
  } catch (const mlp::ModelFileError& e) {
    const std::string message = e.what();
    EXPECT_EQ(message.rfind(path + ": ", 0), 0u) << message;
    EXPECT_NE(message.find(phrase), std::string::npos)
        << "message: " << message << "\nexpected phrase: " << phrase;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "wrong exception type, message: " << e.what();
  }
}

class ModelIoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / ("mlp_model_io_" + std::to_string(::getpid()) + "_" +
                                        info->test_suite_name() + "_" + info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(dir_, ec);
  }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::vector<std::string> files_in_dir() const {
    std::vector<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      names.push_back(entry.path().filename().string());
    return names;
  }

  // A good f32 model file (the 3-layer network), returned as its path.
  std::string good_file() {
    const std::string p = path("good.safetensors");
    mlp::save_model(p, make_network<float>(), kExtra);
    return p;
  }

  // Writes the good file with `edit` applied to its parsed header and data, then returns the
  // damaged file's path.
  std::string damaged(const std::function<void(json&, std::string&)>& edit) {
    Safetensors file = parse_safetensors(read_file(good_file()));
    edit(file.header, file.data);
    const std::string p = path("damaged.safetensors");
    write_file(p, to_safetensors(file.header, file.data));
    return p;
  }

  std::string with_metadata(const std::function<void(json&)>& edit) {
    return damaged([&](json& header, std::string&) { edit(header["__metadata__"]); });
  }

  std::string with_architecture(const std::function<void(json&)>& edit) {
    return with_metadata([&](json& metadata) {
      json arch = json::parse(metadata["architecture"].get<std::string>());
      edit(arch);
      metadata["architecture"] = arch.dump();
    });
  }

  fs::path dir_;
};

class ModelIoRoundTrip : public ModelIoTest {};
class ModelIoSave : public ModelIoTest {};
class ModelIoDamage : public ModelIoTest {};
class ModelIoTruncation : public ModelIoTest {};

// ---------------------------------------------------------------------------------------------
// Round trips

TEST_F(ModelIoRoundTrip, FloatIsBitExact) {
  const auto net = make_network<float>();
  const std::string p = path("model.safetensors");
  mlp::save_model(p, net, kExtra);
  mlp::LoadedModel loaded = mlp::load_model(p);
  EXPECT_EQ(loaded.dtype, "f32");
  EXPECT_EQ(loaded.extra_json, kExtra);
  ASSERT_TRUE(std::holds_alternative<mlp::Sequential<float>>(loaded.network));
  expect_same_network(net, std::get<mlp::Sequential<float>>(loaded.network));
}

TEST_F(ModelIoRoundTrip, DoubleIsBitExact) {
  auto net = make_network<double>();
  net.compile(mlp::Loss::mse, mlp::OptimizerSpec::with_momentum(0.1, 0.3));
  const std::string p = path("model.safetensors");
  mlp::save_model(p, net, kExtra);
  mlp::LoadedModel loaded = mlp::load_model(p);
  EXPECT_EQ(loaded.dtype, "f64");
  EXPECT_EQ(loaded.extra_json, kExtra);
  ASSERT_TRUE(std::holds_alternative<mlp::Sequential<double>>(loaded.network));
  expect_same_network(net, std::get<mlp::Sequential<double>>(loaded.network));

  std::string extra;
  expect_same_network(net, mlp::load_model_as<double>(p, &extra));
  EXPECT_EQ(extra, kExtra);
}

TEST_F(ModelIoRoundTrip, DefaultExtraIsEmptyObject) {
  const std::string p = path("model.safetensors");
  mlp::save_model(p, make_small_network());
  EXPECT_EQ(mlp::load_model(p).extra_json, "{}");
}

TEST_F(ModelIoRoundTrip, F32FileLoadedAsDoubleIsExact) {
  const auto net = make_network<float>();
  const std::string p = path("model.safetensors");
  mlp::save_model(p, net, kExtra);
  std::string extra;
  const auto loaded = mlp::load_model_as<double>(p, &extra);
  EXPECT_EQ(extra, kExtra);
  ASSERT_EQ(loaded.parameters().size(), net.parameters().size());
  for (mlp::Index i = 0; i < net.parameters().size(); ++i)
    EXPECT_EQ(loaded.parameters()[i], static_cast<double>(net.parameters()[i])) << i;
  EXPECT_TRUE(std::signbit(loaded.parameters()[0]));
  EXPECT_EQ(loaded.loss(), net.loss());
  EXPECT_EQ(loaded.optimizer().epsilon, net.optimizer().epsilon);
  EXPECT_EQ(loaded.layers().size(), net.layers().size());
}

TEST_F(ModelIoRoundTrip, F64FileLoadedAsFloatRounds) {
  const auto net = make_network<double>();
  const std::string p = path("model.safetensors");
  mlp::save_model(p, net);
  const auto loaded = mlp::load_model_as<float>(p);
  ASSERT_EQ(loaded.parameters().size(), net.parameters().size());
  for (mlp::Index i = 0; i < net.parameters().size(); ++i)
    EXPECT_EQ(loaded.parameters()[i], static_cast<float>(net.parameters()[i])) << i;
  EXPECT_EQ(loaded.layers().back().activation, mlp::Activation::softmax);
}

TEST_F(ModelIoRoundTrip, F64ValueTooLargeForFloatIsReported) {
  auto net = make_network<double>();
  net.parameters()[3] = 1e300;
  const std::string p = path("model.safetensors");
  mlp::save_model(p, net);
  EXPECT_NO_THROW(mlp::load_model_as<double>(p));
  try {
    mlp::load_model_as<float>(p);
    ADD_FAILURE() << "no error";
  } catch (const mlp::ModelFileError& e) {
    EXPECT_NE(std::string(e.what()).find("too large for float"), std::string::npos) << e.what();
  }
}

TEST_F(ModelIoRoundTrip, PredictionsOfLoadedNetworkEqualOriginal) {
  const auto net_f = make_network<float>(11);
  const auto net_d = make_network<double>(12);
  mlp::save_model(path("f.safetensors"), net_f);
  mlp::save_model(path("d.safetensors"), net_d);
  const auto loaded_f = mlp::load_model_as<float>(path("f.safetensors"));
  const auto loaded_d = mlp::load_model_as<double>(path("d.safetensors"));

  std::mt19937_64 rng(3);
  std::normal_distribution<double> normal(0.0, 1.5);
  mlp::Matrix<double> X(17, 4);
  for (mlp::Index i = 0; i < X.size(); ++i) X.data()[i] = normal(rng);
  const mlp::Matrix<float> Xf = X.cast<float>();
  EXPECT_TRUE(net_f.predict_proba(Xf) == loaded_f.predict_proba(Xf));
  EXPECT_TRUE(net_f.predict(Xf) == loaded_f.predict(Xf));
  EXPECT_TRUE(net_d.predict_proba(X) == loaded_d.predict_proba(X));
  EXPECT_TRUE(net_d.predict(X) == loaded_d.predict(X));
}

TEST_F(ModelIoRoundTrip, HeaderIsPlainSafetensors) {
  const auto net = make_network<float>();
  const std::string p = path("model.safetensors");
  mlp::save_model(p, net, kExtra);
  const std::string bytes = read_file(p);
  const Safetensors file = parse_safetensors(bytes);

  EXPECT_EQ((8 + file.header_length) % 8, 0u) << "data section is not 8-byte aligned";
  ASSERT_TRUE(file.header.is_object());
  std::vector<std::string> keys;
  for (const auto& [key, value] : file.header.items()) keys.push_back(key);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"__metadata__", "layers.0.bias", "layers.0.weight",
                                            "layers.1.bias", "layers.1.weight", "layers.2.bias",
                                            "layers.2.weight"}));

  std::size_t covered = 0;
  for (std::size_t l = 0; l < 3; ++l) {
    const auto& layer = net.layers()[l];
    const json& w = file.header["layers." + std::to_string(l) + ".weight"];
    const json& b = file.header["layers." + std::to_string(l) + ".bias"];
    EXPECT_EQ(w["dtype"], "F32");
    EXPECT_EQ(b["dtype"], "F32");
    EXPECT_EQ(w["shape"], json::array({layer.n_in, layer.n_out}));
    EXPECT_EQ(b["shape"], json::array({layer.n_out}));
    for (const json* t : {&w, &b}) {
      ASSERT_TRUE((*t)["data_offsets"].is_array());
      ASSERT_EQ((*t)["data_offsets"].size(), 2u);
    }
    const auto wb = w["data_offsets"][0].get<std::size_t>();
    const auto we = w["data_offsets"][1].get<std::size_t>();
    const auto bb = b["data_offsets"][0].get<std::size_t>();
    const auto be = b["data_offsets"][1].get<std::size_t>();
    ASSERT_EQ(we - wb, sizeof(float) * static_cast<std::size_t>(layer.n_in * layer.n_out));
    ASSERT_EQ(be - bb, sizeof(float) * static_cast<std::size_t>(layer.n_out));
    ASSERT_LE(we, file.data.size());
    ASSERT_LE(be, file.data.size());
    // Row-major n_in x n_out weights and the bias, as raw little-endian floats.
    EXPECT_EQ(std::memcmp(file.data.data() + wb, net.weights(l).data(), we - wb), 0);
    EXPECT_EQ(std::memcmp(file.data.data() + bb, net.bias(l).data(), be - bb), 0);
    covered += (we - wb) + (be - bb);
  }
  EXPECT_EQ(covered, file.data.size());

  const json& metadata = file.header["__metadata__"];
  ASSERT_TRUE(metadata.is_object());
  for (const auto& [key, value] : metadata.items())
    EXPECT_TRUE(value.is_string()) << "metadata value " << key << " is not a string";
  EXPECT_EQ(metadata["format"], "mlp");
  EXPECT_EQ(metadata["format_version"], "1");
  EXPECT_EQ(metadata["extra"], kExtra);
  const json arch = json::parse(metadata["architecture"].get<std::string>());
  EXPECT_EQ(arch["inputs"], 4);
  EXPECT_EQ(arch["layers"], json::parse(R"([{"units": 5, "activation": "relu"},
                                            {"units": 3, "activation": "tanh"},
                                            {"units": 3, "activation": "softmax"}])"));
  EXPECT_EQ(arch["loss"], "categorical_crossentropy");
  EXPECT_EQ(arch["dtype"], "f32");
  EXPECT_EQ(arch["optimizer"]["kind"], "adam");
  EXPECT_EQ(arch["optimizer"]["learning_rate"].get<double>(), 0.003);
  EXPECT_EQ(arch["optimizer"]["beta1"].get<double>(), 0.85);
  EXPECT_EQ(arch["optimizer"]["beta2"].get<double>(), 0.995);
  EXPECT_EQ(arch["optimizer"]["epsilon"].get<double>(), 1e-7);
  EXPECT_TRUE(arch["optimizer"].contains("momentum"));
}

TEST_F(ModelIoRoundTrip, OverwritesExistingModelAndLeavesNoTemporaryFile) {
  const std::string p = path("model.safetensors");
  mlp::save_model(p, make_network<float>(1));
  const auto second = make_network<float>(2);
  mlp::save_model(p, second, kExtra);
  expect_same_network(second, mlp::load_model_as<float>(p));
  EXPECT_EQ(files_in_dir(), std::vector<std::string>{"model.safetensors"});
}

// ---------------------------------------------------------------------------------------------
// Saving

TEST_F(ModelIoSave, MissingFolderThrowsAndLeavesNoFile) {
  const std::string p = path("no_such_folder/model.safetensors");
  try {
    mlp::save_model(p, make_small_network());
    ADD_FAILURE() << "no error";
  } catch (const mlp::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(p), std::string::npos) << message;
    EXPECT_NE(message.find("No such file or directory"), std::string::npos) << message;
  }
  EXPECT_FALSE(fs::exists(p));
  EXPECT_TRUE(files_in_dir().empty());
}

TEST_F(ModelIoSave, ParentIsAFileThrows) {
  write_file(path("plain_file"), "x");
  const std::string p = path("plain_file/model.safetensors");
  EXPECT_THROW(mlp::save_model(p, make_small_network()), mlp::Error);
  EXPECT_EQ(files_in_dir(), std::vector<std::string>{"plain_file"});
}

TEST_F(ModelIoSave, UnwritableFolderThrowsAndLeavesNoFile) {
  const fs::path folder = dir_ / "read_only";
  fs::create_directory(folder);
  fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
  if (::access(folder.c_str(), W_OK) == 0) GTEST_SKIP() << "running as root: folder is writable";
  const std::string p = (folder / "model.safetensors").string();
  try {
    mlp::save_model(p, make_small_network());
    ADD_FAILURE() << "no error";
  } catch (const mlp::Error& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find(p), std::string::npos) << message;
    EXPECT_NE(message.find("Permission denied"), std::string::npos) << message;
  }
  EXPECT_TRUE(fs::is_empty(folder));
}

TEST_F(ModelIoSave, FolderAsTargetIsRefusedAndLeftAlone) {
  // The target is a non-empty folder: refused before anything is written.
  const fs::path target = dir_ / "model.safetensors";
  fs::create_directory(target);
  write_file((target / "keep").string(), "x");
  EXPECT_THROW(mlp::save_model(target.string(), make_small_network()), mlp::Error);
  EXPECT_EQ(files_in_dir(), std::vector<std::string>{"model.safetensors"});
  EXPECT_TRUE(fs::exists(target / "keep"));
}

TEST_F(ModelIoSave, FailedSaveKeepsExistingModel) {
  const std::string p = path("model.safetensors");
  mlp::save_model(p, make_network<float>(), kExtra);
  const std::string before = read_file(p);
  auto bad = make_network<float>(5);
  bad.parameters()[2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(mlp::save_model(p, bad), mlp::InvalidArgument);
  EXPECT_THROW(mlp::save_model(p, make_network<float>(5), "[1, 2]"), mlp::InvalidArgument);
  EXPECT_EQ(read_file(p), before);
  EXPECT_EQ(files_in_dir(), std::vector<std::string>{"model.safetensors"});
}

TEST_F(ModelIoSave, RejectsExtraThatIsNotAJsonObject) {
  const auto net = make_small_network();
  for (const char* extra : {"", "not json", "[1]", "\"text\"", "42", "{\"a\": ", "{} {}"}) {
    EXPECT_THROW(mlp::save_model(path("m.safetensors"), net, extra), mlp::InvalidArgument) << extra;
  }
  EXPECT_TRUE(files_in_dir().empty());
}

TEST_F(ModelIoSave, RefusesWhatTheLoaderWouldRefuse) {
  // What save_model writes, load_model must read: each limit of the loader is refused here,
  // before anything is written.
  const auto net = make_small_network();
  const std::string p = path("m.safetensors");
  auto expect_refused = [&](const std::string& extra, const std::string& phrase) {
    try {
      mlp::save_model(p, net, extra);
      ADD_FAILURE() << "saved; expected an error containing " << phrase;
    } catch (const mlp::InvalidArgument& e) {
      EXPECT_NE(std::string(e.what()).find(phrase), std::string::npos) << e.what();
    }
    EXPECT_FALSE(fs::exists(p));
  };
  // A 101 MB class name: the header would exceed the loader's 100 MB.
  expect_refused("{\"classes\": [\"" + std::string(101'000'000, 'x') + "\"]}",
                 "more than load_model accepts (100000000)");
  expect_refused("{\"a\": " + nested_arrays(65) + "}", "nests more than 64 levels");
  mlp::Sequential<float> deep(1);
  for (int l = 0; l < 10'001; ++l) deep.add(1, mlp::Activation::sigmoid);
  deep.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.5));
  try {
    mlp::save_model(p, deep);
    ADD_FAILURE() << "saved a network of 10001 layers";
  } catch (const mlp::InvalidArgument& e) {
    EXPECT_NE(std::string(e.what()).find("10001 layers"), std::string::npos) << e.what();
  }
  // Just within the limits: saved and loaded.
  mlp::save_model(p, net, "{\"a\": " + nested_arrays(63) + "}");
  EXPECT_NO_THROW(mlp::load_model(p));
}

TEST_F(ModelIoSave, RejectsNetworkWithoutLayers) {
  EXPECT_THROW(mlp::save_model(path("m.safetensors"), mlp::Sequential<double>(3)),
               mlp::InvalidArgument);
  EXPECT_TRUE(files_in_dir().empty());
}

TEST_F(ModelIoSave, RejectsNonFiniteParameters) {
  auto net = make_small_network();
  net.parameters()[4] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(mlp::save_model(path("m.safetensors"), net), mlp::InvalidArgument);
  EXPECT_TRUE(files_in_dir().empty());
}

// ---------------------------------------------------------------------------------------------
// Damaged, truncated and foreign files

TEST_F(ModelIoDamage, MissingFile) {
  expect_model_error(path("absent.safetensors"), "cannot open the model file");
  expect_model_error(path("absent.safetensors"), "No such file or directory");
}

TEST_F(ModelIoDamage, Directory) {
  expect_model_error(dir_.string(), "is a directory");
}

TEST_F(ModelIoDamage, EmptyFile) {
  write_file(path("empty"), "");
  expect_model_error(path("empty"), "the file is empty");
}

TEST_F(ModelIoDamage, ShorterThanHeaderLength) {
  for (std::size_t n = 1; n < 8; ++n) {
    write_file(path("short"), std::string(n, '\x01'));
    expect_model_error(path("short"), "too short");
  }
}

TEST_F(ModelIoDamage, TruncatedAtSeveralLengths) {
  const std::string bytes = read_file(good_file());
  const std::size_t header_end = 8 + parse_safetensors(bytes).header_length;
  const std::string p = path("truncated");
  const std::vector<std::pair<std::size_t, const char*>> cuts = {
      {3, "too short"},
      {8, "exceeds the file size"},
      {50, "exceeds the file size"},
      {header_end - 1, "exceeds the file size"},
      {header_end, "beyond the data section"},
      {header_end + 5, "beyond the data section"},
      {bytes.size() - 1, "beyond the data section"},
  };
  for (const auto& [length, phrase] : cuts) {
    write_file(p, bytes.substr(0, length));
    expect_model_error(p, phrase);
  }
}

TEST_F(ModelIoDamage, HeaderLengthBeyondFile) {
  std::string bytes = read_file(good_file());
  bytes[0] = static_cast<char>(0xff);
  bytes[1] = static_cast<char>(0xff);
  bytes[2] = static_cast<char>(0x0f);  // about 1 MB: plausible, but longer than the file
  write_file(path("m"), bytes);
  expect_model_error(path("m"), "exceeds the file size");
}

TEST_F(ModelIoDamage, AbsurdHeaderLength) {
  std::string bytes = read_file(good_file());
  bytes[7] = static_cast<char>(0x7f);
  write_file(path("m"), bytes);
  expect_model_error(path("m"), "implausibly large");
}

TEST_F(ModelIoDamage, HeaderNotJson) {
  std::string bytes = read_file(good_file());
  bytes[8] = 'x';  // the header's opening brace
  write_file(path("m"), bytes);
  expect_model_error(path("m"), "the header is not valid JSON");
}

TEST_F(ModelIoDamage, EveryFlippedHeaderByteIsDetected) {
  const std::string bytes = read_file(good_file());
  const std::size_t header_end = 8 + parse_safetensors(bytes).header_length;
  const std::string p = path("flipped");
  for (std::size_t i = 8; i < header_end; ++i) {
    std::string damaged_bytes = bytes;
    damaged_bytes[i] = static_cast<char>(damaged_bytes[i] ^ 0xff);  // never valid JSON text
    write_file(p, damaged_bytes);
    expect_model_error(p, "the header is not valid JSON");
    if (HasFailure()) {
      ADD_FAILURE() << "at header byte " << i;
      break;
    }
  }
}

TEST_F(ModelIoDamage, HeaderNotAnObject) {
  write_file(path("m"), to_safetensors(json::array({1, 2}), ""));
  expect_model_error(path("m"), "the header is not a JSON object");
}

TEST_F(ModelIoDamage, DeeplyNestedHeaderDoesNotCrash) {
  write_file(path("open"), header_only(std::string(1'000'000, '[')));
  expect_model_error(path("open"), "the header nests more than 64 levels of JSON");
  // Closed arrays parse: copying, printing or destroying them recursed until the stack ran out.
  write_file(path("closed"), header_only("{\"a\": " + nested_arrays(60'000) + "}"));
  expect_model_error(path("closed"), "the header nests more than 64 levels of JSON");
}

TEST_F(ModelIoDamage, DeeplyNestedArchitectureOrExtraDoesNotCrash) {
  expect_model_error(with_metadata([](json& m) { m["extra"] = nested_arrays(60'000); }),
                     "the extra metadata nests more than 64 levels of JSON");
  expect_model_error(with_metadata([](json& m) {
                       m["architecture"] = "{\"inputs\": " + nested_arrays(100) + "}";
                     }),
                     "the architecture nests more than 64 levels of JSON");
  // Brackets inside strings are text, not nesting.
  const std::string brackets = "{\"name\": \"" + std::string(1000, '[') + "\\\"\"}";
  EXPECT_EQ(mlp::load_model(with_metadata([&](json& m) { m["extra"] = brackets; })).extra_json,
            brackets);
}

TEST_F(ModelIoDamage, TooManyJsonValues) {
  std::string many = "{\"a\": [0";
  for (int i = 0; i < 8'000'000; ++i) many += ",0";
  many += "]}";
  expect_model_error(with_metadata([&](json& m) { m["extra"] = many; }),
                     "the extra metadata holds more than 8000000 JSON values");
  // The header proper holds 9 values per tensor: a million is far beyond 10,000 layers.
  std::string wide = "{\"a\": [0";
  for (int i = 0; i < 1'000'000; ++i) wide += ",0";
  write_file(path("wide"), header_only(wide + "]}"));
  expect_model_error(path("wide"), "the header holds more than 1000000 JSON values");
}

TEST_F(ModelIoDamage, ForeignSafetensorsWithoutMetadata) {
  // What a PyTorch export of a single tensor looks like.
  json header;
  header["weight"] = {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}};
  write_file(path("torch.safetensors"), to_safetensors(header, std::string(8, '\0')));
  expect_model_error(path("torch.safetensors"), "not an mlp model");
}

TEST_F(ModelIoDamage, ForeignSafetensorsWithOtherMetadata) {
  json header;
  header["__metadata__"] = {{"format", "pt"}};
  header["weight"] = {{"dtype", "F32"}, {"shape", {2}}, {"data_offsets", {0, 8}}};
  write_file(path("torch.safetensors"), to_safetensors(header, std::string(8, '\0')));
  expect_model_error(path("torch.safetensors"), "not an mlp model");

  expect_model_error(with_metadata([](json& m) { m.erase("format"); }), "not an mlp model");
}

TEST_F(ModelIoDamage, MetadataValueNotString) {
  expect_model_error(with_metadata([](json& m) { m["format_version"] = 1; }), "is not a string");
  expect_model_error(damaged([](json& h, std::string&) { h["__metadata__"] = "mlp"; }),
                     "__metadata__ is not a JSON object");
}

TEST_F(ModelIoDamage, UnsupportedFormatVersion) {
  expect_model_error(with_metadata([](json& m) { m["format_version"] = "2"; }),
                     "unsupported format_version '2'");
  expect_model_error(with_metadata([](json& m) { m.erase("format_version"); }),
                     "missing format_version");
}

TEST_F(ModelIoDamage, MissingArchitecture) {
  expect_model_error(with_metadata([](json& m) { m.erase("architecture"); }),
                     "missing architecture");
}

TEST_F(ModelIoDamage, ArchitectureNotJson) {
  expect_model_error(with_metadata([](json& m) { m["architecture"] = "{\"inputs\": 4,"; }),
                     "architecture is not valid JSON");
  expect_model_error(with_metadata([](json& m) { m["architecture"] = "[4]"; }),
                     "architecture is not a JSON object");
}

TEST_F(ModelIoDamage, ArchitectureMissingField) {
  for (const char* key : {"inputs", "layers", "loss", "dtype", "optimizer"}) {
    expect_model_error(with_architecture([&](json& a) { a.erase(key); }),
                       std::string("missing '") + key + "'");
  }
  for (const char* key : {"kind", "learning_rate", "momentum", "beta1", "beta2", "epsilon"}) {
    expect_model_error(with_architecture([&](json& a) { a["optimizer"].erase(key); }),
                       std::string("optimizer: missing '") + key + "'");
  }
  expect_model_error(with_architecture([](json& a) { a["layers"][1].erase("activation"); }),
                     "layers[1]: missing 'activation'");
  expect_model_error(with_architecture([](json& a) { a["layers"] = json::array(); }),
                     "'layers' must be a non-empty array");
}

TEST_F(ModelIoDamage, NonPositiveUnits) {
  for (const json& units : {json(0), json(-2), json(1.5), json("3")}) {
    expect_model_error(with_architecture([&](json& a) { a["layers"][1]["units"] = units; }),
                       "layers[1]: 'units' must be a positive integer");
  }
  expect_model_error(with_architecture([](json& a) { a["inputs"] = 0; }),
                     "'inputs' must be a positive integer");
}

TEST_F(ModelIoDamage, UnknownActivation) {
  expect_model_error(with_architecture([](json& a) { a["layers"][0]["activation"] = "swish"; }),
                     "unknown activation 'swish'");
}

TEST_F(ModelIoDamage, UnknownLoss) {
  expect_model_error(with_architecture([](json& a) { a["loss"] = "hinge"; }),
                     "unknown loss 'hinge'");
}

TEST_F(ModelIoDamage, UnknownArchitectureDtype) {
  expect_model_error(with_architecture([](json& a) { a["dtype"] = "f16"; }),
                     "unsupported dtype 'f16'");
}

TEST_F(ModelIoDamage, InvalidOptimizerSettings) {
  expect_model_error(with_architecture([](json& a) { a["optimizer"]["learning_rate"] = -1.0; }),
                     "learning rate");
  expect_model_error(with_architecture([](json& a) { a["optimizer"]["kind"] = "rmsprop"; }),
                     "unknown optimizer 'rmsprop'");
  expect_model_error(with_architecture([](json& a) { a["optimizer"]["beta1"] = "0.9"; }),
                     "'beta1' must be a finite number");
}

TEST_F(ModelIoDamage, LossDoesNotFitOutputLayer) {
  expect_model_error(with_architecture([](json& a) { a["layers"][2]["activation"] = "identity"; }),
                     "categorical_crossentropy needs a softmax output layer");
}

TEST_F(ModelIoDamage, HugeUnitsAreRejectedBeforeAllocating) {
  expect_model_error(
      with_architecture([](json& a) { a["layers"][1]["units"] = 1'000'000'000'000'000LL; }),
      "has shape");
}

TEST_F(ModelIoDamage, MissingTensor) {
  expect_model_error(damaged([](json& h, std::string&) { h.erase("layers.1.bias"); }),
                     "missing tensor 'layers.1.bias'");
}

TEST_F(ModelIoDamage, UnexpectedTensor) {
  expect_model_error(damaged([](json& h, std::string& data) {
                       const auto end = data.size();
                       data += std::string(8, '\0');
                       h["layers.3.weight"] = {
                           {"dtype", "F32"}, {"shape", {1, 2}}, {"data_offsets", {end, end + 8}}};
                     }),
                     "unexpected tensor 'layers.3.weight'");
}

TEST_F(ModelIoDamage, UnsupportedTensorDtype) {
  expect_model_error(damaged([](json& h, std::string&) { h["layers.0.weight"]["dtype"] = "BF16"; }),
                     "tensor 'layers.0.weight' has unsupported dtype 'BF16'");
  expect_model_error(damaged([](json& h, std::string&) { h["layers.0.weight"]["dtype"] = 4; }),
                     "tensor 'layers.0.weight' has no dtype string");
}

TEST_F(ModelIoDamage, TensorDtypeDiffersFromArchitecture) {
  expect_model_error(damaged([](json& h, std::string&) { h["layers.2.bias"]["dtype"] = "F64"; }),
                     "tensor 'layers.2.bias' has dtype F64 but the architecture says f32");
}

TEST_F(ModelIoDamage, ShapeDoesNotMatchArchitecture) {
  expect_model_error(
      damaged([](json& h, std::string&) {
        h["layers.1.weight"]["shape"] = {3, 5};
      }),
      "tensor 'layers.1.weight' has shape '[3,5]' but the architecture needs [5, 3]");
  expect_model_error(damaged([](json& h, std::string&) {
                       h["layers.1.bias"]["shape"] = {3, 1};
                     }),
                     "tensor 'layers.1.bias' has shape");
  expect_model_error(damaged([](json& h, std::string&) { h["layers.1.bias"]["shape"] = {-3}; }),
                     "shape must be an array of non-negative integers");
}

TEST_F(ModelIoDamage, DataOffsetsNotIntegers) {
  for (const json& offsets : {json::array({0.5, 20}), json::array({"0", "20"}), json::array({0}),
                              json::array({0, 20, 40}), json(20), json::array({-4, 20})}) {
    expect_model_error(
        damaged([&](json& h, std::string&) { h["layers.0.bias"]["data_offsets"] = offsets; }),
        "tensor 'layers.0.bias': data_offsets must be [begin, end]");
  }
  expect_model_error(
      damaged([](json& h, std::string&) { h["layers.0.bias"].erase("data_offsets"); }),
      "data_offsets must be [begin, end]");
}

TEST_F(ModelIoDamage, DataOffsetsBeginAfterEnd) {
  expect_model_error(damaged([](json& h, std::string&) {
                       auto& o = h["layers.0.weight"]["data_offsets"];
                       o = {o[1], o[0]};
                     }),
                     "data_offsets begin 80 is after end 0");
}

TEST_F(ModelIoDamage, DataOffsetsBeyondDataSection) {
  expect_model_error(damaged([](json& h, std::string& data) {
                       h["layers.2.bias"]["data_offsets"] = {data.size(), data.size() + 12};
                     }),
                     "tensor 'layers.2.bias': data_offsets end");
  expect_model_error(damaged([](json& h, std::string& data) {
                       h["layers.2.bias"]["data_offsets"] = {data.size(), data.size() + 12};
                     }),
                     "lies beyond the data section");
  expect_model_error(
      damaged([](json& h, std::string&) {
        h["layers.0.weight"]["data_offsets"] = {0, std::numeric_limits<std::uint64_t>::max()};
      }),
      "lies beyond the data section");
}

TEST_F(ModelIoDamage, ByteSizeDoesNotMatchShape) {
  expect_model_error(damaged([](json& h, std::string&) {
                       auto& o = h["layers.1.bias"]["data_offsets"];
                       o[1] = o[1].get<std::uint64_t>() - 4;
                     }),
                     "tensor 'layers.1.bias' holds 8 bytes but shape [3] of F32 needs 12");
}

TEST_F(ModelIoDamage, OverlappingTensors) {
  // layers.0.bias (5 floats) pointed into layers.0.weight.
  expect_model_error(damaged([](json& h, std::string&) {
                       h["layers.0.bias"]["data_offsets"] = {40, 60};
                     }),
                     "overlap");
}

TEST_F(ModelIoDamage, GapBetweenTensors) {
  expect_model_error(damaged([](json& h, std::string& data) {
                       auto& o = h["layers.2.bias"]["data_offsets"];
                       const auto begin = o[0].get<std::size_t>();
                       data.insert(begin, 4, '\0');
                       o = {begin + 4, o[1].get<std::size_t>() + 4};
                     }),
                     "gap of 4 bytes before tensor 'layers.2.bias'");
}

TEST_F(ModelIoDamage, TrailingGarbage) {
  std::string bytes = read_file(good_file());
  write_file(path("m"), bytes + "garbage!");
  expect_model_error(path("m"), "8 bytes after the last tensor (trailing garbage)");
}

TEST_F(ModelIoDamage, NonFiniteValues) {
  auto poke = [&](float value) {
    return damaged([&](json& h, std::string& data) {
      const auto begin = h["layers.1.weight"]["data_offsets"][0].get<std::size_t>();
      std::memcpy(data.data() + begin + 2 * sizeof(float), &value, sizeof(float));
    });
  };
  expect_model_error(poke(std::numeric_limits<float>::quiet_NaN()),
                     "tensor 'layers.1.weight' holds a non-finite value (NaN) at element 2");
  expect_model_error(poke(-std::numeric_limits<float>::infinity()),
                     "tensor 'layers.1.weight' holds a non-finite value (infinity) at element 2");
}

TEST_F(ModelIoDamage, ExtraMetadataNotAJsonObject) {
  expect_model_error(with_metadata([](json& m) { m["extra"] = "[1, 2]"; }),
                     "the extra metadata is not a JSON object");
  expect_model_error(with_metadata([](json& m) { m["extra"] = "{"; }),
                     "the extra metadata is not valid JSON");
  EXPECT_EQ(mlp::load_model(with_metadata([](json& m) { m.erase("extra"); })).extra_json, "{}");
}

TEST_F(ModelIoDamage, MetadataFieldOfTheWrongType) {
  // What the extra metadata holds is read by ModelMetadata (TrainedModel): a field of the wrong
  // JSON type is named, never reported as the JSON library's type_error.
  for (const char* field : {"task", "input_format", "target"}) {
    const json extra = {{"format_version", 1}, {field, 5}};
    try {
      mlp::ModelMetadata::from_json(extra.dump());
      ADD_FAILURE() << field << " of the wrong type was accepted";
    } catch (const mlp::ModelFileError& e) {
      EXPECT_EQ(std::string(e.what()),
                std::string("model metadata: '") + field + "' is not a string");
    }
  }
}

TEST_F(ModelIoDamage, RandomGarbage) {
  std::mt19937_64 rng(42);
  const std::string p = path("garbage");
  for (int trial = 0; trial < 200; ++trial) {
    const std::size_t size = std::uniform_int_distribution<std::size_t>(0, 3000)(rng);
    std::string bytes(size, '\0');
    for (char& c : bytes) c = static_cast<char>(rng() & 0xff);
    // Half the trials get a plausible header length, so that the JSON parser sees garbage too.
    if (trial % 2 == 1 && size >= 8) {
      const std::uint64_t length = size - 8 - (size > 16 ? rng() % 8 : 0);
      std::memcpy(bytes.data(), &length, 8);
    }
    write_file(p, bytes);
    EXPECT_THROW(mlp::load_model(p), mlp::ModelFileError) << "trial " << trial;
    expect_model_error(p, "");
  }
}

TEST_F(ModelIoTruncation, EveryPrefixThrows) {
  const std::string good = path("small.safetensors");
  mlp::save_model(good, make_small_network(), R"({"note": "small"})");
  const std::string bytes = read_file(good);
  ASSERT_NO_THROW(mlp::load_model(good));
  const std::string p = path("prefix");
  for (std::size_t length = 0; length < bytes.size(); ++length) {
    write_file(p, bytes.substr(0, length));
    try {
      mlp::load_model(p);
      ADD_FAILURE() << "prefix of " << length << " bytes loaded";
    } catch (const mlp::ModelFileError& e) {
      EXPECT_EQ(std::string(e.what()).rfind(p + ": ", 0), 0u) << e.what();
    } catch (const std::exception& e) {
      ADD_FAILURE() << "prefix of " << length << " bytes: wrong exception: " << e.what();
    }
  }
}

}  // namespace
