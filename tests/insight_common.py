"""What the insight views' tests share: a list of real names, a tiny seeded network over them, and
two short runs trained into work directories (for the comparison view and --inspect)."""

from __future__ import annotations

import pytest
import torch

from makemore_tui.cli import main
from makemore_tui.config import Config
from makemore_tui.data import make_dataset
from makemore_tui.models import build_model

WORDS = ("emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily elizabeth mila ella "
         "avery sofia camila aria scarlett victoria madison luna grace chloe penelope layla riley zoey nora lily "
         "eleanor hannah lillian addison aubrey ellie stella natalie zoe leah hazel violet aurora savannah audrey "
         "brooklyn bella claire skylar lucy paisley everly anna caroline nova genesis emilia kennedy samantha maya "
         "willow kinsley naomi aaliyah elena sarah ariana allison gabriella alice madelyn cora ruby eva serenity "
         "autumn adeline hailey gianna valentina isla eliana quinn nevaeh ivy sadie piper lydia alexa josephine "
         "liam noah william james oliver benjamin elijah lucas mason logan alexander ethan jacob michael daniel "
         "henry jackson sebastian aiden matthew samuel david joseph carter owen wyatt john jack luke jayden dylan "
         "grayson levi isaac gabriel julian mateo anthony jaxon lincoln joshua christopher andrew theodore caleb "
         "ryan asher nathan thomas leo isaiah charles josiah hudson christian hunter connor eli ezra aaron landon "
         "adrian jonathan nolan jeremiah easton elias colton cameron carson robert angel maverick nicholas dominic "
         "jaxson greyson adam ian austin santiago jordan cooper brayden roman evan ezekiel xavier jose jace jameson "
         "leonardo bryson axel everett parker kayden miles sawyer jason").split()



@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """These matrices are tiny: a second torch thread only fights the other processes for the CPU."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _cfg(**kw) -> Config:
    base = dict(block_size=3, n_embd=2, n_hidden=16, seed=1234, batch_size=32)
    base.update(kw)
    return Config(**base).validate()


@pytest.fixture(scope="module")
def data():
    return make_dataset(WORDS, 3)


def _model(data, **kw):
    return build_model(_cfg(**kw), len(data.vocab))


def _state(model):
    return {k: v.clone() for k, v in model.state_dict().items()}


def _same(model, state) -> bool:
    return all(torch.equal(v, state[k]) for k, v in model.state_dict().items())


def _train_run(tmp_path, name, data_file, *flags):
    work = tmp_path / name
    assert main(["--headless", "-i", str(data_file), "-o", str(work), *flags]) == 0
    return work


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("runs")
    f = tmp / "names.txt"
    f.write_text("\n".join(WORDS) + "\n")
    a = _train_run(tmp, "a", f, "--max-steps", "300", "--log-every", "10", "--eval-every", "100", "--n-hidden", "16")
    b = _train_run(tmp, "b", f, "--max-steps", "200", "--log-every", "20", "--eval-every", "100", "--n-hidden", "16",
                   "-l", "0.05")
    return f, a, b
