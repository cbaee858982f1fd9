SUMMARY = "Minimized BTF of the image's kernel for Mote's built-in modules"
DESCRIPTION = "For kernels without CONFIG_DEBUG_INFO_BTF (most 32-bit ARM kernels): pahole-native \
encodes the BTF of the kernel just built from its DWARF, and bpftool-native gen min_core_btf \
keeps only what the modules' CO-RE objects (from Mote's release tarball) relocate against. \
Installs /usr/lib/mote/btf/<kernel release>.btf, where mote-agent looks. Needs DISTRO_FEATURES \
'mote' (DWARF in vmlinux); a kernel with its own BTF gets an empty package."
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/GPL-2.0-only;md5=801f80980d171dd6425610833a22dbe6"

require recipes-mote/include/mote-dist.inc

DEPENDS = "pahole-native bpftool-native"
PACKAGE_ARCH = "${MACHINE_ARCH}"
do_compile[depends] += "virtual/kernel:do_shared_workdir"

# The same encoder flags as `npx mote btf` (bundler/btf/armhf.ts), so both make the same types.
MOTE_PAHOLE_FLAGS = "--btf_gen_floats"

do_compile() {
	kernel=${STAGING_KERNEL_BUILDDIR}
	if grep -q '^CONFIG_DEBUG_INFO_BTF=y' $kernel/.config; then
		bbnote "the kernel has CONFIG_DEBUG_INFO_BTF: mote-agent reads /sys/kernel/btf/vmlinux, no minimized BTF needed"
		return
	fi
	if [ ! -f $kernel/vmlinux ]; then
		bbfatal "no vmlinux in $kernel: add 'mote' to DISTRO_FEATURES so the kernel keeps its DWARF there (meta-mote README)"
	fi
	release=$(cat $kernel/kernel-abiversion)
	pahole ${MOTE_PAHOLE_FLAGS} --btf_encode_detached=${B}/vmlinux.btf $kernel/vmlinux
	bpftool gen min_core_btf ${B}/vmlinux.btf ${B}/$release.btf ${S}/modules/*/*.${MOTE_ARCH}.*.o
}

do_install() {
	install -d ${D}${nonarch_libdir}/mote/btf
	# Nothing to install for a kernel with its own BTF (the loop then sees no file).
	for btf in ${B}/*.btf; do
		[ -f "$btf" ] && [ "$(basename $btf)" != vmlinux.btf ] || continue
		install -m 0644 $btf ${D}${nonarch_libdir}/mote/btf/
	done
}

FILES:${PN} = "${nonarch_libdir}/mote/btf"
ALLOW_EMPTY:${PN} = "1"
