"""LayoutLMv2: BERT over text, 2-D positions (each word's box on the page) and the page image.

Paper: Xu et al., "LayoutLMv2: Multi-modal Pre-training for Visually-rich Document Understanding" (2021),
https://arxiv.org/abs/2012.14740.

Only the config lives here. The model's visual backbone is a ResNeXt-101 FPN built by detectron2, a large
C++/CUDA library autotutor does not include, so `AutoModel` explains that instead of building one. What
prepares its inputs works fully: `autotutor.processing_layoutlmv2.LayoutLMv2Processor` (OCR with Tesseract → words and
0–1000 boxes → word pieces with one box each, plus the page as a 224×224 BGR image).
"""

from __future__ import annotations

import copy
from typing import Any

from ..configuration import PretrainedConfig

# The visual backbone of layoutlmv2-base-uncased, as detectron2 config keys: a Mask R-CNN ResNeXt-101 (32×8d)
# with a feature pyramid. Used when config.json has no detectron2_config_args, as in transformers.
DETECTRON2_DEFAULTS: dict[str, Any] = {
    "MODEL.MASK_ON": True,
    "MODEL.PIXEL_STD": [57.375, 57.120, 58.395],
    "MODEL.BACKBONE.NAME": "build_resnet_fpn_backbone",
    "MODEL.FPN.IN_FEATURES": ["res2", "res3", "res4", "res5"],
    "MODEL.ANCHOR_GENERATOR.SIZES": [[32], [64], [128], [256], [512]],
    "MODEL.RPN.IN_FEATURES": ["p2", "p3", "p4", "p5", "p6"],
    "MODEL.RPN.PRE_NMS_TOPK_TRAIN": 2000,
    "MODEL.RPN.PRE_NMS_TOPK_TEST": 1000,
    "MODEL.RPN.POST_NMS_TOPK_TRAIN": 1000,
    "MODEL.POST_NMS_TOPK_TEST": 1000,
    "MODEL.ROI_HEADS.NAME": "StandardROIHeads",
    "MODEL.ROI_HEADS.NUM_CLASSES": 5,
    "MODEL.ROI_HEADS.IN_FEATURES": ["p2", "p3", "p4", "p5"],
    "MODEL.ROI_BOX_HEAD.NAME": "FastRCNNConvFCHead",
    "MODEL.ROI_BOX_HEAD.NUM_FC": 2,
    "MODEL.ROI_BOX_HEAD.POOLER_RESOLUTION": 14,
    "MODEL.ROI_MASK_HEAD.NAME": "MaskRCNNConvUpsampleHead",
    "MODEL.ROI_MASK_HEAD.NUM_CONV": 4,
    "MODEL.ROI_MASK_HEAD.POOLER_RESOLUTION": 7,
    "MODEL.RESNETS.DEPTH": 101,
    "MODEL.RESNETS.SIZES": [[32], [64], [128], [256], [512]],
    "MODEL.RESNETS.ASPECT_RATIOS": [[0.5, 1.0, 2.0]],
    "MODEL.RESNETS.OUT_FEATURES": ["res2", "res3", "res4", "res5"],
    "MODEL.RESNETS.NUM_GROUPS": 32,
    "MODEL.RESNETS.WIDTH_PER_GROUP": 8,
    "MODEL.RESNETS.STRIDE_IN_1X1": False,
}


class LayoutLMv2Config(PretrainedConfig):
    """The sizes of a LayoutLMv2 model. The defaults are microsoft/layoutlmv2-base-uncased's.

    The text side is BERT-base (the first block of arguments). The layout side adds:
        max_2d_position_embeddings: box coordinates are embedded as integers below this (boxes use 0–1000).
        coordinate_size, shape_size: widths of the x/y and width/height embeddings.
        has_relative_attention_bias, has_spatial_attention_bias: attention biases learned from the 1-D token
            distance (rel_pos_bins, max_rel_pos) and the 2-D box distance (rel_2d_pos_bins, max_rel_2d_pos).
        image_feature_pool_shape: the visual backbone's feature map is pooled to 7×7 = 49 "visual tokens" of 256.
        detectron2_config_args: the backbone's settings as detectron2 keys ("MODEL.RESNETS.DEPTH": 101, ...);
            None means DETECTRON2_DEFAULTS.

    Example:
        >>> LayoutLMv2Config().image_feature_pool_shape
        [7, 7, 256]
    """

    model_type = "layoutlmv2"

    def __init__(
        self,
        vocab_size: int = 30522,
        hidden_size: int = 768,
        num_hidden_layers: int = 12,
        num_attention_heads: int = 12,
        intermediate_size: int = 3072,
        hidden_act: str = "gelu",
        hidden_dropout_prob: float = 0.1,
        attention_probs_dropout_prob: float = 0.1,
        max_position_embeddings: int = 512,
        type_vocab_size: int = 2,
        initializer_range: float = 0.02,
        layer_norm_eps: float = 1e-12,
        pad_token_id: int = 0,
        max_2d_position_embeddings: int = 1024,
        max_rel_pos: int = 128,
        rel_pos_bins: int = 32,
        fast_qkv: bool = True,
        max_rel_2d_pos: int = 256,
        rel_2d_pos_bins: int = 64,
        convert_sync_batchnorm: bool = True,
        image_feature_pool_shape: list[int] | tuple[int, ...] = (7, 7, 256),
        coordinate_size: int = 128,
        shape_size: int = 128,
        has_relative_attention_bias: bool = True,
        has_spatial_attention_bias: bool = True,
        has_visual_segment_embedding: bool = False,
        detectron2_config_args: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_hidden_layers = num_hidden_layers
        self.num_attention_heads = num_attention_heads
        self.intermediate_size = intermediate_size
        self.hidden_act = hidden_act
        self.hidden_dropout_prob = hidden_dropout_prob
        self.attention_probs_dropout_prob = attention_probs_dropout_prob
        self.max_position_embeddings = max_position_embeddings
        self.type_vocab_size = type_vocab_size
        self.initializer_range = initializer_range
        self.layer_norm_eps = layer_norm_eps
        self.max_2d_position_embeddings = max_2d_position_embeddings
        self.max_rel_pos = max_rel_pos
        self.rel_pos_bins = rel_pos_bins
        self.fast_qkv = fast_qkv
        self.max_rel_2d_pos = max_rel_2d_pos
        self.rel_2d_pos_bins = rel_2d_pos_bins
        self.convert_sync_batchnorm = convert_sync_batchnorm
        self.image_feature_pool_shape = list(image_feature_pool_shape)  # JSON has lists; keep one type
        self.coordinate_size = coordinate_size
        self.shape_size = shape_size
        self.has_relative_attention_bias = has_relative_attention_bias
        self.has_spatial_attention_bias = has_spatial_attention_bias
        self.has_visual_segment_embedding = has_visual_segment_embedding
        if detectron2_config_args is None:
            detectron2_config_args = copy.deepcopy(DETECTRON2_DEFAULTS)
        self.detectron2_config_args = detectron2_config_args
        super().__init__(pad_token_id=pad_token_id, **kwargs)
