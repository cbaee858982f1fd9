# Mote's kernel options, as a configuration fragment (kernels built with kernel-yocto).
FILESEXTRAPATHS:prepend := "${THISDIR}/files:"
SRC_URI += "file://mote-bpf.cfg"
