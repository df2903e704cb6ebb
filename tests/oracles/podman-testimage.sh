# The test image of Podman's system tests, quay.io/libpod/testimage:20220615
# (test/system/build-testimage: Alpine with busybox-extras,
# /home/podman/{testimage-id,pause}, labels), built from the host's
# busybox-static with what podman-system.sh's files use, beside
# testimage:00000004 (a plain busybox) and k8s.gcr.io/pause:3.5 (catatonit).
# Sourced by podman-system.sh after engines/cri-images.sh (img_blob,
# img_binary), with CRI_IMAGES_WORK set; tim_images makes them.
tim_here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)


# tim_layer DIR: as img_layer, keeping the files' times (the tests read
# testimage-id's).
tim_layer() {
	local t=$CRI_IMAGES_WORK/layer.tmp diff size
	tar --sort=name --owner=0 --group=0 --numeric-owner -C "$1" -cf "$t.tar" .
	diff=sha256:$(sha256sum "$t.tar" | cut -d' ' -f1)
	gzip -n -1 <"$t.tar" >"$t" && rm -f "$t.tar"
	size=$(stat -c %s "$t")
	echo "$(img_blob "$t") $diff $size"
}

# tim_make NAME CONFIG CREATED LAYER: as img_make, with the image's
# creation time and history (Podman shows them).
tim_make() {
	local name=$1 cfg=$2 created=$3 d diff size c m csize
	read -r d diff size <<<"$4"
	jq -cn --argjson c "$cfg" --arg d "$diff" --arg t "$created" --arg n "$name" \
		'{created: $t, architecture: "amd64", os: "linux",
		  config: ({Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]} + $c),
		  rootfs: {type: "layers", diff_ids: [$d]},
		  history: [{created: $t, created_by: ("rt tests/oracles/podman-system.sh: " + $n)}]}' \
		>"$CRI_IMAGES_WORK/cfg.tmp"
	csize=$(stat -c %s "$CRI_IMAGES_WORK/cfg.tmp")
	c=$(img_blob "$CRI_IMAGES_WORK/cfg.tmp")
	jq -cn --arg c "$c" --argjson cs "$csize" --arg d "$d" --argjson s "$size" \
		'{schemaVersion: 2, mediaType: "application/vnd.oci.image.manifest.v1+json",
		  config: {mediaType: "application/vnd.oci.image.config.v1+json", digest: $c, size: $cs},
		  layers: [{mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: $d, size: $s}]}' \
		>"$CRI_IMAGES_WORK/man.tmp"
	m=$(img_blob "$CRI_IMAGES_WORK/man.tmp")
	echo "$name $m $c $d" >>"$CRI_IMAGES_WORK/images"
}

# tim_rootfs DIR: busybox-static laid out as Alpine's (links at busybox's
# own install paths), Alpine's users and groups (ping is 999), and what
# Alpine's busybox has and Debian's lacks that the tests run: printenv
# (coreutils'), adduser (a script with busybox's options) and
# busybox-extras (busybox itself: it runs argv[1] as the applet).
tim_rootfs() {
	local r=$1
	mkdir -p "$r"/{bin,sbin,dev,etc,home/podman,lib,media,mnt,opt,proc,root,run,srv,sys,tmp} \
		"$r"/usr/{bin,sbin,lib,share,local/bin,local/lib,local/share} \
		"$r"/var/{cache,empty,lib,local,lock,log,mail,opt,spool,tmp,www}
	ln -s ../run "$r/var/run"
	ln -s ../proc/mounts "$r/etc/mtab"
	chmod 1777 "$r/tmp" "$r/var/tmp"
	chmod 700 "$r/root"
	cp /bin/busybox "$r/bin/busybox"
	busybox --list-full | grep -vx bin/busybox | while read -r a; do ln -s /bin/busybox "$r/$a"; done
	ln -s busybox "$r/bin/busybox-extras"
	rm "$r/usr/bin/nc"
	tim_nc "$r/usr/bin/nc"
	rm -f "$r/bin/printenv" "$r/usr/bin/printenv"
	img_binary "$r" /usr/bin/printenv
	mv "$r/usr/bin/printenv" "$r/bin/printenv"
	cat >"$r/usr/sbin/adduser" <<-'EOF'
	#!/bin/sh
	# busybox's adduser, for the tests: adduser [-h DIR] [-g GECOS]
	# [-s SHELL] [-G GROUP] [-u UID] [-D] [-S] [-H] USER
	home= gecos= shell=/bin/sh group= uid= nohome=
	while getopts h:g:s:G:u:k:DSH o; do
		case $o in
		h) home=$OPTARG ;; g) gecos=$OPTARG ;; s) shell=$OPTARG ;;
		G) group=$OPTARG ;; u) uid=$OPTARG ;; H) nohome=1 ;;
		esac
	done
	shift $((OPTIND - 1))
	user=$1
	[ -n "$user" ] || { echo "adduser: no user name" >&2; exit 1; }
	if grep -q "^$user:" /etc/passwd; then echo "adduser: user '$user' in use" >&2; exit 1; fi
	if [ -z "$uid" ]; then
		uid=1000
		while cut -d: -f3 /etc/passwd | grep -qx "$uid"; do uid=$((uid + 1)); done
	fi
	if [ -n "$group" ]; then
		gid=$(awk -F: -v g="$group" '$1 == g { print $3 }' /etc/group)
		[ -n "$gid" ] || { echo "adduser: unknown group $group" >&2; exit 1; }
	else
		gid=$uid
		echo "$user:x:$gid:" >>/etc/group
	fi
	home=${home:-/home/$user}
	echo "$user:x:$uid:$gid:$gecos:$home:$shell" >>/etc/passwd
	[ -n "$nohome" ] || { mkdir -p "$home" && chown "$uid:$gid" "$home"; }
	EOF
	chmod 755 "$r/usr/sbin/adduser"
	cat >"$r/etc/passwd" <<-'EOF'
	root:x:0:0:root:/root:/bin/ash
	bin:x:1:1:bin:/bin:/sbin/nologin
	daemon:x:2:2:daemon:/sbin:/sbin/nologin
	adm:x:3:4:adm:/var/adm:/sbin/nologin
	lp:x:4:7:lp:/var/spool/lpd:/sbin/nologin
	sync:x:5:0:sync:/sbin:/bin/sync
	shutdown:x:6:0:shutdown:/sbin:/sbin/shutdown
	halt:x:7:0:halt:/sbin:/sbin/halt
	mail:x:8:12:mail:/var/mail:/sbin/nologin
	news:x:9:13:news:/usr/lib/news:/sbin/nologin
	uucp:x:10:14:uucp:/var/spool/uucppublic:/sbin/nologin
	operator:x:11:0:operator:/root:/sbin/nologin
	man:x:13:15:man:/usr/man:/sbin/nologin
	postmaster:x:14:12:postmaster:/var/mail:/sbin/nologin
	cron:x:16:16:cron:/var/spool/cron:/sbin/nologin
	ftp:x:21:21::/var/lib/ftp:/sbin/nologin
	sshd:x:22:22:sshd:/dev/null:/sbin/nologin
	at:x:25:25:at:/var/spool/cron/atjobs:/sbin/nologin
	squid:x:31:31:Squid:/var/cache/squid:/sbin/nologin
	xfs:x:33:33:X Font Server:/etc/X11/fs:/sbin/nologin
	games:x:35:35:games:/usr/games:/sbin/nologin
	cyrus:x:85:12::/usr/cyrus:/sbin/nologin
	vpopmail:x:89:89::/var/vpopmail:/sbin/nologin
	ntp:x:123:123:NTP:/var/empty:/sbin/nologin
	smmsp:x:209:209:smmsp:/var/spool/mqueue:/sbin/nologin
	guest:x:405:100:guest:/dev/null:/sbin/nologin
	nobody:x:65534:65534:nobody:/:/sbin/nologin
	EOF
	cat >"$r/etc/group" <<-'EOF'
	root:x:0:root
	bin:x:1:root,bin,daemon
	daemon:x:2:root,bin,daemon
	sys:x:3:root,bin,adm
	adm:x:4:root,adm,daemon
	tty:x:5:
	disk:x:6:root,adm
	lp:x:7:lp
	mem:x:8:
	kmem:x:9:
	wheel:x:10:root
	floppy:x:11:root
	mail:x:12:mail
	news:x:13:news
	uucp:x:14:uucp
	man:x:15:man
	cron:x:16:cron
	console:x:17:
	audio:x:18:
	cdrom:x:19:
	dialout:x:20:root
	ftp:x:21:
	sshd:x:22:
	input:x:23:
	at:x:25:at
	tape:x:26:root
	video:x:27:root
	netdev:x:28:
	readproc:x:30:
	squid:x:31:squid
	xfs:x:33:xfs
	kvm:x:34:kvm
	games:x:35:
	shadow:x:42:
	cdrw:x:80:
	www-data:x:82:
	usb:x:85:
	vpopmail:x:89:
	users:x:100:games
	ntp:x:123:
	nofiles:x:200:
	smmsp:x:209:smmsp
	locate:x:245:
	abuild:x:300:
	utmp:x:406:
	ping:x:999:
	nogroup:x:65533:
	nobody:x:65534:
	EOF
	cut -d: -f1 "$r/etc/passwd" | sed 's/$/:!::0:::::/' >"$r/etc/shadow"
	chmod 640 "$r/etc/shadow"
	printf 'NAME="Alpine Linux"\nID=alpine\nVERSION_ID=3.16.0\nPRETTY_NAME="Alpine Linux v3.16"\n' >"$r/etc/os-release"
	echo 3.16.0 >"$r/etc/alpine-release"
	printf '127.0.0.1\tlocalhost localhost.localdomain\n::1\t\tlocalhost localhost.localdomain\n' >"$r/etc/hosts"
	echo localhost >"$r/etc/hostname"
	: >"$r/etc/resolv.conf"
	printf '/bin/sh\n/bin/ash\n' >"$r/etc/shells"
	find "$r" -exec touch -h -d @1655251200 {} +
}

# tim_nc PATH: the nc of Alpine's busybox (nc_bloaty: -n, -v, its messages,
# musl's "Address in use"), which the pod and network tests read; Debian's
# busybox has the small nc without -n and -v: testdata/podman-nc/nc.go,
# built with the Go toolchain.
tim_nc() {
	local src=$CRI_IMAGES_WORK/nc
	mkdir -p "$src"
	cp "$tim_here/testdata/podman-nc/nc.go" "$src/nc.go"
	(cd "$src" && PATH=/usr/local/go/bin:$PATH CGO_ENABLED=0 GOCACHE=$src/cache GOFLAGS= GO111MODULE=off \
		go build -trimpath -ldflags=-s -o "$1" nc.go)
	rm -rf "$src"
}

# tim_images: the images, into CRI_IMAGES_WORK/images.done (once: kept
# between runs).
tim_images() {
	local w=$CRI_IMAGES_WORK
	[ ! -s "$w/images.done" ] || return 0
	rm -rf "$w" && mkdir -p "$w/blobs" "$w/src"
	tim_rootfs "$w/src/bb"
	# busybox's testimage:00000004, for the pull tests.
	tim_make libpod/testimage:00000004 '{"Cmd": ["sh"]}' 2021-10-01T00:00:00Z "$(tim_layer "$w/src/bb")"
	# build-testimage's files: testimage-id with its fixed time, the pause
	# script the pod tests run.
	echo 20220615 >"$w/src/bb/home/podman/testimage-id"
	touch -d @1600000000 "$w/src/bb/home/podman/testimage-id"
	cat >"$w/src/bb/home/podman/pause" <<-'EOF'
	#!/bin/sh
	#
	# Trivial little pause script, used in one of the pod tests
	#
	echo Confirmed: testimage pause invoked as $0
	while :; do
	    sleep 0.1
	done
	EOF
	chmod 755 "$w/src/bb/home/podman/pause"
	touch -d @1655251200 "$w/src/bb/home/podman/pause" "$w/src/bb/home/podman"
	tim_make libpod/testimage:20220615 '{"Cmd": ["/bin/echo", "This container is intended for podman CI testing"],
		"WorkingDir": "/home/podman", "Labels": {"created_by": "test/system/build-testimage",
		"created_at": "2022-06-15T00:00:00Z"}}' 2022-06-15T00:00:00Z "$(tim_layer "$w/src/bb")"
	# The infra image a pod test names: catatonit, as Podman's own pause
	# image has it.
	mkdir -p "$w/src/pause"
	cp /usr/bin/catatonit "$w/src/pause/pause"
	tim_make pause:3.5 '{"Entrypoint": ["/pause", "-P"]}' 2021-06-01T00:00:00Z "$(tim_layer "$w/src/pause")"
	rm -rf "$w/src"
	mv "$w/images" "$w/images.done"
}
