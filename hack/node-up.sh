#!/usr/bin/env bash
# Runs knative-kafka on a real single-node Kubernetes built here: see README.md,
# "Run it on a real node". Builds what is missing, starts etcd, kube-apiserver,
# kube-controller-manager, kube-scheduler, containerd, kubelet and kube-proxy on
# this host, CoreDNS in a pod, a kfake Kafka broker as a host process on the
# node's bridge, builds Knative Eventing's images and this project's with ko
# into a registry on 127.0.0.1, installs Eventing from its release manifests and
# this project as README's install section says, and a sample channel with an
# event display pod. Ctrl-C removes everything it added to the host.
#
#   hack/node-up.sh            # stays up until Ctrl-C
#   NODE_UP_EXIT=1 hack/node-up.sh   # tears down as soon as it is up
#
# Ctrl-C or SIGTERM stops it (a shell ignores SIGINT in what it starts with &).
#
# Everything the node adds to the host is scoped to 10.217.0.0/16 (pods
# 10.217.0.0/24 on bridge knk0, Services 10.217.1.0/24), to the state directory
# _output/node, and to the cgroups knative-kafka-node and knative-kafka-runtime.
set -o errexit -o nounset -o pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="${ROOT}/_output/bin"
DIR="${ROOT}/_output/node"
export PATH="${BIN}:${PATH}"

NODE=knative-kafka-node
BRIDGE=knk0
CLUSTER_CIDR=10.217.0.0/16
POD_CIDR=10.217.0.0/24
GATEWAY=10.217.0.1
SERVICE_CIDR=10.217.1.0/24
KUBERNETES_SVC=10.217.1.1
DNS_SVC=10.217.1.10
# Ports below the ephemeral range, off every component's default.
ETCD_PORT=12379 ETCD_PEER_PORT=12380 APISERVER_PORT=16443 REGISTRY_PORT=15000 KAFKA_PORT=19092
KUBELET_PORT=20250 KUBELET_HEALTHZ=20248 PROXY_HEALTHZ=20256 PROXY_METRICS=20249
SCHEDULER_PORT=20259 CONTROLLER_MANAGER_PORT=20257
REGISTRY="127.0.0.1:${REGISTRY_PORT}"
APISERVER="https://${GATEWAY}:${APISERVER_PORT}"
CGROUPS=(knative-kafka-node knative-kafka-runtime)
# Sysctls the node's processes change (kubelet's kernel tunables, forwarding):
# each is put back as it was.
SYSCTLS=(net/ipv4/ip_forward vm/overcommit_memory vm/panic_on_oom kernel/panic kernel/panic_on_oops
  kernel/keys/root_maxkeys kernel/keys/root_maxbytes net/ipv4/conf/all/route_localnet
  net/bridge/bridge-nf-call-iptables net/netfilter/nf_conntrack_max)
# Host paths containerd, libcni and kubelet write whatever their configuration
# says: removed at the end when the node made them.
HOST_PATHS=(/run/containerd /var/lib/cni /var/log/containers /var/log/pods)

log() { echo "$(date +%T) $*"; }
die() { echo "node-up: $*" >&2; exit 1; }

[[ $(id -u) == 0 ]] || die "a node needs root (bridge, iptables, mounts, cgroups)"

# One environment on this checkout at a time: hack/local-up.sh takes the same lock.
mkdir -p "${ROOT}/_output"
LOCK="${ROOT}/_output/dev-env.lock"
exec 9>>"${LOCK}"
if ! flock -n 9; then
  die "refusing to start: $(cat "${LOCK}" 2>/dev/null || echo another environment) holds ${LOCK}; stop it first"
fi
echo "hack/node-up.sh (pid $$)" >"${LOCK}"

PIDS=() NAMES=()
declare -A SAVED_SYSCTL=() HAD_PATH=()

# start NAME CMD...: a host process, logged to DIR/logs/NAME.log, stopped by PID.
start() {
  local name=$1
  shift
  # The children hold the lock too: none outlives it unnoticed.
  "$@" >>"${DIR}/logs/${name}.log" 2>&1 &
  PIDS+=($!) NAMES+=("${name}")
  log "started ${name} (pid $!, log ${DIR}/logs/${name}.log)"
}

# poll SECONDS CMD...: whether CMD succeeds within SECONDS.
poll() {
  local secs=$1 i
  shift
  for ((i = 0; i < secs * 2; i++)); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.5
  done
  return 1
}

# wait_for WHAT SECONDS CMD...: polls CMD until it succeeds.
wait_for() {
  local what=$1
  shift
  poll "$@" || die "${what} not ready after $1s (logs in ${DIR}/logs)"
}

kubectl() { command kubectl --kubeconfig "${DIR}/admin.kubeconfig" "$@"; }

## PKI ###################################################################

# cert NAME SUBJECT [SANS]: a key and a certificate signed by the node's CA.
cert() {
  local name=$1 subject=$2 sans=${3:-}
  [[ -f "${DIR}/pki/${name}.crt" ]] && return 0
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "${subject}" \
    -keyout "${DIR}/pki/${name}.key" -out "${DIR}/pki/${name}.csr" 2>/dev/null
  local ext="${DIR}/pki/${name}.ext"
  echo "extendedKeyUsage=serverAuth,clientAuth" >"${ext}"
  [[ -n "${sans}" ]] && echo "subjectAltName=${sans}" >>"${ext}"
  openssl x509 -req -in "${DIR}/pki/${name}.csr" -CA "${DIR}/pki/ca.crt" -CAkey "${DIR}/pki/ca.key" \
    -CAcreateserial -days 1825 -extfile "${ext}" -out "${DIR}/pki/${name}.crt" 2>/dev/null
}

make_pki() {
  mkdir -p "${DIR}/pki"
  if [[ ! -f "${DIR}/pki/ca.crt" ]]; then
    openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1825 \
      -subj "/CN=knative-kafka-node-ca" -keyout "${DIR}/pki/ca.key" -out "${DIR}/pki/ca.crt" 2>/dev/null
  fi
  cert apiserver "/CN=kube-apiserver" \
    "DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local,IP:127.0.0.1,IP:${GATEWAY},IP:${KUBERNETES_SVC}"
  cert admin "/O=system:masters/CN=admin"
  cert kubelet "/O=system:nodes/CN=system:node:${NODE}" "DNS:${NODE},IP:${GATEWAY}"
  cert kube-proxy "/CN=system:kube-proxy"
  cert kube-scheduler "/CN=system:kube-scheduler"
  cert kube-controller-manager "/CN=system:kube-controller-manager"
  if [[ ! -f "${DIR}/pki/sa.key" ]]; then
    openssl genrsa -out "${DIR}/pki/sa.key" 2048 2>/dev/null
    openssl rsa -in "${DIR}/pki/sa.key" -pubout -out "${DIR}/pki/sa.pub" 2>/dev/null
  fi
  local who
  for who in admin kubelet kube-proxy kube-scheduler kube-controller-manager; do
    kubeconfig "${who}"
  done
}

kubeconfig() {
  cat >"${DIR}/$1.kubeconfig" <<EOF
apiVersion: v1
kind: Config
clusters:
- name: node
  cluster: {server: "${APISERVER}", certificate-authority: "${DIR}/pki/ca.crt"}
users:
- name: $1
  user: {client-certificate: "${DIR}/pki/$1.crt", client-key: "${DIR}/pki/$1.key"}
contexts:
- name: node
  context: {cluster: node, user: $1}
current-context: node
EOF
}

## Host: bridge, routes, forwarding, cgroups #############################

save_host() {
  local s p
  for s in "${SYSCTLS[@]}"; do
    [[ -f /proc/sys/${s} ]] && SAVED_SYSCTL[${s}]=$(cat "/proc/sys/${s}")
  done
  for p in "${HOST_PATHS[@]}"; do
    [[ -e ${p} ]] && HAD_PATH[${p}]=1
  done
  return 0
}

setup_host() {
  ip link add "${BRIDGE}" type bridge
  ip addr add "${GATEWAY}/24" dev "${BRIDGE}"
  ip link set "${BRIDGE}" up
  # Service addresses stay on the bridge until kube-proxy translates them:
  # never out of the host's own interface.
  ip route add "${SERVICE_CIDR}" dev "${BRIDGE}"
  echo 1 >/proc/sys/net/ipv4/ip_forward
  # Forwarding is for the cluster's own addresses: pods reach nothing beyond.
  iptables -N KNK-NODE-FORWARD
  iptables -A KNK-NODE-FORWARD -s "${CLUSTER_CIDR}" ! -d "${CLUSTER_CIDR}" -j DROP
  iptables -I FORWARD 1 -j KNK-NODE-FORWARD
  local h cg
  for h in /sys/fs/cgroup/*/; do
    [[ -f ${h}cgroup.procs ]] || continue
    for cg in "${CGROUPS[@]}"; do
      mkdir -p "${h}${cg}"
      if [[ -f ${h}cpuset.cpus ]]; then
        cat "${h}cpuset.cpus" >"${h}${cg}/cpuset.cpus"
        cat "${h}cpuset.mems" >"${h}${cg}/cpuset.mems"
      fi
    done
  done
}

# kill_cgroup NAME: SIGKILL every process in a cgroup tree until it is empty.
kill_cgroup() {
  local root="/sys/fs/cgroup/pids/$1" i pids
  [[ -d ${root} ]] || return 0
  for ((i = 0; i < 50; i++)); do
    pids="$(find "${root}" -name cgroup.procs -exec cat {} + 2>/dev/null | sort -u)"
    [[ -z ${pids} ]] && return 0
    # shellcheck disable=SC2086 # one PID a word
    kill -9 ${pids} 2>/dev/null || true
    sleep 0.1
  done
  log "processes left in cgroup $1: ${pids}"
}

# wait_reaped: until no process, zombies included, names the node's cgroups:
# a killed container is gone only once whoever inherited it has reaped it.
wait_reaped() {
  local i
  for ((i = 0; i < 100; i++)); do
    grep -qsE "/(knative-kafka-node|knative-kafka-runtime)(/|$)" /proc/[0-9]*/cgroup || return 0
    sleep 0.1
  done
  log "processes of the node's cgroups not reaped after 10s"
}

# iptables_clean CMD: drops the chains kubelet, kube-proxy, the CNI plugins and
# this script added, and every rule that jumps to one, leaving the rest.
iptables_clean() {
  local cmd=$1 ours='(KUBE-|CNI-|KNK-)'
  command -v "${cmd}-save" >/dev/null || return 0
  local saved
  saved="$("${cmd}-save" 2>/dev/null)" || return 0
  grep -qE "${ours}" <<<"${saved}" || return 0
  grep -vE "^:${ours}|^-A ${ours}|-j ${ours}" <<<"${saved}" | "${cmd}-restore"
}

stop_procs() {
  local i
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    kill -TERM "${PIDS[i]}" 2>/dev/null || true
  done
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
    local n
    for ((n = 0; n < 50; n++)); do
      kill -0 "${PIDS[i]}" 2>/dev/null || break
      sleep 0.1
    done
    if kill -0 "${PIDS[i]}" 2>/dev/null; then
      log "killing ${NAMES[i]} (pid ${PIDS[i]}) at the end of its 5s grace"
      kill -KILL "${PIDS[i]}" 2>/dev/null || true
    fi
    wait "${PIDS[i]}" 2>/dev/null || true
  done
}

teardown() {
  local rc=$?
  trap - EXIT INT TERM
  log "stopping the node..."
  local start=${SECONDS} cg h s p
  [[ -z ${IDLE:-} ]] || kill "${IDLE}" 2>/dev/null || true
  stop_procs
  for cg in "${CGROUPS[@]}"; do kill_cgroup "${cg}"; done
  wait_reaped
  # Mounts under the state directory, deepest first: pods' volumes and rootfs,
  # kubelet's own bind mount, the pods' network namespaces.
  awk -v d="${DIR}/" 'index($5, d) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "${m}" 2>/dev/null || true
  done
  for h in /sys/fs/cgroup/*/; do
    for cg in "${CGROUPS[@]}"; do
      [[ -d ${h}${cg} ]] && find "${h}${cg}" -depth -type d -exec rmdir {} \; 2>/dev/null
    done
  done
  iptables_clean iptables
  iptables_clean ip6tables
  ip link del "${BRIDGE}" 2>/dev/null || true
  for s in "${!SAVED_SYSCTL[@]}"; do
    echo "${SAVED_SYSCTL[${s}]}" >"/proc/sys/${s}" 2>/dev/null || true
  done
  for p in "${HOST_PATHS[@]}"; do
    [[ -n ${HAD_PATH[${p}]:-} ]] || rm -rf "${p}"
  done
  rm -rf "${DIR}/containerd" "${DIR}/kubelet" "${DIR}/etcd" "${DIR}/cni"
  : >"${LOCK}"
  log "stopped in $((SECONDS - start))s; the host is as it was"
  exit "${rc}"
}

## The node ###############################################################

start_control_plane() {
  rm -rf "${DIR}/etcd"
  start etcd etcd --data-dir "${DIR}/etcd" --unsafe-no-fsync \
    --listen-client-urls "http://127.0.0.1:${ETCD_PORT}" --advertise-client-urls "http://127.0.0.1:${ETCD_PORT}" \
    --listen-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" --initial-advertise-peer-urls "http://127.0.0.1:${ETCD_PEER_PORT}" \
    --initial-cluster "default=http://127.0.0.1:${ETCD_PEER_PORT}"
  wait_for etcd 60 curl -sf "http://127.0.0.1:${ETCD_PORT}/health"
  local pki="${DIR}/pki"
  # On the bridge's address: where pods reach it behind the kubernetes Service.
  start kube-apiserver kube-apiserver --etcd-servers "http://127.0.0.1:${ETCD_PORT}" \
    --bind-address "${GATEWAY}" --advertise-address "${GATEWAY}" --secure-port "${APISERVER_PORT}" \
    --tls-cert-file "${pki}/apiserver.crt" --tls-private-key-file "${pki}/apiserver.key" \
    --client-ca-file "${pki}/ca.crt" \
    --kubelet-client-certificate "${pki}/admin.crt" --kubelet-client-key "${pki}/admin.key" \
    --kubelet-preferred-address-types InternalIP \
    --service-account-issuer https://kubernetes.default.svc.cluster.local \
    --service-account-key-file "${pki}/sa.pub" --service-account-signing-key-file "${pki}/sa.key" \
    --authorization-mode Node,RBAC --enable-admission-plugins NodeRestriction \
    --service-cluster-ip-range "${SERVICE_CIDR}"
  wait_for kube-apiserver 120 kubectl get --raw /readyz
  start kube-controller-manager kube-controller-manager --kubeconfig "${DIR}/kube-controller-manager.kubeconfig" \
    --authentication-kubeconfig "${DIR}/kube-controller-manager.kubeconfig" \
    --authorization-kubeconfig "${DIR}/kube-controller-manager.kubeconfig" \
    --use-service-account-credentials --leader-elect=false \
    --service-account-private-key-file "${pki}/sa.key" --root-ca-file "${pki}/ca.crt" \
    --cluster-signing-cert-file "${pki}/ca.crt" --cluster-signing-key-file "${pki}/ca.key" \
    --service-cluster-ip-range "${SERVICE_CIDR}" \
    --bind-address 127.0.0.1 --secure-port "${CONTROLLER_MANAGER_PORT}"
  start kube-scheduler kube-scheduler --kubeconfig "${DIR}/kube-scheduler.kubeconfig" \
    --authentication-kubeconfig "${DIR}/kube-scheduler.kubeconfig" \
    --authorization-kubeconfig "${DIR}/kube-scheduler.kubeconfig" \
    --leader-elect=false --bind-address 127.0.0.1 --secure-port "${SCHEDULER_PORT}"
}

start_containerd() {
  local c="${DIR}/containerd"
  rm -rf "${c}"
  mkdir -p "${c}/certs.d/${REGISTRY}" "${DIR}/cni/net.d"
  cat >"${c}/certs.d/${REGISTRY}/hosts.toml" <<EOF
server = "http://${REGISTRY}"
[host."http://${REGISTRY}"]
  capabilities = ["pull", "resolve"]
EOF
  cat >"${DIR}/cni/net.d/10-knative-kafka-node.conflist" <<EOF
{"cniVersion": "1.0.0", "name": "knative-kafka-node", "plugins": [
  {"type": "bridge", "bridge": "${BRIDGE}", "isGateway": true, "isDefaultGateway": true, "ipMasq": false, "hairpinMode": true,
   "ipam": {"type": "host-local", "ranges": [[{"subnet": "${POD_CIDR}", "gateway": "${GATEWAY}"}]],
            "dataDir": "${DIR}/cni/ipam"}}]}
EOF
  # restrict_oom_score_adj: this host's capability bounding set lacks
  # CAP_SYS_RESOURCE; without it every sandbox fails ("can't get final
  # child's PID from pipe: EOF"). Network namespaces under the state dir, so
  # that the teardown finds them; no NRI socket, no /opt plugin.
  cat >"${c}/config.toml" <<EOF
version = 3
root = "${c}/root"
state = "${c}/state"
disabled_plugins = ["io.containerd.nri.v1.nri", "io.containerd.internal.v1.opt"]
[grpc]
  address = "${c}/containerd.sock"
[ttrpc]
  address = "${c}/containerd.sock.ttrpc"
[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "${REGISTRY}/pause:node"
  [plugins.'io.containerd.cri.v1.images'.registry]
    config_path = "${c}/certs.d"
[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "$(command -v runc)"
        Root = "${c}/runc"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = ["/usr/lib/cni"]
    conf_dir = "${DIR}/cni/net.d"
EOF
  # In a cgroup of its own, with its shims: the teardown ends them all there.
  start containerd bash -c 'for h in /sys/fs/cgroup/*/knative-kafka-runtime; do echo $$ >"$h/cgroup.procs"; done; exec containerd --config "$0"' "${c}/config.toml"
  wait_for containerd 60 test -S "${c}/containerd.sock"
}

start_kubelet() {
  # The last run's pod logs stay after its teardown, for a look; not across starts.
  rm -rf "${DIR}/kubelet" "${DIR}/pod-logs"
  mkdir -p "${DIR}/kubelet" "${DIR}/pod-logs"
  cat >"${DIR}/kubelet.yaml" <<EOF
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
address: ${GATEWAY}
port: ${KUBELET_PORT}
readOnlyPort: 0
healthzBindAddress: 127.0.0.1
healthzPort: ${KUBELET_HEALTHZ}
tlsCertFile: ${DIR}/pki/kubelet.crt
tlsPrivateKeyFile: ${DIR}/pki/kubelet.key
authentication:
  anonymous: {enabled: false}
  webhook: {enabled: false}
  x509: {clientCAFile: ${DIR}/pki/ca.crt}
authorization: {mode: AlwaysAllow}
containerRuntimeEndpoint: unix://${DIR}/containerd/containerd.sock
# This host's controllers are cgroup v1, mounted by hand: no systemd.
failCgroupV1: false
cgroupDriver: cgroupfs
cgroupRoot: /${CGROUPS[0]}
failSwapOn: false
clusterDNS: [${DNS_SVC}]
clusterDomain: cluster.local
podLogsDir: ${DIR}/pod-logs
serializeImagePulls: false
# The disk is shared: evict only when it is really full.
evictionHard: {memory.available: 100Mi, nodefs.available: 2%, imagefs.available: 2%, nodefs.inodesFree: 2%}
imageGCHighThresholdPercent: 98
imageGCLowThresholdPercent: 97
EOF
  start kubelet kubelet --config "${DIR}/kubelet.yaml" --kubeconfig "${DIR}/kubelet.kubeconfig" \
    --root-dir "${DIR}/kubelet" --hostname-override "${NODE}" --node-ip "${GATEWAY}"
}

start_kube_proxy() {
  cat >"${DIR}/kube-proxy.yaml" <<EOF
apiVersion: kubeproxy.config.k8s.io/v1alpha1
kind: KubeProxyConfiguration
clientConnection: {kubeconfig: ${DIR}/kube-proxy.kubeconfig}
hostnameOverride: ${NODE}
mode: iptables
clusterCIDR: ${POD_CIDR}
healthzBindAddress: 127.0.0.1:${PROXY_HEALTHZ}
metricsBindAddress: 127.0.0.1:${PROXY_METRICS}
nodePortAddresses: [${GATEWAY}/32]
iptables: {localhostNodePorts: false}
# Zero: leave the host's conntrack settings as they are.
conntrack: {maxPerCore: 0, min: 0, tcpEstablishedTimeout: 0s, tcpCloseWaitTimeout: 0s, udpTimeout: 0s, udpStreamTimeout: 0s}
EOF
  start kube-proxy kube-proxy --config "${DIR}/kube-proxy.yaml"
}

start_node() {
  start_containerd
  start_kubelet
  start_kube_proxy
  wait_for "node ${NODE}" 120 node_ready
}

node_ready() { kubectl get node "${NODE}" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' | grep -qx True; }

## Images ##################################################################

start_registry() {
  start registry registry -port "${REGISTRY_PORT}"
  wait_for registry 30 curl -sf "http://${REGISTRY}/v2/"
}

# image NAME FILE ENTRYPOINT: one binary on the base image, so as its user.
image() {
  local tmp
  tmp="$(mktemp -d)"
  cp "$2" "${tmp}/${3#/}"
  tar -C "${tmp}" -cf "${tmp}/layer.tar" "${3#/}"
  crane append --insecure -b "${BASE}" -f "${tmp}/layer.tar" -t "${REGISTRY}/$1:build" >/dev/null
  crane mutate --insecure --entrypoint "$3" "${REGISTRY}/$1:build" -t "${REGISTRY}/$1:node" >/dev/null
  rm -rf "${tmp}"
}

build_images() {
  start_registry
  # What ko builds on here, as hack/ko-resolve.sh does.
  BASE="$("${ROOT}/hack/base-image.sh" "${REGISTRY}")"
  image pause "${BIN}/pause" /pause
  image coredns "${BIN}/coredns" /coredns
}

## Cluster add-ons #########################################################

start_coredns() {
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ServiceAccount
metadata: {name: coredns, namespace: kube-system}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: "system:coredns"}
rules:
- apiGroups: [""]
  resources: [endpoints, services, pods, namespaces]
  verbs: [list, watch]
- apiGroups: [discovery.k8s.io]
  resources: [endpointslices]
  verbs: [list, watch]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: "system:coredns"}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: "system:coredns"}
subjects: [{kind: ServiceAccount, name: coredns, namespace: kube-system}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: coredns, namespace: kube-system}
data:
  Corefile: |
    .:1053 {
        errors
        health :8080
        ready :8181
        kubernetes cluster.local in-addr.arpa ip6.arpa {
            pods insecure
        }
        cache 30
        loadbalance
    }
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: coredns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  replicas: 1
  selector: {matchLabels: {k8s-app: kube-dns}}
  template:
    metadata: {labels: {k8s-app: kube-dns}}
    spec:
      serviceAccountName: coredns
      dnsPolicy: Default
      containers:
      - name: coredns
        image: ${REGISTRY}/coredns:node
        args: [-conf, /etc/coredns/Corefile]
        ports:
        - {name: dns, containerPort: 1053, protocol: UDP}
        - {name: dns-tcp, containerPort: 1053, protocol: TCP}
        readinessProbe: {httpGet: {path: /ready, port: 8181}}
        livenessProbe: {httpGet: {path: /health, port: 8080}}
        resources: {requests: {cpu: 50m, memory: 30Mi}, limits: {memory: 170Mi}}
        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
        volumeMounts: [{name: config, mountPath: /etc/coredns}]
      volumes: [{name: config, configMap: {name: coredns}}]
---
apiVersion: v1
kind: Service
metadata: {name: kube-dns, namespace: kube-system, labels: {k8s-app: kube-dns}}
spec:
  clusterIP: ${DNS_SVC}
  selector: {k8s-app: kube-dns}
  ports:
  - {name: dns, port: 53, targetPort: 1053, protocol: UDP}
  - {name: dns-tcp, port: 53, targetPort: 1053, protocol: TCP}
EOF
}

start_addons() {
  start_coredns
  start_kafka
}

start_kafka() {
  mkdir -p "${DIR}/kafka"
  start kafka devbroker -host "${GATEWAY}" -port "${KAFKA_PORT}" -data-dir "${DIR}/kafka"
  wait_for kafka 30 bash -c "exec 3<>/dev/tcp/${GATEWAY}/${KAFKA_PORT}"
}

eventing_dir() {
  (cd "${ROOT}/hack/tools/eventing" && GOFLAGS=-mod=mod go mod download -json knative.dev/eventing@v0.50.0) |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

# install_eventing: Eventing's release manifests built by ko from the
# module, as its release does: eventing-core (config/core, and the image
# config maps its controller reads) and the channel-based Broker.
install_eventing() {
  local ev
  ev="$(eventing_dir)"
  local manifests=(-f "${ev}/config/core" -f "${ev}/third_party/eventing-integrations-latest"
    -f "${ev}/config/brokers/mt-channel-broker")
  (cd "${ROOT}/hack/tools/eventing" &&
    GOFLAGS=-mod=mod KO_DOCKER_REPO="${REGISTRY}/knative-eventing" KO_DEFAULTBASEIMAGE="${BASE}" \
      ko resolve --base-import-paths --sbom=none -R "${manifests[@]}") \
    >"${DIR}/eventing.yaml" 2>"${DIR}/logs/ko-eventing.log" || die "ko resolve of Eventing failed: see ${DIR}/logs/ko-eventing.log"
  kubectl apply --server-side -f "${DIR}/eventing.yaml" >/dev/null
  # cert-manager's Certificate kind, which Eventing's controller watches once
  # transport-encryption is on: without it, that watch never syncs and holds
  # back every later config-features change (OIDC's included). The same
  # schema-less stand-in as the dev environment's; no cert-manager runs here.
  kubectl apply -f "${ROOT}/test/devenv/certmanager.yaml" >/dev/null
  wait_all_ready "Knative Eventing's workloads" app.kubernetes.io/name=knative-eventing
}

# all_ready SELECTOR: every replica of the Deployments and StatefulSets
# selected in knative-eventing is ready (their requests fit the node).
all_ready() {
  kubectl get deployments,statefulsets -n knative-eventing -l "$1" \
    -o jsonpath='{range .items[*]}{.spec.replicas} {.status.readyReplicas}{"\n"}{end}' |
    awk '{ seen = 1; if ($2 + 0 < $1) short = 1 } END { exit !(seen && !short) }'
}

# wait_all_ready WHAT SELECTOR: all_ready within 5 minutes, or names the
# pods the scheduler could not place.
wait_all_ready() {
  poll 300 all_ready "$2" || die "$1: not every replica Ready after 300s (logs in ${DIR}/logs)
$(pending_pods)"
}

# pending_pods: the pods the scheduler could not place, and why.
pending_pods() {
  kubectl get pods -A --field-selector=status.phase=Pending \
    -o jsonpath='{range .items[*]}  {.metadata.namespace}/{.metadata.name}: {.status.conditions[?(@.type=="PodScheduled")].message}{"\n"}{end}'
}

# install_project: README's "Install on a cluster", steps 1 to 3.
install_project() {
  (cd "${ROOT}" && KUBECONFIG="${DIR}/admin.kubeconfig" KO_DOCKER_REPO="${REGISTRY}/knative-kafka" \
    KO_DEFAULTBASEIMAGE="${BASE}" ko apply -f config) \
    >"${DIR}/logs/ko-apply.log" 2>&1 || die "ko apply -f config failed: see ${DIR}/logs/ko-apply.log"
  # Step 1: the Secret describes this node's Kafka.
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: kafka-cluster
  namespace: knative-eventing
  labels: {knative-kafka.dev/kafka-secret: "true", app.kubernetes.io/name: knative-kafka}
stringData: {brokers: "${GATEWAY}:${KAFKA_PORT}", protocol: PLAINTEXT}
EOF
  # Step 3: KafkaChannel behind Brokers and Channels.
  kubectl apply -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: config-br-default-channel, namespace: knative-eventing}
data:
  channel-template-spec: |
    apiVersion: messaging.knative.dev/v1beta1
    kind: KafkaChannel
---
apiVersion: v1
kind: ConfigMap
metadata: {name: default-ch-webhook, namespace: knative-eventing}
data:
  default-ch-config: |
    clusterDefault:
      apiVersion: messaging.knative.dev/v1beta1
      kind: KafkaChannel
EOF
  wait_all_ready "knative-kafka's workloads" app.kubernetes.io/name=knative-kafka
}

SAMPLE='apiVersion: apps/v1
kind: Deployment
metadata: {name: event-display, namespace: default}
spec:
  selector: {matchLabels: {app: event-display}}
  template:
    metadata: {labels: {app: event-display}}
    spec:
      containers:
      - name: event-display
        image: ko://github.com/knative-kafka/knative-kafka/test/cmd/event-display
        ports: [{containerPort: 8080}]
        readinessProbe: {tcpSocket: {port: 8080}}
        resources: {requests: {cpu: 10m, memory: 20Mi}, limits: {memory: 64Mi}}
        securityContext: {runAsNonRoot: true, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}
---
apiVersion: v1
kind: Service
metadata: {name: event-display, namespace: default}
spec:
  selector: {app: event-display}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: messaging.knative.dev/v1beta1
kind: KafkaChannel
metadata: {name: sample, namespace: default}
spec: {numPartitions: 3}
---
apiVersion: messaging.knative.dev/v1
kind: Subscription
metadata: {name: sample-display, namespace: default}
spec:
  channel: {apiVersion: messaging.knative.dev/v1beta1, kind: KafkaChannel, name: sample}
  subscriber:
    ref: {apiVersion: v1, kind: Service, name: event-display}'

start_sample() {
  (cd "${ROOT}" && KUBECONFIG="${DIR}/admin.kubeconfig" KO_DOCKER_REPO="${REGISTRY}/knative-kafka" \
    KO_DEFAULTBASEIMAGE="${BASE}" ko apply -f - <<<"${SAMPLE}") \
    >>"${DIR}/logs/ko-apply.log" 2>&1 || die "ko apply of the sample failed: see ${DIR}/logs/ko-apply.log"
  kubectl wait -n default --for=condition=Available deployment/event-display --timeout=3m >/dev/null
  kubectl wait -n default --for=condition=Ready kafkachannel/sample subscription/sample-display --timeout=3m >/dev/null
}

step() {
  local what=$1 t=${SECONDS}
  shift
  log "${what}..."
  "$@"
  log "  done in $((SECONDS - t))s"
}

main() {
  local begin=${SECONDS}
  step "building tools (hack/build-tools.sh kube ko node)" "${ROOT}/hack/build-tools.sh" kube ko node
  step "building devbroker and pause" bash -c "cd '${ROOT}' && CGO_ENABLED=0 go build -o '${BIN}/' ./test/cmd/devbroker ./test/cmd/pause"
  mkdir -p "${DIR}/logs"
  save_host
  trap teardown EXIT
  trap 'exit 130' INT TERM
  step "PKI" make_pki
  step "bridge ${BRIDGE} (${POD_CIDR}), Service route (${SERVICE_CIDR}), forwarding, cgroups" setup_host
  step "local registry on ${REGISTRY}; base, pause and CoreDNS images" build_images
  step "control plane (etcd, kube-apiserver on ${APISERVER}, kube-controller-manager, kube-scheduler)" start_control_plane
  step "containerd, kubelet, kube-proxy; node ${NODE} Ready" start_node
  step "CoreDNS (pod) and Kafka (kfake on ${GATEWAY}:${KAFKA_PORT})" start_addons
  step "Knative Eventing: ko resolve of its release manifests, apply, wait" install_eventing
  step "knative-kafka: ko apply -f config (README, Install on a cluster)" install_project
  step "sample channel, subscribed by an event display pod" start_sample
  local receiver
  receiver="$(kubectl get svc -n knative-eventing kafka-channel-receiver -o jsonpath='{.spec.clusterIP}')"
  cat <<EOF

knative-kafka is up on a real node ($((SECONDS - begin))s):

  export KUBECONFIG=${DIR}/admin.kubeconfig
  kubectl get pods -A        (kubectl is in _output/bin)

Send an event to the sample channel (the receiver's Service, ${receiver}):

  curl -i http://${receiver}/default/sample \\
    -H 'ce-specversion: 1.0' -H 'ce-type: dev.example' -H 'ce-source: curl' \\
    -H 'ce-id: 1' -H 'content-type: application/json' -d '{"hello":"kafka"}'

and see it in the event display pod's log:

  kubectl logs -n default deploy/event-display

Host processes' logs are in ${DIR}/logs. Ctrl-C stops the node and removes all it added to the host.
EOF
  [[ -n ${NODE_UP_EXIT:-} ]] && return 0
  sleep infinity 9>&- &
  IDLE=$!
  wait "${IDLE}"
}

main "$@"
