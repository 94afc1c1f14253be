# shellcheck shell=bash
# Kernel helpers for tests/vm/run (sourced, not executed).
#
#   vm_kdir                 -> KDIR by the Makefile's rule
#   vm_kdir_release KDIR    -> kernel release of a build tree (utsrelease.h)
#   vm_image_release IMAGE  -> kernel release from a bzImage header
#   vm_prepare_kernel IMAGE CACHE -> path to boot: a PVH-capable uncompressed
#                              vmlinux extracted from IMAGE (cached), or IMAGE

# KDIR: $KDIR if set; else /lib/modules/$(uname -r)/build if it exists; else
# the newest /lib/modules/*/build (version sort).
vm_kdir() {
	if [[ -n ${KDIR:-} ]]; then
		printf '%s\n' "$KDIR"
		return 0
	fi
	local d
	d=/lib/modules/$(uname -r)/build
	if [[ -d $d ]]; then
		printf '%s\n' "$d"
		return 0
	fi
	d=$(printf '%s\n' /lib/modules/*/build | sort -V | tail -n 1)
	if [[ -d $d ]]; then
		printf '%s\n' "$d"
		return 0
	fi
	return 1
}

# The real release string is in include/generated/utsrelease.h; on Debian
# include/config/kernel.release holds the upstream version instead.
vm_kdir_release() {
	local f=$1/include/generated/utsrelease.h line
	[[ -r $f ]] || return 1
	while IFS= read -r line; do
		if [[ $line =~ ^#define\ UTS_RELEASE\ \"([^\"]+)\" ]]; then
			printf '%s\n' "${BASH_REMATCH[1]}"
			return 0
		fi
	done <"$f"
	return 1
}

# The image for a release: /boot/vmlinuz-REL, else the tree's own
# arch/x86/boot/bzImage, else a */bzImage under SHARED (the project's
# shared/kernels, e.g. the debug kernel whose build tree is KDIR) whose header
# says REL.
vm_find_image() {
	local kdir=$1 rel=$2 shared=${3:-} f
	for f in "/boot/vmlinuz-$rel" "$kdir/arch/x86/boot/bzImage"; do
		[[ -r $f ]] && { printf '%s\n' "$f"; return 0; }
	done
	if [[ -n $shared && -d $shared ]]; then
		for f in "$shared"/*/bzImage; do
			[[ -r $f && $(vm_image_release "$f" 2>/dev/null) == "$rel" ]] &&
				{ readlink -f "$f"; return 0; }
		done
	fi
	return 1
}

# x86 boot protocol: 16-bit offset at 0x20E points (relative to 0x200) at a
# NUL-terminated version string "6.1.0-56-amd64 (builder@host) #1 ...".
vm_image_release() {
	local img=$1 magic ptr ver
	magic=$(dd if="$img" bs=1 skip=$((0x202)) count=4 2>/dev/null) || return 1
	[[ $magic == HdrS ]] || return 1
	ptr=$(od -An -tu2 -j $((0x20E)) -N 2 "$img" | tr -d ' ') || return 1
	[[ -n $ptr && $ptr -gt 0 ]] || return 1
	ver=$(dd if="$img" bs=1 skip=$((ptr + 0x200)) count=128 2>/dev/null | tr '\0' '\n' | head -n 1)
	ver=${ver%% *}
	[[ -n $ver ]] || return 1
	printf '%s\n' "$ver"
}

# Booting the compressed bzImage under TCG spends seconds in the decompressor
# (Debian's is xz: ~6 s). If the kernel supports PVH entry (CONFIG_PVH), QEMU
# boots the uncompressed ELF vmlinux directly, skipping the decompressor and
# real-mode setup. Extract it once and cache it; remember negative results.
vm_prepare_kernel() {
	local img=$1 cache=$2 key out neg ss po pl off magic dec tmp
	key=$(stat -L -c '%s-%Y-%i' "$img") || return 1
	key=$(printf '%s|%s' "$(readlink -f "$img")" "$key" | sha256sum | cut -c1-16)
	out=$cache/vmlinux-$key
	neg=$cache/vmlinux-$key.nopvh
	if [[ -s $out ]]; then
		touch "$out" 2>/dev/null # mtime = last use, for the pruning below
		printf '%s\n' "$out"
		return 0
	fi
	if [[ -e $neg ]] || ! command -v readelf >/dev/null; then
		printf '%s\n' "$img"
		return 0
	fi
	ss=$(od -An -tu1 -j $((0x1F1)) -N 1 "$img" | tr -d ' ')
	po=$(od -An -tu4 -j $((0x248)) -N 4 "$img" | tr -d ' ')
	pl=$(od -An -tu4 -j $((0x24C)) -N 4 "$img" | tr -d ' ')
	[[ $ss == 0 ]] && ss=4
	off=$(((ss + 1) * 512 + po))
	magic=$(od -An -tx1 -j "$off" -N 4 "$img" | tr -d ' ')
	case $magic in
	1f8b*) dec="gzip -dc" ;;
	fd377a58) dec="xz -dc" ;;
	28b52ffd) dec="zstd -dcq" ;;
	02214c18) dec="lz4 -dc" ;;
	425a68*) dec="bzip2 -dc" ;;
	5d0000*) dec="xz -dc --format=lzma" ;;
	*) dec= ;;
	esac
	mkdir -p "$cache"
	tmp=$(mktemp "$cache/.vmlinux.XXXXXX") || return 1
	# The payload length is exact; the PVH note is ELF note type 0x12
	# (XEN_ELFNOTE_PHYS32_ENTRY).
	local ok=0
	if [[ -n $dec ]] && command -v "${dec%% *}" >/dev/null; then
		tail -c +$((off + 1)) "$img" | head -c "$pl" | $dec >"$tmp" 2>/dev/null
		if [[ -s $tmp && $(od -An -tx1 -N 4 "$tmp" | tr -d ' ') == 7f454c46 ]] &&
			readelf -n "$tmp" 2>/dev/null | grep -q 'Xen.*(0x00000012)'; then
			ok=1
		fi
	fi
	if [[ $ok == 1 ]]; then
		chmod 644 "$tmp"
		mv -f "$tmp" "$out"
		# Drop extractions of other kernels unused for an hour.
		find "$cache" -maxdepth 1 -name 'vmlinux-*' ! -name "vmlinux-$key*" -mmin +60 -delete 2>/dev/null
		printf '%s\n' "$out"
	else
		rm -f "$tmp"
		: >"$neg"
		printf '%s\n' "$img"
	fi
}
