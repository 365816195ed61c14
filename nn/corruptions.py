"""The 15 common corruptions of Hendrycks & Dietterich (ICLR 2019) x 5 severities, for Table X (CIFAR-10-C).

Re-implemented with numpy / scipy / scikit-image / Pillow after the reference definitions and CIFAR-10-C severity
parameters (hendrycks/robustness, ImageNet-C/create_c/make_cifar_c.py). Replacements: ImageMagick's motion blur
-> a one-sided Gaussian line kernel at a random angle; OpenCV filters -> scipy.ndimage; constants tied to the
32-px CIFAR side scale with the image side S (28 for MNIST). Frost: the reference blends crops of six frost
photographs; here the frost layer is synthesised procedurally (plasma-fractal haze + random blurred ice needles,
bluish white on RGB). Results are rounded (the reference truncates).

Images: uint8 N x C x H x W (C = 1 or 3, H = W); `corrupt(x, name, severity, seed)` returns the same shape and
dtype and is deterministic per (seed, name); the severities share their random draws (common random numbers).
"""
from __future__ import annotations

import io

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image
from scipy import ndimage as ndi
from skimage import color, transform

CORRUPTIONS = ("gaussian_noise", "shot_noise", "impulse_noise", "defocus_blur", "glass_blur", "motion_blur",
               "zoom_blur", "snow", "frost", "fog", "brightness", "contrast", "elastic_transform", "pixelate",
               "jpeg_compression")  # Table X column order (noise, blur, weather, digital)


def _gray(x):
    return x if x.shape[-1] == 1 else (x * np.array([0.299, 0.587, 0.114])).sum(-1, keepdims=True)


def _blur(x, sigma, mode="nearest", truncate=4.0):
    """Gaussian blur over H, W of an N x H x W x C batch (skimage.filters.gaussian's defaults)."""
    return ndi.gaussian_filter(x, (0, sigma, sigma, 0), mode=mode, truncate=truncate) if sigma > 0 else x


def _clipped_zoom(x, z):
    """Zoom an N x H x W x C batch about its centre by z >= 1 (bilinear), cropped back to H x W."""
    h = x.shape[1]
    ch = int(np.ceil(h / z))
    top = (h - ch) // 2
    m = round(ch * z)  # scipy.ndimage.zoom(order=1) grid: corners aligned
    out = F.interpolate(torch.from_numpy(x[:, top:top + ch, top:top + ch]).permute(0, 3, 1, 2), size=(m, m),
                        mode="bilinear", align_corners=True).permute(0, 2, 3, 1).numpy()
    t = (m - h) // 2
    return out[:, t:t + h, t:t + h]


def _plasma(k, size, decay, rng):
    """k diamond-square height maps in [0, 1] (the reference's plasma_fractal), side = next power of 2 >= size."""
    n = 1 << int(np.ceil(np.log2(size)))
    a = np.zeros((k, n, n))
    step, wib = n, 100.0
    mean = lambda v: v / 4 + wib * rng.uniform(-wib, wib, v.shape)  # noqa: E731
    while step >= 2:
        h = step // 2
        c = a[:, 0:n:step, 0:n:step]
        sq = c + np.roll(c, -1, 1)
        a[:, h:n:step, h:n:step] = mean(sq + np.roll(sq, -1, 2))
        dr, ul = a[:, h:n:step, h:n:step], a[:, 0:n:step, 0:n:step]
        a[:, 0:n:step, h:n:step] = mean(dr + np.roll(dr, 1, 1) + ul + np.roll(ul, -1, 2))
        a[:, h:n:step, 0:n:step] = mean(dr + np.roll(dr, 1, 2) + ul + np.roll(ul, -1, 1))
        step, wib = h, wib / decay
    a -= a.min(axis=(1, 2), keepdims=True)
    return (a / a.max(axis=(1, 2), keepdims=True))[:, :size, :size]


def _motion(x, radius, sigma, angles):
    """Per-image one-sided motion blur of an N x H x W x C batch: sum over i = 0..radius of the image shifted by i
    pixels along its angle (bilinear, edges repeated) with weights exp(-i^2 / 2 sigma^2), normalised."""
    n, h, w, _ = x.shape
    xt = torch.from_numpy(x).permute(0, 3, 1, 2)
    th = torch.from_numpy(np.deg2rad(np.asarray(angles, float)))[:, None, None]
    rr, cc = torch.meshgrid(torch.arange(h, dtype=xt.dtype), torch.arange(w, dtype=xt.dtype), indexing="ij")
    ws = np.exp(-np.arange(radius + 1) ** 2 / (2 * sigma * sigma))
    out = 0
    for i, wi in enumerate(ws / ws.sum()):
        grid = torch.stack([2 * (cc + i * torch.cos(th)) / (w - 1) - 1, 2 * (rr - i * torch.sin(th)) / (h - 1) - 1], -1)
        out = out + wi * F.grid_sample(xt, grid.to(xt.dtype), align_corners=True, padding_mode="border")
    return out.permute(0, 2, 3, 1).numpy()


def gaussian_noise(x, s, rng, size):
    return x + rng.normal(size=x.shape, scale=[0.04, 0.06, 0.08, 0.09, 0.10][s - 1])


def shot_noise(x, s, rng, size):
    c = [500, 250, 100, 75, 50][s - 1]
    return rng.poisson(x * c) / c


def impulse_noise(x, s, rng, size):
    """Salt and pepper on a fraction `amount` of the values, half each (skimage random_noise 's&p')."""
    amount = [0.01, 0.02, 0.03, 0.05, 0.07][s - 1]
    hit, salt = rng.random(x.shape) < amount, rng.random(x.shape) < 0.5
    return np.where(hit, salt.astype(x.dtype), x)


def defocus_blur(x, s, rng, size):
    radius, alias = [(0.3, 0.4), (0.4, 0.5), (0.5, 0.6), (1, 0.2), (1.5, 0.1)][s - 1]
    L = np.arange(-8, 9)
    X, Y = np.meshgrid(L, L)
    disk = (X ** 2 + Y ** 2 <= radius ** 2).astype(float)
    g = np.exp(-np.arange(-1, 2) ** 2 / (2 * alias ** 2))
    disk = ndi.correlate(disk / disk.sum(), np.outer(g, g) / g.sum() ** 2, mode="mirror")  # 3x3 anti-alias
    return ndi.correlate(x, disk[None, :, :, None], mode="mirror")


def glass_blur(x, s, rng, size):
    """Blur, then locally shuffle pixels (sequential swaps with offsets in [-d, d - 1]), then blur again."""
    sigma, d, iters = [(0.05, 1, 1), (0.25, 1, 1), (0.4, 1, 1), (0.25, 1, 2), (0.4, 1, 2)][s - 1]
    x = np.rint(np.clip(_blur(x, sigma), 0, 1) * 255) / 255
    n = np.arange(len(x))
    for _ in range(iters):
        for h in range(size - d, d, -1):
            for w in range(size - d, d, -1):
                dx, dy = rng.integers(-d, d, size=(2, len(x)))
                a, b = x[n, h, w].copy(), x[n, h + dy, w + dx].copy()
                x[n, h, w], x[n, h + dy, w + dx] = b, a
    return _blur(x, sigma)


def motion_blur(x, s, rng, size):
    radius, sigma = [(6, 1), (6, 1.5), (6, 2), (8, 2), (9, 2.5)][s - 1]
    return _motion(x, radius, sigma, rng.uniform(-45, 45, len(x)))


def zoom_blur(x, s, rng, size):
    zs = np.arange(1, [1.06, 1.11, 1.16, 1.21, 1.26][s - 1], 0.01)
    return (x + sum(_clipped_zoom(x, z) for z in zs)) / (len(zs) + 1)


def snow(x, s, rng, size):
    loc, sc, zoom, thr, radius, sigma, keep = [
        (0.1, 0.2, 1, 0.6, 8, 3, 0.95), (0.1, 0.2, 1, 0.5, 10, 4, 0.9), (0.15, 0.3, 1.75, 0.55, 10, 4, 0.9),
        (0.25, 0.3, 2.25, 0.6, 12, 6, 0.85), (0.3, 0.3, 1.25, 0.65, 14, 12, 0.8)][s - 1]
    flakes = _clipped_zoom(rng.normal(loc, sc, (len(x), size, size, 1)), zoom)
    flakes = np.rint(np.clip(np.where(flakes < thr, 0, flakes), 0, 1) * 255) / 255
    flakes = _motion(flakes, radius, sigma, rng.uniform(-135, -45, len(x)))
    x = keep * x + (1 - keep) * np.maximum(x, _gray(x) * 1.5 + 0.5)
    return x + flakes + np.rot90(flakes, 2, axes=(1, 2))


def _frost_layer(size, channels, rng):
    """Procedural frost texture in [0, 1] (side `size`): plasma haze + random ice needles, lightly blurred."""
    base = 0.3 * _plasma(1, size, 1.5, rng)[0]
    ice = np.zeros((size, size))
    for _ in range(size * size // 96):
        r, c = rng.uniform(0, size, 2)
        th, ln, v = rng.uniform(0, np.pi), rng.uniform(2, size / 2), rng.uniform(0.5, 1.0)
        t = np.linspace(0, ln, int(2 * ln) + 1)
        rr, cc = (r + t * np.sin(th)).astype(int), (c + t * np.cos(th)).astype(int)
        ok = (rr >= 0) & (rr < size) & (cc >= 0) & (cc < size)
        ice[rr[ok], cc[ok]] = np.maximum(ice[rr[ok], cc[ok]], v)
    f = np.clip(np.maximum(base, ndi.gaussian_filter(ice, 0.5)), 0, 1)[..., None]
    return f if channels == 1 else f * np.array([0.85, 0.92, 1.0])


def frost(x, s, rng, size):
    """Like the reference (one of its 6 frost photos, random crop per image): crops of 6 synthetic 4S textures."""
    a, b = [(1, 0.2), (1, 0.3), (0.9, 0.4), (0.85, 0.4), (0.75, 0.45)][s - 1]
    pool = [_frost_layer(4 * size, x.shape[-1], rng) for _ in range(6)]
    idx, (r, c) = rng.integers(0, 6, len(x)), rng.integers(0, 3 * size, (2, len(x)))
    return a * x + b * np.stack([pool[k][i:i + size, j:j + size] for k, i, j in zip(idx, r, c)])


def fog(x, s, rng, size):
    a, decay = [(0.2, 3), (0.5, 3), (0.75, 2.5), (1, 2), (1.5, 1.75)][s - 1]
    mx = x.max(axis=(1, 2, 3), keepdims=True)
    haze = _plasma(len(x), size, decay, rng)[..., None]
    return (x + a * haze) * mx / (mx + a)


def brightness(x, s, rng, size):
    c = [0.05, 0.1, 0.15, 0.2, 0.3][s - 1]
    if x.shape[-1] == 1:  # grey: V = the value itself
        return np.clip(x + c, 0, 1)
    hsv = color.rgb2hsv(x)
    hsv[..., 2] = np.clip(hsv[..., 2] + c, 0, 1)
    return color.hsv2rgb(hsv)


def contrast(x, s, rng, size):
    c = [0.75, 0.5, 0.4, 0.3, 0.15][s - 1]
    m = x.mean(axis=(1, 2), keepdims=True)
    return (x - m) * c + m


def elastic_transform(x, s, rng, size):
    """Random affine of three control points, then a smooth random displacement field (reflecting borders)."""
    amp, sig, aff = np.array([(0, 0, 0.08), (0.05, 0.2, 0.07), (0.08, 0.06, 0.06), (0.1, 0.04, 0.05),
                              (0.1, 0.03, 0.03)][s - 1]) * size
    ctr, sq = size // 2, size // 3
    pts = np.array([[ctr + sq, ctr + sq], [ctr + sq, ctr - sq], [ctr - sq, ctr - sq]], float)
    rows, cols = np.meshgrid(np.arange(size), np.arange(size), indexing="ij")
    out = np.empty_like(x)
    for i in range(len(x)):
        t = transform.AffineTransform.from_estimate(pts, pts + rng.uniform(-aff, aff, pts.shape))
        img = transform.warp(x[i], t.inverse, mode="reflect", order=1)
        dx, dy = (ndi.gaussian_filter(rng.uniform(-1, 1, (size, size)), sig, mode="reflect", truncate=3) * amp
                  for _ in range(2))
        for c in range(x.shape[-1]):
            out[i, ..., c] = ndi.map_coordinates(img[..., c], [rows + dy, cols + dx], order=1, mode="reflect")
    return out


def _pil(x, fn):
    out = np.empty_like(x)
    for i, im in enumerate(np.clip(np.rint(x * 255), 0, 255).astype(np.uint8)):
        p = fn(Image.fromarray(im[..., 0] if im.shape[-1] == 1 else im))
        out[i] = np.asarray(p, float).reshape(im.shape) / 255
    return out


def pixelate(x, s, rng, size):
    k = int(size * [0.95, 0.9, 0.85, 0.75, 0.65][s - 1])
    return _pil(x, lambda p: p.resize((k, k), Image.BOX).resize((size, size), Image.BOX))


def jpeg_compression(x, s, rng, size):
    q = [80, 65, 58, 50, 40][s - 1]

    def enc(p):
        buf = io.BytesIO()
        p.save(buf, "JPEG", quality=q)
        return Image.open(io.BytesIO(buf.getvalue())).convert(p.mode)
    return _pil(x, enc)


def corrupt(x: np.ndarray, name: str, severity: int, seed: int = 0) -> np.ndarray:
    """Corruption `name` at `severity` (1..5) of uint8 images N x C x H x W (C 1 or 3), seeded."""
    if name not in CORRUPTIONS:
        raise ValueError(f"unknown corruption {name!r} (known: {', '.join(CORRUPTIONS)})")
    if int(severity) != severity or not 1 <= severity <= 5:
        raise ValueError(f"corruption severity must be an integer 1..5, got {severity}")
    x = np.asarray(x)
    if x.dtype != np.uint8 or x.ndim != 4 or x.shape[1] not in (1, 3) or x.shape[2] != x.shape[3]:
        raise ValueError(f"corrupt: images must be uint8 N x C x S x S with C in (1, 3), got {x.dtype} {x.shape}")
    rng = np.random.default_rng([seed, CORRUPTIONS.index(name)])  # same random draws at every severity
    f = x.transpose(0, 2, 3, 1).astype(np.float64) / 255
    out = globals()[name](f, int(severity), rng, x.shape[-1])
    return np.clip(np.rint(out * 255), 0, 255).astype(np.uint8).transpose(0, 3, 1, 2).copy()
