SUMMARY = "Mote: eBPF telemetry agent publishing CBOR over MQTT"
DESCRIPTION = "A static mote-agent (QuickJS, the mote:sys binding, the agent's bytecode, the \
built-in modules' CO-RE objects and minimized BTFs) built by 'npx mote build --board <board>' \
from the Mote repository, installed with its service and default configuration."
HOMEPAGE = "https://github.com/mote-agent/mote"
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/GPL-2.0-only;md5=801f80980d171dd6425610833a22dbe6"

# The binary Mote's own toolchain built for this MACHINE's board (musl, static, stripped):
#   npx mote build --board raspberrypi2   ->   build/boards/raspberrypi2/armhf/mote-agent
# Set MOTE_AGENT_BINARY in local.conf to that path.
MOTE_AGENT_BINARY ??= ""

SRC_URI = "file://mote-agent.service file://mote-agent.init file://mote.json"
S = "${WORKDIR}"

inherit systemd update-rc.d

SYSTEMD_SERVICE:${PN} = "mote-agent.service"
INITSCRIPT_NAME = "mote-agent"
INITSCRIPT_PARAMS = "defaults 90 10"

do_install[file-checksums] += "${MOTE_AGENT_BINARY}:True"

python () {
    if not d.getVar('MOTE_AGENT_BINARY'):
        bb.fatal("mote-agent: set MOTE_AGENT_BINARY in local.conf to the binary 'npx mote build --board <board>' made")
}

do_install() {
    install -d ${D}${sbindir} ${D}${sysconfdir}/mote ${D}${localstatedir}/lib/mote/modules
    install -m 0755 ${MOTE_AGENT_BINARY} ${D}${sbindir}/mote-agent
    install -m 0644 ${WORKDIR}/mote.json ${D}${sysconfdir}/mote/mote.json
    if ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'true', 'false', d)}; then
        install -d ${D}${systemd_system_unitdir}
        install -m 0644 ${WORKDIR}/mote-agent.service ${D}${systemd_system_unitdir}/mote-agent.service
    fi
    if ${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', 'true', 'false', d)}; then
        install -d ${D}${sysconfdir}/init.d
        install -m 0755 ${WORKDIR}/mote-agent.init ${D}${sysconfdir}/init.d/mote-agent
    fi
}

FILES:${PN} += "${localstatedir}/lib/mote"
CONFFILES:${PN} = "${sysconfdir}/mote/mote.json"
# Already stripped and statically linked against musl by Mote's build.
INSANE_SKIP:${PN} += "already-stripped ldflags"
