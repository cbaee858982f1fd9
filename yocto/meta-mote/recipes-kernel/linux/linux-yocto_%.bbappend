# Mote's kernel options, only when DISTRO_FEATURES contains "mote"; otherwise this file adds nothing.
# For another kernel recipe, add a bbappend of it with this same line.
require ${@bb.utils.contains('DISTRO_FEATURES', 'mote', 'mote-kernel.inc', '', d)}
