SUMMARY = "Mote: eBPF telemetry agent publishing CBOR over MQTT"
DESCRIPTION = "mote-agent built from Mote's release source tarball (npx mote dist): qjsc-native \
compiles the agent's JavaScript bundle to bytecode, and the target compiler links it with the \
mote:sys binding, QuickJS and mbedTLS against the image's C library. The built-in modules' CO-RE \
objects come precompiled in the tarball, so the build needs no clang. Installed with its service \
and default configuration."
LICENSE = "GPL-2.0-only"
LIC_FILES_CHKSUM = "file://${COMMON_LICENSE_DIR}/GPL-2.0-only;md5=801f80980d171dd6425610833a22dbe6"

require recipes-mote/include/mote-dist.inc

# mote:sys builds against mbedTLS 2.28 and 3.x: whichever the series' meta-networking prefers.
DEPENDS = "quickjs quickjs-native mbedtls"
SRC_URI += "file://mote-agent.service file://mote-agent.init file://mote.json"

inherit systemd update-rc.d useradd

# The unprivileged user the service and the init script run the agent as, made at image build
# (and on the device at package install): a system user with its own group, no login, whose home
# is the state folder. `mote-agent setup` gives that folder to it again at every start.
USERADD_PACKAGES = "${PN}"
USERADD_PARAM:${PN} = "--system --user-group --home-dir ${localstatedir}/lib/mote --no-create-home --shell /sbin/nologin mote"
# The init script drops root with setpriv; the systemd unit does it itself.
RDEPENDS:${PN} += "${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', 'util-linux-setpriv', '', d)}"

SYSTEMD_SERVICE:${PN} = "mote-agent.service"
INITSCRIPT_NAME = "mote-agent"
INITSCRIPT_PARAMS = "defaults 90 10"

MOTE_QJSC_MODULES = "std os mote:sys"
MOTE_CFLAGS = "-fwrapv -I${S}/native -I${STAGING_INCDIR}/quickjs"
MOTE_LIBS = "-lquickjs -lmbedtls -lmbedx509 -lmbedcrypto -lm -ldl -lpthread"

do_compile() {
	qjsc -c -m -s $(for module in ${MOTE_QJSC_MODULES}; do echo -M $module; done) -N mote_agent_bytecode \
		-o ${B}/agent_bytecode.c ${S}/agent/${MOTE_ARCH}/agent.js
	# Linked as qjsc wrote it, not compressed as the bundler's build links it (native/main.c).
	echo 'const uint32_t mote_agent_bytecode_packed_size = 0;' >> ${B}/agent_bytecode.c
	for source in ${S}/native/*.c ${B}/agent_bytecode.c ${S}/agent/${MOTE_ARCH}/agent_assets.c; do
		object=$(basename $source .c).o
		${CC} ${CFLAGS} ${MOTE_CFLAGS} -c $source -o ${B}/$object
	done
	${CC} ${CFLAGS} ${LDFLAGS} -o ${B}/mote-agent ${B}/*.o ${MOTE_LIBS}
}

# The paths the README and the service name: the binary, /etc/mote/mote.json, the module store.
do_install() {
	install -d ${D}${sbindir} ${D}${sysconfdir}/mote ${D}${localstatedir}/lib/mote/modules
	chown -R mote:mote ${D}${localstatedir}/lib/mote
	chmod 0750 ${D}${localstatedir}/lib/mote
	install -m 0755 ${B}/mote-agent ${D}${sbindir}/mote-agent
	install -m 0644 ${UNPACKDIR}/mote.json ${D}${sysconfdir}/mote/mote.json
	if ${@bb.utils.contains('DISTRO_FEATURES', 'systemd', 'true', 'false', d)}; then
		install -d ${D}${systemd_system_unitdir}
		install -m 0644 ${UNPACKDIR}/mote-agent.service ${D}${systemd_system_unitdir}/mote-agent.service
	fi
	if ${@bb.utils.contains('DISTRO_FEATURES', 'sysvinit', 'true', 'false', d)}; then
		install -d ${D}${sysconfdir}/init.d
		install -m 0755 ${UNPACKDIR}/mote-agent.init ${D}${sysconfdir}/init.d/mote-agent
	fi
}

FILES:${PN} += "${localstatedir}/lib/mote"
CONFFILES:${PN} = "${sysconfdir}/mote/mote.json"
