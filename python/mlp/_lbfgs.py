"""solver='lbfgs': scipy's L-BFGS-B on the network's flat parameter vector, with the library's
loss and gradient (Sequential.loss_and_gradient), as scikit-learn's MLP does it."""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning


def _weight_mask(net):
    """True at the weights (not the biases) in the layout [W1 | b1 | W2 | b2 | ...]."""
    mask, n_in = [], net.n_inputs
    for units, _ in net.layers:
        mask += [np.ones(n_in * units, dtype=bool), np.zeros(units, dtype=bool)]
        n_in = units
    return np.concatenate(mask)


def regularized_loss_and_gradient(net, X, Y, alpha, scale):
    """The function L-BFGS minimises, as scikit-learn's _loss_grad_lbfgs: on scikit-learn's
    scale (the library's loss and gradient divided by scale.gradient, see mlp._scaling), plus
    alpha / (2 N) * sum of squared weights and its gradient alpha / N * W."""
    weights = _weight_mask(net)
    n = X.shape[0]

    def loss_and_gradient(w):
        net.parameters[...] = w
        loss, gradient = net._net.loss_and_gradient(X, Y)
        gradient = gradient.astype(np.float64) / scale.gradient
        loss = loss / scale.gradient + 0.5 * alpha * float(np.dot(w[weights], w[weights])) / n
        gradient[weights] += alpha / n * w[weights]
        return loss, gradient

    return loss_and_gradient


def fit_lbfgs(est, X, Y, sample_weight, scale):
    """Trains est._net with L-BFGS-B (max_iter iterations, max_fun evaluations, gtol=tol) and sets
    n_iter_ and loss_."""
    if sample_weight is not None:
        raise ValueError("solver='lbfgs' does not take sample_weight or class_weight in mlp; "
                         "use solver='adam', 'sgd' or 'gd'")
    est._net.compile(est._library_loss(), "gd")
    fun = regularized_loss_and_gradient(est._net, X, Y, est.alpha, scale)
    result = scipy.optimize.minimize(
        fun, est._net.parameters.astype(np.float64), method="L-BFGS-B", jac=True,
        options={"maxfun": est.max_fun, "maxiter": est.max_iter, "gtol": est.tol})
    if result.status != 0:
        message = result.message.decode() if isinstance(result.message, bytes) else result.message
        warnings.warn(f"lbfgs failed to converge after {result.nit} iteration(s) (status={result.status}):\n"
                      f"STOP: {message}\n\nIncrease the number of iterations to improve the convergence "
                      f"(max_iter={est.max_iter}).", ConvergenceWarning)
    est.n_iter_ = min(result.nit, est.max_iter)
    est.loss_ = float(result.fun)
    est._net.parameters[...] = result.x
