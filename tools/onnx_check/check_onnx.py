"""ONNX's own checker and strict shape inference on exported files (Debian's
python3-onnx, ONNX 1.12). usage: /usr/bin/python3 check_onnx.py FILE.onnx...
Prints one line per file; exits 1 when any file is rejected."""
import sys

import onnx


def check(path):
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    inferred = onnx.shape_inference.infer_shapes(model, check_type=True, strict_mode=True)
    outs = {}
    for o in inferred.graph.output:
        dims = [d.dim_param or d.dim_value for d in o.type.tensor_type.shape.dim]
        outs[o.name] = dims
    ops = sorted({n.op_type for n in model.graph.node})
    print(f"{path}: ok, IR {model.ir_version}, opset {model.opset_import[0].version}, "
          f"{len(model.graph.node)} nodes, outputs {outs}, ops {' '.join(ops)}")


def main():
    bad = 0
    for path in sys.argv[1:]:
        try:
            check(path)
        except Exception as e:  # the checker raises several exception types
            print(f"{path}: REJECTED: {e}")
            bad += 1
    sys.exit(1 if bad else 0)


if __name__ == '__main__':
    main()
