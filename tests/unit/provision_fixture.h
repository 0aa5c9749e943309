/* Test helper: a small provisioning firmware image built in memory, with
 * "code" bytes from address 0 and a manifest inside them. */
#ifndef NRFCRED_TEST_PROVISION_FIXTURE_H
#define NRFCRED_TEST_PROVISION_FIXTURE_H

#include "image/image.h"
#include "provision/manifest.h"

#define FIX_CODE_SIZE	  0x2000u
#define FIX_MANIFEST_ADDR 0x1000u
#define FIX_TABLE_ADDR	  0x10000u
#define FIX_TABLE_MAX	  0x1000u
#define FIX_RESULT_ADDR	  0x11000u
#define FIX_RESULT_MAX	  0x1000u
#define FIX_PROGRESS_ADDR 0x20000100u

/* The manifest the fixture uses (valid, version 1). */
struct manifest fixture_manifest(void);
/* Code bytes [0, FIX_CODE_SIZE) with m encoded at FIX_MANIFEST_ADDR. */
struct image *fixture_image(const struct manifest *m);

#endif
