#!/usr/bin/python3
"""Writes small ImageNet devkit-style meta.mat files for the `prepare imagenet-val` tests.

Run with Debian's SciPy (apt-get install python3-scipy):  /usr/bin/python3 scripts/make_meta_fixture.py

The devkit's data/meta.mat holds a struct array `synsets` whose ILSVRC2012_ID 1..1000 are the leaf classes, in an
order that is not the sorted-wnid order; FreqProbe maps ground-truth IDs to wnids through it. These fixtures use
four real wnids in a deliberately unsorted order plus one non-leaf synset, written both plain and zlib-compressed.
"""
import os

import numpy as np
import scipy.io

OUT = os.path.join(os.path.dirname(__file__), "..", "tests", "FreqProbe.Core.Tests", "Fixtures")

rows = [
    (1, "n01530575", "brambling, Fringilla montifringilla", 0),
    (2, "n01440764", "tench, Tinca tinca", 0),
    (3, "n02119789", "kit fox, Vulpes macrotis", 0),
    (4, "n01601694", "water ouzel, dipper", 0),
    (1001, "n00001740", "entity", 3),
]
dtype = [("ILSVRC2012_ID", "O"), ("WNID", "O"), ("words", "O"), ("num_children", "O")]
synsets = np.zeros((len(rows), 1), dtype=dtype)
for i, (ident, wnid, words, children) in enumerate(rows):
    synsets[i, 0] = (np.array([[ident]], dtype=np.float64), wnid, words, np.array([[children]], dtype=np.float64))
scipy.io.savemat(os.path.join(OUT, "meta_small.mat"), {"synsets": synsets}, do_compression=False)
scipy.io.savemat(os.path.join(OUT, "meta_small_compressed.mat"), {"synsets": synsets}, do_compression=True)
print("wrote meta_small.mat and meta_small_compressed.mat with scipy", scipy.__version__)
