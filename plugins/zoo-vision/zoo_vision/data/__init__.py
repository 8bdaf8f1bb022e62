"""Image datasets: the bundled digits, MNIST-5k, scikit-image photos and local folders."""
