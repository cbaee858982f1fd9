SUMMARY = "A minimal image with the Mote agent and its minimized kernel BTF"
require recipes-core/images/core-image-minimal.bb
IMAGE_INSTALL:append = " mote-agent mote-btf"
