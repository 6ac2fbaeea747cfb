"""The parameter and attribute documentation MLPClassifier and MLPRegressor share
(scikit-learn's docstring format)."""

PARAMETERS = """\
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(100,)
        The ith element is the number of units in the ith hidden layer.

    activation : {'identity', 'logistic', 'tanh', 'relu'}, default='relu'
        Activation function of the hidden layers.

    solver : {'lbfgs', 'sgd', 'adam', 'gd'}, default='adam'
        'adam' and 'sgd' (with ``momentum``, ``nesterovs_momentum`` and ``learning_rate``) train
        on minibatches in the C++ library; 'lbfgs' is scipy's L-BFGS-B on the library's loss and
        gradient; 'gd' (mlp only) is full-batch gradient descent, the textbook's rule.

    alpha : float, default=0.0001
        Strength of the L2 penalty: ``alpha / (2 n) * sum of squared weights`` is added to the
        loss.

    batch_size : int or 'auto', default='auto'
        Minibatch size; 'auto' is ``min(200, n_samples)``. Ignored by 'lbfgs' and 'gd'.

    learning_rate : {'constant', 'invscaling', 'adaptive'}, default='constant'
        Learning-rate schedule of solver='sgd': 'invscaling' is
        ``learning_rate_init / (t + 1) ** power_t`` with t the samples seen; 'adaptive' divides
        the rate by 5 after ``n_iter_no_change`` epochs without an improvement of ``tol``.

    learning_rate_init : float, default=0.001
        The initial learning rate ('sgd', 'adam', 'gd').

    power_t : float, default=0.5
        Exponent of 'invscaling'.

    max_iter : int, default=200
        Epochs ('sgd', 'adam', 'gd') or iterations ('lbfgs') at most.

    shuffle : bool, default=True
        Whether to shuffle the samples in each epoch.

    random_state : int, RandomState instance or None, default=None
        Draws the initial weights (with ``init='sklearn'`` exactly as scikit-learn draws them),
        the early-stopping split and the seed of the library's shuffling.

    tol : float, default=1e-4
        Training stops when the loss (or the validation score with ``early_stopping``) has not
        improved by at least ``tol`` for ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Print the loss of each epoch.

    warm_start : bool, default=False
        Start ``fit`` from the previous solution instead of new initial weights.

    momentum : float, default=0.9
        Momentum of solver='sgd', in [0, 1).

    nesterovs_momentum : bool, default=True
        Nesterov's momentum (solver='sgd' with momentum > 0).

    early_stopping : bool, default=False
        Hold out ``validation_fraction`` of the training data, stop when its score stops
        improving, and keep the best epoch's parameters.

    validation_fraction : float, default=0.1
        The share held out for early stopping.

    beta_1, beta_2 : float, default=0.9, 0.999
        Adam's decay rates of its first and second moment estimates.

    epsilon : float, default=1e-8
        Adam's numerical stability term.

    n_iter_no_change : int, default=10
        Epochs without an improvement of ``tol`` before stopping.

    max_fun : int, default=15000
        Loss evaluations at most (solver='lbfgs').

    init : {'sklearn', 'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', \
'uniform', 'normal'}, default='sklearn'
        Initial weights (mlp only): 'sklearn' is scikit-learn's scheme; the others are the
        library's initialisers, seeded from ``random_state``.

    dtype : {'float32', 'float64'}, default='float32'
        Precision of the network and its arithmetic (mlp only). float32 is about twice as fast.

    n_threads : int or None, default=None
        Threads of the library's matrix products during fit and predict (mlp only); None keeps
        the current setting (``mlp.set_threads``), 0 is one per core.
"""

ATTRIBUTES = """\
    loss_ : float
        The loss at the end of training (with the L2 penalty).

    best_loss_ : float or None
        The lowest training loss ('sgd', 'adam', 'gd'; None with ``early_stopping``).

    loss_curve_ : list of float
        The loss after each epoch ('sgd', 'adam', 'gd').

    validation_scores_ : list of float or None
        The validation score after each epoch, with ``early_stopping``.

    best_validation_score_ : float or None
        The best validation score, with ``early_stopping``.

    t_ : int
        Training samples seen by the solver.

    coefs_ : list of ndarray of shape (n_fan_in, n_fan_out)
        The weight matrix of each layer: NumPy views of the network's parameters (no copy).

    intercepts_ : list of ndarray of shape (n_fan_out,)
        The bias vector of each layer, likewise views.

    n_features_in_ : int
        Number of features seen during fit.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Names of the features seen during fit, when X has string column names.

    n_iter_ : int
        Epochs (or L-BFGS iterations) of the last fit.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of outputs.

    out_activation_ : str
        Name of the output activation.
"""
