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
    "title.backward": "La backward",
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
