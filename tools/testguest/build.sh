#!/bin/bash
# Builds govirt's tiny end-to-end test guest: Debian's cloud kernel plus a
# busybox-static initramfs that loads the virtio modules, prints
# GOVIRT-TESTGUEST-READY on the serial console, powers off on the ACPI
# power button, runs udhcpc on eth0 when there is a NIC (printing
# GOVIRT-TESTGUEST-IP <address>), runs the script given base64-encoded as
# govirt.run= on the kernel command line (its output prefixed with
# GOVIRT-TESTGUEST-RUN) and keeps a shell on the console.
#
# Output goes to ${GOVIRT_TESTGUEST_DIR:-$HOME/.cache/govirt/testguest}; the
# build is skipped when its inputs have not changed. The last two lines of
# output are KERNEL=<path> and INITRD=<path>.
#
# Environment: GOVIRT_TESTGUEST_KERNEL picks a kernel image (default: the
# newest /boot/vmlinuz-*-cloud-amd64), GOVIRT_TESTGUEST_BUSYBOX a static
# busybox (default /bin/busybox). Needs: linux-image-cloud-amd64,
# busybox-static; no network.
set -euo pipefail

out=${GOVIRT_TESTGUEST_DIR:-$HOME/.cache/govirt/testguest}
busybox=${GOVIRT_TESTGUEST_BUSYBOX:-/bin/busybox}
kernel=${GOVIRT_TESTGUEST_KERNEL:-}

die() { echo "testguest: $*" >&2; exit 2; }

if [ -z "$kernel" ]; then
	kernel=$(ls -1 /boot/vmlinuz-*-cloud-amd64 2>/dev/null | sort -V | tail -n 1 || true)
	[ -n "$kernel" ] || die "no /boot/vmlinuz-*-cloud-amd64: install linux-image-cloud-amd64"
fi
[ -r "$kernel" ] || die "cannot read $kernel (Debian installs kernels readable by root only on some systems; run as root)"
kver=${kernel##*/vmlinuz-}
moddir=/lib/modules/$kver
[ -r "$moddir/modules.dep" ] || die "no $moddir/modules.dep for kernel $kver"
[ -x "$busybox" ] || die "no $busybox: install busybox-static"
applets=$("$busybox" --list)
for applet in acpid udhcpc init insmod cpio cttyhack; do
	grep -qx "$applet" <<<"$applets" || die "$busybox lacks the $applet applet"
done

# Modules the cloud kernel leaves out that the guest needs: virtio
# transport and devices, the ACPI power button and evdev for acpid.
modules=(virtio_pci virtio_net virtio_blk virtio_console virtio-rng virtio_scsi virtio_balloon button evdev)

# modprobe's dependency walk: every module listed in modules.dep (the
# closure of its dependencies) is loaded after what it depends on.
declare -A deps=() path_of=() seen=()
while IFS= read -r line; do
	mod=${line%%:*}
	rest=${line#*:}
	name=${mod##*/}
	name=${name%%.ko*}
	path_of[$name]=$mod
	deps[$name]=$rest
done <"$moddir/modules.dep"

order=()
visit() {
	local name=$1 dep dname
	[ -n "${seen[$name]:-}" ] && return
	seen[$name]=1
	for dep in ${deps[$name]}; do
		dname=${dep##*/}
		dname=${dname%%.ko*}
		visit "$dname"
	done
	order+=("$name")
}
for m in "${modules[@]}"; do
	if [ -z "${path_of[$m]:-}" ]; then
		# Built into this kernel (or absent): nothing to load.
		grep -q "/${m//-/[-_]}\.ko" "$moddir/modules.builtin" 2>/dev/null ||
			echo "testguest: note: module $m not found for $kver" >&2
		continue
	fi
	visit "$m"
done

script=$(realpath "${BASH_SOURCE[0]}")
stamp=$(
	{
		echo "format 1"
		stat -c '%n %s %Y' "$kernel" "$busybox"
		for m in "${order[@]}"; do stat -c '%n %s %Y' "$moddir/${path_of[$m]}"; done
		sha256sum "$script"
	} | sha256sum | cut -d' ' -f1
)

mkdir -p "$out"
# Test binaries of several packages may build at once.
if command -v flock >/dev/null; then
	exec 9>"$out/.lock"
	flock 9
fi
if [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] && [ -f "$out/vmlinuz" ] && [ -f "$out/initrd.img" ]; then
	echo "testguest: up to date in $out" >&2
	echo "KERNEL=$out/vmlinuz"
	echo "INITRD=$out/initrd.img"
	exit 0
fi

stage=$(mktemp -d "$out/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
root=$stage/root
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc/acpi/PWRF,proc,sys,dev,tmp,run,var/run,var/log,root,lib/modules}
cp "$busybox" "$root/bin/busybox"
chmod 0755 "$root/bin/busybox"
for applet in $("$busybox" --list-full); do
	[ "$applet" = bin/busybox ] && continue
	mkdir -p "$root/$(dirname "$applet")"
	ln -sf /bin/busybox "$root/$applet"
done

: >"$root/etc/modules.order"
for m in "${order[@]}"; do
	src=$moddir/${path_of[$m]}
	dst=$root/lib/modules/$m.ko
	case $src in
	*.ko.xz) xz -dc "$src" >"$dst" ;;
	*.ko.zst) zstd -qdc "$src" >"$dst" ;;
	*.ko.gz) gzip -dc "$src" >"$dst" ;;
	*) cp "$src" "$dst" ;;
	esac
	echo "$m" >>"$root/etc/modules.order"
done

# /init runs before any device node exists: mount devtmpfs, take the
# console, then hand PID 1 to busybox init (which handles poweroff).
cat >"$root/init" <<'INIT'
#!/bin/sh
/bin/busybox mount -t devtmpfs devtmpfs /dev
exec 0</dev/console 1>/dev/console 2>&1
exec /sbin/init
INIT
chmod 0755 "$root/init"

cat >"$root/etc/inittab" <<'INITTAB'
::sysinit:/etc/rcS
::respawn:/bin/cttyhack /bin/sh -l
::ctrlaltdel:/sbin/reboot
::shutdown:/etc/rc.shutdown
INITTAB

cat >"$root/etc/rcS" <<'RCS'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
hostname govirt-testguest
while read -r m; do
	insmod /lib/modules/$m.ko 2>/dev/null || echo "testguest: insmod $m failed"
done </etc/modules.order
ip link set lo up
acpid -c /etc/acpi -l /var/log/acpid.log
echo "GOVIRT-TESTGUEST-READY"
if [ -e /sys/class/net/eth0 ]; then
	udhcpc -i eth0 -s /etc/udhcpc.script -t 20 -T 2 -A 5 -b -q
fi
# govirt.run=<base64 shell script> on the kernel command line: run it once
# the network is up, each line of its output on the console after
# GOVIRT-TESTGUEST-RUN (tests prove things from inside the guest).
for arg in $(cat /proc/cmdline); do
	case "$arg" in
	govirt.run=*) echo "${arg#govirt.run=}" | base64 -d >/etc/run.sh 2>/dev/null && chmod 0755 /etc/run.sh ;;
	esac
done
if [ -x /etc/run.sh ]; then
	(/etc/run.sh 2>&1 | while IFS= read -r l; do echo "GOVIRT-TESTGUEST-RUN $l"; done) >/dev/console 2>&1 &
fi
RCS
chmod 0755 "$root/etc/rcS"

cat >"$root/etc/rc.shutdown" <<'SHUT'
#!/bin/sh
echo "GOVIRT-TESTGUEST-POWEROFF"
sync
SHUT
chmod 0755 "$root/etc/rc.shutdown"

# busybox acpid maps the power button to PWRF/00000080 under its config
# directory and runs that file.
cat >"$root/etc/acpi/PWRF/00000080" <<'PWR'
#!/bin/sh
poweroff
PWR
chmod 0755 "$root/etc/acpi/PWRF/00000080"

cat >"$root/etc/udhcpc.script" <<'DHCP'
#!/bin/sh
case "$1" in
deconfig)
	ip addr flush dev "$interface"
	ip link set "$interface" up
	;;
bound|renew)
	ifconfig "$interface" "$ip" netmask "${subnet:-255.255.255.0}" up
	if [ -n "$router" ]; then
		ip route replace default via "${router%% *}" dev "$interface"
	fi
	: >/etc/resolv.conf
	for d in $dns; do echo "nameserver $d" >>/etc/resolv.conf; done
	echo "GOVIRT-TESTGUEST-IP $ip" >/dev/console
	;;
esac
exit 0
DHCP
chmod 0755 "$root/etc/udhcpc.script"

echo "root:x:0:0:root:/root:/bin/sh" >"$root/etc/passwd"
echo "root:x:0:" >"$root/etc/group"
printf '%s\n' 'PS1="testguest# "' 'export PATH=/bin:/sbin:/usr/bin:/usr/sbin' >"$root/etc/profile"

(cd "$root" && find . -mindepth 1 | LC_ALL=C sort | "$busybox" cpio -o -H newc -R 0:0 2>/dev/null) | gzip -9n >"$stage/initrd.img"
cp "$kernel" "$stage/vmlinuz"
chmod 0644 "$stage/vmlinuz" "$stage/initrd.img"
mv -f "$stage/vmlinuz" "$out/vmlinuz"
mv -f "$stage/initrd.img" "$out/initrd.img"
echo "$stamp" >"$out/stamp"
echo "testguest: built from $kernel with ${#order[@]} modules (${order[*]})" >&2
echo "KERNEL=$out/vmlinuz"
echo "INITRD=$out/initrd.img"
