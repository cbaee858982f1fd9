SUMMARY = "A minimal flashable image with the Mote agent"
require recipes-core/images/core-image-minimal.bb
IMAGE_INSTALL:append = " mote-agent"
