"""Lesson 3's exercises (AutoBackbone): choosing stages by the size of their feature maps, reading the maps.

    03.choose_stages   the stages whose maps are 28×28 and 14×14, found from the maps, not remembered
    03.map_shapes      each chosen stage's name and map shape (channels, height, width)

The checks use small Swin models they make afresh each time (random weights, a few channels: fast), one with
swin-tiny's patch size 4 and one with patch size 2, whose grids are twice as fine: there 28×28 is another stage.
"""

from __future__ import annotations

import random
import tempfile

from ...i18n import N_
from .base import Exercise, Verdict, attempt, not_yet, right

__all__ = ["EXERCISES"]

SIZES = [28, 14]  # the grids 03.choose_stages asks for, from a 224×224 photo


def _tiny_config(patch_size: int, **options):
    from ...models.swin import SwinConfig

    return SwinConfig(patch_size=patch_size, embed_dim=random.choice([4, 8]), depths=[1, 1, 1, 1],
                      num_heads=[1, 1, 1, 1], **options)


def _stem_weight(model):
    """The patch embedding's weight (the first layer): which checkpoint a model was loaded from."""
    return next((p for name, p in model.named_parameters() if name.endswith("patch_embeddings.projection.weight")),
                None)


def _photo_batch(batch: int = 1):
    import torch

    return torch.randn(batch, 3, 224, 224)


# ---------------------------------------------------------------------------------------------------------------
# 03.choose_stages
# ---------------------------------------------------------------------------------------------------------------
def _grid_sizes(backbone) -> list[int] | None:
    """The height of each feature map `backbone` gives for a 224×224 photo, or None if it gives none."""
    import torch

    with torch.no_grad():
        output = backbone(_photo_batch())
    maps = getattr(output, "feature_maps", None)
    return None if maps is None else [int(m.shape[-1]) for m in maps]


def check_choose_stages(answer: object) -> Verdict:
    with tempfile.TemporaryDirectory(prefix="autotutor-exercise-swin-") as tmp:
        return _choose_stages(answer, tmp)


def _choose_stages(answer: object, folder: str) -> Verdict:
    import torch

    from ...models.swin import SwinModel

    for patch_size in (4, 2):
        # A small Swin saved as a classification model would be (no backbone norms), new weights every check.
        saved = SwinModel(_tiny_config(patch_size))
        checkpoint = f"{folder}/swin-patch{patch_size}"
        saved.save_pretrained(checkpoint)
        run = attempt(answer, checkpoint)
        if run.verdict is not None:
            return run.verdict
        backbone = run.value
        sizes = None
        if isinstance(backbone, torch.nn.Module) and hasattr(getattr(backbone, "config", None), "out_features"):
            try:
                sizes = _grid_sizes(backbone)
            except Exception as err:  # a backbone that does not run is a wrong answer, not a failed check
                return not_yet("raised", N_("Not yet: your function raised {error}: {detail}"),
                               error=type(err).__name__, detail=str(err))
        if sizes is None:
            return not_yet("not_a_backbone", N_("Not yet: return the backbone itself, loaded with "
                                                "`AutoBackbone.from_pretrained(checkpoint, out_indices=…)`; your "
                                                "function returned a {kind}."), kind=type(backbone).__name__)
        stem, saved_stem = _stem_weight(backbone), _stem_weight(saved)
        if stem is None or stem.shape != saved_stem.shape or not torch.equal(stem, saved_stem):
            return not_yet("not_from_checkpoint", N_("Not yet: this backbone was not loaded from the checkpoint "
                                                     "your function was given. Load `checkpoint`, the argument, "
                                                     "not the lesson's Hub id."))
        grid = 224 // patch_size  # the stem's grid; stage i > 1 halves it i - 1 times
        stage_of = {grid // 2 ** max(i - 1, 0): i for i in range(len(backbone.config.stage_names))}
        fields = dict(sizes=" + ".join(f"{s}×{s}" for s in sizes), chosen=backbone.config.out_features,
                      expected=[f"stage{stage_of[s]}" for s in SIZES])
        if sizes == SIZES:
            continue
        if patch_size == 2 and sizes == [56, 28]:
            return not_yet("fixed_stage_numbers", N_("Not yet: right for swin-tiny, but this checkpoint cuts the "
                                                     "photo into patches of 2 pixels, and its maps are 28×28 and "
                                                     "14×14 at {expected}, not {chosen}. Find the stages from "
                                                     "the shapes of the maps (`output_hidden_states=True`)."),
                           **fields)
        if sizes in ([56, 28], [14, 7], [56, 14], [28, 7]):
            return not_yet("off_by_one", N_("Not yet: you chose {chosen}, whose maps are {sizes}. Off by one: "
                                            "position 0 of `stage_names` is the stem, so `out_indices` counts "
                                            "the stem too. Here the 28×28 and 14×14 maps are {expected}."),
                           **fields)
        return not_yet("wrong_stages", N_("Not yet: the maps are {sizes}; the task asks for 28×28 and 14×14, "
                                          "which are {expected} here."), **fields)
    return right(N_("Right: 28×28 and 14×14, found from the maps themselves, on swin-tiny's patches of 4 pixels "
                    "as on patches of 2."))


CHOOSE_STAGES = Exercise(
    id="03.choose_stages",
    lesson="03_autobackbone",
    title=N_("Choose stages by the size of their maps"),
    task=N_("A detection head wants two feature maps of a 224×224 photo: one 28×28 and one 14×14. Write "
            "`backbone_28_and_14(checkpoint)`: it returns the backbone of the Swin checkpoint `checkpoint`, "
            "loaded with `AutoBackbone.from_pretrained`, whose `feature_maps` are exactly these two.\n\n"
            "The check uses small Swin checkpoints of its own, one of them with patches of 2 pixels instead of 4: "
            "find the stages from the shapes of the maps, not from memory."),
    hint=N_("Load the backbone once, run it on `torch.zeros(1, 3, 224, 224)` with `output_hidden_states=True`: "
            "`hidden_states[i]` is the map of `stage_names[i]`, the stem at 0. Keep the positions whose maps are "
            "28 and 14 wide, and load again with `out_indices` set to them."),
    solution='''\
import torch
from autotutor import AutoBackbone

def backbone_28_and_14(checkpoint):
    probe = AutoBackbone.from_pretrained(checkpoint)
    with torch.no_grad():
        maps = probe(torch.zeros(1, 3, 224, 224), output_hidden_states=True).hidden_states
    chosen = [i for i, m in enumerate(maps) if m.shape[-1] in (28, 14)]
    return AutoBackbone.from_pretrained(checkpoint, out_indices=chosen)
''',
    check=check_choose_stages,
    wrong_example='''\
from autotutor import AutoBackbone

def backbone_28_and_14(checkpoint):
    return AutoBackbone.from_pretrained(checkpoint, out_indices=(1, 2))
''',
    wrong_code="off_by_one",
)


# ---------------------------------------------------------------------------------------------------------------
# 03.map_shapes
# ---------------------------------------------------------------------------------------------------------------
def check_map_shapes(answer: object) -> Verdict:
    import torch

    from ...models.swin import SwinBackbone

    rng = random.Random()
    for patch_size in (4, 2):
        chosen = sorted(rng.sample(range(1, 5), rng.randint(1, 3)))
        backbone = SwinBackbone(_tiny_config(patch_size, out_indices=chosen)).eval()
        pixel_values = _photo_batch(2)
        with torch.no_grad():
            maps = backbone(pixel_values).feature_maps
        expected = [(name, tuple(m.shape[1:])) for name, m in zip(backbone.config.out_features, maps)]
        run = attempt(answer, backbone, pixel_values)
        if run.verdict is not None:
            return run.verdict
        try:
            got = [(name, tuple(shape)) for name, shape in run.value]
        except (TypeError, ValueError):
            return not_yet("not_pairs", N_("Not yet: return a list of pairs, one per chosen stage: "
                                           "`[(\"stage2\", (channels, height, width)), …]`."))
        if got == expected:
            continue
        fields = dict(got=got, expected=expected)
        if [(name, shape[1:]) for name, shape in got] == expected:
            return not_yet("kept_batch", N_("Not yet: each shape has 4 numbers; the first is the batch (2 photos "
                                            "here). Give (channels, height, width): `tuple(m.shape[1:])`."),
                           **fields)
        if len(got) == len(backbone.config.stage_names):
            return not_yet("all_stages", N_("Not yet: your list has every stage. `hidden_states` holds them all; "
                                            "`feature_maps` holds only the chosen ones, in the order of "
                                            "`config.out_features`."), **fields)
        if [shape for _, shape in got] == [shape for _, shape in expected]:
            return not_yet("wrong_names", N_("Not yet: the shapes are right, but not the names: take them from "
                                             "`backbone.config.out_features`. Expected {expected}."), **fields)
        return not_yet("wrong_shapes", N_("Not yet: expected {expected}; your function gave {got}."), **fields)
    return right(N_("Right: one (channels, height, width) per chosen stage, by name: the grid halves and the "
                    "channels double from one stage to the next."))


MAP_SHAPES = Exercise(
    id="03.map_shapes",
    lesson="03_autobackbone",
    title=N_("Read the feature maps"),
    task=N_("Write `map_shapes(backbone, pixel_values)`: it runs the backbone on `pixel_values` (without "
            "gradients) and returns one pair per chosen stage, its name and the shape of its feature map without "
            "the batch: `[(\"stage1\", (96, 56, 56)), …]`.\n\n"
            "The check gives your function small backbones of its own with random stages, and batches of 2 "
            "photos."),
    hint=N_("`backbone(pixel_values).feature_maps` has one tensor per stage of `backbone.config.out_features`, "
            "in the same order; `tuple(m.shape[1:])` drops the batch."),
    solution='''\
import torch

def map_shapes(backbone, pixel_values):
    with torch.no_grad():
        maps = backbone(pixel_values).feature_maps
    return [(name, tuple(m.shape[1:])) for name, m in zip(backbone.config.out_features, maps)]
''',
    check=check_map_shapes,
    wrong_example='''\
import torch

def map_shapes(backbone, pixel_values):
    with torch.no_grad():
        maps = backbone(pixel_values).feature_maps
    return [(name, tuple(m.shape)) for name, m in zip(backbone.config.out_features, maps)]
''',
    wrong_code="kept_batch",
)

EXERCISES = [CHOOSE_STAGES, MAP_SHAPES]
