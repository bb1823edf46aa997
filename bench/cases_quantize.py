"""Colour quantization: a 12-megapixel photo to 16 colours, end to end, against scikit-learn's recipe.

The reference is scikit-learn's colour-quantization example: the photo as a
float image in [0, 1], KMeans(n_clusters=16, random_state=0) fitted on a
random 10,000-pixel sample, then ``predict`` on every pixel and the image
rebuilt from the centres. Ours: ``kmeans_core.quantize`` from the uint8 photo
to the uint8 quantized photo (fit on a 20,000-pixel sample collapsed to
weighted distinct colours, one Lloyd step on all pixels, lookup-table mapping).
Both MSEs are per channel on the 0-255 scale.

The photo is scikit-learn's bundled china.jpg upscaled (bicubic) to 4000 x 3000.

``python -m bench.cases_quantize --study`` prints the measurements behind the
choice of fitting on a sample rather than on every distinct colour.
"""

import sys
import time

import numpy as np

from bench.common import Result, median_time, peak_mib

K = 16
SIZE = (4000, 3000)  # width, height: 12 megapixels


def photo_12mp():
    from PIL import Image
    from sklearn.datasets import load_sample_image

    return np.asarray(Image.fromarray(load_sample_image("china.jpg")).resize(SIZE, Image.Resampling.BICUBIC))


def sklearn_recipe(img):
    """scikit-learn's "Color Quantization using K-Means" example, float image in, float image out."""
    from sklearn.cluster import KMeans
    from sklearn.utils import shuffle

    arr = np.array(img, dtype=np.float64) / 255
    w, h, d = arr.shape
    image_array = np.reshape(arr, (w * h, d))
    sample = shuffle(image_array, random_state=0, n_samples=10_000)
    kmeans = KMeans(n_clusters=K, random_state=0).fit(sample)
    labels = kmeans.predict(image_array)
    return kmeans.cluster_centers_[labels].reshape(w, h, -1)


def ours(img):
    from kmeans_core import quantize

    return quantize(img, K, random_state=0).image


def mse_255(out, img, scale=1.0):
    """Mean squared error per channel on the 0-255 scale, a block of rows at a time."""
    total = 0.0
    for start in range(0, img.shape[0], 500):
        diff = out[start : start + 500].astype(np.float64) * scale - img[start : start + 500]
        total += float(np.einsum("ijk,ijk->", diff, diff))
    return total / img.size


def case_quantize_12mp():
    img = photo_12mp()
    ours_out, ref_out = ours(img), sklearn_recipe(img)
    ours_mse, ref_mse = mse_255(ours_out, img), mse_255(ref_out, img, 255.0)
    del ours_out, ref_out
    ours_s = median_time(lambda: ours(img), repeats=5)
    ref_s = median_time(lambda: sklearn_recipe(img), repeats=5)
    return Result(
        case="quantize a 12 MP photo to 16 colours, end to end",
        target="<= 0.5",
        ours_s=ours_s,
        ref_s=ref_s,
        ours_peak_mib=peak_mib(lambda: ours(img)),
        ref_peak_mib=peak_mib(lambda: sklearn_recipe(img)),
        check=f"MSE per channel (0-255 scale): ours {ours_mse:.2f}, scikit-learn recipe {ref_mse:.2f}",
        ok=ours_mse <= ref_mse,
        limit=0.5,
    )


CASES = [case_quantize_12mp]


def study(seeds=3):
    """Fit on a sample (several sizes) or on every distinct colour: time and MSE on three photos."""
    from sklearn.datasets import load_sample_image

    from kmeans_core import quantize

    photos = {"china": load_sample_image("china.jpg"), "flower": load_sample_image("flower.jpg"),
              "china 12 MP": photo_12mp()}
    print(f"{'photo':12s} {'fit on':>14s} {'median s':>9s} {'MSE mean':>9s} {'MSE worst':>9s}")
    for name, img in photos.items():
        for sample in (10_000, 20_000, 50_000, 200_000, None):
            times, errors = [], []
            for seed in range(seeds):
                t0 = time.perf_counter()
                q = quantize(img, K, sample_size=sample, random_state=seed)
                times.append(time.perf_counter() - t0)
                errors.append(q.mse)
            label = f"{sample:,} px" if sample else "all colours"
            print(f"{name:12s} {label:>14s} {np.median(times):9.3f} {np.mean(errors):9.2f} {max(errors):9.2f}",
                  flush=True)


if __name__ == "__main__":
    if "--study" in sys.argv:
        study()
    else:
        for case in CASES:
            r = case()
            print(f"{r.case}: ours {r.ours_s:.3f} s, scikit-learn {r.ref_s:.3f} s, ratio {r.ratio:.2f} "
                  f"(target {r.target}); peak {r.ours_peak_mib:.0f} vs {r.ref_peak_mib:.0f} MiB; {r.check}; "
                  f"{'OK' if r.ok else 'FAILED'}")
