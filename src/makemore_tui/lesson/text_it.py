"""La lezione in italiano: ogni frase, titolo ed etichetta, con le stesse chiavi di text_en.py.
I {campi} li riempie il passo che li ha calcolati (words.Words)."""

TEXT = {
    # ---- le parole dello schermo (Lesson.ui) ----
    "ui.steps": "Passi",
    "ui.next": "avanti",
    "ui.back": "indietro",
    "ui.start_run": "avvia l'addestramento",
    "ui.help": "aiuto",
    "ui.quit": "esci",
    "ui.computing": "Calcolo questo passo sui tensori veri...",
    "ui.step_of": "Passo {n} di {count}",
    "ui.code": "Codice",
    # ---- titoli ----
    "title.network": "La rete",
    "title.data": "I dati come numeri",
    "title.embedding": "L'embedding",
    "title.shapes": "L'errore delle forme",
    "title.hidden": "Lo strato nascosto",
    "title.loss": "Lo strato di uscita e la loss",
    "title.backward": "Il passo all'indietro (backward)",
    "title.loop": "Il ciclo di addestramento degli appunti",
    "title.minibatch": "Da un batch a tutti i dati",
    "title.sampling": "Generare un nome, un carattere alla volta",
    # ---- 1 la rete ----
    "net.intro": "La rete legge {T} caratteri e indovina il successivo. Ha tre strati. "
                 "Lo strato di ingresso prende i {T} caratteri; ognuno diventa {E} numeri, "
                 "quindi lo strato nascosto riceve {T}x{E} = {n} ingressi. Lo strato nascosto ha "
                 "{H} neuroni, e ognuno schiaccia la sua somma con tanh. Lo strato di uscita ha {V} "
                 "neuroni, uno per ogni simbolo del vocabolario: i {chars} caratteri dei dati e il "
                 "simbolo di confine '{mark}', che apre e chiude ogni parola.",
    "net.col_chars": "caratteri",
    "net.col_chars_n": "{T} su {V}",
    "net.col_input": "ingresso",
    "net.col_input_n": "{T}x{E} = {n}",
    "net.col_hidden": "nascosto",
    "net.col_hidden_n": "{H} tanh",
    "net.col_output": "uscita",
    "net.col_output_n": "{V} punteggi",
    "net.all": "tutti->",
    "net.links": "Ogni neurone di uno strato è collegato a ogni neurone del successivo, e ogni "
                 "collegamento è un peso. Da ingresso a nascosto: {n}x{H} = {w1:,} pesi (W1), più "
                 "{b1:,} bias (b1). Da nascosto a uscita: {H}x{V} = {w2:,} pesi (W2), più {b2:,} "
                 "bias (b2). La tabella C, che trasforma ognuno dei {V} simboli in {E} numeri, ne "
                 "contiene altri {V}x{E} = {c:,}. In tutto la rete ha {total:,} parametri.",
    "net.init": "Il codice estrae ogni parametro a caso da una distribuzione normale (randn). Il "
                "generatore ha un seme fisso, quindi lo stesso seme dà sempre gli stessi numeri: i "
                "passi seguenti usano proprio questi pesi.",
}
TEXT.update({
    # ---- 2 i dati ----
    "data.vocab": "Una rete calcola con numeri, non con lettere, quindi ogni simbolo riceve un numero. "
                  "Il vocabolario ha {V} simboli: il simbolo di confine '{mark}' è il numero 0, poi i "
                  "caratteri dei dati in ordine, numerati da 1 a {last}. stoi (da stringa a intero) "
                  "porta un simbolo al suo numero; itos (da intero a stringa) lo riporta indietro.",
    "data.examples": "Ogni parola diventa esempi. Un esempio è un contesto, i {T} simboli prima di una "
                     "posizione, e un obiettivo, il simbolo in quella posizione: quello che la rete "
                     "deve indovinare. Il contesto parte da {T} simboli di confine (0), quindi una "
                     "parola di n caratteri dà n+1 esempi: uno per carattere, più uno per la sua fine.",
    "data.first": "Le prime {k} parole dei dati ({words}) danno {n} esempi. Un batch è di {B} esempi.",
    "data.cut": "Il batch sono i primi {B}.",
    "data.shape": "X contiene i contesti: X.shape è {X}, {B} righe di {T} numeri. Y contiene gli "
                  "obiettivi: Y.shape è {Y}, un numero per riga. I passi seguenti danno alla rete "
                  "proprio questi X e Y.",
    "data.row": "La riga {i}, {row}, è \"{ctx}\": il pezzo {ctx} di \"{word}\", e il suo obiettivo è {y}, "
                "\"{ych}\". Dato \"{ctx}\", la rete dovrebbe rispondere \"{ych}\".",
    # ---- 3 l'embedding ----
    "emb.table": "C è una tabella con una riga per simbolo: {V} righe di {E} numeri ciascuna. Queste "
                 "righe sono gli embedding. Eccone alcune, come le ha estratte il passo 1:",
    "emb.lookup": "C[X] prende una riga di C per ogni numero di X. X contiene {B}x{T} = {n} numeri, e "
                  "ognuno diventa {E} numeri, quindi emb = C[X] ha la forma {shape}: {B} esempi, {T} "
                  "simboli ciascuno, {E} numeri per simbolo.",
    "emb.row": "Prendiamo la riga {i} di X, {row} (\"{ctx}\"). emb[{i}] sono {T} righe di C, una per "
               "simbolo, di {E} numeri ciascuna:",
    "emb.same": "Ogni emb[{i}, j] è esattamente C[X[{i}, j]]: il codice l'ha verificato per tutte le {T} "
                "posizioni. Lo stesso simbolo riceve sempre la stessa riga, ovunque compaia.",
    "emb.differs": "Attenzione: emb[{i}] è diverso dalle righe di C che dovrebbe copiare.",
    "emb.learned": "I {E} numeri di ogni simbolo partono a caso. L'addestramento li sposta, e i simboli "
                   "che si comportano in modo simile (le vocali, per esempio) finiscono con righe simili.",
})
TEXT.update({
    # ---- 4 l'errore delle forme ----
    "shapes.try": "Lo strato nascosto moltiplica i suoi ingressi per W1, di forma {W1}. Gli appunti "
                  "provano prima emb @ W1, con emb di forma {emb}. Questo passo ha eseguito quella riga, "
                  "e torch ha risposto:",
    "shapes.noerror": "Con un contesto di {T} simbolo il prodotto funziona così com'è: non c'è niente da unire.",
    "shapes.why": "Perché: per @, torch considera righe tutte le dimensioni di emb tranne l'ultima. emb "
                  "{emb} viene letto come {B}x{T} = {rows} righe di {E} numeri, una matrice ({rows}, {E}). "
                  "Un prodotto (a, b) @ (c, d) richiede b = c, e qui b vale {E} mentre c vale {n}: i {n} "
                  "ingressi di un esempio sono sparsi su {T} righe di {E}.",
    "shapes.view": "emb.view({B}, {n}) mette i {T} embedding di ogni esempio uno accanto all'altro in "
                   "una sola riga: {T} simboli x {E} numeri = {n} numeri. view non copia niente: legge "
                   "gli stessi {total} numeri con un'altra forma. Ora ({B}, {n}) @ ({n}, ...) torna.",
    "shapes.cat": "Le stesse righe si ottengono con torch.cat, unendo emb[:, 0] fino a emb[:, {last}] "
                  "lungo la dimensione 1: il codice ha verificato che i due tensori sono uguali. view lo "
                  "fa senza copiare.",
    "shapes.cat_differs": "Attenzione: qui torch.cat delle {T} colonne è diverso da view.",
    # ---- 5 lo strato nascosto ----
    "hidden.sum": "emb.view({B}, {n}) @ W1 dà {B} righe di {H} somme: per ogni esempio, una somma per "
                  "neurone nascosto, ognuna di {n} ingressi per {n} pesi. + b1 aggiunge un bias per "
                  "neurone: b1 ha {H} numeri, e il broadcasting li somma a ogni riga. tanh schiaccia "
                  "ogni somma tra -1 e 1. Quindi h.shape è {shape}.",
    "hidden.spread": "Dei {total:,} valori di h, {sat:,} ({pct:.1f}%) stanno oltre +-{edge}: lì tanh è "
                     "quasi piatta, al suo limite di -1 o 1. L'istogramma conta i valori di h in "
                     "intervalli di 0.2:",
    "hidden.hist": "quanti dei {total:,} valori di h cadono in ogni intervallo",
    "hidden.why": "Perché così tanti ai bordi? Le somme prima di tanh (le pre-attivazioni) hanno una "
                  "deviazione standard di {std:.2f}. W1 e b1 sono randn, e così gli embedding, quindi "
                  "ogni somma unisce {n} prodotti e un bias: la loro dispersione è circa "
                  "sqrt({n} + 1) = {expect:.2f}. tanh supera 0.99 quando il suo ingresso supera "
                  "{x:.2f}, e {big:,} delle {total:,} somme lo superano.",
    "hidden.grad": "Un neurone saturo impara piano: lì la pendenza di tanh, 1 - h*h, è quasi 0, quindi "
                   "poco gradiente torna indietro attraverso di lui. La lezione 3 riduce W1 proprio per "
                   "questo (--init kaiming in un addestramento).",
    # ---- 6 lo strato di uscita e la loss ----
    "loss.logits": "h @ W2 + b2 dà i logits, di forma {shape}: per ognuno dei {B} esempi, un punteggio "
                   "per simbolo, calcolato dai {H} valori nascosti. Un punteggio può essere qualsiasi "
                   "numero; più è alto, più il simbolo è probabile.",
    "loss.probs": "Prendiamo la riga {i} (\"{ctx}\", il cui simbolo successivo è \"{ych}\"). exp "
                  "trasforma ogni punteggio in un conteggio positivo; dividendo per la somma dei "
                  "conteggi ({total:.4g}) diventano probabilità che sommano a 1. I {shown} simboli più "
                  "probabili, e quello giusto:",
    "loss.bars": "la probabilità di ogni simbolo dopo \"{ctx}\" (riga {i})",
    "loss.right": "Il simbolo giusto \"{ych}\" riceve probabilità {p:.4g}. La loss di questo esempio è "
                  "-log(p) = {nll:.4f}: sarebbe 0 se p fosse 1, e cresce quanto meno è probabile il "
                  "simbolo giusto.",
    "loss.batch": "La loss del batch è la media di -log p sui suoi {B} esempi. A mano: {hand:.6f}. "
                  "F.cross_entropy(logits, Y) fa lo stesso in una chiamata (e resta esatta anche con "
                  "logits grandi): {ce:.6f}. La differenza è {diff:.1e}.",
    "loss.uniform": "Una rete che non sa niente darebbe a ognuno dei {V} simboli probabilità 1/{V}; la "
                    "sua loss sarebbe -log(1/{V}) = ln({V}) = {ln:.4f}. Questa loss, {loss:.4f}, è "
                    "{times:.1f} volte tanto: i pesi casuali sbagliano con sicurezza, peggio di "
                    "un'ipotesi uniforme. L'addestramento deve abbassarla.",
    "loss.uniform_better": "Una rete che non sa niente darebbe a ognuno dei {V} simboli probabilità "
                           "1/{V}; la sua loss sarebbe -log(1/{V}) = ln({V}) = {ln:.4f}. Questa loss, "
                           "{loss:.4f}, è già sotto quell'ipotesi uniforme, per fortuna dell'estrazione.",
})
TEXT.update({
    # ---- 7 la backward ----
    "back.requires": "requires_grad = True chiede a torch di ricordare ogni operazione fatta con questi "
                     "tensori. loss.backward() poi le ripercorre all'indietro, dalla loss a ogni "
                     "parametro, e riempie p.grad: per ogni numero di p, quanto in fretta cambia la loss "
                     "quando quel numero cambia di poco (la sua pendenza, o gradiente).",
    "back.shapes": "Ogni gradiente ha la forma del suo parametro: una pendenza per numero. La rete ha "
                   "{total:,} numeri da imparare, sum(p.numel() for p in parameters).",
    "back.shapes_differ": "Attenzione: la forma di un gradiente è diversa da quella del suo parametro.",
    "back.one": "Un gradiente spiegato: b2[{k}] è il bias dell'uscita per \"{sym}\"; si somma al "
                "punteggio di quel simbolo in ogni riga. Il suo gradiente è {g:.6f}. Per un bias "
                "dell'uscita il gradiente è (la somma delle probabilità di quel simbolo sulle {B} righe, "
                "meno il numero di righe che lo hanno come obiettivo) / {B} = ({psum:.4f} - {hits}) / {B} "
                "= {check:.6f}: lo stesso numero.",
    "back.nudge": "Verifichiamo: alzando b2[{k}] di {nudge} la loss passa da {before:.6f} a {after:.6f}, "
                  "una variazione di {d:+.6f}; il gradiente prevedeva {nudge} x gradiente = {expect:+.6f}.",
    "back.sign_up": "Il segno dice da che parte si sale. Un gradiente positivo: alzare b2[{k}] alza la "
                    "loss. Per abbassare la loss, un passo sposta ogni numero contro il suo gradiente: "
                    "p -= tasso * p.grad.",
    "back.sign_down": "Il segno dice da che parte si sale. Un gradiente negativo: alzare b2[{k}] abbassa "
                      "la loss. Per abbassare la loss, un passo sposta ogni numero contro il suo "
                      "gradiente: p -= tasso * p.grad.",
    # ---- 8 il ciclo degli appunti ----
    "loop.notes": "Il ciclo degli appunti fa {E} epoche sullo stesso batch di {B} esempi, con "
                  "learning_rate = {rate}. Allora -learning_rate * p.grad vale +{step} * p.grad: ogni "
                  "aggiornamento sposta ogni numero nel verso del suo gradiente, in salita. Questo passo "
                  "ha eseguito quel ciclo:",
    "loop.chart_up": "l'aggiornamento degli appunti: learning_rate = -0.1",
    "loop.chart_down": "l'aggiornamento corretto: learning_rate = 0.1",
    "loop.series_up": "loss, segno degli appunti",
    "loop.series_down": "loss, segno corretto",
    "loop.epoch": "epoca",
    "loop.loss": "loss sul batch",
    "loop.up": "La loss sale: da {first:.4f} alla prima epoca a {last:.4f} all'ultima (al massimo "
               "{top:.4f}). Ogni aggiornamento ha peggiorato la rete proprio in ciò che doveva imparare.",
    "loop.up_bad": "La loss sale da {first:.4f} e all'epoca {epoch} vale {value}: non è più un numero. "
                   "Gli aggiornamenti hanno spinto i pesi così lontano che i calcoli non reggono più.",
    "loop.fix": "La discesa del gradiente va contro il gradiente. Con learning_rate = {rate} la stessa "
                "riga, p.data += -learning_rate * p.grad, sottrae {rate} * p.grad. Dagli stessi pesi "
                "iniziali:",
    "loop.down": "La loss scende: da {first:.4f} a {last:.4f} in {E} epoche.",
    "loop.floor": "Nemmeno qui può arrivare a 0. Contesti del batch con più di un simbolo "
                  "successivo: {mixed} (\"{ctx}\" apre ogni parola, e le parole iniziano in modi diversi). Il "
                  "meglio che una rete possa fare su questi {B} esempi è {floor:.4f}.",
    "loop.memorise": "Ma una loss bassa su {B} esempi è memorizzare, non imparare: {params:,} numeri "
                     "possono imparare a memoria {B} esempi. Sullo split dev, {dev:,} esempi che il ciclo "
                     "non ha mai visto, questi pesi hanno una loss di {after:.4f}; i pesi iniziali "
                     "avevano {before:.4f}, e un'ipotesi uniforme ha ln({V}) = {ln:.4f}. Per imparare, "
                     "la rete deve vedere tutti i dati.",
})
TEXT.update({
    # ---- 9 da un batch a tutti i dati ----
    "mb.why": "Il passo 8 ha imparato a memoria un batch. Per imparare i dati, ogni passo prende un "
              "minibatch nuovo: {B} esempi estratti a caso fra tutti gli esempi di addestramento. Ogni "
              "passo vede esempi diversi, quindi l'unico modo per abbassare la loss su tutti è trovare "
              "ciò che hanno in comune.",
    "mb.split": "Prima le {words:,} parole vengono mescolate (random.seed(42), come nella lezione) e "
                "divise 80/10/10: {ntr:,} parole per l'addestramento ({xtr:,} esempi), {ndev:,} per dev "
                "({xdev:,} esempi), {nte:,} per il test ({xte:,} esempi). L'addestramento vede solo lo "
                "split train. Lo split dev misura la rete su parole che non ha mai visto; lo split test "
                "resta per la fine.",
    "mb.trained": "Questo passo ha fatto qui {steps:,} passi di {B} esempi, dai pesi iniziali del passo 1, "
                  "con l'aggiornamento corretto (tasso {rate}): {drawn:,} esempi estratti, circa "
                  "{passes:.2f} volte gli esempi di addestramento. Ogni {every} passi ha misurato la loss "
                  "su {ctr:,} esempi train e {cdev:,} esempi dev:",
    "mb.chart": "loss su tutti i dati, addestrando a minibatch",
    "mb.x": "passi, in centinaia (x{every})",
    "mb.y": "loss",
    "mb.train": "addestramento",
    "mb.dev": "validazione (dev)",
    "mb.result": "Sui {etr:,} esempi dello split train la loss è passata da {t0:.4f} a {t1:.4f}; sui "
                 "{edev:,} esempi dello split dev, da {d0:.4f} a {d1:.4f}. Un'ipotesi uniforme ha "
                 "ln({V}) = {ln:.4f}.",
    "mb.close": "Dev e train restano vicine (dev - train = {gap:+.4f}): la rete impara ciò che le parole "
                "hanno in comune, non le parole stesse. Questo è imparare.",
    "mb.apart": "Dev dista {gap:+.4f} da train: le due si sono allontanate, un primo segno che la rete "
                "si adatta alle parole di addestramento stesse.",
    "mb.run": "Un addestramento vero va molto più avanti: {steps:,} passi di {B}, lo stesso seme ({seed}) "
              "e le stesse dimensioni (contesto {T}, embedding {E}, nascosto {H}), tasso di "
              "apprendimento {lr}, con il grafico della loss e i nomi generati in diretta. Premi {key} "
              "per avviarlo nella vista di addestramento.",
    # ---- 10 generare ----
    "sample.how": "Con i pesi del passo 9 la rete sa scrivere. Parte dal contesto \"{ctx}\", calcola le "
                  "probabilità di tutti i {V} simboli, ne estrae uno a caso con quelle probabilità "
                  "(torch.multinomial), lo fa entrare nel contesto, e ripete finché estrae '{mark}', che "
                  "chiude la parola. Le barre mostrano la probabilità di ogni simbolo a ogni passo; "
                  "quella segnata è il simbolo estratto.",
    "sample.bars": "carattere {k}: dopo \"{ctx}\" ha estratto \"{ch}\" (p = {p:.4f})",
    "sample.col_ctx": "contesto",
    "sample.col_drawn": "estratto, p   (i 3 più probabili)",
    "sample.second": "Il generatore prosegue, e il nome successivo riparte dal contesto vuoto:",
    "sample.name": "Il nome: \"{word}\", {n} estrazioni compresa la fine. La sua probabilità è il prodotto "
                   "delle probabilità estratte: {p:.3g}. {known}",
    "sample.known": "È una delle parole di addestramento.",
    "sample.new": "Non è fra le parole di addestramento: la rete l'ha inventato.",
    "sample.cut": "\"{word}...\": {n} estrazioni senza il simbolo di fine, quindi la lezione si è fermata lì.",
    "sample.more": "Ogni estrazione è casuale, quindi un altro seme dà altri nomi. Il pannello dei nomi "
                   "dell'addestramento vero ne mostra molti, dai pesi mentre imparano.",
})
