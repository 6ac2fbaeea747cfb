// Trains the chapter's XOR network through the installed headers and library.
#include <mlp/mlp.hpp>

#include <cstdio>

int main() {
  mlp::Matrix<double> X(4, 2), y(4, 1);
  X << 0, 0, 0, 1, 1, 0, 1, 1;
  y << 0, 1, 1, 0;
  mlp::Sequential<double> net(2);
  net.add(3, mlp::Activation::sigmoid).add(1, mlp::Activation::sigmoid);
  net.initialize(mlp::Initializer::uniform(0.0, 1.0), 0);
  net.compile(mlp::Loss::sse, mlp::OptimizerSpec::gradient_descent(0.1));
  mlp::FitOptions options;
  options.epochs = 5000;
  net.fit(X, y, options);
  const bool solved = net.predict(X) == y;
  std::printf("consumer: XOR %s\n", solved ? "solved" : "not solved");
  return solved ? 0 : 1;
}
