"""The lesson in English: every sentence, title and label, keyed by the ids text_it.py uses too.
{fields} are filled by the step that computed them (words.Words)."""

TEXT = {
    # ---- the screen's own words (Lesson.ui) ----
    "ui.steps": "Steps",
    "ui.next": "next",
    "ui.back": "back",
    "ui.start_run": "start the run",
    "ui.help": "help",
    "ui.quit": "quit",
    "ui.computing": "Computing this step on the real tensors...",
    "ui.step_of": "Step {n} of {count}",
    "ui.code": "Code",
    # ---- titles ----
    "title.network": "The network",
    "title.data": "The data as numbers",
    "title.embedding": "The embedding",
    "title.shapes": "The shapes error",
    "title.hidden": "The hidden layer",
    "title.loss": "The output layer and the loss",
    "title.backward": "The backward pass",
    "title.loop": "The training loop of the notes",
    "title.minibatch": "From one batch to the data",
    "title.sampling": "Sampling, one character at a time",
    # ---- 1 the network ----
    "net.intro": "The network reads {T} characters and guesses the next one. It has three layers. "
                 "The input layer takes the {T} characters; each is turned into {E} numbers, "
                 "so the hidden layer gets {T}x{E} = {n} inputs. The hidden layer has {H} neurons, "
                 "and each one squashes its sum with tanh. The output layer has {V} neurons, one per "
                 "symbol of the vocabulary: the {chars} characters of the data and the boundary token "
                 "'{mark}', which starts and ends every word.",
    "net.col_chars": "characters",
    "net.col_chars_n": "{T} of {V}",
    "net.col_input": "input",
    "net.col_input_n": "{T}x{E} = {n}",
    "net.col_hidden": "hidden",
    "net.col_hidden_n": "{H} tanh",
    "net.col_output": "output",
    "net.col_output_n": "{V} scores",
    "net.all": "all->",
    "net.links": "Every neuron of a layer connects to every neuron of the next, and each connection "
                 "is one weight. Input to hidden: {n}x{H} = {w1:,} weights (W1), plus {b1:,} biases "
                 "(b1). Hidden to output: {H}x{V} = {w2:,} weights (W2), plus {b2:,} biases (b2). "
                 "The table C, which turns each of the {V} symbols into {E} numbers, holds "
                 "{V}x{E} = {c:,} more. In all the network has {total:,} parameters.",
    "net.init": "The code draws every parameter at random from a normal distribution (randn). The "
                "generator is seeded, so the same seed gives the same numbers every time: the steps "
                "that follow use exactly these weights.",
}
