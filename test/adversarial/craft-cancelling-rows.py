"""
How the crafted rows of table-diff.test.ts were found (python3 + numpy, ~15 s of CPU).

Under the old, unsalted table_diff fingerprint a bucket's print is (count, Σ h(row)) with
h = the first 60 bits of md5(row text) — a public function. Wagner's generalised-birthday
algorithm finds four rows whose contributions cancel exactly: lists of 2^21 candidates per row,
pairs merged on the low 20 bits, then an exact match of the pair sums. The four ids share the top
18 bits of the 31-bit integer bucket hash, so they share a bucket at every bucket size.

  python3 craft-cancelling-rows.py changed   # four rows (id, origJ) -> (id, vJxN)
  python3 craft-cancelling-rows.py swapped   # two rows deleted, two inserted
"""
import hashlib
import sys

import numpy as np

MODE = sys.argv[1] if len(sys.argv) > 1 else 'changed'
MASK31 = 2**31 - 1
N, LOW = 1 << 21, 1 << 20


def bucket(i):
    return ((i * 1640531527) & MASK31) >> 13


def h(text):
    return int(hashlib.md5(text.encode()).hexdigest()[:15], 16)


def same_bucket_ids():
    seen = {}
    for i in range(1, 1 << 24):
        seen.setdefault(bucket(i), []).append(i)
        if len(seen[bucket(i)]) == 4:
            return seen[bucket(i)]


def contribution(j, i, n):
    """What candidate n of row j adds to Σ new − Σ old."""
    if MODE == 'changed':
        return h(f'({i},v{j}x{n})') - h(f'({i},orig{j})')
    return (1 if j < 2 else -1) * h(f'({i},v{j}x{n})')


def merge(a, b):
    """Pairs (x, y) with x + y ≡ 0 mod 2^20, as their sums and indexes."""
    ra, rb = a % LOW, (-b) % LOW
    oa, ob = np.argsort(ra, kind='stable'), np.argsort(rb, kind='stable')
    sa, sb = ra[oa], rb[ob]
    lo, hi = np.searchsorted(sb, sa, 'left'), np.searchsorted(sb, sa, 'right')
    cnt = hi - lo
    ia = np.repeat(oa, cnt)
    offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
    ib = ob[np.repeat(lo, cnt) + offs]
    return a[ia] + b[ib], ia, ib


ids = same_bucket_ids()
lists = [np.fromiter((contribution(j, i, n) for n in range(N)), dtype=np.int64, count=N) for j, i in enumerate(ids)]
s12, i1, i2 = merge(lists[0], lists[1])
s34, i3, i4 = merge(lists[2], lists[3])
order = np.argsort(s34)
sorted34 = s34[order]
pos = np.searchsorted(sorted34, -s12)
hit = (pos < len(sorted34)) & (sorted34[np.minimum(pos, len(sorted34) - 1)] == -s12)
for k in np.nonzero(hit)[0][:1]:
    m = order[pos[k]]
    picks = [i1[k], i2[k], i3[m], i4[m]]
    assert sum(contribution(j, i, n) for j, (i, n) in enumerate(zip(ids, picks))) == 0
    print({'mode': MODE, 'ids': ids, 'values': [f'v{j}x{n}' for j, n in enumerate(picks)]})
