#!/bin/bash
# cri.sh: Kubernetes' CRI validation suite, critest (kubernetes-sigs/
# cri-tools), against containerd's CRI plugin as a Kubernetes node runs it:
# runtime handlers "runc" (the guest's runc, the default) and "rt", both
# through the runc shim v2 (BinaryName) with the systemd cgroup driver.
# critest runs with --runtime-handler RUNTIME_NAME, so every pod sandbox
# and container of the run is RUNTIME's. Once per containerd
# (CRI_CONTAINERDS, default "1.6 2"):
#   1.6  the guest's containerd (Debian's), with critest v1.29.0
#        (CRI_CRITEST_16). v1.28.0 is the newest critest made for 1.6, but
#        it gives pods no cgroup parent, and containerd 1.6 then hands the
#        runtime its own "/k8s.io/<id>", which under the systemd driver
#        runc and rt both refuse (not "slice:prefix:name"): no pod starts
#        for either. v1.29.0 gives them one (/test.slice), as a kubelet
#        does, and runs on 1.6 (the same specs, one more).
#   2    containerd 2.x built from its module source, with the newest
#        critest there is
# Both come from CRI_DIR (default /var/tmp/rt-cri, which make test-engines
# shares into the guest; `make cri-tools` builds them there):
#   CRI_DIR/bin/critest-v1.29.0, CRI_DIR/bin/critest-v<newest>,
#   CRI_DIR/containerd-v2.*/bin/{containerd,containerd-shim-runc-v2,ctr},
#   CRI_DIR/debs/*.deb
# Images: cri-images.sh builds them from Debian packages (the guest's, and
# the .debs in CRI_DIR/debs) and pushes them to a docker-registry (Debian's)
# of this suite's own on 127.0.0.1; containerd's registry config
# (hosts.toml, config_path) sends registry.k8s.io, k8s.gcr.io and gcr.io
# there. Pods get a bridge of the
# guest's own (CNI, Debian's plugins; the guest has no NIC, so nothing
# leaves it), and their host ports map on loopback.
#
# One check line per critest spec: "containerd VERSION: SPEC" (PASS,
# FAIL with the failure (its start and end when long: an OCI runtime's
# own message ends a long chain), or SKIP with critest's
# reason; specs the focus left out are not listed), plus whether containerd started and whether the pods really
# ran under RUNTIME (its runtime root is the only one used).
# CRI_FOCUS and CRI_SKIP (regular expressions of spec names) are given
# to critest's --ginkgo.focus / --ginkgo.skip. For a quick run outside
# the guest (a host without systemd, in namespaces of its own): CRI_CGROUP=
# cgroupfs, CRI_RESTRICT_OOM=true where root may not lower oom_score_adj
# (no CAP_SYS_RESOURCE), CNI_BIN_DIR for plugins extracted rather than
# installed.
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
. "$here/cri-images.sh"

CRI_DIR=${CRI_DIR:-/var/tmp/rt-cri}
CRI_CONTAINERDS=${CRI_CONTAINERDS:-1.6 2}
CRI_SUITE_TIMEOUT=${CRI_SUITE_TIMEOUT:-4h}
CRI_CGROUP=${CRI_CGROUP:-systemd}
CNI_BIN_DIR=${CNI_BIN_DIR:-/usr/lib/cni}
CRI_RESTRICT_OOM=${CRI_RESTRICT_OOM:-false}
reg=127.0.0.1:5123
subnet=10.99.0.0/24
bridge=rtcri0

rt_bin=${RT_BIN:-$REPO/rt}
runc_bin=$(command -v runc)
case $RUNTIME_NAME in
rt) rt_bin=$RUNTIME ;;
runc) runc_bin=$RUNTIME ;;
*) echo "RUNTIME_NAME must be rt or runc (the handler's name)" >&2; exit 1 ;;
esac

base=$(mktemp -d /var/tmp/cri.XXXXXX)
# As containerd's own directories: a user namespace's root must reach
# the rootfs below.
chmod 711 "$base"
reg_pid= ctrd_pid= ctrd_sock=

# stop_containerd DIR CTR: removes what critest left (tasks, then
# containers, so that their shims exit), stops containerd, deletes with the
# runtimes what a shim still holds and unmounts what is left under DIR
# (pods' network namespaces included: they are kept in its state dir).
stop_containerd() {
	local d=$1 ctr=$2 id r pid
	if [ -n "$ctrd_pid" ]; then
		for id in $($ctr -a "$ctrd_sock" -n k8s.io task ls -q 2>/dev/null); do
			$ctr -a "$ctrd_sock" -n k8s.io task kill -s KILL "$id" >/dev/null 2>&1
			timeout 60 $ctr -a "$ctrd_sock" -n k8s.io task delete -f "$id" >/dev/null 2>&1
		done
		for id in $($ctr -a "$ctrd_sock" -n k8s.io container ls -q 2>/dev/null); do
			$ctr -a "$ctrd_sock" -n k8s.io container delete "$id" >/dev/null 2>&1
		done
		kill "$ctrd_pid" 2>/dev/null
		wait "$ctrd_pid" 2>/dev/null
		ctrd_pid=
	fi
	for r in rt runc; do
		local bin=$rt_bin
		[ $r = runc ] && bin=$runc_bin
		for id in $(ls "$d/root-$r/k8s.io" 2>/dev/null); do
			"$bin" --root "$d/root-$r/k8s.io" delete -f "$id" >/dev/null 2>&1
		done
	done
	# Shims of this containerd only: their command line names its socket.
	for pid in $(pgrep -f -- "-address $ctrd_sock( |$)"); do
		kill -KILL "$pid" 2>/dev/null
	done
	awk -v b="$d/" 'index($5, b) == 1 { print $5 }' /proc/self/mountinfo | sort -r | while read -r m; do
		umount -l "$m" 2>/dev/null
	done
	ip link del "$bridge" 2>/dev/null
}

cleanup() {
	[ -n "$ctrd_sock" ] && stop_containerd "$(dirname "$ctrd_sock")" "${cur_ctr:-ctr}"
	[ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null && wait "$reg_pid" 2>/dev/null
	rm -rf "$base" "$check_log"
}
trap cleanup EXIT

# start_registry: docker-registry on loopback, its storage under $base.
start_registry() {
	mkdir -p "$base/registry"
	cat >"$base/registry.yml" <<-EOF
	version: 0.1
	log:
	  level: warn
	storage:
	  filesystem:
	    rootdirectory: $base/registry
	http:
	  addr: $reg
	EOF
	docker-registry serve "$base/registry.yml" >"$base/registry.log" 2>&1 &
	reg_pid=$!
	local i
	for i in $(seq 1 120); do
		curl -sf "http://$reg/v2/" >/dev/null && return 0
		kill -0 "$reg_pid" 2>/dev/null || break
		sleep 0.5
	done
	echo "docker-registry did not answer on $reg: $(tail -n 3 "$base/registry.log")"
	return 1
}

# registry_config DIR: hosts.toml for each registry critest names, all
# served by the local registry (plain HTTP); the real hosts stay behind
# it, unreachable from the guest.
registry_config() {
	local h
	for h in registry.k8s.io k8s.gcr.io gcr.io; do
		mkdir -p "$1/$h"
		cat >"$1/$h/hosts.toml" <<-EOF
		server = "https://$h"
		[host."http://$reg"]
		  capabilities = ["pull", "resolve"]
		EOF
	done
}

cni_config() {
	mkdir -p "$1"
	cat >"$1/10-rtcri.conflist" <<-EOF
	{
	  "cniVersion": "0.4.0",
	  "name": "rtcri",
	  "plugins": [
	    {"type": "bridge", "bridge": "$bridge", "isGateway": true, "ipMasq": false, "hairpinMode": true,
	     "ipam": {"type": "host-local", "ranges": [[{"subnet": "$subnet"}]], "routes": [{"dst": "0.0.0.0/0"}],
	              "dataDir": "$2"}},
	    {"type": "portmap", "capabilities": {"portMappings": true}}
	  ]
	}
	EOF
}

# containerd_config VERSION DIR: the config for containerd 1.6 (config
# version 2, CRI plugin io.containerd.grpc.v1.cri) or 2.x (version 3, the
# CRI plugin split in io.containerd.cri.v1.images and .runtime). The
# handlers are the README's.
containerd_config() {
	local v=$1 d=$2 cri images h
	if [ "$v" = 1.6 ]; then
		cri='plugins."io.containerd.grpc.v1.cri"'
		images=$cri
		cat <<-EOF
		version = 2
		EOF
	else
		cri='plugins."io.containerd.cri.v1.runtime"'
		images='plugins."io.containerd.cri.v1.images"'
		cat <<-EOF
		version = 3
		EOF
	fi
	cat <<-EOF
	root = "$d/root"
	state = "$d/state"
	[grpc]
	  address = "$d/containerd.sock"
	[ttrpc]
	  address = "$d/containerd.sock.ttrpc"
	[plugins."io.containerd.internal.v1.opt"]
	  path = "$d/opt"
	EOF
	if [ "$v" = 1.6 ]; then
		cat <<-EOF
		[$cri]
		  sandbox_image = "registry.k8s.io/pause:3.9"
		  netns_mounts_under_state_dir = true
		  restrict_oom_score_adj = $CRI_RESTRICT_OOM
		[$cri.cni]
		  bin_dir = "$CNI_BIN_DIR"
		  conf_dir = "$d/net.d"
		EOF
	else
		cat <<-EOF
		[$images.pinned_images]
		  sandbox = "registry.k8s.io/pause:3.9"
		[$cri]
		  netns_mounts_under_state_dir = true
		  restrict_oom_score_adj = $CRI_RESTRICT_OOM
		[$cri.cni]
		  bin_dirs = ["$CNI_BIN_DIR"]
		  conf_dir = "$d/net.d"
		EOF
	fi
	cat <<-EOF
	[$images.registry]
	  config_path = "$d/certs.d"
	[$cri.containerd]
	  default_runtime_name = "runc"
	EOF
	for h in runc rt; do
		local bin=$rt_bin
		[ $h = runc ] && bin=$runc_bin
		cat <<-EOF
		[$cri.containerd.runtimes.$h]
		  runtime_type = "io.containerd.runc.v2"
		[$cri.containerd.runtimes.$h.options]
		  BinaryName = "$bin"
		  SystemdCgroup = $([ "$CRI_CGROUP" = systemd ] && echo true || echo false)
		  Root = "$d/root-$h"
		EOF
	done
}

# emit_specs VERSION REPORT: one check line per spec of critest's JSON
# report (and one for a failed suite setup, which fails every spec).
emit_specs() {
	jq -r --arg v "containerd $1: " '.[].SpecReports[]
		| select(.LeafNodeType == "It" or .State != "passed")
		| select(.State != "skipped" or .Failure.Message)  # not picked by focus/skip
		| (if .LeafNodeType == "It" then ((.ContainerHierarchyTexts // []) + [.LeafNodeText] | join(" ")) else .LeafNodeType end) as $name
		| ((.Failure.Message // "") | split("\n") | map(select(test("\\S")) | sub("^\\s+"; "")) | join(" ")) as $why
		| if .State == "passed" then "PASS\t\($v)\($name)"
		  elif .State == "skipped" or .State == "pending" then "SKIP\t\($v)\($name)\t\($why | .[0:200])"
		  else "FAIL\t\($v)\($name)\t\(.State): \($why | gsub("\t"; " ") | if length > 240 then .[0:80] + " ... " + .[-160:] else . end)" end' "$2"
}

# run_critest VERSION: containerd VERSION with its critest, once.
run_critest() {
	local v=$1 d=$base/containerd-$v ctrd critest ctr=ctr shimdir=
	if [ "$v" = 1.6 ]; then
		ctrd=$(command -v containerd)
		critest=$CRI_DIR/bin/critest-${CRI_CRITEST_16:-v1.29.0}
	else
		shimdir=$(ls -d "$CRI_DIR"/containerd-v2.*/bin 2>/dev/null | sort -V | tail -n 1)
		ctrd=$shimdir/containerd
		[ -x "$shimdir/ctr" ] && ctr=$shimdir/ctr
		critest=$(ls "$CRI_DIR"/bin/critest-v* 2>/dev/null | sort -V | tail -n 1)
	fi
	for b in "$ctrd" "$critest"; do
		[ -x "$b" ] || { echo "containerd $v: no $b (make cri-tools builds it into CRI_DIR=$CRI_DIR)" >&2; return 1; }
	done
	echo "== containerd $v ($("$ctrd" --version)), $("$critest" --version 2>&1 | head -n 1), handler $RUNTIME_NAME ($RUNTIME)" >&2
	mkdir -p -m 711 "$d"
	registry_config "$d/certs.d"
	cni_config "$d/net.d" "$d/ipam"
	containerd_config "$v" "$d" >"$d/config.toml"
	ctrd_sock=$d/containerd.sock cur_ctr=$ctr
	PATH=${shimdir:+$shimdir:}$PATH "$ctrd" --config "$d/config.toml" >"$d/containerd.log" 2>&1 &
	ctrd_pid=$!
	local i up=
	for i in $(seq 1 240); do
		$ctr -a "$ctrd_sock" version >/dev/null 2>&1 && { up=1; break; }
		kill -0 "$ctrd_pid" 2>/dev/null || break
		sleep 0.5
	done
	if [ -z "$up" ]; then
		printf 'FAIL\tcontainerd %s: containerd starts\t%s\n' "$v" "$(tail -n 1 "$d/containerd.log" | cut -c1-200)"
		sed 's/^/  [containerd] /' "$d/containerd.log" >&2
		stop_containerd "$d" "$ctr"
		return 0
	fi
	printf 'PASS\tcontainerd %s: containerd starts\n' "$v"
	local t0=$SECONDS
	"$critest" --runtime-endpoint "unix://$ctrd_sock" --image-endpoint "unix://$ctrd_sock" \
		--runtime-handler "$RUNTIME_NAME" --ginkgo.json-report "$d/report.json" \
		--ginkgo.timeout "$CRI_SUITE_TIMEOUT" --ginkgo.no-color \
		${CRI_FOCUS:+--ginkgo.focus "$CRI_FOCUS"} ${CRI_SKIP:+--ginkgo.skip "$CRI_SKIP"} \
		>"$d/critest.log" 2>&1
	echo "critest exited $? after $((SECONDS - t0)) s" >&2
	sed 's/^/  [critest] /' "$d/critest.log" >&2
	if [ -s "$d/report.json" ]; then
		emit_specs "$v" "$d/report.json"
		echo "slowest specs (s):" >&2
		jq -r '.[].SpecReports[] | select(.LeafNodeType == "It") | "\(.RunTime / 1e9 | floor)\t\(.LeafNodeText)"' "$d/report.json" |
			sort -rn | head -n 10 | sed 's/^/  /' >&2
	else
		printf 'FAIL\tcontainerd %s: critest report\tno report: %s\n' "$v" "$(tail -n 1 "$d/critest.log" | cut -c1-200)"
	fi
	# The pods were RUNTIME's: only the handler's runtime root was used.
	local other=rt
	[ "$RUNTIME_NAME" = rt ] && other=runc
	if [ -d "$d/root-$RUNTIME_NAME/k8s.io" ] && [ ! -e "$d/root-$other/k8s.io" ]; then
		printf 'PASS\tcontainerd %s: pods ran under the handler'"'"'s runtime\n' "$v"
	else
		printf 'FAIL\tcontainerd %s: pods ran under the handler'"'"'s runtime\t%s\n' "$v" "runtime roots used: $(ls -d "$d"/root-*/k8s.io 2>/dev/null | tr '\n' ' ')"
	fi
	echo "containerd $v log (tail):" >&2
	tail -n 40 "$d/containerd.log" | sed 's/^/  [containerd] /' >&2
	stop_containerd "$d" "$ctr"
	ctrd_sock=
	rm -rf "$d"
}

t0=$SECONDS
cri_images_build || { echo "building the images failed" >&2; exit 1; }
echo "images built in $((SECONDS - t0)) s" >&2
start_registry >&2 || exit 1
cri_images_push "$reg" >&2 || exit 1
status=0
for v in $CRI_CONTAINERDS; do
	t0=$SECONDS
	run_critest "$v" || status=1
	echo "containerd $v with $RUNTIME_NAME: $((SECONDS - t0)) s" >&2
done
exit $status
