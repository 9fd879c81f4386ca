"""One path through `from_pretrained`: the checkpoint is opened and config.json read once per call, whichever
door a learner comes in by (an Auto class or a concrete class, a backbone with its stages, a config passed in),
and the Hub options and the refusal of remote code live in one signature, `open_checkpoint`'s."""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import torch

import autotutor
from autotutor import checkpoint as files
from autotutor.errors import RemoteCodeError
from autotutor.models.bert import BertConfig, BertModel
from autotutor.models.swin import SwinBackbone

SWIN = dict(image_size=64, patch_size=4, embed_dim=8, depths=[2, 2, 1, 1], num_heads=[1, 2, 2, 4], window_size=4)


@pytest.fixture(scope="module")
def swin_checkpoint(tmp_path_factory):
    import transformers

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("swin-one-path")
    transformers.SwinModel(transformers.SwinConfig(**SWIN)).save_pretrained(folder)
    return folder


@pytest.fixture
def reads(monkeypatch):
    """Counts, per file name, how often a checkpoint's files are read as text (JSON) and how often opened."""
    seen = {"config.json": 0, "open_checkpoint": 0}
    read_text = Path.read_text

    def counting_read_text(self, *args, **kwargs):
        if self.name in seen:
            seen[self.name] += 1
        return read_text(self, *args, **kwargs)

    opener = files.open_checkpoint

    def counting_open(*args, **kwargs):
        seen["open_checkpoint"] += 1
        return opener(*args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counting_read_text)
    for module in (autotutor.auto, autotutor.modeling):  # the two doors' own references to the function
        monkeypatch.setattr(module, "open_checkpoint", counting_open)
    return seen


@pytest.mark.parametrize("door", ["auto", "concrete", "auto with a config", "concrete with a config"])
def test_config_json_is_read_once_per_call(tiny_checkpoint, reads, door):
    folder, _ = tiny_checkpoint("bert")
    given = BertConfig.from_pretrained(folder) if "with a config" in door else None
    reads["config.json"] = reads["open_checkpoint"] = 0
    kwargs = {"config": given} if given is not None else {}
    if door.startswith("auto"):
        model = autotutor.AutoModel.from_pretrained(folder, **kwargs)
    else:
        model = BertModel.from_pretrained(folder, **kwargs)
    assert type(model).__name__ == "BertModel"
    assert reads == {"config.json": 0 if given is not None else 1, "open_checkpoint": 1}


@pytest.mark.parametrize("door", ["AutoBackbone", "SwinBackbone"])
def test_a_backbone_with_chosen_stages_reads_its_config_once(swin_checkpoint, reads, door):
    cls = autotutor.AutoBackbone if door == "AutoBackbone" else SwinBackbone
    model = cls.from_pretrained(swin_checkpoint, out_indices=(1, 3))
    assert model.config.out_features == ["stage1", "stage3"]
    assert reads == {"config.json": 1, "open_checkpoint": 1}


def test_a_config_passed_in_is_not_changed(tiny_checkpoint):
    folder, _ = tiny_checkpoint("bert")
    given = BertConfig.from_pretrained(folder)
    before = given.to_dict()
    model = autotutor.AutoModel.from_pretrained(folder, config=given, hidden_dropout_prob=0.3)
    assert model.config.hidden_dropout_prob == 0.3 and model.config is not given
    assert given.to_dict() == before


def test_hub_options_are_one_signature():
    """The options every from_pretrained passes on are exactly open_checkpoint's keyword-only parameters."""
    parameters = inspect.signature(files.open_checkpoint).parameters
    keyword_only = [name for name, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    assert tuple(keyword_only) == files.CHECKPOINT_OPTIONS
    hub = inspect.signature(__import__("huggingface_hub").hf_hub_download).parameters
    assert {"revision", "subfolder", "cache_dir", "local_files_only", "token"} <= set(hub)
    # a concrete class spells them out for the learner, with the same names and defaults
    model = inspect.signature(BertModel.from_pretrained).parameters
    for name in files.CHECKPOINT_OPTIONS:
        assert model[name].default == parameters[name].default, name


def test_remote_code_is_refused_in_one_place(tiny_checkpoint):
    """Every door reaches open_checkpoint, the only code that looks at trust_remote_code."""
    import autotutor as package

    folder, _ = tiny_checkpoint("bert")
    sources = {path.name: path.read_text(encoding="utf-8") for path in Path(package.__file__).parent.glob("*.py")}
    mentions = sorted(name for name, text in sources.items() if "RemoteCodeError(" in text and
                      "trust_remote_code=True is not supported" in text)
    assert mentions == ["checkpoint.py"]
    for load in (autotutor.AutoModel.from_pretrained, BertModel.from_pretrained,
                 autotutor.AutoTokenizer.from_pretrained, autotutor.AutoConfig.from_pretrained,
                 BertConfig.from_pretrained):
        with pytest.raises(RemoteCodeError, match="never runs Python code"):
            load(folder, trust_remote_code=True)
