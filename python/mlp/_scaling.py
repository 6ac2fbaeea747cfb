"""How scikit-learn's MLP losses relate to the library's, so that the same settings train alike.

scikit-learn's MLP follows, for every output activation, the gradient dE/dZ = (A - Y) / N at the
output layer (N samples, K outputs), and adds alpha / N * W to dE/dW. The library's losses are
normalised differently (src/nn/loss.cpp):

    output + loss                 library's dE/dZ        s = library / scikit-learn
    softmax + cross-entropy       (A - Y) / N            1
    sigmoid + binary c.-e.        (A - Y) / (N K)        1 / K
    identity + mse                2 (A - Y) / (N K)      2 / K
    exponential + poisson         (A - Y) / (N K)        1 / K

A gradient s times scikit-learn's gives the same steps when
    - gradient descent and momentum: the learning rate is eta / s (v = mu v - eta g scales alike);
    - Adam: epsilon is eps * s (m / (sqrt(v) + eps) is otherwise invariant to the gradient's scale);
    - the L2 penalty is l2 = alpha * s, so that the library's s dE_sk/dW + l2 / N W equals
      s (dE_sk/dW + alpha / N W).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class LossScale:
    """s = library's gradient / scikit-learn's (see the module's docstring), and the factor that
    turns the library's reported loss into scikit-learn's loss_curve_ value."""

    gradient: float
    report: float


def loss_scale(library_loss, n_outputs):
    """The LossScale of `library_loss` ("categorical_crossentropy", "binary_crossentropy", "mse"
    or "poisson") with `n_outputs` outputs. scikit-learn reports log losses and the Poisson
    deviance summed over the outputs and the squared error as mean((A - Y)^2) / 2 over samples
    and outputs."""
    if library_loss == "categorical_crossentropy":
        return LossScale(gradient=1.0, report=1.0)
    if library_loss in ("binary_crossentropy", "poisson"):
        return LossScale(gradient=1.0 / n_outputs, report=float(n_outputs))
    if library_loss == "mse":
        return LossScale(gradient=2.0 / n_outputs, report=0.5)
    raise ValueError(f"no scikit-learn equivalent for the loss {library_loss!r}")
