#include "mlp/model/trained_model.hpp"

#include "mlp/core/error.hpp"
#include "mlp/model/model_io.hpp"

namespace mlp {

template <class Scalar>
Matrix<Scalar> TrainedModel<Scalar>::prepare(Matrix<Scalar> X) const {
  if (X.cols() != network.n_inputs())
    throw DataError("the data has " + std::to_string(X.cols()) +
                    " feature columns but the model takes " + std::to_string(network.n_inputs()));
  if (metadata.feature_scaler) {
    StandardScaler<Scalar> scaler;
    scaler.mean = metadata.feature_scaler->mean.template cast<Scalar>();
    scaler.scale = metadata.feature_scaler->scale.template cast<Scalar>();
    scaler.transform(X);
  }
  return X;
}

template <class Scalar>
Matrix<Scalar> TrainedModel<Scalar>::predict_proba(const Matrix<Scalar>& X) const {
  if (metadata.task != Task::classification)
    throw InvalidArgument("class probabilities need a classification model");
  return network.predict_proba(prepare(X));
}

template <class Scalar>
std::vector<int> TrainedModel<Scalar>::predict_classes(const Matrix<Scalar>& X) const {
  return classes_from_proba(predict_proba(X));
}

template <class Scalar>
std::vector<int> TrainedModel<Scalar>::classes_from_proba(const Matrix<Scalar>& P) {
  std::vector<int> classes(static_cast<std::size_t>(P.rows()));
  for (Index i = 0; i < P.rows(); ++i) {
    Index best = 0;
    P.row(i).maxCoeff(&best);
    classes[static_cast<std::size_t>(i)] = static_cast<int>(best);
  }
  return classes;
}

template <class Scalar>
Vector<Scalar> TrainedModel<Scalar>::predict_values(const Matrix<Scalar>& X) const {
  if (metadata.task != Task::regression) throw InvalidArgument("values need a regression model");
  return values_from_output(network.predict_proba(prepare(X)));
}

template <class Scalar>
Vector<Scalar> TrainedModel<Scalar>::values_from_output(const Matrix<Scalar>& out) const {
  return (out.col(0).array() * static_cast<Scalar>(metadata.target_scale) +
          static_cast<Scalar>(metadata.target_mean))
      .matrix();
}

template <class Scalar>
void TrainedModel<Scalar>::save(const std::string& path) const {
  save_model(path, network, metadata.to_json());
}

template <class Scalar>
TrainedModel<Scalar> TrainedModel<Scalar>::load(const std::string& path) {
  std::string extra;
  Sequential<Scalar> network = load_model_as<Scalar>(path, &extra);
  return from_parts(std::move(network), extra, path);
}

template <class Scalar>
TrainedModel<Scalar> TrainedModel<Scalar>::from_parts(Sequential<Scalar> network,
                                                      const std::string& extra,
                                                      const std::string& path) {
  TrainedModel model;
  model.network = std::move(network);
  try {
    model.metadata = ModelMetadata::from_json(extra);
  } catch (const ModelFileError& e) {
    throw ModelFileError(path + ": " + e.what());
  }
  const auto& m = model.metadata;
  if (static_cast<Index>(m.feature_names.size()) != model.network.n_inputs())
    throw ModelFileError(path + ": the metadata names " + std::to_string(m.feature_names.size()) +
                         " features but the network takes " +
                         std::to_string(model.network.n_inputs()));
  if (m.task == Task::classification &&
      static_cast<Index>(m.class_names.size()) != model.network.n_outputs())
    throw ModelFileError(path + ": the metadata names " + std::to_string(m.class_names.size()) +
                         " classes but the network has " +
                         std::to_string(model.network.n_outputs()) + " outputs");
  if (m.task == Task::regression && model.network.n_outputs() != 1)
    throw ModelFileError(path + ": a regression model must have one output");
  return model;
}

template struct TrainedModel<float>;
template struct TrainedModel<double>;

}  // namespace mlp
