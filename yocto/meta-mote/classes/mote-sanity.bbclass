# Warns, once per build, when meta-mote is in bblayers.conf but DISTRO_FEATURES lacks "mote": the
# layer then leaves every kernel alone, so mote-btf has no DWARF to work from and the agent's
# kernel options may be missing. Set SKIP_MOTE_SANITY_CHECK = "1" to silence it.
addhandler mote_sanity_check
mote_sanity_check[eventmask] = "bb.event.SanityCheck"
python mote_sanity_check() {
    if e.data.getVar('SKIP_MOTE_SANITY_CHECK') == '1':
        return
    if not bb.utils.contains('DISTRO_FEATURES', 'mote', True, False, e.data):
        bb.warn("meta-mote is in your layers, but DISTRO_FEATURES has no 'mote': the kernel gets no Mote "
                "configuration fragment and mote-btf cannot read its DWARF. Add DISTRO_FEATURES:append = \" mote\" "
                "to your distro or local.conf, or set SKIP_MOTE_SANITY_CHECK = \"1\" to silence this.")
}
