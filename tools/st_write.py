"""Minimal safetensors writer (the `safetensors` package is not in Debian):
8-byte little-endian header length, JSON header padded with spaces to a
multiple of 8, then the raw little-endian tensor bytes in order."""
import json
import struct

import numpy as np

_DTYPES = {np.dtype('float32'): 'F32', np.dtype('float16'): 'F16', np.dtype('int64'): 'I64',
           np.dtype('int32'): 'I32'}


def save(path, tensors, metadata=None, dtype_names=None):
    """tensors: ordered dict name -> numpy array; dtype_names overrides the
    dtype string per name (for BF16 stored as raw uint16)."""
    header, blobs, off = {}, [], 0
    if metadata:
        header['__metadata__'] = metadata
    for name, arr in tensors.items():
        arr = np.ascontiguousarray(arr)
        raw = arr.astype(arr.dtype.newbyteorder('<'), copy=False).tobytes()
        dt = (dtype_names or {}).get(name) or _DTYPES[arr.dtype]
        header[name] = {'dtype': dt, 'shape': list(arr.shape), 'data_offsets': [off, off + len(raw)]}
        blobs.append(raw)
        off += len(raw)
    h = json.dumps(header, separators=(',', ':')).encode()
    h += b' ' * (-len(h) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
