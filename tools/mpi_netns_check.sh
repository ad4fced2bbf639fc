#!/bin/bash
# Data-parallel training across two "hosts" joined over TCP (issue 18): two
# network namespaces (each with its own hostname) joined by a veth pair, one
# rank in each; Open MPI launches the remote rank through `ip netns exec`
# instead of ssh, and its ranks talk over the veth (btl tcp, no shared
# memory). The result must match one process: the same metrics, weights
# within 1e-4. Needs root (namespaces) and Open MPI.
#
# usage: tools/mpi_netns_check.sh [BIN] [WORK]   (defaults build/complexity, build/mpi-netns)
set -eu
cd "$(dirname "$0")/.."
bin=$(realpath "${1:-build/complexity}") work=${2:-build/mpi-netns}
src=$(pwd)
rm -rf "$work" && mkdir -p "$work" && work=$(realpath "$work")
A=cxnodeA B=cxnodeB
cleanup() { ip netns del $A 2> /dev/null || true; ip netns del $B 2> /dev/null || true; }
trap cleanup EXIT
cleanup
ip netns add $A
ip netns add $B
ip link add cxvA type veth peer name cxvB
ip link set cxvA netns $A
ip link set cxvB netns $B
ip -n $A addr add 10.77.0.1/24 dev cxvA
ip -n $B addr add 10.77.0.2/24 dev cxvB
for ns in $A $B; do ip -n $ns link set lo up; done
ip -n $A link set cxvA up
ip -n $B link set cxvB up
ip netns exec $A bash -c "exec 3<>/dev/tcp/10.77.0.2/9 " 2>/dev/null || true  # the link is up (no ping in a minimal system)

# The launcher's "ssh": run the remote daemon in namespace B under its own hostname.
cat > "$work/agent.sh" <<EOF
#!/bin/sh
host=\$1; shift
exec ip netns exec $B unshare --uts sh -c 'hostname $B; exec sh -c "\$0"' "\$*"
EOF
chmod +x "$work/agent.sh"

head -400 tests/data/reference/train.jsonl > "$work/train.jsonl"
head -60 tests/data/reference/val.jsonl > "$work/val.jsonl"
C=(--data "$work/train.jsonl" --val "$work/val.jsonl" --base none --arch tiny --vocab "$src/tests/data/vocab_small"
   --batch-size 8 --lr 1e-3 --threads 1 --epochs 2)
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
echo "== one process"
mpirun -np 1 "$bin" train "${C[@]}" -o "$work/n1" > "$work/n1.log" 2>&1
echo "== two ranks: 10.77.0.1 (namespace $A) and 10.77.0.2 (namespace $B), TCP over veth"
ip netns exec $A unshare --uts sh -c "hostname $A; exec mpirun --host 10.77.0.1:1,10.77.0.2:1 -np 2 \
    --mca plm_rsh_agent $work/agent.sh --mca btl tcp,self --mca btl_tcp_if_include 10.77.0.0/24 \
    --mca oob_tcp_if_include 10.77.0.0/24 --mca orte_keep_fqdn_hostnames 1 \
    -x OMPI_ALLOW_RUN_AS_ROOT -x OMPI_ALLOW_RUN_AS_ROOT_CONFIRM \
    sh -c 'echo rank \$OMPI_COMM_WORLD_RANK on \$(hostname) >&2; exec $bin train ${C[*]} -o $work/n2'" \
    > "$work/n2.log" 2>&1
grep "^rank" "$work/n2.log"
epochs() { grep '^epoch [0-9]*/[0-9]*: ' "$1" | sed 's/ ([0-9.]* s)//'; }
epochs "$work/n1.log"
if [ "$(epochs "$work/n1.log")" = "$(epochs "$work/n2.log")" ]; then echo "metrics: the same"; else
    echo "metrics differ:"; diff <(epochs "$work/n1.log") <(epochs "$work/n2.log"); exit 1; fi
python3 tests/compare_weights.py "$work/n1/final_model.safetensors" "$work/n2/final_model.safetensors" 1e-4
grep -o "([0-9.]* s)" "$work/n1.log" | tr '\n' ' '; echo " <- epoch seconds, one process"
grep -o "([0-9.]* s)" "$work/n2.log" | tr '\n' ' '; echo " <- epoch seconds, two namespaces over TCP"
