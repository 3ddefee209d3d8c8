"""The insight views: what the classifier is doing, as numbers and as text, without any UI.

makemore's MLP is a classifier with one output per symbol (27 for names). Each view takes a model
(and examples) and returns a dataclass of plain Python numbers and lists, so the same numbers feed
the app's panes (makemore_tui.app.insight), the `--inspect` command line and the tests.

    views       one spec per view (InsightView) and the registry every list of views reads
    nextchar    the 27-way distribution after a typed context
    embedding   the rows of C in 2-D (C itself when n_embd is 2, else its PCA projection)
    health      tanh activations (saturated and dead units), gradients, update-to-data ratios
    confusion   true symbol x predicted symbol over a split (the dev set)
    compare     earlier runs' work directories, for the comparison view
    lr_finder   lecture 2's learning-rate sweep, on a copy of the model
    render      the views as rich text;  charts: the views drawn with plotext
    cli         `makemore-tui --inspect VIEW`
    base        what they share: a copy of the model to work on, its parameters, JSON

Nothing here imports the app. None of these functions change the model they are given: gradients
are taken with torch.autograd.grad (the parameters' .grad is left alone) and anything that trains
works on a copy (see `base.snapshot`).
"""
