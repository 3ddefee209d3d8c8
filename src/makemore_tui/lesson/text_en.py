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
TEXT.update({
    # ---- 2 the data ----
    "data.vocab": "A network computes with numbers, not letters, so every symbol gets a number. The "
                  "vocabulary has {V} symbols: the boundary token '{mark}' is number 0, then the data's "
                  "characters in sorted order, numbered 1 to {last}. stoi (string to integer) maps a "
                  "symbol to its number; itos (integer to string) maps it back.",
    "data.examples": "Each word becomes examples. An example is a context, the {T} symbols before a "
                     "position, and a target, the symbol at that position: the one the network should "
                     "guess. The context starts as {T} boundary tokens (0), so a word of n characters "
                     "gives n+1 examples: one per character, and one more for its end.",
    "data.first": "The data's first {k} words ({words}) give {n} examples. A batch is {B} examples.",
    "data.cut": "The batch is the first {B} of them.",
    "data.shape": "X holds the contexts: X.shape is {X}, {B} rows of {T} numbers. Y holds the targets: "
                  "Y.shape is {Y}, one number per row. The next steps feed exactly this X and Y to the "
                  "network.",
    "data.row": "Row {i}, {row}, is \"{ctx}\": the {ctx} in \"{word}\", and its target is {y}, \"{ych}\". "
                "Given \"{ctx}\", the network should say \"{ych}\".",
    # ---- 3 the embedding ----
    "emb.table": "C is a table with one row per symbol: {V} rows of {E} numbers each. These rows are the "
                 "embeddings. Here are some of them, as step 1 drew them:",
    "emb.lookup": "C[X] looks up one row of C for every number in X. X holds {B}x{T} = {n} numbers, and "
                  "each becomes {E} numbers, so emb = C[X] has the shape {shape}: {B} examples, {T} "
                  "symbols each, {E} numbers per symbol.",
    "emb.row": "Take row {i} of X, {row} (\"{ctx}\"). emb[{i}] is {T} rows of C, one per symbol, "
               "{E} numbers each:",
    "emb.same": "Each emb[{i}, j] is exactly C[X[{i}, j]]: the code checked it for all {T} positions. The "
                "same symbol always gets the same row, wherever it appears.",
    "emb.differs": "Warning: emb[{i}] differs from the rows of C it should copy.",
    "emb.learned": "The {E} numbers of each symbol start at random. Training moves them, and symbols that "
                   "behave alike (vowels, say) end up with similar rows.",
})
TEXT.update({
    # ---- 4 the shapes error ----
    "shapes.try": "The hidden layer multiplies its inputs by W1, of shape {W1}. The notes first try "
                  "emb @ W1, with emb of shape {emb}. This step ran that line, and torch answered:",
    "shapes.noerror": "With a context of {T} symbol the product works as it is: there is nothing to join.",
    "shapes.why": "Why: for @, torch treats every dimension of emb but the last as rows. emb {emb} is "
                  "read as {B}x{T} = {rows} rows of {E} numbers, a ({rows}, {E}) matrix. A product "
                  "(a, b) @ (c, d) needs b = c, and here b is {E} while c is {n}: the {n} inputs of one "
                  "example are spread over {T} rows of {E}.",
    "shapes.view": "emb.view({B}, {n}) puts the {T} embeddings of each example side by side in one row: "
                   "{T} symbols x {E} numbers = {n} numbers. view copies nothing: it reads the same "
                   "{total} numbers with another shape. Now ({B}, {n}) @ ({n}, ...) fits.",
    "shapes.cat": "The same rows come from torch.cat, joining emb[:, 0] to emb[:, {last}] along dimension "
                  "1: the code checked that both give equal tensors. view does it without copying.",
    "shapes.cat_differs": "Warning: torch.cat of the {T} columns differs from view here.",
    # ---- 5 the hidden layer ----
    "hidden.sum": "emb.view({B}, {n}) @ W1 gives {B} rows of {H} sums: for each example, one sum per "
                  "hidden neuron, each adding {n} inputs times {n} weights. + b1 adds one bias per "
                  "neuron: b1 has {H} numbers, and broadcasting adds them to every row. tanh squashes "
                  "every sum into -1..1. So h.shape is {shape}.",
    "hidden.spread": "Of h's {total:,} values, {sat:,} ({pct:.1f}%) lie beyond +-{edge}: there tanh is "
                     "almost flat, at its limit of -1 or 1. The histogram counts h's values in bins of 0.2:",
    "hidden.hist": "how many of the {total:,} values of h fall in each bin",
    "hidden.why": "Why so many at the edges? The sums before tanh (the pre-activations) have a standard "
                  "deviation of {std:.2f}. W1 and b1 are randn, and so are the embeddings, so each sum adds "
                  "{n} products and a bias: their spread is about sqrt({n} + 1) = {expect:.2f}. tanh is "
                  "beyond 0.99 once its input passes {x:.2f}, and {big:,} of the {total:,} sums do.",
    "hidden.grad": "A saturated neuron learns slowly: the slope of tanh there, 1 - h*h, is near 0, so "
                   "little gradient flows back through it. Lecture 3 scales W1 down for this reason "
                   "(a run's --init kaiming).",
    # ---- 6 the output layer and the loss ----
    "loss.logits": "h @ W2 + b2 gives the logits, of shape {shape}: for each of the {B} examples, one "
                   "score per symbol, from the {H} hidden values. A score can be any number; a larger "
                   "one means likelier.",
    "loss.probs": "Take row {i} (\"{ctx}\", whose next symbol is \"{ych}\"). exp turns each score into a "
                  "positive count; dividing by the counts' sum ({total:.4g}) turns them into "
                  "probabilities that add up to 1. The {shown} likeliest symbols, and the right one:",
    "loss.bars": "the probability of each symbol after \"{ctx}\" (row {i})",
    "loss.right": "The right symbol \"{ych}\" gets probability {p:.4g}. This example's loss is -log(p) "
                  "= {nll:.4f}: 0 if p were 1, and larger the less likely the right symbol is.",
    "loss.batch": "The batch's loss is the mean of -log p over its {B} examples. By hand: {hand:.6f}. "
                  "F.cross_entropy(logits, Y) does the same in one call (and stays exact for large "
                  "logits): {ce:.6f}. They differ by {diff:.1e}.",
    "loss.uniform": "A network that knows nothing would give each of the {V} symbols probability 1/{V}; "
                    "its loss would be -log(1/{V}) = ln({V}) = {ln:.4f}. This loss, {loss:.4f}, is "
                    "{times:.1f} times that: the random weights are confidently wrong, worse than a "
                    "uniform guess. Training has to bring it down.",
    "loss.uniform_better": "A network that knows nothing would give each of the {V} symbols probability "
                           "1/{V}; its loss would be -log(1/{V}) = ln({V}) = {ln:.4f}. This loss, "
                           "{loss:.4f}, is already below that uniform guess, by luck of the draw.",
})
TEXT.update({
    # ---- 7 the backward pass ----
    "back.requires": "requires_grad = True asks torch to remember every operation done with these "
                     "tensors. loss.backward() then goes back through them, from the loss to each "
                     "parameter, and fills p.grad: for every number of p, how fast the loss changes "
                     "when that number changes a little (its slope, or gradient).",
    "back.shapes": "Each gradient has the shape of its own parameter: one slope per number. The "
                   "network has {total:,} numbers to learn, sum(p.numel() for p in parameters).",
    "back.shapes_differ": "Warning: a gradient's shape differs from its parameter's.",
    "back.one": "One gradient explained: b2[{k}] is the bias of the output for \"{sym}\"; it is added to "
                "that symbol's score in every row. Its gradient is {g:.6f}. For a bias of the output "
                "the gradient is (the sum of that symbol's probabilities over the {B} rows, minus the "
                "number of rows whose target it is) / {B} = ({psum:.4f} - {hits}) / {B} = {check:.6f}: "
                "the same number.",
    "back.nudge": "Check it: raising b2[{k}] by {nudge} moves the loss from {before:.6f} to {after:.6f}, "
                  "a change of {d:+.6f}; the gradient predicted {nudge} x gradient = {expect:+.6f}.",
    "back.sign_up": "The sign says which way is uphill. A positive gradient: raising b2[{k}] raises the "
                    "loss. To lower the loss, a step moves each number against its gradient: "
                    "p -= rate * p.grad.",
    "back.sign_down": "The sign says which way is uphill. A negative gradient: raising b2[{k}] lowers the "
                      "loss. To lower the loss, a step moves each number against its gradient: "
                      "p -= rate * p.grad.",
    # ---- 8 the loop of the notes ----
    "loop.notes": "The notes' loop runs {E} epochs on the same batch of {B} examples, with "
                  "learning_rate = {rate}. Then -learning_rate * p.grad is +{step} * p.grad: each "
                  "update moves every number along its gradient, uphill. This step ran that loop:",
    "loop.chart_up": "the notes' update: learning_rate = -0.1",
    "loop.chart_down": "the fixed update: learning_rate = 0.1",
    "loop.series_up": "loss, notes' sign",
    "loop.series_down": "loss, fixed sign",
    "loop.epoch": "epoch",
    "loop.loss": "loss on the batch",
    "loop.up": "The loss climbs: from {first:.4f} at the first epoch to {last:.4f} at the last "
               "(highest {top:.4f}). Every update made the network worse at what it was meant to learn.",
    "loop.up_bad": "The loss climbs from {first:.4f} and at epoch {epoch} it is {value}: not a number any "
                   "more. The updates pushed the weights so far that the arithmetic broke down.",
    "loop.fix": "Gradient descent moves against the gradient. With learning_rate = {rate} the same line, "
                "p.data += -learning_rate * p.grad, subtracts {rate} * p.grad. From the same initial "
                "weights:",
    "loop.down": "The loss falls: from {first:.4f} to {last:.4f} in {E} epochs.",
    "loop.floor": "It cannot reach 0 even here. Contexts of the batch that come with more than one "
                  "next symbol: {mixed} (\"{ctx}\" starts every word, and words start differently). The best any "
                  "network can do on these {B} examples is {floor:.4f}.",
    "loop.memorise": "But a low loss on {B} examples is memorising, not learning: {params:,} numbers can "
                     "fit {B} examples by heart. On the dev split, {dev:,} examples the loop never saw, "
                     "these weights have a loss of {after:.4f}; the initial weights had {before:.4f}, and a "
                     "uniform guess has ln({V}) = {ln:.4f}. To learn, the network has to see all the data.",
})
TEXT.update({
    # ---- 9 from one batch to the data ----
    "mb.why": "Step 8 learned one batch by heart. To learn the data, every step takes a fresh "
              "minibatch: {B} examples drawn at random from all the training examples. Each step sees "
              "other examples, so the only way to lower the loss on all of them is to find what they "
              "share.",
    "mb.split": "First the {words:,} words are shuffled (random.seed(42), as in the lecture) and cut "
                "80/10/10: {ntr:,} words for training ({xtr:,} examples), {ndev:,} for dev ({xdev:,} "
                "examples), {nte:,} for test ({xte:,} examples). Training sees only the train split. The "
                "dev split measures the network on words it never trained on; the test split is kept "
                "for the very end.",
    "mb.trained": "This step trained {steps:,} steps of {B} examples right here, from the initial weights "
                  "of step 1, with the fixed update (rate {rate}): {drawn:,} examples drawn, about "
                  "{passes:.2f} times the training examples. Every {every} steps it measured the loss on "
                  "{ctr:,} train and {cdev:,} dev examples:",
    "mb.chart": "loss on all the data, while training on minibatches",
    "mb.x": "steps, in hundreds (x{every})",
    "mb.y": "loss",
    "mb.train": "train",
    "mb.dev": "dev",
    "mb.result": "Over the train split's {etr:,} examples the loss went from {t0:.4f} to {t1:.4f}; over the "
                 "dev split's {edev:,} examples, from {d0:.4f} to {d1:.4f}. A uniform guess has "
                 "ln({V}) = {ln:.4f}.",
    "mb.close": "Dev and train stay close (dev - train = {gap:+.4f}): the network learns what the words "
                "share, not the words themselves. That is learning.",
    "mb.apart": "Dev is {gap:+.4f} away from train: the two have drifted apart, a first sign of fitting "
                "the training words themselves.",
    "mb.run": "A real run goes much further: {steps:,} steps of {B}, the same seed ({seed}) and sizes "
              "(block size {T}, embedding {E}, hidden {H}), learning rate {lr}, with its loss chart and "
              "its samples live. Press {key} to start it in the training view.",
    # ---- 10 sampling ----
    "sample.how": "With step 9's weights the network can write. It starts from the context \"{ctx}\", "
                  "computes the probabilities of all {V} symbols, draws one at random with those "
                  "probabilities (torch.multinomial), shifts it into the context, and repeats until it "
                  "draws '{mark}', which ends the word. The bars show every symbol's probability at each "
                  "step; the marked one is the one drawn.",
    "sample.bars": "character {k}: after \"{ctx}\" it drew \"{ch}\" (p = {p:.4f})",
    "sample.col_ctx": "context",
    "sample.col_drawn": "drawn, p   (the 3 likeliest)",
    "sample.second": "The generator goes on, and the next name starts again from the empty context:",
    "sample.name": "The name: \"{word}\", {n} draws including the end. Its probability is the product of "
                   "the drawn probabilities: {p:.3g}. {known}",
    "sample.known": "It is one of the training words.",
    "sample.new": "It is not among the training words: the network made it up.",
    "sample.cut": "\"{word}...\": {n} draws without the end token, so the lesson stopped it there.",
    "sample.more": "Each draw is random, so another seed gives other names. The real run's samples pane "
                   "shows many of them, from the weights as they train.",
})
