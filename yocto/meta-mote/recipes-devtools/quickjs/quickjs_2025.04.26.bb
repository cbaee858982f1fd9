SUMMARY = "QuickJS: a small embeddable JavaScript engine (static library and the qjsc compiler)"
DESCRIPTION = "The QuickJS release Mote pins (bundler/quickjs.pin in the Mote repository), from \
Debian's orig tarball of it. The target build gives libquickjs.a and headers to mote-agent; the \
native build gives qjsc, which compiles the agent's JavaScript bundle to bytecode during the build."
HOMEPAGE = "https://bellard.org/quickjs/"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://LICENSE;md5=00d0a5fff8216c94faadd9a51b23695e"

SRC_URI = "${DEBIAN_MIRROR}/main/q/quickjs/quickjs_${PV}.orig.tar.xz"
SRC_URI[sha256sum] = "ec81da5b3249ed648dbc7df4a1654988910e66a118d9b71cb63534216efcfbbe"

S = "${UNPACKDIR}/quickjs-${PV}"
B = "${WORKDIR}/build"

QUICKJS_LIB_SOURCES = "quickjs.c dtoa.c libregexp.c libunicode.c cutils.c quickjs-libc.c"
QUICKJS_CFLAGS = "-D_GNU_SOURCE -fwrapv -w"

do_compile[cleandirs] = "${B}"
do_compile() {
	version=$(cat ${S}/VERSION)
	for source in ${QUICKJS_LIB_SOURCES} qjsc.c; do
		${CC} ${CFLAGS} ${QUICKJS_CFLAGS} -DCONFIG_VERSION="\"$version\"" -c ${S}/$source -o ${B}/${source%.c}.o
	done
	rm -f ${B}/libquickjs.a
	${AR} rcs ${B}/libquickjs.a $(for source in ${QUICKJS_LIB_SOURCES}; do echo ${B}/${source%.c}.o; done)
	${CC} ${LDFLAGS} -o ${B}/qjsc ${B}/qjsc.o ${B}/libquickjs.a -lm -ldl -lpthread
}

do_install() {
	install -d ${D}${bindir} ${D}${libdir} ${D}${includedir}/quickjs
	install -m 0755 ${B}/qjsc ${D}${bindir}/qjsc
	install -m 0644 ${B}/libquickjs.a ${D}${libdir}/libquickjs.a
	install -m 0644 ${S}/quickjs.h ${S}/quickjs-libc.h ${D}${includedir}/quickjs/
}

BBCLASSEXTEND = "native"
