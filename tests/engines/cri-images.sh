# cri-images.sh, sourced by cri.sh (after lib.sh): the images critest pulls
# (v1.28 to v1.36, cri-tools' pkg/validate and images/), built from Debian
# packages and pushed under critest's names, less their registry host, to a
# registry on loopback that containerd's registry config puts in place of
# registry.k8s.io, k8s.gcr.io and gcr.io. The packages: busybox, nginx,
# nginx-common and catatonit as .debs in CRI_DIR/debs (make cri-tools
# downloads them; busybox conflicts with the guest's busybox-static, and
# nginx installed would serve the guest), and the guest's procps and
# util-linux. The libraries each program loads come from the guest.
#   registry.k8s.io/e2e-test-images/busybox:1.29-2   Debian's busybox (sh,
#       top, sleep, id, ping, mount, ...; built, as upstream's, to run
#       programs from /bin, not its own applets) as hard links, procps'
#       pgrep and util-linux' ipcs, and busybox's users
#   registry.k8s.io/e2e-test-images/nginx:1.14-2     Debian's nginx on port
#       80, pid in /var/run/nginx.pid, "master process" as pid 1, with busybox
#   gcr.io/k8s-staging-cri-tools/hostnet-nginx-amd64 the same on port 12003
#   registry.k8s.io/e2e-test-images/httpd:2.4.39-4  busybox's httpd on 80,
#       logging Apache's start line
#   registry.k8s.io/e2e-test-images/nonewprivs:1.3   a set-uid root program
#       printing "Effective uid: N" (tests/integration/tools/nnp)
#   registry.k8s.io/pause:3.9 (and k8s.gcr.io/pause:3.9, the same image)
#       catatonit -P (Debian's static catatonit) as the pod's sandbox
#   gcr.io/k8s-staging-cri-tools/test-image-*        busybox with a file named
#       after the image (-1, -2, -3, -latest, -tag:test, -tag:all; the three
#       test-image-tags tags are one image), or a USER (-user-uid 1002,
#       -user-username www-data, -user-uid-group 1003:1004,
#       -user-username-group www-data:1004, -predefined-group 1000 with
#       group 50000 defined in the image)
# test-image-digest is pulled by a digest of upstream's build, which no
# other build can have: that spec fails whatever the runtime.
#
# Layers are gzipped tars made reproducible (sorted, mtime 0, uid 0), so
# equal content is one blob and one image id under any name.

CRI_IMAGES_WORK=${CRI_IMAGES_WORK:-/var/tmp/rt-cri-images}

# img_blob FILE: moves FILE into the blob store, prints its digest.
img_blob() {
	local d
	d=sha256:$(sha256sum "$1" | cut -d' ' -f1)
	mv "$1" "$CRI_IMAGES_WORK/blobs/${d#sha256:}"
	echo "$d"
}

# img_layer DIR: a layer of DIR's content; prints "digest diffid size".
img_layer() {
	local t=$CRI_IMAGES_WORK/layer.tmp diff
	tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$1" -cf "$t.tar" .
	diff=sha256:$(sha256sum "$t.tar" | cut -d' ' -f1)
	gzip -n -1 <"$t.tar" >"$t"
	rm -f "$t.tar"
	local size
	size=$(stat -c %s "$t")
	echo "$(img_blob "$t") $diff $size"
}

# img_make NAME CONFIG LAYER...: the manifest of an image whose container
# config is the JSON object CONFIG, with the layers (lines of img_layer)
# in order, recorded as NAME (repository:tag in the local registry).
img_make() {
	local name=$1 cfg=$2 l d diff size layers="[]" diffs="[]" c m
	shift 2
	for l in "$@"; do
		read -r d diff size <<<"$l"
		layers=$(jq -c --arg d "$d" --argjson s "$size" '. + [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]' <<<"$layers")
		diffs=$(jq -c --arg d "$diff" '. + [$d]' <<<"$diffs")
	done
	jq -cn --argjson c "$cfg" --argjson d "$diffs" \
		'{architecture: "amd64", os: "linux", config: ({Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]} + $c), rootfs: {type: "layers", diff_ids: $d}}' \
		>"$CRI_IMAGES_WORK/cfg.tmp"
	local csize
	csize=$(stat -c %s "$CRI_IMAGES_WORK/cfg.tmp")
	c=$(img_blob "$CRI_IMAGES_WORK/cfg.tmp")
	jq -cn --arg c "$c" --argjson cs "$csize" --argjson l "$layers" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json", config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs}, layers: $l}' \
		>"$CRI_IMAGES_WORK/man.tmp"
	m=$(img_blob "$CRI_IMAGES_WORK/man.tmp")
	echo "$name $m $c $(for l in "$@"; do echo "${l%% *}"; done | tr '\n' ' ')" >>"$CRI_IMAGES_WORK/images"
}

# img_busybox DIR PKGROOT: busybox's rootfs with the users and groups of
# the upstream busybox image (the user tests name www-data), its applets
# hard links as there (a mask on /bin/ls must not hide the others).
img_busybox() {
	local t
	mkdir -p "$1/etc" "$1/tmp" "$1/proc" "$1/sys" "$1/dev" "$1/root" "$1/var"
	chmod 1777 "$1/tmp"
	img_binary "$1" /bin/busybox "$2"
	for t in $("$1/bin/busybox" --list); do
		[ -e "$1/bin/$t" ] || ln "$1/bin/busybox" "$1/bin/$t"
	done
	cat >"$1/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/sh
	daemon:x:1:1:daemon:/usr/sbin:/bin/false
	bin:x:2:2:bin:/bin:/bin/false
	sys:x:3:3:sys:/dev:/bin/false
	sync:x:4:100:sync:/bin:/bin/sync
	mail:x:8:8:mail:/var/spool/mail:/bin/false
	www-data:x:33:33:www-data:/var/www:/bin/false
	operator:x:37:37:Operator:/var:/bin/false
	nobody:x:65534:65534:nobody:/home:/bin/false
	EOF
	cat >"$1/etc/group" <<-'EOF'
	root:x:0:
	daemon:x:1:
	bin:x:2:
	sys:x:3:
	adm:x:4:
	tty:x:5:
	disk:x:6:
	lp:x:7:
	mail:x:8:
	kmem:x:9:
	wheel:x:10:root
	floppy:x:11:
	audio:x:12:
	dialout:x:20:
	www-data:x:33:
	utmp:x:43:
	staff:x:50:
	users:x:100:
	nogroup:x:65534:
	EOF
	mkdir -p "$1/var/www" "$1/home" "$1/var/spool/mail" "$1/usr/sbin"
	# What critest runs that Debian's busybox lacks.
	img_binary "$1" /usr/bin/pgrep
	img_binary "$1" /usr/bin/ipcs
}

# img_binary ROOT BIN [FROM]: BIN (under FROM) and the shared libraries it
# loads (the system's), at the same paths under ROOT.
img_binary() {
	local root=$1 bin=$2 from=${3:-} lib
	mkdir -p "$root$(dirname "$bin")"
	cp -L "$from$bin" "$root$bin"
	for lib in $(ldd "$from$bin" | grep -o '/[^ ]*'); do
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

# img_nginx DIR PKGROOT: Debian's nginx as pid 1 ("nginx: master process
# ..."), its pid in /var/run/nginx.pid, serving conf.d/default.conf.
img_nginx() {
	local d=$1
	img_binary "$d" /usr/sbin/nginx "$2"
	mkdir -p "$d/etc/nginx/conf.d" "$d/var/log/nginx" "$d/var/run" "$d/run" "$d/usr/share/nginx/html" \
		"$d/var/lib/nginx/body" "$d/var/lib/nginx/proxy" "$d/var/lib/nginx/fastcgi" "$d/var/lib/nginx/uwsgi" "$d/var/lib/nginx/scgi"
	cp "$2/etc/nginx/mime.types" "$d/etc/nginx/mime.types"
	cat >"$d/etc/nginx/nginx.conf" <<-'EOF'
	user www-data;
	worker_processes 1;
	pid /var/run/nginx.pid;
	error_log /dev/stderr;
	events { worker_connections 64; }
	http {
		include mime.types;
		access_log /dev/stdout;
		include /etc/nginx/conf.d/*.conf;
	}
	EOF
	echo '<html><body>Welcome to nginx!</body></html>' >"$d/usr/share/nginx/html/index.html"
}

img_nginx_server() {
	printf 'server {\n\tlisten %s;\n\tserver_name localhost;\n\tlocation / { root /usr/share/nginx/html; index index.html; }\n}\n' "$2" >"$1/etc/nginx/conf.d/default.conf"
}

# cri_images_build: every image, once per boot of the guest (the blob
# store is kept in CRI_IMAGES_WORK for the other runtime's run).
cri_images_build() {
	local w=$CRI_IMAGES_WORK
	[ -s "$w/images.done" ] && return 0
	rm -rf "$w"
	mkdir -p "$w/blobs" "$w/src" "$w/pkg"
	local deb pkg=$w/pkg
	for deb in busybox nginx nginx-common catatonit; do
		set -- "$CRI_DIR"/debs/${deb}_*.deb
		[ -f "$1" ] || { echo "no $deb .deb in $CRI_DIR/debs (make cri-tools downloads it)"; return 1; }
		dpkg-deb -x "$1" "$pkg"
	done
	local bb nginx n tags pause grp
	img_busybox "$w/src/busybox" "$pkg"
	bb=$(img_layer "$w/src/busybox")
	local sh='{"Cmd": ["sh"]}'
	img_make e2e-test-images/busybox:1.29-2 "$sh" "$bb"

	img_nginx "$w/src/nginx" "$pkg"
	img_nginx_server "$w/src/nginx" 80
	nginx=$(img_layer "$w/src/nginx")
	local ngcfg='{"Cmd": ["nginx", "-g", "daemon off;"], "ExposedPorts": {"80/tcp": {}}, "StopSignal": "SIGQUIT"}'
	img_make e2e-test-images/nginx:1.14-2 "$ngcfg" "$bb" "$nginx"
	mkdir -p "$w/src/hostnet/etc/nginx/conf.d"
	img_nginx_server "$w/src/hostnet" 12003
	img_make k8s-staging-cri-tools/hostnet-nginx-amd64:latest "$ngcfg" "$bb" "$nginx" "$(img_layer "$w/src/hostnet")"

	# e2e-test-images/httpd serves a page on port 80: busybox's httpd,
	# started by httpd-foreground as Apache's image is; that logs the
	# command line the way Apache does at start (critest's container log
	# check looks for it) and runs busybox's httpd in the foreground.
	mkdir -p "$w/src/httpd/usr/local/apache2/htdocs" "$w/src/httpd/usr/local/bin"
	echo '<html><body><h1>It works!</h1></body></html>' >"$w/src/httpd/usr/local/apache2/htdocs/index.html"
	cat >"$w/src/httpd/usr/local/bin/httpd-foreground" <<-'EOF'
	#!/bin/sh
	echo "[mpm_event:notice] [pid $$] AH00489: busybox httpd configured -- resuming normal operations" >&2
	echo "[core:notice] [pid $$] AH00094: Command line: 'httpd -D FOREGROUND'" >&2
	exec httpd -f -v -p 80 -h /usr/local/apache2/htdocs
	EOF
	chmod 755 "$w/src/httpd/usr/local/bin/httpd-foreground"
	img_make e2e-test-images/httpd:2.4.39-4 '{"Cmd": ["httpd-foreground"], "ExposedPorts": {"80/tcp": {}}}' \
		"$bb" "$(img_layer "$w/src/httpd")"
	# e2e-test-images/nonewprivs: a set-uid root program printing the
	# effective uid (tests/integration/tools/nnp, built by make tools).
	mkdir -p "$w/src/nnp/usr/local/bin"
	cp "$REPO/tests/integration/tools/bin/nnp" "$w/src/nnp/usr/local/bin/nnp"
	chmod 4755 "$w/src/nnp/usr/local/bin/nnp"
	img_make e2e-test-images/nonewprivs:1.3 '{"Entrypoint": ["/usr/local/bin/nnp"]}' "$bb" "$(img_layer "$w/src/nnp")"

	mkdir -p "$w/src/pause"
	cp "$pkg/usr/bin/catatonit" "$w/src/pause/pause"
	pause=$(img_layer "$w/src/pause")
	img_make pause:3.9 '{"Entrypoint": ["/pause", "-P"], "User": "65535:65535"}' "$pause"

	# Test images told apart by a file named after them (images/image-test).
	for n in test-image-1:latest test-image-2:latest test-image-3:latest test-image-latest:latest test-image-tag:test test-image-tag:all; do
		local f=${n%:latest}
		f=${f/test-image-tag:/}
		mkdir -p "$w/src/$f"
		touch "$w/src/$f/$f"
		img_make "k8s-staging-cri-tools/$n" "$sh" "$bb" "$(img_layer "$w/src/$f")"
	done
	mkdir -p "$w/src/same-image"
	touch "$w/src/same-image/same-image"
	local same
	same=$(img_layer "$w/src/same-image")
	for tags in 1 2 3; do
		img_make "k8s-staging-cri-tools/test-image-tags:$tags" "$sh" "$bb" "$same"
	done
	img_make k8s-staging-cri-tools/test-image-user-uid:latest '{"Cmd": ["sh"], "User": "1002"}' "$bb"
	img_make k8s-staging-cri-tools/test-image-user-username:latest '{"Cmd": ["sh"], "User": "www-data"}' "$bb"
	img_make k8s-staging-cri-tools/test-image-user-uid-group:latest '{"Cmd": ["sh"], "User": "1003:1004"}' "$bb"
	img_make k8s-staging-cri-tools/test-image-user-username-group:latest '{"Cmd": ["sh"], "User": "www-data:1004"}' "$bb"
	# images/image-predefined-group: adduser -u 1000 default-user, group
	# 50000 group-defined-in-image with default-user in it, USER 1000.
	mkdir -p "$w/src/group/etc" "$w/src/group/home/default-user"
	cp "$w/src/busybox/etc/passwd" "$w/src/busybox/etc/group" "$w/src/group/etc/"
	echo 'default-user:x:1000:1000::/home/default-user:/bin/sh' >>"$w/src/group/etc/passwd"
	printf 'default-user:x:1000:\ngroup-defined-in-image:x:50000:default-user\n' >>"$w/src/group/etc/group"
	grp=$(img_layer "$w/src/group")
	img_make k8s-staging-cri-tools/test-image-predefined-group:latest '{"Cmd": ["sh"], "User": "1000"}' "$bb" "$grp"
	rm -rf "$w/src" "$pkg"
	mv "$w/images" "$w/images.done"
}

# cri_images_push HOST:PORT: pushes every image to the registry (plain
# HTTP): each blob it lacks as one monolithic upload (POST opens it, PUT
# sends the blob and closes it), then the manifest by tag.
cri_images_push() {
	local reg=$1 name m c layers repo tag b loc
	while read -r name m c layers; do
		repo=${name%:*} tag=${name##*:}
		for b in $c $layers; do
			curl -sfI "http://$reg/v2/$repo/blobs/$b" >/dev/null && continue
			loc=$(curl -sf -X POST -D - -o /dev/null "http://$reg/v2/$repo/blobs/uploads/" |
				tr -d '\r' | awk 'tolower($1) == "location:" { print $2 }')
			[ -n "$loc" ] || { echo "the registry opened no upload for $name"; return 1; }
			[[ $loc == http* ]] || loc=http://$reg$loc
			[[ $loc == *\?* ]] && loc=$loc\&digest=$b || loc=$loc\?digest=$b
			curl -sf -X PUT -H 'Content-Type: application/octet-stream' \
				--data-binary "@$CRI_IMAGES_WORK/blobs/${b#sha256:}" "$loc" >/dev/null ||
				{ echo "push of blob $b of $name failed"; return 1; }
		done
		curl -sf -X PUT -H 'Content-Type: application/vnd.oci.image.manifest.v1+json' \
			--data-binary "@$CRI_IMAGES_WORK/blobs/${m#sha256:}" \
			"http://$reg/v2/$repo/manifests/$tag" >/dev/null ||
			{ echo "push of the manifest of $name failed"; return 1; }
	done <"$CRI_IMAGES_WORK/images.done"
}
