"""LayoutLMv2's processor, image processor and tokenizer against transformers 5.23 (PIL backend, the one it uses
without torchvision): same ids, same boxes, same image tensor, same OCR words.

Two checkpoint folders, as a learner meets them:
    hub     as microsoft/layoutlmv2-base-uncased is on the Hub: vocab.txt, tokenizer_config.json, config.json and
            the older preprocessor_config.json ("feature_extractor_type": "LayoutLMv2FeatureExtractor", size 224)
    saved   what transformers' LayoutLMv2Processor.save_pretrained writes: processor_config.json with the image
            processor nested inside, tokenizer.json, tokenizer_config.json
The vocabulary is bert-base-uncased's (from the MiniLM fixture), the one layoutlmv2-base-uncased uses.
OCR runs are few (about 0.25 s a page): the pages are rendered and processed once per module.
"""

from __future__ import annotations

import json
import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image, ImageDraw, ImageFont

from autotutor import (
    AutoConfig,
    AutoImageProcessor,
    AutoModel,
    AutoModelForTokenClassification,
    AutoProcessor,
    AutoTokenizer,
)
from autotutor.errors import AutotutorError, ConfigError, ProcessorError, TokenizerError, UnsupportedTaskError
from autotutor.image_processing_layoutlmv2 import LayoutLMv2ImageProcessor
from autotutor.models.layoutlmv2 import LayoutLMv2Config
from autotutor.processing_layoutlmv2 import LayoutLMv2Processor
from autotutor.tokenization_layoutlmv2 import LayoutLMv2Tokenizer

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
PAGES = {
    "eng": ["Invoice number 12345", "Total due: $1,250.00", "Thank you for your order!"],
    "fra": ["Facture numéro 12345", "Total à payer : 1 250,00 €", "Merci pour votre commande !"],
    "ara": ["فاتورة رقم 12345", "المبلغ الإجمالي المستحق", "شكرا لطلبكم"],
}

# Words with boxes as a dataset gives them (FUNSD-like): multi-piece words, punctuation, accents, Arabic.
WORDS = ["Invoice", "number:", "12345", "Total", "ÉTÉ", "naïve", "hobbit...", "مرحبا"]
BOXES = [[10, 20, 110, 40], [120, 20, 230, 40], [240, 20, 330, 40], [10, 60, 90, 80], [100, 60, 160, 80],
         [170, 60, 260, 80], [270, 60, 400, 80], [410, 60, 500, 80]]
LABELS = [1, 2, 3, 1, 0, 0, 4, 2]
WORDS_2 = ["Thank", "you"]
BOXES_2 = [[10, 900, 100, 950], [110, 900, 190, 950]]


def render_page(lines: list[str], *, rtl: bool = False, size: tuple[int, int] = (560, 200)) -> Image.Image:
    """Black text on a white page, one line every 48 pixels; right-aligned for right-to-left scripts."""
    page = Image.new("RGB", size, "white")
    draw, font = ImageDraw.Draw(page), ImageFont.truetype(FONT, 28)
    for row, line in enumerate(lines):
        options = {"direction": "rtl", "language": "ar"} if rtl else {}
        x = size[0] - 20 - draw.textlength(line, font=font, **options) if rtl else 20
        draw.text((x, 20 + 48 * row), line, font=font, fill="black", **options)
    return page


def plain(value):
    """Tensors and arrays → nested lists, so outputs compare with ==."""
    if isinstance(value, (torch.Tensor, np.ndarray)):
        return value.tolist()
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


def assert_same(ours, theirs):
    """Same keys in the same order, same values, same container types (tensor, array or list)."""
    assert list(ours.keys()) == list(theirs.keys())
    for key in theirs.keys():
        assert type(ours[key]) is type(theirs[key]), key
        if isinstance(theirs[key], torch.Tensor):
            assert ours[key].dtype == theirs[key].dtype and ours[key].shape == theirs[key].shape, key
        assert plain(ours[key]) == plain(theirs[key]), key


def quiet(call, *args, **kwargs):
    """Call transformers without its backend warnings (no torchvision here)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return call(*args, **kwargs)


# ---------------------------------------------------------------------------------------------------------------
# Checkpoints and pages
# ---------------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def folders(minilm_dir: Path, tmp_path_factory) -> dict[str, Path]:
    import transformers

    hub = tmp_path_factory.mktemp("layoutlmv2-hub")
    shutil.copy(minilm_dir / "vocab.txt", hub)
    (hub / "tokenizer_config.json").write_text(json.dumps({
        "do_lower_case": True, "unk_token": "[UNK]", "sep_token": "[SEP]", "pad_token": "[PAD]", "cls_token": "[CLS]",
        "mask_token": "[MASK]", "tokenize_chinese_chars": True, "strip_accents": None, "cls_token_box": [0, 0, 0, 0],
        "sep_token_box": [1000, 1000, 1000, 1000], "pad_token_box": [0, 0, 0, 0], "pad_token_label": -100,
        "only_label_first_subword": True, "model_max_length": 512, "tokenizer_class": "LayoutLMv2Tokenizer",
    }))
    (hub / "preprocessor_config.json").write_text(json.dumps({
        "apply_ocr": True, "do_resize": True, "feature_extractor_type": "LayoutLMv2FeatureExtractor", "resample": 2,
        "size": 224,
    }))
    (hub / "config.json").write_text(json.dumps({"model_type": "layoutlmv2", "architectures": ["LayoutLMv2Model"]}))
    saved = tmp_path_factory.mktemp("layoutlmv2-saved")
    quiet(transformers.AutoProcessor.from_pretrained, hub).save_pretrained(saved)
    return {"hub": hub, "saved": saved}


@pytest.fixture(scope="module")
def processors(folders):
    """(form, apply_ocr) → (ours, transformers'), loaded from the same folder."""
    import transformers

    made = {}

    def get(form: str = "hub", apply_ocr: bool = True):
        if (form, apply_ocr) not in made:
            made[form, apply_ocr] = (AutoProcessor.from_pretrained(folders[form], apply_ocr=apply_ocr),
                                     quiet(transformers.AutoProcessor.from_pretrained, folders[form],
                                           apply_ocr=apply_ocr))
        return made[form, apply_ocr]

    return get


@pytest.fixture(scope="module")
def pages() -> dict[str, Image.Image]:
    return {lang: render_page(lines, rtl=lang == "ara") for lang, lines in PAGES.items()}


@pytest.fixture(scope="module")
def ocr_outputs(processors, pages):
    """Each page through both processors with OCR in its language (each page is read once per library)."""
    ours, theirs = processors("hub", True)
    results = {}
    for lang, page in pages.items():
        ours.image_processor.ocr_lang = theirs.image_processor.ocr_lang = lang
        results[lang] = (ours(page, return_tensors="pt"), quiet(theirs, page, return_tensors="pt"))
    ours.image_processor.ocr_lang = theirs.image_processor.ocr_lang = None
    return results


# ---------------------------------------------------------------------------------------------------------------
# Loading: both folder forms, through the Auto classes
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("form", ["hub", "saved"])
def test_autoprocessor_loads_both_folder_forms(processors, form):
    ours, theirs = processors(form)
    assert type(ours) is LayoutLMv2Processor
    assert isinstance(ours.image_processor, LayoutLMv2ImageProcessor)
    assert isinstance(ours.tokenizer, LayoutLMv2Tokenizer)
    image_settings = ours.image_processor.to_dict()
    assert image_settings == {**theirs.image_processor.to_dict(), "image_processor_type": "LayoutLMv2ImageProcessor"}
    assert image_settings["size"] == {"height": 224, "width": 224} and image_settings["resample"] == 2
    assert ours.tokenizer.model_max_length == theirs.tokenizer.model_max_length == 512
    for key in ("cls_token_box", "sep_token_box", "pad_token_box", "pad_token_label", "only_label_first_subword"):
        assert getattr(ours.tokenizer, key) == getattr(theirs.tokenizer, key)
    assert ours.model_input_names == theirs.model_input_names


def test_auto_image_processor_reads_the_old_feature_extractor_file(folders):
    image_processor = AutoImageProcessor.from_pretrained(folders["hub"])
    assert type(image_processor) is LayoutLMv2ImageProcessor and image_processor.apply_ocr is True


def test_config_matches_transformers_and_automodel_explains_detectron2(folders):
    import transformers

    config = AutoConfig.from_pretrained(folders["hub"])
    assert type(config) is LayoutLMv2Config
    theirs = transformers.LayoutLMv2Config().to_dict()
    ours = config.to_dict()
    for key in ("vocab_size", "hidden_size", "max_2d_position_embeddings", "coordinate_size", "shape_size",
                "image_feature_pool_shape", "has_relative_attention_bias", "has_spatial_attention_bias",
                "rel_pos_bins", "max_rel_2d_pos", "fast_qkv", "detectron2_config_args", "pad_token_id"):
        assert ours[key] == theirs[key], key
    for auto in (AutoModel, AutoModelForTokenClassification):
        with pytest.raises(UnsupportedTaskError, match="detectron2"):
            auto.from_pretrained(folders["hub"])


# ---------------------------------------------------------------------------------------------------------------
# apply_ocr=True: the whole path, page → OCR → tokens
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("lang", list(PAGES))
def test_ocr_path_equals_transformers(ocr_outputs, lang):
    ours, theirs = ocr_outputs[lang]
    assert_same(ours, theirs)
    assert ours["input_ids"].shape[1] > 10  # the words were found
    assert ours["image"].shape == (1, 3, 224, 224) and ours["image"].dtype == torch.uint8


def test_ocr_with_a_question_and_a_batch_of_pages(processors, pages):
    """Document question answering on two pages: the question's tokens get the pad box, the words their OCR box."""
    ours, theirs = processors("hub", True)
    batch = [pages["eng"], pages["eng"].resize((420, 150))]
    questions = ["What is the total?", "Who is thanked?"]
    options = dict(padding="max_length", max_length=40, truncation=True, return_tensors="pt")
    mine = ours(batch, questions, **options)
    assert_same(mine, quiet(theirs, batch, questions, **options))
    question_length = len(ours.tokenizer.tokenize(questions[0]))
    assert mine["bbox"][0, 1:1 + question_length].eq(0).all()  # question tokens: not on the page
    assert mine["token_type_ids"][0, question_length + 2:].max() == 1  # the words are the second sequence


# ---------------------------------------------------------------------------------------------------------------
# apply_ocr=False: the caller's words and boxes
# ---------------------------------------------------------------------------------------------------------------
CALLS = {
    "one document": (("image",), dict(text=WORDS, boxes=BOXES)),
    "one document, tensors": (("image",), dict(text=WORDS, boxes=BOXES, return_tensors="pt")),
    "labels": (("image",), dict(text=WORDS, boxes=BOXES, word_labels=LABELS)),
    "labels, batch padded": (("image", "photo"), dict(text=[WORDS, WORDS_2], boxes=[BOXES, BOXES_2],
                                                     word_labels=[LABELS, [5, 6]], padding=True, return_tensors="pt")),
    "batch, max_length": (("image", "photo"), dict(text=[WORDS, WORDS_2], boxes=[BOXES, BOXES_2],
                                                  padding="max_length", max_length=16, truncation=True,
                                                  return_tensors="np")),
    "truncation": (("image",), dict(text=WORDS, boxes=BOXES, word_labels=LABELS, truncation=True, max_length=9)),
    "question": (("image",), dict(text="what is the total due?", text_pair=WORDS, boxes=BOXES)),
    "questions, only_second": (("image", "photo"), dict(text=["total?", "who thanks you?"], text_pair=[WORDS, WORDS_2],
                                                       boxes=[BOXES, BOXES_2], truncation="only_second", max_length=10,
                                                       padding=True, return_tensors="pt")),
    "pad left, multiple of 8": (("image", "photo"), dict(text=[WORDS, WORDS_2], boxes=[BOXES, BOXES_2], padding=True,
                                                        pad_to_multiple_of=8, padding_side="left")),
    "extras": (("image",), dict(text=WORDS, boxes=BOXES, return_special_tokens_mask=True, return_length=True,
                               return_offsets_mapping=True)),
    "empty page": (("image",), dict(text=[[]], boxes=[[]], return_tensors="pt")),
}


@pytest.fixture(scope="module")
def images(pages):
    from skimage import data

    return {"image": pages["fra"], "photo": Image.fromarray(data.astronaut())}


@pytest.mark.parametrize("form", ["hub", "saved"])
@pytest.mark.parametrize("case", list(CALLS))
def test_words_and_boxes_path_equals_transformers(processors, images, form, case):
    ours, theirs = processors(form, False)
    names, kwargs = CALLS[case]
    batch = [images[name] for name in names] if len(names) > 1 else images[names[0]]
    assert_same(ours(batch, **kwargs), quiet(theirs, batch, **kwargs))


def test_labels_go_on_the_first_piece_of_each_word(processors, images):
    ours, _ = processors("hub", False)
    enc = ours(images["image"], WORDS, boxes=BOXES, word_labels=LABELS)
    tokens = ours.tokenizer.convert_ids_to_tokens(enc["input_ids"])
    labelled = [(token, label) for token, label in zip(tokens, enc["labels"]) if label != -100]
    assert [label for _, label in labelled] == [1, 2, 3, 1, 0, 0, 4, 2]
    assert tokens[:4] == ["[CLS]", "in", "##vo", "##ice"] and enc["labels"][:4] == [-100, 1, -100, -100]
    assert enc["bbox"][1:4] == [BOXES[0]] * 3 and enc["bbox"][-1] == [1000, 1000, 1000, 1000]


def test_labels_with_a_question_label_only_the_words(processors, images):
    """Deliberate difference: transformers labels the question's tokens with word_labels indexed by the
    question's own word positions (a bug: labels of unrelated page words, or an IndexError). autotutor gives the
    question -100 and labels the page words exactly as transformers does."""
    ours, theirs = processors("hub", False)
    question = "what is the total?"
    mine = ours(images["image"], question, WORDS, boxes=BOXES, word_labels=LABELS)
    reference = quiet(theirs, images["image"], question, WORDS, boxes=BOXES, word_labels=LABELS)
    first_word = mine["token_type_ids"].index(1)
    assert set(mine["labels"][:first_word]) == {-100}
    assert reference["labels"][:first_word] != mine["labels"][:first_word]
    assert mine["labels"][first_word:] == reference["labels"][first_word:]


# ---------------------------------------------------------------------------------------------------------------
# The image processor alone
# ---------------------------------------------------------------------------------------------------------------
def _inputs(kind: str, photo: Image.Image):
    array = np.asarray(photo)
    return {"pil": photo, "hwc": array, "chw": array.transpose(2, 0, 1).copy(),
            "torch": torch.from_numpy(array.transpose(2, 0, 1).copy()),
            "batch": [photo, photo.resize((300, 200))]}[kind]


@pytest.mark.parametrize("kind", ["pil", "hwc", "chw", "torch", "batch"])
@pytest.mark.parametrize("options", [{}, {"resample": 3}, {"size": {"height": 100, "width": 150}}],
                         ids=["default", "bicubic", "100x150"])
def test_image_processor_equals_transformers(images, kind, options):
    from transformers import LayoutLMv2ImageProcessorPil

    image = _inputs(kind, images["photo"])
    ours = LayoutLMv2ImageProcessor(apply_ocr=False, **options)(image, return_tensors="pt")
    theirs = quiet(LayoutLMv2ImageProcessorPil(apply_ocr=False, **options), image, return_tensors="pt")
    assert torch.equal(ours["pixel_values"], theirs["pixel_values"])
    rgb = np.asarray(images["photo"].resize((224, 224), resample=2))
    if not options:
        assert torch.equal(ours["pixel_values"][0], torch.from_numpy(rgb[..., ::-1].transpose(2, 0, 1).copy()))


def test_image_processor_without_resize_returns_a_list_like_transformers(images):
    from transformers import LayoutLMv2ImageProcessorPil

    batch = [images["photo"], images["photo"].resize((300, 200))]
    ours = LayoutLMv2ImageProcessor(apply_ocr=False, do_resize=False)(batch)
    theirs = quiet(LayoutLMv2ImageProcessorPil(apply_ocr=False, do_resize=False), batch)
    assert [a.shape for a in ours["pixel_values"]] == [(3, 512, 512), (3, 200, 300)]
    assert all(np.array_equal(a, b) for a, b in zip(ours["pixel_values"], theirs["pixel_values"]))
    with pytest.raises(ProcessorError, match="different sizes"):
        LayoutLMv2ImageProcessor(apply_ocr=False, do_resize=False)(batch, return_tensors="pt")


@pytest.mark.parametrize("mode", ["L", "RGBA", "P"])
def test_other_modes_become_three_channels(images, mode):
    """Deliberate difference: transformers gives a grayscale or palette page 1 channel and an RGBA page 4, which
    the model cannot take. autotutor always gives 3 (RGBA flattened on white, as Tesseract reads it)."""
    from transformers import LayoutLMv2ImageProcessorPil

    page = images["image"]
    odd = page.convert(mode)
    if mode == "RGBA":  # make the white background transparent
        odd.putalpha(Image.fromarray((np.asarray(page.convert("L")) < 128).astype(np.uint8) * 255))
    ours = LayoutLMv2ImageProcessor(apply_ocr=False)(odd, return_tensors="pt")["pixel_values"]
    theirs = quiet(LayoutLMv2ImageProcessorPil(apply_ocr=False), odd, return_tensors="pt")["pixel_values"]
    assert ours.shape == (1, 3, 224, 224) and theirs.shape[1] != 3
    reference = quiet(LayoutLMv2ImageProcessorPil(apply_ocr=False), odd.convert("RGBA").convert("RGB")
                      if mode != "RGBA" else _on_white(odd), return_tensors="pt")["pixel_values"]
    assert torch.equal(ours, reference)


def _on_white(page: Image.Image) -> Image.Image:
    background = Image.new("RGB", page.size, "white")
    background.paste(page, (0, 0), page.getchannel("A"))
    return background


# ---------------------------------------------------------------------------------------------------------------
# Saving: transformers reads what autotutor writes
# ---------------------------------------------------------------------------------------------------------------
def test_save_pretrained_is_read_back_by_both_libraries(processors, images, tmp_path):
    import transformers

    ours, _ = processors("hub", False)
    ours.save_pretrained(tmp_path)
    written = json.loads((tmp_path / "processor_config.json").read_text())
    assert written["processor_class"] == "LayoutLMv2Processor"
    assert written["image_processor"]["image_processor_type"] == "LayoutLMv2ImageProcessor"
    assert json.loads((tmp_path / "tokenizer_config.json").read_text())["tokenizer_class"] == "LayoutLMv2Tokenizer"

    theirs = quiet(transformers.AutoProcessor.from_pretrained, tmp_path)
    again = AutoProcessor.from_pretrained(tmp_path)
    assert type(theirs).__name__ == "LayoutLMv2Processor" and theirs.image_processor.apply_ocr is False
    kwargs = CALLS["labels, batch padded"][1]
    batch = [images["image"], images["photo"]]
    reference = ours(batch, **kwargs)
    assert_same(quiet(theirs, batch, **kwargs), reference)
    assert_same(again(batch, **kwargs), reference)


# ---------------------------------------------------------------------------------------------------------------
# Errors a learner meets (none of these runs OCR: the inputs are checked first)
# ---------------------------------------------------------------------------------------------------------------
def test_boxes_or_labels_with_ocr_are_refused_like_transformers(processors, images):
    ours, theirs = processors("hub", True)
    for extra in (dict(boxes=BOXES), dict(word_labels=LABELS)):
        with pytest.raises(ValueError):
            quiet(theirs, images["image"], WORDS, **extra)
        with pytest.raises(ProcessorError, match="apply_ocr=False") as err:
            ours(images["image"], WORDS, **extra)
        assert isinstance(err.value, AutotutorError)


@pytest.mark.parametrize("call, message", [
    (dict(text=WORDS), "their boxes"),
    (dict(boxes=BOXES), r"the words \(text=...\)"),
    (dict(text=[WORDS, WORDS_2], boxes=[BOXES, BOXES_2]), "1 image"),
])
def test_missing_words_or_boxes_without_ocr(processors, images, call, message):
    """Deliberate difference: for the first two transformers fails with a bare KeyError ('boxes', 'words': it
    looks for the OCR results); for the third (two documents, one image) it says nothing and returns two token
    rows with one image, a batch the model cannot use. autotutor says what is missing."""
    ours, theirs = processors("hub", False)
    with pytest.raises(ProcessorError, match=message):
        ours(images["image"], **call)
    if "image" in message:
        assert len(quiet(theirs, images["image"], **call)["input_ids"]) == 2
    else:
        with pytest.raises(KeyError):
            quiet(theirs, images["image"], **call)


def test_a_misspelt_option_lists_what_both_parts_accept(folders):
    with pytest.raises(ProcessorError) as err:
        AutoProcessor.from_pretrained(folders["hub"], aply_ocr=False)
    assert "'aply_ocr'" in str(err.value) and "apply_ocr" in str(err.value).split("image processor:")[1]


@pytest.mark.parametrize("call, message", [
    (dict(text="Invoice 12345", boxes=BOXES), "text.split()"),
    (dict(text=WORDS, boxes=BOXES[:3]), "need 8 boxes"),
    (dict(text=WORDS, boxes=[box[:3] for box in BOXES]), "4 numbers"),
    (dict(text=WORDS, boxes=[[b * 3 for b in box] for box in BOXES]), "normalize_box"),
    (dict(text=WORDS, boxes=BOXES, word_labels=LABELS[:2]), "one integer label per word"),
    (dict(text=[WORDS, WORDS_2], boxes=[BOXES, BOXES_2]), "tensor"),
    (dict(text=[WORDS, [3, 4]], boxes=[BOXES, BOXES_2]), "document 1"),
])
def test_tokenizer_errors_name_the_problem(processors, call, message):
    tokenizer = processors("hub", False)[0].tokenizer
    options = {"return_tensors": "pt"} if message == "tensor" else {}
    with pytest.raises(TokenizerError, match=message):
        tokenizer(**call, **options)


@pytest.mark.parametrize("image, message", [
    (np.zeros((20, 30, 3), dtype=np.float32), "uint8"),
    (np.zeros((20, 30, 5), dtype=np.uint8), "shape"),
    ("page.png", "PIL image"),
    ([], "empty"),
])
def test_bad_images(image, message):
    with pytest.raises(ProcessorError, match=message):
        LayoutLMv2ImageProcessor(apply_ocr=False)(image)


@pytest.mark.parametrize("settings, message", [
    (dict(size={"shortest_edge": 224}), "height"),
    (dict(resample=9), "BILINEAR"),
])
def test_bad_settings(settings, message):
    with pytest.raises(ConfigError, match=message):
        LayoutLMv2ImageProcessor(**settings)


@pytest.mark.parametrize("form", ["hub", "saved"])
def test_auto_tokenizer_finds_the_layoutlmv2_tokenizer(folders, form):
    """tokenizer_config.json's "tokenizer_class": "LayoutLMv2Tokenizer" picks the box-aware tokenizer."""
    import transformers

    ours = AutoTokenizer.from_pretrained(folders[form])
    theirs = quiet(transformers.AutoTokenizer.from_pretrained, folders[form])
    assert type(ours).__name__ == "LayoutLMv2Tokenizer" == type(theirs).__name__.removesuffix("Fast")
    words, boxes = ["hello", "world"], [[1, 2, 3, 4], [5, 6, 7, 8]]
    assert plain(ours(words, boxes=boxes)) == plain(theirs(words, boxes=boxes))
