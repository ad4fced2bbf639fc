#!/bin/bash
# Two `complexity serve` replicas behind nginx on loopback (docs/SCALING.md):
# sustained load with wrk while one replica is killed (kill -9) and started
# again loses no request (nginx retries the ones the dead replica dropped on
# the other); a config change made through one replica reaches the other
# (both watch the shared config file); each replica counts its own requests.
. "$(dirname "$0")/testlib.sh"
SRC=${CX_SOURCE_DIR:?}
cli_workdir cli_replicas
for tool in nginx wrk curl; do
  command -v $tool > /dev/null || PATH=$PATH:/usr/sbin
  command -v $tool > /dev/null || { fail "$tool is missing (scripts/debian-packages.txt)"; cli_done cli_replicas; exit; }
done
ln -s "$SRC/models" models
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
PA=$(free_port) PB=$(free_port) PN=$(free_port)
printf 'task_complexity:\n  ml_model_enabled: true\n  ml_estimation_mode: ml_only\n' > config.yaml

start_replica() {  # NAME PORT: a replica in the background, its pid in REPLICA_PID
  "$CLI" serve --config config.yaml --port "$2" --log-file "$1.log" > "$1.out" 2>&1 &
  REPLICA_PID=$!
  for _ in $(seq 100); do grep -q 'listening on' "$1.out" && return 0; sleep 0.1; done
  fail "replica $1 did not start: $(cat "$1.out")"
}
start_replica a "$PA"; A=$REPLICA_PID
start_replica b "$PB"; B=$REPLICA_PID

mkdir -p nginx-tmp
cat > nginx.conf <<EOF
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path $T/nginx-tmp/body;
  proxy_temp_path $T/nginx-tmp/proxy;
  fastcgi_temp_path $T/nginx-tmp/fastcgi;
  uwsgi_temp_path $T/nginx-tmp/uwsgi;
  scgi_temp_path $T/nginx-tmp/scgi;
  upstream complexity {
    server 127.0.0.1:$PA max_fails=1 fail_timeout=1s;
    server 127.0.0.1:$PB max_fails=1 fail_timeout=1s;
    keepalive 16;
  }
  server {
    listen 127.0.0.1:$PN;
    location / {
      proxy_pass http://complexity;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      # estimates change nothing: a request a dead replica dropped is safe to send again
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 2;
      proxy_connect_timeout 1s;
    }
  }
}
EOF
nginx -p "$T" -c "$T/nginx.conf" -g 'daemon off;' > nginx.out 2>&1 &
NGINX=$!
trap 'kill $A $B $NGINX 2> /dev/null' EXIT
for _ in $(seq 50); do curl -s -o /dev/null "http://127.0.0.1:$PN/healthz" && break; sleep 0.1; done
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PN/healthz")
[ "$code" = 200 ] || { fail "nginx in front of the replicas: $code $(cat nginx.out nginx-error.log)"; cli_done cli_replicas; exit; }

# Load for 8 s; replica a is killed at 2 s and started again at 4 s.
cat > post.lua <<'EOF'
wrk.method = "POST"
wrk.body = '{"text": "design a chat backend for 20M daily users across 3 regions"}'
wrk.headers["Content-Type"] = "application/json"
EOF
wrk -t 2 -c 8 -d 8s -s post.lua "http://127.0.0.1:$PN/v1/estimate" > wrk.out 2>&1 &
WRK=$!
sleep 2
kill -9 $A
sleep 2
start_replica a2 "$PA"; A=$REPLICA_PID
wait $WRK
total=$(sed -n 's/^ *\([0-9]*\) requests in .*/\1/p' wrk.out)
non2xx=$(sed -n 's/^ *Non-2xx or 3xx responses: *\([0-9]*\)/\1/p' wrk.out)
sockerr=$(grep -c "Socket errors" wrk.out)
echo "wrk: ${total:-?} requests, ${non2xx:-0} non-2xx, socket error lines $sockerr"
[ -n "$total" ] && [ "$total" -gt 100 ] || fail "wrk made too few requests: $(cat wrk.out)"
[ -z "$non2xx" ] || fail "$non2xx requests failed while a replica was killed and restarted: $(cat wrk.out)"
[ "$sockerr" = 0 ] || fail "socket errors: $(grep 'Socket errors' wrk.out)"
# nginx felt the kill: requests in flight on the dead replica, retried on the other
retried=$(grep -c "while reading response header from upstream" nginx-error.log)
refused=$(grep -c "Connection refused) while connecting" nginx-error.log)
echo "nginx: $retried requests in flight on the killed replica retried, $refused connections refused while it was down"
[ "$((retried + refused))" -gt 0 ] || fail "the kill never reached nginx (the test's timing): $(tail -3 nginx-error.log)"
# the restarted replica serves again
code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PA/healthz")
[ "$code" = 200 ] || fail "the restarted replica: $code"

# Per-replica metrics: each counts its own estimates; both took load.
count() { curl -s "http://127.0.0.1:$1/metrics" | sed -n 's/^complexity_requests_total{endpoint="\/v1\/estimate",code="200"} //p'; }
cb=$(count "$PB")
[ -n "$cb" ] && [ "$cb" -gt 0 ] || fail "replica b served no estimates: '$cb'"

# A config change through replica b reaches replica a (the shared file).
code=$(curl -s -o /dev/null -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
  --data '{"ml_estimation_mode": "hybrid"}' "http://127.0.0.1:$PB/v1/config")
[ "$code" = 200 ] || fail "PUT /v1/config on b: $code"
mode=$(curl -s "http://127.0.0.1:$PA/v1/config" | python3 -c 'import json, sys; print(json.load(sys.stdin)["task_complexity"]["ml_estimation_mode"])')
[ "$mode" = hybrid ] || fail "replica a did not pick up the change: $mode"
curl -s "http://127.0.0.1:$PN/v1/estimate" -H 'Content-Type: application/json' --data '{"text": "hi"}' |
  grep -q '"estimation_method"' || fail "estimate through nginx after the change"

kill -TERM $A $B $NGINX
wait $A $B $NGINX 2> /dev/null
cli_done cli_replicas
