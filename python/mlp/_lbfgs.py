"""solver='lbfgs': scipy's L-BFGS-B on the network's flat parameter vector, with the library's
loss and gradient (Sequential.loss_and_gradient), as scikit-learn's MLP does it."""

import warnings

import numpy as np
import scipy.optimize
from sklearn.exceptions import ConvergenceWarning


def regularized_loss_and_gradient(net, X, Y, sample_weight, alpha, scale):
    """The function L-BFGS minimises, scikit-learn's _loss_grad_lbfgs: the library's loss with
    the sample weights and the L2 penalty l2 = alpha * s, and its gradient, divided by
    s = scale.gradient (mlp._scaling): scikit-learn's weighted loss plus alpha / (2 S) ||W||^2."""

    def loss_and_gradient(w):
        net.parameters[...] = w
        loss, gradient = net._net.loss_and_gradient(X, Y, sample_weight, alpha * scale.gradient)
        return loss / scale.gradient, gradient.astype(np.float64) / scale.gradient

    return loss_and_gradient


def fit_lbfgs(est, X, Y, sample_weight, scale):
    """Trains est._net with L-BFGS-B (max_iter iterations, max_fun evaluations, gtol=tol) and sets
    n_iter_ and loss_."""
    est._net.compile(est._library_loss(), "gd")
    fun = regularized_loss_and_gradient(est._net, X, Y, sample_weight, est.alpha, scale)
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
